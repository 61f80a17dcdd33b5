package web

import (
	"context"
	"net/http"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The trust store page (/admin/trust): the verifier's trust anchors,
// intermediates and CRL sources, and a [다시 읽기] button that reloads them
// from --trust-dir, --dev-ca and the CRL files without a restart. National
// administrators only.

func init() {
	adminLinks = append(adminLinks, adminLink{URL: "/admin/trust", Label: "trust.title"})
	for k, v := range map[string]message{
		"trust.title":          {"인증서 신뢰 목록", "Trust store"},
		"trust.roots":          {"최상위 인증기관 (신뢰 앵커)", "Trust anchors"},
		"trust.intermediates":  {"공인(공동)인증기관", "Intermediate CAs"},
		"trust.crls":           {"인증서 폐지 목록 (CRL)", "Certificate revocation lists"},
		"trust.subject":        {"주체", "Subject"},
		"trust.issuer":         {"발급자", "Issuer"},
		"trust.serial":         {"일련번호", "Serial"},
		"trust.validity":       {"유효기간", "Validity"},
		"trust.fingerprint":    {"SHA-256 지문", "SHA-256 fingerprint"},
		"trust.source":         {"출처", "Source"},
		"trust.this_update":    {"발행", "This update"},
		"trust.next_update":    {"다음 발행", "Next update"},
		"trust.revoked":        {"폐지 건수", "Revoked"},
		"trust.error":          {"오류", "Error"},
		"trust.none":           {"없음", "None"},
		"trust.reload":         {"다시 읽기", "Reload"},
		"trust.reload_help":    {"신뢰 디렉터리(--trust-dir)와 CRL 파일을 재시작 없이 다시 읽습니다. 읽기에 실패하면 지금 설정을 유지합니다.", "Re-reads the trust directory (--trust-dir) and the CRL files without a restart. When reading fails, the current configuration stays."},
		"trust.not_reloadable": {"이 서버의 인증서 검증기는 다시 읽기를 지원하지 않습니다.", "This server's certificate verifier cannot be reloaded."},
		"trust.loaded_at":      {"마지막 다시 읽기", "Last reload"},
		"trust.options":        {"검증 설정", "Checks"},
		"trust.fetch_crl":      {"CRL 배포지점 조회", "Fetch CRL distribution points"},
		"trust.ocsp":           {"OCSP 조회", "OCSP"},
		"trust.hard_fail":      {"폐지 확인 불가 시 거부", "Refuse when revocation is unknown"},
		"trust.on":             {"사용", "on"},
		"trust.off":            {"사용 안 함", "off"},
		"trust.failed":         {"다시 읽지 못했습니다. 지금 설정을 유지합니다.", "Reload failed; the current configuration stays."},
		"msg.trust_reloaded":   {"신뢰 목록을 다시 읽었습니다.", "The trust store was reloaded."},
	} {
		messages[k] = v
	}
	messageKeys["trust_reloaded"] = true
}

// trustStore is a verifier whose trust can be listed and reloaded, such
// as *pki.Verifier.
type trustStore interface {
	Trust() pki.TrustInfo
	ReloadTrust() error
}

// adminTrustRoutes registers /admin/trust.
func (s *Server) adminTrustRoutes(m *http.ServeMux) {
	m.Handle("GET /admin/trust", s.requireNational(s.adminTrustShow))
	m.Handle("POST /admin/trust/reload", s.requireNational(s.adminTrustReload))
}

// trustPage is the data of /admin/trust.
type trustPage struct {
	Info       pki.TrustInfo
	Reloadable bool
	Error      string
}

func (s *Server) trustStore() (trustStore, bool) {
	ts, ok := s.auth.Verifier.(trustStore)
	return ts, ok
}

func (s *Server) adminTrustShow(w http.ResponseWriter, r *http.Request) {
	s.renderTrust(w, r, http.StatusOK, "")
}

func (s *Server) renderTrust(w http.ResponseWriter, r *http.Request, status int, msg string) {
	p := trustPage{Error: msg}
	if ts, ok := s.trustStore(); ok {
		p.Info, p.Reloadable = ts.Trust(), true
	} else if p.Error == "" {
		p.Error = translate(state(r).lang, "trust.not_reloadable")
	}
	s.render(w, r, status, "admin_trust", p)
}

// adminTrustReload handles POST /admin/trust/reload ([다시 읽기]).
func (s *Server) adminTrustReload(w http.ResponseWriter, r *http.Request) {
	ts, ok := s.trustStore()
	if !ok {
		s.renderError(w, r, http.StatusNotImplemented, domain.EINVALID, translate(state(r).lang, "trust.not_reloadable"))
		return
	}
	rerr := ts.ReloadTrust()
	info := ts.Trust()
	detail := map[string]any{"roots": len(info.Roots), "intermediates": len(info.Intermediates), "crls": len(info.CRLs), "ok": rerr == nil}
	now := s.now()
	if err := s.adminTx(r, func(ctx context.Context, q store.Queries, a audit.Actor) error {
		return audit.Log(ctx, q, a, "trust.reload", "trust", 0, detail, now)
	}); err != nil {
		s.serverError(w, r, err)
		return
	}
	if rerr != nil {
		// The reason may name server paths: it goes to the log, with the
		// request id the page shows.
		s.log.Warn("trust reload failed", "id", state(r).id, "err", rerr)
		s.renderTrust(w, r, http.StatusUnprocessableEntity, translate(state(r).lang, "trust.failed")+" ("+state(r).id+")")
		return
	}
	http.Redirect(w, r, "/admin/trust?msg=trust_reloaded", http.StatusSeeOther)
}
