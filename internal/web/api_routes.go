package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/api"
	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The JSON API (docs/api.md) lives under /api/v1. Its handlers are here,
// in package web, because they share the session, CSRF and rate-limit
// middleware and the error mapping of the HTML pages; they call the same
// domain services (access, auth, signup, store). apiTable lists every
// route once: apiRoutes registers it, and a test compares it with the
// OpenAPI document in package api.

// apiAuth says who may call a route.
type apiAuth int

const (
	apiPublic  apiAuth = iota // anyone (login and its challenge)
	apiSession                // a logged-in browser session; API tokens are refused
	apiScoped                 // an API token holding the route's scope, or a session (see apiRoute.Admin)
	apiOpen                   // anyone, also anonymous visitors; an API token needs the route's scope
)

// apiRoute is one operation of the API.
type apiRoute struct {
	Method, Path string
	Auth         apiAuth
	Scope        string // for apiScoped: the scope a token needs
	// Admin, for apiScoped, lets only administrators in through a session
	// (province administrators see their province only); otherwise any
	// logged-in user.
	Admin   bool
	Handler func(s *Server, w http.ResponseWriter, r *http.Request)
}

// apiTable lists the API's routes.
var apiTable = []apiRoute{
	{"GET", "/api/v1/auth/csrf", apiPublic, "", false, (*Server).apiCSRF},
	{"POST", "/api/v1/auth/challenge", apiPublic, "", false, (*Server).apiChallenge},
	{"POST", "/api/v1/auth/login", apiPublic, "", false, (*Server).apiLogin},
	{"POST", "/api/v1/auth/logout", apiSession, "", false, (*Server).apiLogout},

	{"GET", "/api/v1/me", apiSession, "", false, (*Server).apiMe},
	{"PATCH", "/api/v1/me", apiSession, "", false, (*Server).apiMeUpdate},
	{"GET", "/api/v1/me/menus", apiSession, "", false, (*Server).apiMeMenus},
	{"GET", "/api/v1/me/roles", apiSession, "", false, (*Server).apiMeRoles},
	{"POST", "/api/v1/me/requests", apiSession, "", false, (*Server).apiRequestCreate},
	{"POST", "/api/v1/me/requests/{id}/cancel", apiSession, "", false, (*Server).apiRequestCancel},
	{"POST", "/api/v1/me/grants/{id}/relinquish", apiSession, "", false, (*Server).apiGrantRelinquish},
	{"POST", "/api/v1/me/grants/{id}/renew", apiSession, "", false, (*Server).apiGrantRenew},
	{"POST", "/api/v1/me/institution-change", apiSession, "", false, (*Server).apiInstitutionChange},
	{"POST", "/api/v1/me/institution-change/{id}/withdraw", apiSession, "", false, (*Server).apiInstitutionChangeWithdraw},

	{"GET", "/api/v1/approvals", apiSession, "", false, (*Server).apiApprovals},
	{"POST", "/api/v1/approvals/{id}/decision", apiSession, "", false, (*Server).apiApprovalDecide},
	{"POST", "/api/v1/approvals/institution-changes/{id}/decision", apiSession, "", false, (*Server).apiInstitutionChangeDecide},

	{"GET", "/api/v1/institutions", apiScoped, api.ScopeInstitutionsRead, false, (*Server).apiInstitutions},
	{"GET", "/api/v1/institutions/{id}/jurisdiction", apiScoped, api.ScopeInstitutionsRead, false, (*Server).apiJurisdiction},
	{"GET", "/api/v1/systems", apiScoped, api.ScopeSystemsRead, false, (*Server).apiSystems},
	{"GET", "/api/v1/systems/{code}/sso", apiScoped, api.ScopeSystemsRead, false, (*Server).apiSSOClient},
	{"PUT", "/api/v1/systems/{code}/sso", apiSession, "", false, (*Server).apiSSOClientPut},
	{"POST", "/api/v1/systems/{code}/sso/secret", apiSession, "", false, (*Server).apiSSOSecret},

	{"GET", "/api/v1/users", apiScoped, api.ScopeUsersRead, true, (*Server).apiUsers},
	{"GET", "/api/v1/users/{id}", apiScoped, api.ScopeUsersRead, true, (*Server).apiUser},
	{"POST", "/api/v1/users/{id}/lock", apiScoped, api.ScopeUsersWrite, true, (*Server).apiUserLock},
	{"POST", "/api/v1/users/{id}/unlock", apiScoped, api.ScopeUsersWrite, true, (*Server).apiUserUnlock},
	{"GET", "/api/v1/users/{id}/grants", apiScoped, api.ScopeGrantsRead, true, (*Server).apiUserGrants},
	{"GET", "/api/v1/grants", apiScoped, api.ScopeGrantsRead, true, (*Server).apiGrants},
	{"GET", "/api/v1/audit", apiScoped, api.ScopeAuditRead, true, (*Server).apiAudit},

	// Periodic access reviews (api_reviews.go, docs/reviews.md).
	{"GET", "/api/v1/reviews", apiScoped, api.ScopeReviewsRead, true, (*Server).apiReviews},
	{"POST", "/api/v1/reviews", apiSession, "", false, (*Server).apiReviewCreate},
	{"GET", "/api/v1/reviews/{id}", apiScoped, api.ScopeReviewsRead, true, (*Server).apiReview},
	{"GET", "/api/v1/reviews/{id}/items", apiScoped, api.ScopeReviewsRead, false, (*Server).apiReviewItems},
	{"POST", "/api/v1/reviews/items/{id}/decision", apiSession, "", false, (*Server).apiReviewDecide},

	// Boards (api_boards.go): the portal's notices, open to everyone, and
	// each system's 공지사항 and 프로그램/매뉴얼; the handlers check who
	// may read and write as the pages do.
	{"GET", "/api/v1/notices", apiOpen, api.ScopeBoardsRead, false, (*Server).apiPosts},
	{"POST", "/api/v1/notices", apiScoped, api.ScopeBoardsWrite, false, (*Server).apiPostCreate},
	{"GET", "/api/v1/notices/{id}", apiOpen, api.ScopeBoardsRead, false, (*Server).apiPost},
	{"PATCH", "/api/v1/notices/{id}", apiScoped, api.ScopeBoardsWrite, false, (*Server).apiPostUpdate},
	{"DELETE", "/api/v1/notices/{id}", apiScoped, api.ScopeBoardsWrite, false, (*Server).apiPostDelete},
	{"POST", "/api/v1/notices/{id}/attachments", apiScoped, api.ScopeBoardsWrite, false, (*Server).apiAttachmentsAdd},
	{"GET", "/api/v1/notices/{id}/attachments/{attachmentId}", apiOpen, api.ScopeBoardsRead, false, (*Server).apiAttachment},
	{"DELETE", "/api/v1/notices/{id}/attachments/{attachmentId}", apiScoped, api.ScopeBoardsWrite, false, (*Server).apiAttachmentDelete},
	{"GET", "/api/v1/systems/{code}/boards", apiScoped, api.ScopeBoardsRead, false, (*Server).apiBoards},
	{"GET", "/api/v1/systems/{code}/boards/{board}/posts", apiScoped, api.ScopeBoardsRead, false, (*Server).apiPosts},
	{"POST", "/api/v1/systems/{code}/boards/{board}/posts", apiScoped, api.ScopeBoardsWrite, false, (*Server).apiPostCreate},
	{"GET", "/api/v1/systems/{code}/boards/{board}/posts/{id}", apiScoped, api.ScopeBoardsRead, false, (*Server).apiPost},
	{"PATCH", "/api/v1/systems/{code}/boards/{board}/posts/{id}", apiScoped, api.ScopeBoardsWrite, false, (*Server).apiPostUpdate},
	{"DELETE", "/api/v1/systems/{code}/boards/{board}/posts/{id}", apiScoped, api.ScopeBoardsWrite, false, (*Server).apiPostDelete},
	{"POST", "/api/v1/systems/{code}/boards/{board}/posts/{id}/attachments", apiScoped, api.ScopeBoardsWrite, false, (*Server).apiAttachmentsAdd},
	{"GET", "/api/v1/systems/{code}/boards/{board}/posts/{id}/attachments/{attachmentId}", apiScoped, api.ScopeBoardsRead, false, (*Server).apiAttachment},
	{"DELETE", "/api/v1/systems/{code}/boards/{board}/posts/{id}/attachments/{attachmentId}", apiScoped, api.ScopeBoardsWrite, false, (*Server).apiAttachmentDelete},
}

// apiUploads are the API paths whose POST takes a multipart body (a post
// with its files, files added to a post); body.go.
var apiUploads = map[string]bool{
	"/api/v1/notices":                                              true,
	"/api/v1/notices/{id}/attachments":                             true,
	"/api/v1/systems/{code}/boards/{board}/posts":                  true,
	"/api/v1/systems/{code}/boards/{board}/posts/{id}/attachments": true,
}

// apiRoutes registers the API's routes and its OpenAPI document.
func (s *Server) apiRoutes(m *http.ServeMux) {
	tokenLimit := NewRateLimiter(600, 120, s.now)                    // per token
	challengeLimit, loginLimit := s.limits.challenge, s.limits.login // the pages' buckets (limits.go)
	m.HandleFunc("GET /api/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(api.OpenAPI)
	})
	for _, rt := range apiTable {
		if rt.Method == http.MethodPost && apiUploads[rt.Path] {
			// Parse the files after apiGuard has authenticated the call.
			pattern, h0 := rt.Method+" "+rt.Path, rt.Handler
			up := s.upload(pattern, s.boardUploadLimit, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h0(s, w, r) }))
			rt.Handler = func(_ *Server, w http.ResponseWriter, r *http.Request) { up.ServeHTTP(w, r) }
		}
		var h http.Handler = s.apiGuard(rt, tokenLimit)
		switch rt.Path {
		case "/api/v1/auth/challenge":
			h = s.rateLimit(challengeLimit, h)
		case "/api/v1/auth/login":
			h = s.rateLimit(loginLimit, h)
		}
		m.Handle(rt.Method+" "+rt.Path, h)
	}
}

// isBearerAPI reports whether r is an API call authenticated by an API
// token. Such calls carry no ambient credential a third-party site could
// make a browser send, so the CSRF check skips them; the API then ignores
// any session cookie and authenticates by the token alone.
func isBearerAPI(r *http.Request) bool {
	_, ok := api.BearerToken(r.Header.Get("Authorization"))
	return ok && strings.HasPrefix(r.URL.Path, "/api/v1/")
}

// apiCaller is who calls the API: a session user or an API token.
type apiCaller struct {
	user  *domain.User
	token *domain.APIToken
	// issuer is the administrator who issued the token, still one.
	issuer *domain.User
	admin  access.AdminScope // of a session administrator, or of the token's issuer
}

// isSelf reports whether the call is made by, or on behalf of, the user:
// a session of theirs or a token they issued. Nobody acts on their own
// account through the API (as in the console).
func (c apiCaller) isSelf(userID int64) bool {
	return c.user != nil && c.user.ID == userID || c.issuer != nil && c.issuer.ID == userID
}

type apiCallerKey struct{}

func callerOf(ctx context.Context) apiCaller {
	c, _ := ctx.Value(apiCallerKey{}).(apiCaller)
	return c
}

// actor is the audit actor of the call: the user, or the token under the
// pseudonym "api-token:ID".
func (c apiCaller) actor(r *http.Request) audit.Actor {
	if c.token != nil {
		return audit.Actor{Pseudonym: "api-token:" + strconv.FormatInt(c.token.ID, 10), ClientAddr: clientIP(r)}
	}
	if c.user != nil {
		return audit.ActorOf(*c.user, clientIP(r))
	}
	return audit.Actor{ClientAddr: clientIP(r)}
}

// apiGuard authenticates and authorises a call to rt; limit limits the
// calls of each token.
func (s *Server) apiGuard(rt apiRoute, limit *RateLimiter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var c apiCaller
		if secret, ok := api.BearerToken(r.Header.Get("Authorization")); ok {
			tok, err := s.apiToken(r, secret)
			if err != nil {
				s.apiError(w, r, err)
				return
			}
			if ok, wait := limit.Allow("token:" + strconv.FormatInt(tok.ID, 10)); !ok {
				w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
				s.renderError(w, r, http.StatusTooManyRequests, "rate_limited", "")
				return
			}
			switch {
			case rt.Auth == apiSession:
				s.renderError(w, r, http.StatusForbidden, domain.EFORBIDDEN, "이 API는 로그인한 사용자만 호출할 수 있습니다. API 토큰으로는 호출할 수 없습니다.")
				return
			case (rt.Auth == apiScoped || rt.Auth == apiOpen) && !tok.HasScope(rt.Scope):
				s.renderError(w, r, http.StatusForbidden, "insufficient_scope", "API 토큰에 "+rt.Scope+" 권한 범위(scope)가 없습니다.")
				return
			}
			// A token's power is its issuer's, checked on every use.
			issuer, sc, err := s.apiTokenIssuer(ctx, tok)
			if err != nil {
				s.apiError(w, r, err)
				return
			}
			c = apiCaller{token: &tok, issuer: &issuer, admin: sc}
		} else if u := userFrom(ctx); u != nil {
			c.user = u
			if rt.Auth == apiScoped && rt.Admin {
				sc, err := access.AdminScopeOf(ctx, s.store, *u, s.now())
				if err != nil {
					s.serverError(w, r, err)
					return
				}
				if !sc.Any() {
					s.renderError(w, r, http.StatusForbidden, domain.EFORBIDDEN, translate(state(r).lang, "admin.not_admin"))
					return
				}
				c.admin = sc
			}
		} else if rt.Auth != apiPublic && rt.Auth != apiOpen {
			s.renderError(w, r, http.StatusUnauthorized, domain.EUNAUTH, "")
			return
		}
		rt.Handler(s, w, r.WithContext(context.WithValue(ctx, apiCallerKey{}, c)))
	})
}

// apiToken finds the active token of secret and records its use (at most
// once a minute).
func (s *Server) apiToken(r *http.Request, secret string) (domain.APIToken, error) {
	ctx := r.Context()
	if !strings.HasPrefix(secret, api.TokenPrefix) || len(secret) > 200 {
		return domain.APIToken{}, domain.Errorf(domain.EUNAUTH, "API 토큰 형식이 올바르지 않습니다.")
	}
	tok, err := s.store.GetAPITokenByHash(ctx, api.HashToken(secret))
	if errors.Is(err, store.ErrNotFound) {
		return tok, domain.Errorf(domain.EUNAUTH, "알 수 없는 API 토큰입니다.")
	} else if err != nil {
		return tok, err
	}
	now := s.now()
	switch {
	case !tok.RevokedAt.IsZero():
		return tok, domain.Errorf(domain.EUNAUTH, "폐기된 API 토큰입니다.")
	case !tok.Active(now):
		return tok, domain.Errorf(domain.EUNAUTH, "만료된 API 토큰입니다.")
	}
	if now.Sub(tok.LastUsedAt) >= time.Minute {
		if err := s.store.TouchAPIToken(ctx, tok.ID, now); err != nil {
			return tok, err
		}
		tok.LastUsedAt = now
	}
	return tok, nil
}

// apiError answers err as JSON: a domain error with its code and message,
// the store's sentinels as not_found / conflict, anything else as a
// logged 500.
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	var ad *access.AlreadyDecided
	if errors.As(err, &ad) {
		s.renderError(w, r, http.StatusConflict, domain.ECONFLICT, ad.Error())
		return
	}
	s.error(w, r, err)
}
