package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/notify"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
)

// certPage is the data of the certificate change page (인증서 변경).
type certPage struct {
	Reason        string // "personal" (institution certificate, personal roles), "forced", or ""
	Certs         []domain.Certificate
	Error         string
	Code          string
	Done          bool
	NeedsPersonal bool
	// Confirmed: the session signed with the current certificate within
	// confirmTTL; until then the page offers that signature first.
	Confirmed bool
}

// accountCertShow handles GET /account/cert: the user's certificates and
// the button to register a renewed one.
func (s *Server) accountCertShow(w http.ResponseWriter, r *http.Request) {
	p := &certPage{Reason: r.URL.Query().Get("reason"), Done: r.URL.Query().Get("done") == "1"}
	s.accountCertRender(w, r, http.StatusOK, p)
}

func (s *Server) accountCertRender(w http.ResponseWriter, r *http.Request, status int, p *certPage) {
	u := userFrom(r.Context())
	certs, err := s.store.ListCertificates(r.Context(), u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Certs = certs
	p.Confirmed = s.confirmed(r)
	if p.NeedsPersonal, err = s.needsPersonalCert(r.Context(), u.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	if p.Reason != "personal" && p.Reason != "forced" {
		p.Reason = ""
	}
	s.render(w, r, status, "cert", p)
}

// accountCertCreate handles POST /account/cert: the user signs a
// cert-change challenge with the new certificate, which replaces the
// current ones. The user keeps every role. The route is behind
// requireConfirm: the session must have signed a fresh "confirm" challenge
// with the current certificate (a copied session cookie alone cannot
// change the account's login factor; a user whose certificate expired
// cannot log in and re-registers instead). The new certificate must name
// the account's holder, as at signup and re-registration, and be personal
// when the user holds a role that handles personal data. The change ends
// every other session of the account, e-mails the owner and is audited.
func (s *Server) accountCertCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st := state(r)
	u := *st.user
	sr, err := signedResponse(w, r)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "")
		return
	}
	fail := func(code, msg string) any { return &certPage{Error: msg, Code: code} }
	v, err := s.auth.Verify(ctx, pki.PurposeCertChange, sr)
	if err != nil {
		if !s.certFailure(w, r, err, "cert", func(code, msg string) any {
			p := fail(code, msg).(*certPage)
			p.Certs, _ = s.store.ListCertificates(ctx, u.ID)
			p.Confirmed = s.confirmed(r)
			return p
		}) {
			s.error(w, r, err)
		}
		return
	}
	need, err := s.needsPersonalCert(ctx, u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	names, err := s.certNamesHolder(ctx, u, v)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var refuse *domain.Error
	switch {
	case v.Class == domain.CertUnknown:
		refuse = &domain.Error{Code: domain.EINVALID, Message: pki.MessageFor(pki.CodeCertUnknownPolicy, st.lang)}
	case !names:
		refuse = refusal(r, domain.EINVALID, "cert.not_holder")
	case need && v.Class != domain.CertPersonal:
		refuse = domain.Errorf(domain.EINVALID, "개인정보를 다루는 권한을 보유하고 있어 개인 공동인증서만 등록할 수 있습니다. 본인 명의의 개인 인증서를 선택하세요.")
	}
	if refuse != nil && !names {
		// A valid certificate in another name, offered by a confirmed
		// session: worth a trace.
		if err := logAudit(ctx, s.store, r, "cert.change_refused", "user", u.ID,
			map[string]any{"reason": "not_holder", "cert_class": string(v.Class)}, s.now()); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	now := s.now()
	if refuse == nil {
		err = s.store.InTx(ctx, func(q store.Queries) error {
			rec := v.CertificateRecord(u.ID, now)
			if err := q.AddCertificate(ctx, &rec); errors.Is(err, store.ErrAlreadyExists) {
				existing, gerr := q.GetCertificateByKeyHash(ctx, v.KeyHash)
				if gerr == nil && existing.UserID == u.ID {
					return domain.Errorf(domain.ECONFLICT, "이미 이 계정에 등록된 인증서입니다.")
				}
				return domain.Errorf(domain.ECONFLICT, "이미 다른 계정에 등록된 인증서입니다. 관할 보건소에 문의하세요.")
			} else if err != nil {
				return err
			}
			if err := q.ReplaceCertificates(ctx, u.ID, rec.ID, now); err != nil {
				return err
			}
			if u.MustReregisterCert {
				cur, err := q.GetUser(ctx, u.ID)
				if err != nil {
					return err
				}
				cur.MustReregisterCert, cur.UpdatedAt = false, now
				if err := q.UpdateUser(ctx, &cur); err != nil {
					return err
				}
			}
			// Whoever else held a session of the account (a copied
			// cookie, a forgotten browser) is out; this one now stands
			// for the new certificate.
			ended, err := q.DeleteOtherSessions(ctx, u.ID, st.session.ID)
			if err != nil {
				return err
			}
			if err := q.SetSessionCert(ctx, st.session.ID, rec.ID); err != nil {
				return err
			}
			if err := s.certChangedNotice(ctx, q, u, rec.Class, now); err != nil {
				return err
			}
			return logAudit(ctx, q, r, "cert.change", "user", u.ID,
				map[string]any{"cert_class": string(rec.Class), "serial": rec.Serial, "sessions_ended": ended}, now)
		})
		var de *domain.Error
		if errors.As(err, &de) {
			refuse = de
		} else if err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if refuse != nil {
		if wantsJSON(r) {
			s.renderError(w, r, httpStatus(refuse.Code), refuse.Code, refuse.Message)
			return
		}
		s.accountCertRender(w, r, httpStatus(refuse.Code), &certPage{Error: refuse.Message, Code: refuse.Code})
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]string{"redirect": "/account/cert?done=1"})
		return
	}
	http.Redirect(w, r, "/account/cert?done=1", http.StatusSeeOther)
}

// certChangedNotice queues the e-mail that tells the owner their login
// certificate changed (nothing without a mail server or an address).
func (s *Server) certChangedNotice(ctx context.Context, q store.Queries, u domain.User, class domain.CertClass, now time.Time) error {
	if s.cfg.Mail == nil {
		return nil
	}
	msgs, err := notify.CertChanged(s.cfg.Mail.Site, notify.Recipient{Name: u.Name, Email: u.Email}, class.Label(), now)
	if err != nil {
		return err
	}
	for i := range msgs {
		msgs[i].CreatedAt, msgs[i].NextAttemptAt = now, now
		if err := q.EnqueueMail(ctx, &msgs[i]); err != nil {
			return err
		}
	}
	return nil
}

func init() {
	for k, v := range map[string]message{
		"cert.confirm_first": {"인증서를 바꾸려면 먼저 지금 등록된 인증서로 본인 확인을 하세요. 확인 후 5분 안에 새 인증서를 선택하면 됩니다.",
			"To change the certificate, first confirm it is you with the certificate registered now; then choose the new one within 5 minutes."},
		"cert.not_holder": {"인증서의 명의가 계정 소유자와 다릅니다. 본인 명의의 인증서를 선택하세요.",
			"The certificate is not in the account holder's name. Choose a certificate in your own name."},
		"cert.other_sessions": {"인증서를 바꾸면 다른 기기의 로그인은 모두 종료되고, 등록된 전자우편으로 안내 메일이 발송됩니다.",
			"Changing the certificate ends your sessions on other devices and sends a notice to your registered e-mail address."},
	} {
		messages[k] = v
	}
}
