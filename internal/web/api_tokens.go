package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/api"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The admin console's API tokens section (/admin/api-tokens): national
// administrators issue tokens to integrating systems (name, scopes,
// expiry), see them with their last use, and revoke them. The secret is
// shown once, on the page that answers the issue; the store keeps its
// SHA-256 only.

func init() {
	adminLinks = append(adminLinks, adminLink{URL: "/admin/api-tokens", Label: "apitok.title"})
}

// apiTokenRoutes registers the section's routes.
func (s *Server) apiTokenRoutes(m *http.ServeMux) {
	m.Handle("GET /admin/api-tokens", s.requireAdmin(http.HandlerFunc(s.apiTokensShow)))
	// Issuing a token creates a credential: a fresh signature first.
	m.Handle("POST /admin/api-tokens", s.requireAdmin(s.requireConfirm(http.HandlerFunc(s.apiTokenCreate))))
	m.Handle("POST /admin/api-tokens/{id}/revoke", s.requireAdmin(http.HandlerFunc(s.apiTokenRevoke)))
}

// apiTokensPage is the data of api_tokens.html.
type apiTokensPage struct {
	Tokens  []domain.APIToken
	Total   int
	Page    int
	Pages   int
	Scopes  []string
	Now     time.Time
	Secret  string // the new token, shown once
	Notice  string
	Error   string
	Name    string
	Checked map[string]bool
	Days    int
}

const apiTokensPageSize = 20

// nationalOnly answers 403 unless the administrator is national.
func (s *Server) nationalOnly(w http.ResponseWriter, r *http.Request) bool {
	if adminScope(r.Context()).National {
		return true
	}
	s.renderError(w, r, http.StatusForbidden, domain.EFORBIDDEN, translate(state(r).lang, "apitok.national_only"))
	return false
}

// apiTokensShow handles GET /admin/api-tokens.
func (s *Server) apiTokensShow(w http.ResponseWriter, r *http.Request) {
	if !s.nationalOnly(w, r) {
		return
	}
	p := &apiTokensPage{Days: 365}
	if r.URL.Query().Get("done") == "revoked" {
		p.Notice = translate(state(r).lang, "apitok.done_revoked")
	}
	s.apiTokensRender(w, r, http.StatusOK, p)
}

func (s *Server) apiTokensRender(w http.ResponseWriter, r *http.Request, status int, p *apiTokensPage) {
	p.Scopes, p.Now = api.Scopes, s.now()
	p.Page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	p.Page = max(p.Page, 1)
	var err error
	p.Tokens, p.Total, err = s.store.ListAPITokens(r.Context(), store.Page{Offset: (p.Page - 1) * apiTokensPageSize, Limit: apiTokensPageSize})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Pages = max(1, (p.Total+apiTokensPageSize-1)/apiTokensPageSize)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "api_tokens", p)
}

// apiTokenCreate handles POST /admin/api-tokens: name, scope (several),
// days (validity, 1–730).
func (s *Server) apiTokenCreate(w http.ResponseWriter, r *http.Request) {
	if !s.nationalOnly(w, r) {
		return
	}
	lang := state(r).lang
	p := &apiTokensPage{Name: strings.TrimSpace(r.PostFormValue("name")), Checked: map[string]bool{}}
	p.Days, _ = strconv.Atoi(r.PostFormValue("days"))
	var scopes []string
	for _, sc := range r.PostForm["scope"] {
		if api.ValidScope(sc) && !p.Checked[sc] {
			p.Checked[sc] = true
			scopes = append(scopes, sc)
		}
	}
	switch {
	case p.Name == "" || len([]rune(p.Name)) > 100:
		p.Error = translate(lang, "apitok.err_name")
	case len(scopes) == 0:
		p.Error = translate(lang, "apitok.err_scope")
	case p.Days < 1 || p.Days > 730:
		p.Error = translate(lang, "apitok.err_days")
	}
	if p.Error != "" {
		s.apiTokensRender(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	ctx := r.Context()
	now := s.now()
	secret, hash, prefix := api.NewToken()
	tok := domain.APIToken{Name: p.Name, Scopes: scopes, Hash: hash, Prefix: prefix, CreatedAt: now,
		CreatedBy: userFrom(ctx).ID, ExpiresAt: now.AddDate(0, 0, p.Days)}
	err := s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.CreateAPIToken(ctx, &tok); err != nil {
			return err
		}
		return logAudit(ctx, q, r, "api_token.create", "api_token", tok.ID,
			map[string]any{"scopes": scopes, "expires_at": tok.ExpiresAt.Format(time.RFC3339)}, now)
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.apiTokensRender(w, r, http.StatusOK, &apiTokensPage{Secret: secret, Days: 365,
		Notice: translate(lang, "apitok.done_created")})
}

// apiTokenRevoke handles POST /admin/api-tokens/{id}/revoke.
func (s *Server) apiTokenRevoke(w http.ResponseWriter, r *http.Request) {
	if !s.nationalOnly(w, r) {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	ctx := r.Context()
	now := s.now()
	err := s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.RevokeAPIToken(ctx, id, userFrom(ctx).ID, now); err != nil {
			return err
		}
		return logAudit(ctx, q, r, "api_token.revoke", "api_token", id, nil, now)
	})
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
		s.error(w, r, err)
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/api-tokens?done=revoked", http.StatusSeeOther)
}
