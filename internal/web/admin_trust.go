package web

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

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
		"trust.reload_help":    {"신뢰 디렉터리(--trust-dir)와 CRL 파일을 재시작 없이 다시 읽습니다. 같은 데이터베이스를 쓰는 다른 서버도 30초 안에 다시 읽습니다. 읽기에 실패하면 지금 설정을 유지합니다.", "Re-reads the trust directory (--trust-dir) and the CRL files without a restart; the other servers on the same database follow within 30 seconds. When reading fails, the current configuration stays."},
		"trust.not_reloadable": {"이 서버의 인증서 검증기는 다시 읽기를 지원하지 않습니다.", "This server's certificate verifier cannot be reloaded."},
		"trust.loaded_at":      {"마지막 다시 읽기", "Last reload"},
		"trust.options":        {"검증 설정", "Checks"},
		"trust.fetch_crl":      {"CRL 배포지점 조회", "Fetch CRL distribution points"},
		"trust.ocsp":           {"OCSP 조회", "OCSP"},
		"trust.hard_fail":      {"폐지 확인 불가 시 거부", "Refuse when revocation is unknown"},
		"trust.on":             {"사용", "on"},
		"trust.off":            {"사용 안 함", "off"},
		"trust.failed":         {"다시 읽지 못했습니다. 지금 설정을 유지합니다.", "Reload failed; the current configuration stays."},
		"msg.trust_reloaded":   {"신뢰 목록을 다시 읽었습니다. 같은 데이터베이스를 쓰는 다른 서버도 30초 안에 다시 읽습니다.", "The trust store was reloaded; the other servers on the same database follow within 30 seconds."},
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

// adminTrustReload handles POST /admin/trust/reload ([다시 읽기]): this
// process reloads at once and, when that worked, adds one to the shared
// trust generation, which every other process on the database follows
// within trustCheckEvery (RunTrustWatch). One audit event says who, from
// which process, the generation and the outcome.
func (s *Server) adminTrustReload(w http.ResponseWriter, r *http.Request) {
	ts, ok := s.trustStore()
	if !ok {
		s.renderError(w, r, http.StatusNotImplemented, domain.EINVALID, translate(state(r).lang, "trust.not_reloadable"))
		return
	}
	ctx := r.Context()
	// The generation before the reload: when nobody else bumps it in
	// between, this process then holds the trust of the new generation.
	before, _, err := s.store.TrustGeneration(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.trust.mu.Lock()
	rerr := ts.ReloadTrust()
	s.trust.mu.Unlock()
	info := ts.Trust()
	detail := map[string]any{"roots": len(info.Roots), "intermediates": len(info.Intermediates), "crls": len(info.CRLs),
		"ok": rerr == nil, "process": s.trust.processName()}
	now := s.now()
	var gen int64
	if err := s.adminTx(r, func(ctx context.Context, q store.Queries, a audit.Actor) error {
		if rerr == nil {
			g, err := q.BumpTrustGeneration(ctx, a.Pseudonym+" @ "+s.trust.processName(), now)
			if err != nil {
				return err
			}
			gen, detail["generation"] = g, g
		}
		return audit.Log(ctx, q, a, "trust.reload", "trust", 0, detail, now)
	}); err != nil {
		s.serverError(w, r, err)
		return
	}
	if gen == before+1 {
		s.trust.saw(gen)
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

// trustCheckEvery is how often a process compares the shared trust
// generation with its own (RunJanitor).
const trustCheckEvery = 30 * time.Second

// trustWatch is what a server knows of the shared trust generation.
type trustWatch struct {
	once    sync.Once
	process string
	seen    atomic.Int64 // the generation whose trust this server holds
	mu      sync.Mutex   // one reload at a time
}

// processName names this server in audit events and logs: host, process
// id and a random suffix (two servers in one process differ).
func (tw *trustWatch) processName() string {
	tw.once.Do(func() {
		host, _ := os.Hostname()
		var b [3]byte
		rand.Read(b[:])
		tw.process = fmt.Sprintf("%s:%d#%x", host, os.Getpid(), b)
	})
	return tw.process
}

// saw records that the server holds the trust of generation gen (never
// going back).
func (tw *trustWatch) saw(gen int64) {
	for {
		cur := tw.seen.Load()
		if gen <= cur || tw.seen.CompareAndSwap(cur, gen) {
			return
		}
	}
}

// RunTrustWatch follows the shared trust generation until ctx ends: it
// takes the current one as loaded (the verifier was just built from the
// files), then at every tick reloads the trust when another process's
// [다시 읽기] raised it (checkTrust). RunJanitor runs it every
// trustCheckEvery; tests pass their own ticks.
func (s *Server) RunTrustWatch(ctx context.Context, tick <-chan time.Time) {
	if gen, _, err := s.store.TrustGeneration(ctx); err == nil {
		s.trust.saw(gen)
	} else if ctx.Err() == nil {
		s.log.Warn("trust watch: generation", "err", err)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			s.checkTrust(ctx)
		}
	}
}

// checkTrust reloads the trust when the shared generation is newer than
// the one this server holds, and audits it (trust.reload.generation, by
// the system, with who asked and this process). A failed reload keeps the
// current trust and is not retried until the generation grows again.
func (s *Server) checkTrust(ctx context.Context) {
	gen, by, err := s.store.TrustGeneration(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("trust watch: generation", "err", err)
		}
		return
	}
	if gen <= s.trust.seen.Load() {
		return
	}
	ts, ok := s.trustStore()
	if !ok {
		s.trust.saw(gen)
		return
	}
	s.trust.mu.Lock()
	rerr := ts.ReloadTrust()
	s.trust.mu.Unlock()
	s.trust.saw(gen)
	s.auditReload(ctx, "trust.reload.generation", ts, rerr, map[string]any{"generation": gen, "requested_by": by})
}

// ReloadTrust reloads this server's trust, as SIGHUP asks `gwanmun serve`
// to: this process only (the shared generation is left alone; [다시 읽기]
// reaches every process). It is audited as trust.reload.signal by the
// system, with trigger and this process.
func (s *Server) ReloadTrust(ctx context.Context, trigger string) error {
	ts, ok := s.trustStore()
	if !ok {
		return errors.New("web: this certificate verifier cannot be reloaded")
	}
	s.trust.mu.Lock()
	rerr := ts.ReloadTrust()
	s.trust.mu.Unlock()
	s.auditReload(ctx, "trust.reload.signal", ts, rerr, map[string]any{"trigger": trigger})
	return rerr
}

// auditReload logs a reload of ts that ended with rerr, with detail plus
// the trust's size, the outcome and this process.
func (s *Server) auditReload(ctx context.Context, action string, ts trustStore, rerr error, detail map[string]any) {
	info := ts.Trust()
	detail["roots"], detail["intermediates"], detail["crls"] = len(info.Roots), len(info.Intermediates), len(info.CRLs)
	detail["ok"], detail["process"] = rerr == nil, s.trust.processName()
	if rerr != nil {
		s.log.Warn("trust reload failed", "action", action, "err", rerr)
	} else {
		s.log.Info("trust reloaded", "action", action, "roots", len(info.Roots), "intermediates", len(info.Intermediates))
	}
	if err := audit.Log(ctx, s.store, audit.System, action, "trust", 0, detail, s.now()); err != nil && ctx.Err() == nil {
		s.log.Error("trust reload: audit", "err", err)
	}
}
