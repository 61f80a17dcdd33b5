package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/edge"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Consent text versions. National administrators add a new version at
// /admin/consent; a user who agreed to an older one is sent to
// /account/consent at the next login, and from every logged-in page until
// they agree to the newest. Accounts that never went through the signup
// consent (ConsentVersion 0: seeded or created by tools) are not held.

func init() {
	adminLinks = append(adminLinks, adminLink{URL: "/admin/consent", Label: "consent.admin_title"})
	for k, v := range map[string]message{
		"consent.admin_title":  {"개인정보 수집 동의서 관리", "Consent text versions"},
		"consent.version":      {"버전", "Version"},
		"consent.created":      {"등록일시", "Added"},
		"consent.text":         {"동의서 내용", "Text"},
		"consent.new":          {"새 버전 등록", "Add a new version"},
		"consent.new_help":     {"새 버전을 등록하면 모든 사용자가 다음 로그인 때 다시 동의해야 합니다.", "After a new version, every user must agree again at their next login."},
		"consent.add":          {"등록", "Add"},
		"consent.current":      {"현재 버전", "Current"},
		"consent.title":        {"개인정보 수집(이용) 동의서가 변경되었습니다", "The personal-data consent has changed"},
		"consent.lead":         {"변경된 내용을 확인하고 동의하셔야 포털을 계속 이용할 수 있습니다.", "Read the new text and agree to keep using the portal."},
		"consent.agree":        {"위의 개인정보 수집(이용)에 동의합니다.", "I agree to the collection (use) of personal data above."},
		"consent.submit":       {"동의", "Agree"},
		"consent.must_agree":   {"동의하셔야 계속 이용할 수 있습니다.", "You must agree to continue."},
		"consent.empty":        {"동의서 내용을 입력하세요.", "Enter the text."},
		"consent.too_long":     {"동의서는 50,000자 이내입니다.", "The text may have up to 50,000 characters."},
		"consent.none":         {"등록된 동의서가 없습니다.", "No consent text yet."},
		"msg.consent_added":    {"새 동의서 버전을 등록했습니다.", "The new consent version was added."},
		"msg.consent_recorded": {"동의가 기록되었습니다.", "Your consent was recorded."},
	} {
		messages[k] = v
	}
	messageKeys["consent_added"] = true
	messageKeys["consent_recorded"] = true
}

const consentPerPage = 20

// adminConsentRoutes registers /admin/consent.
func (s *Server) adminConsentRoutes(m *http.ServeMux) {
	m.Handle("GET /admin/consent", s.requireNational(s.adminConsentShow))
	m.Handle("POST /admin/consent", s.requireNational(s.adminConsentCreate))
	m.Handle("GET /account/consent", s.requireLogin(http.HandlerFunc(s.accountConsentShow)))
	m.Handle("POST /account/consent", s.requireLogin(http.HandlerFunc(s.accountConsentCreate)))
}

// consentAdminPage is the data of /admin/consent.
type consentAdminPage struct {
	Versions     []domain.ConsentVersion
	Total, Pages int
	Page         int
	Error        string
	Draft        string
}

func (s *Server) adminConsentShow(w http.ResponseWriter, r *http.Request) {
	p := consentAdminPage{}
	if latest, err := s.store.LatestConsentVersion(r.Context()); err == nil {
		p.Draft = latest.Text
	}
	s.renderConsentAdmin(w, r, http.StatusOK, p)
}

func (s *Server) renderConsentAdmin(w http.ResponseWriter, r *http.Request, status int, p consentAdminPage) {
	p.Page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	p.Page = max(p.Page, 1)
	var err error
	p.Versions, p.Total, err = s.store.ListConsentVersions(r.Context(), store.Page{Offset: (p.Page - 1) * consentPerPage, Limit: consentPerPage})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Pages = (p.Total + consentPerPage - 1) / consentPerPage
	s.render(w, r, status, "admin_consent", p)
}

// adminConsentCreate handles POST /admin/consent: a new consent version.
func (s *Server) adminConsentCreate(w http.ResponseWriter, r *http.Request) {
	text := strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("text"), "\r\n", "\n"))
	lang := state(r).lang
	switch {
	case text == "":
		s.renderConsentAdmin(w, r, http.StatusUnprocessableEntity, consentAdminPage{Error: translate(lang, "consent.empty")})
		return
	case utf8.RuneCountInString(text) > 50000 || !utf8.ValidString(text):
		s.renderConsentAdmin(w, r, http.StatusUnprocessableEntity, consentAdminPage{Error: translate(lang, "consent.too_long"), Draft: text})
		return
	}
	now := s.now()
	c := domain.ConsentVersion{Text: text, CreatedAt: now}
	err := s.adminTx(r, func(ctx context.Context, q store.Queries, a audit.Actor) error {
		if err := q.AddConsentVersion(ctx, &c); err != nil {
			return err
		}
		return audit.Log(ctx, q, a, "consent.version.add", "consent", int64(c.Version), map[string]any{"version": c.Version}, now)
	})
	if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/consent?msg=consent_added", http.StatusSeeOther)
}

// needsConsent reports whether u agreed to an older consent text than the
// newest, and returns the newest.
func (s *Server) needsConsent(ctx context.Context, u *domain.User) (bool, domain.ConsentVersion, error) {
	if u == nil || u.ConsentVersion == 0 {
		return false, domain.ConsentVersion{}, nil
	}
	latest, err := s.store.LatestConsentVersion(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return false, latest, nil
	} else if err != nil {
		return false, latest, err
	}
	return u.ConsentVersion < latest.Version, latest, nil
}

// consentGate holds a logged-in user who must agree to a newer consent
// text: pages redirect to /account/consent, JSON requests get 403
// consent_required. It reports whether it answered the request. The
// consent page itself, session upkeep and the API are let through.
func (s *Server) consentGate(w http.ResponseWriter, r *http.Request) bool {
	p := r.URL.Path
	if p == "/account/consent" || p == "/session/extend" || strings.HasPrefix(p, "/api/") {
		return false
	}
	need, _, err := s.needsConsent(r.Context(), userFrom(r.Context()))
	if err != nil {
		s.serverError(w, r, err)
		return true
	}
	if !need {
		return false
	}
	if wantsJSON(r) {
		s.renderError(w, r, http.StatusForbidden, "consent_required", translate(state(r).lang, "consent.title"))
		return true
	}
	next := "/menu"
	if r.Method == http.MethodGet {
		next = localNext(r.URL.RequestURI())
	}
	http.Redirect(w, r, consentURL(next), http.StatusSeeOther)
	return true
}

// consentURL is the consent page's address, returning to next.
func consentURL(next string) string { return "/account/consent?next=" + url.QueryEscape(next) }

// loginNext returns where a login goes: the consent page first when the
// user must agree to a newer text.
func (s *Server) loginNext(ctx context.Context, u domain.User, next string) string {
	if need, _, err := s.needsConsent(ctx, &u); err == nil && need {
		return consentURL(next)
	}
	return next
}

// localNext returns next when it is a path of this site, else /menu.
func localNext(next string) string { return edge.SafeRedirect(next, "/menu") }

// consentPage is the data of /account/consent.
type consentPage struct {
	Consent domain.ConsentVersion
	Next    string
	Error   string
}

func (s *Server) accountConsentShow(w http.ResponseWriter, r *http.Request) {
	need, latest, err := s.needsConsent(r.Context(), userFrom(r.Context()))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	next := localNext(r.URL.Query().Get("next"))
	if !need {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "account_consent", consentPage{Consent: latest, Next: next})
}

// accountConsentCreate handles POST /account/consent: the user agrees to
// the version they were shown (which must still be the newest).
func (s *Server) accountConsentCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	need, latest, err := s.needsConsent(ctx, u)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	next := localNext(r.PostFormValue("next"))
	if !need {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	shown, _ := strconv.Atoi(r.PostFormValue("version"))
	if r.PostFormValue("agree") != "1" || shown != latest.Version {
		s.render(w, r, http.StatusUnprocessableEntity, "account_consent", consentPage{Consent: latest, Next: next,
			Error: translate(state(r).lang, "consent.must_agree")})
		return
	}
	now := s.now()
	err = s.store.InTx(ctx, func(q store.Queries) error {
		cur, err := q.GetUser(ctx, u.ID)
		if err != nil {
			return err
		}
		cur.ConsentVersion, cur.ConsentAt, cur.UpdatedAt = latest.Version, now, now
		if err := q.UpdateUser(ctx, &cur); err != nil {
			return err
		}
		return audit.Log(ctx, q, audit.ActorOf(*u, clientIP(r)), "user.consent", "user", u.ID, map[string]any{"version": latest.Version}, now)
	})
	if err != nil {
		s.error(w, r, err)
		return
	}
	sep := "?"
	if strings.Contains(next, "?") {
		sep = "&"
	}
	http.Redirect(w, r, next+sep+"msg=consent_recorded", http.StatusSeeOther)
}
