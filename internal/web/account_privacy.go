package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/privacy"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Personal-data pages of the logged-in user (docs/privacy.md): the export
// (개인정보 내려받기) and the withdrawal (회원 탈퇴), and the janitor's
// privacy rules.

// privacyRoutes registers the pages; routes calls it.
func (s *Server) privacyRoutes(m *http.ServeMux) {
	m.Handle("GET /account/export", s.requireLogin(http.HandlerFunc(s.accountExportShow)))
	m.Handle("POST /account/export", s.requireLogin(http.HandlerFunc(s.accountExportCreate)))
	m.Handle("GET /account/withdraw", s.requireLogin(http.HandlerFunc(s.accountWithdrawShow)))
	withdrawLimit := NewRateLimiter(10, 5, s.now)
	m.Handle("POST /account/withdraw", s.requireLogin(s.rateLimit(withdrawLimit, http.HandlerFunc(s.accountWithdrawCreate))))
}

func init() {
	messageKeys["withdrawn"] = true
}

// withdrawPage is the data of the withdrawal page.
type withdrawPage struct {
	Error string
	Code  string
}

// accountExportShow handles GET /account/export: what the download holds
// and its button.
func (s *Server) accountExportShow(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "export", nil)
}

// accountExportCreate handles POST /account/export: everything the portal
// holds about the user, as a JSON attachment. The download is audited.
func (s *Server) accountExportCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	now := s.now()
	var x *privacy.Export
	err := s.store.InTx(ctx, func(q store.Queries) error {
		// The audit event first, so that the export lists it too.
		if err := logAudit(ctx, q, r, "user.export", "user", u.ID, nil, now); err != nil {
			return err
		}
		var err error
		x, err = privacy.ExportUser(ctx, q, u.ID, now)
		return err
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	b, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	name := fmt.Sprintf("gwanmun-personal-data-%d-%s.json", u.ID, now.UTC().Format("20060102"))
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	w.Write(append(b, '\n'))
}

// accountWithdrawShow handles GET /account/withdraw: what a withdrawal
// deletes and the button that signs the confirmation.
func (s *Server) accountWithdrawShow(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "withdraw", &withdrawPage{})
}

// accountWithdrawCreate handles POST /account/withdraw: the user signs a
// fresh "confirm" challenge with the account's current certificate; the
// account is then withdrawn in one transaction (privacy.Withdraw), the
// session cookie cleared and the browser sent home.
func (s *Server) accountWithdrawCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	sr, err := signedResponse(w, r)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "")
		return
	}
	v, err := s.auth.Verify(ctx, pki.PurposeConfirm, sr)
	if err != nil {
		if !s.certFailure(w, r, err, "withdraw", func(code, msg string) any { return &withdrawPage{Error: msg, Code: code} }) {
			s.error(w, r, err)
		}
		return
	}
	now := s.now()
	var res privacy.Withdrawal
	err = s.store.InTx(ctx, func(q store.Queries) error {
		var err error
		res, err = privacy.Withdraw(ctx, q, u.ID, v.KeyHash, actorOf(r), now)
		return err
	})
	var de *domain.Error
	if errors.As(err, &de) {
		if wantsJSON(r) {
			s.renderError(w, r, httpStatus(de.Code), de.Code, de.Message)
			return
		}
		s.render(w, r, httpStatus(de.Code), "withdraw", &withdrawPage{Error: de.Message, Code: de.Code})
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.log.Info("account withdrawn", "id", state(r).id, "user", u.ID, "grants_ended", res.GrantsEnded,
		"requests_cancelled", res.RequestsCancelled)
	s.clearSessionCookie(w)
	const next = "/?msg=withdrawn"
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]string{"redirect": next})
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// privacyConfig is the server's privacy configuration, with the mail site
// when notices are on.
func (s *Server) privacyConfig() privacy.Config {
	cfg := s.cfg.Privacy
	if s.cfg.Mail != nil && cfg.Mail == nil {
		site := s.cfg.Mail.Site
		cfg.Mail = &site
	}
	return cfg
}

// privacySweep runs the privacy rules (privacy.Sweep) for the janitor.
func (s *Server) privacySweep(ctx context.Context) {
	res, err := privacy.Sweep(ctx, s.store, s.privacyConfig(), s.now())
	if err != nil && ctx.Err() == nil {
		s.log.Warn("janitor: privacy rules", "err", err)
	}
	if res != (privacy.SweepResult{}) {
		s.log.Info("janitor: privacy rules", "warned", res.Warned, "locked", res.Locked, "login_ids_released", res.Released)
	}
}
