package web

import (
	"context"

	"github.com/gwanmun/gwanmun/internal/access"
	"time"
)

// RunJanitor deletes expired challenges, sessions and signup drafts, and
// applies the periodic access rules (access.Sweep), every minute until ctx
// ends. Every process may run it; the deletes are
// idempotent. Beside it, every trustCheckEvery, the process follows the
// shared trust reload generation (RunTrustWatch).
func (s *Server) RunJanitor(ctx context.Context) {
	tt := time.NewTicker(trustCheckEvery)
	defer tt.Stop()
	go s.RunTrustWatch(ctx, tt.C)
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		s.sweep(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Server) sweep(ctx context.Context) {
	now := s.now()
	if _, err := s.store.DeleteExpiredChallenges(ctx, now.Add(-time.Minute)); err != nil && ctx.Err() == nil {
		s.log.Warn("janitor: challenges", "err", err)
	}
	if _, err := s.store.DeleteExpiredSessions(ctx, now.Add(-s.cfg.SessionIdle), now); err != nil && ctx.Err() == nil {
		s.log.Warn("janitor: sessions", "err", err)
	}
	if _, err := s.store.DeleteExpiredSignupDrafts(ctx, now); err != nil && ctx.Err() == nil {
		s.log.Warn("janitor: signup drafts", "err", err)
	}
	s.privacySweep(ctx)
	s.lifecycleSweep(ctx) // lifecycle_sweep.go
	s.ssoSweep(ctx, now)  // sso.go
	start := time.Now()
	res, err := access.Sweep(ctx, s.store, s.cfg.Sweep, now)
	if err != nil && ctx.Err() == nil {
		s.log.Warn("janitor: access rules", "err", err)
	}
	if res != (access.SweepResult{}) {
		s.log.Info("janitor: access rules", "lapsed", res.Lapsed, "reminded", res.Reminded, "escalated", res.Escalated, "cancelled", res.Cancelled,
			"took", time.Since(start).Round(time.Millisecond))
	}
	s.reviewSweep(ctx, now)
}
