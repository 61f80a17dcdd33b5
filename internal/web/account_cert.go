package web

import (
	"errors"
	"net/http"

	"github.com/gwanmun/gwanmun/internal/domain"
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
// current ones. The user keeps every role. A personal certificate is
// required when the user holds a role that handles personal data.
func (s *Server) accountCertCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := *userFrom(ctx)
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
	var refuse *domain.Error
	switch {
	case v.Class == domain.CertUnknown:
		refuse = &domain.Error{Code: domain.EINVALID, Message: pki.MessageFor(pki.CodeCertUnknownPolicy, state(r).lang)}
	case need && v.Class != domain.CertPersonal:
		refuse = domain.Errorf(domain.EINVALID, "개인정보를 다루는 권한을 보유하고 있어 개인 공동인증서만 등록할 수 있습니다. 본인 명의의 개인 인증서를 선택하세요.")
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
			return logAudit(ctx, q, r, "cert.change", "user", u.ID,
				map[string]any{"cert_class": string(rec.Class), "serial": rec.Serial}, now)
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
