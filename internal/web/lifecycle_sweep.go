package web

import (
	"context"

	"github.com/gwanmun/gwanmun/internal/lifecycle"
)

// lifecycleSweep runs the periodic rules of package lifecycle from the
// janitor: certificate expiry notices.
func (s *Server) lifecycleSweep(ctx context.Context) {
	n, err := lifecycle.CertExpiryNotices(ctx, s.store, nil, s.lifecycleMail(), s.now())
	if err != nil && ctx.Err() == nil {
		s.log.Warn("janitor: certificate expiry notices", "err", err)
	}
	if n > 0 {
		s.log.Info("janitor: certificate expiry notices", "sent", n)
	}
}
