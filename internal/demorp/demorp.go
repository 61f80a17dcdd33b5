// Package demorp is the demo's relying party: a small stand-in for the
// 코로나19예방접종관리 system that signs its users in through gwanmun's
// OpenID Connect provider, written the way a system would be, with
// github.com/coreos/go-oidc and golang.org/x/oauth2 (docs/sso.md). It
// shows "<name>님" and the roles of the ID token, refreshes its tokens,
// and ends a session on back-channel logout.
package demorp

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Config configures the relying party.
type Config struct {
	Issuer       string // gwanmun's issuer, e.g. http://127.0.0.1:8080/oidc
	ClientID     string
	ClientSecret string
	BaseURL      string // this system's origin, e.g. http://127.0.0.1:8081
	Name         string // shown in the header
	Log          *slog.Logger
}

// RP is the relying party's HTTP handler.
type RP struct {
	cfg Config
	mux *http.ServeMux

	mu       sync.Mutex
	provider *oidc.Provider
	sessions map[string]*session // by cookie value
	pending  map[string]pending  // by state
	ended    map[string]bool     // sessions ended by back-channel logout
}

type session struct {
	Name, Subject, Institution string
	Roles                      []roleClaim
	IDToken                    string
	Token                      *oauth2.Token
	Since                      time.Time
	Refreshed                  time.Time
}

type roleClaim struct{ Code, Name string }

type pending struct {
	nonce, verifier string
	at              time.Time
}

const cookieName = "demorp_session"

// New returns the relying party.
func New(cfg Config) *RP {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	rp := &RP{cfg: cfg, mux: http.NewServeMux(), sessions: map[string]*session{}, pending: map[string]pending{}, ended: map[string]bool{}}
	rp.mux.HandleFunc("GET /{$}", rp.home)
	rp.mux.HandleFunc("GET /login", rp.login)
	rp.mux.HandleFunc("GET /callback", rp.callback)
	rp.mux.HandleFunc("POST /refresh", rp.refresh)
	rp.mux.HandleFunc("POST /logout", rp.logout)
	rp.mux.HandleFunc("POST /backchannel", rp.backchannel)
	return rp
}

func (rp *RP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' "+origin(rp.cfg.Issuer))
	w.Header().Set("X-Frame-Options", "DENY")
	rp.mux.ServeHTTP(w, r)
}

func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// setup discovers the provider on first use (gwanmun may start after us).
func (rp *RP) setup(ctx context.Context) (*oidc.Provider, oauth2.Config, error) {
	rp.mu.Lock()
	p := rp.provider
	rp.mu.Unlock()
	if p == nil {
		var err error
		if p, err = oidc.NewProvider(ctx, rp.cfg.Issuer); err != nil {
			return nil, oauth2.Config{}, err
		}
		rp.mu.Lock()
		rp.provider = p
		rp.mu.Unlock()
	}
	return p, oauth2.Config{ClientID: rp.cfg.ClientID, ClientSecret: rp.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: rp.cfg.BaseURL + "/callback",
		Scopes:      []string{oidc.ScopeOpenID, "profile", "institution", "roles", oidc.ScopeOfflineAccess}}, nil
}

func random() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (rp *RP) current(r *http.Request) (string, *session) {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return "", nil
	}
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return c.Value, rp.sessions[c.Value]
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>{{.Name}}</title>
<style>body{font-family:sans-serif;margin:2rem;max-width:48rem}header{border-bottom:2px solid #1d56bc;margin-bottom:1rem}
.badge{background:#fde7e7;color:#8a1c1c;padding:.2rem .5rem;border-radius:.3rem}button,a.btn{font-size:1rem;padding:.5rem 1rem}</style></head>
<body><header><h1>{{.Name}}</h1><p class="badge">데모 시스템 · DEMO — 공식 사이트가 아닙니다</p></header>
{{with .Msg}}<p role="status" data-testid="msg">{{.}}</p>{{end}}
{{with .S}}
<p data-testid="user"><strong>{{.Name}}님</strong>{{with .Institution}} ({{.}}){{end}}, 환영합니다.</p>
<h2>승인된 권한</h2>
<ul data-testid="roles">{{range .Roles}}<li data-code="{{.Code}}">{{.Name}}</li>{{end}}</ul>
<p>로그인: {{.Since.Format "2006-01-02 15:04:05"}}{{if not .Refreshed.IsZero}} · 토큰 갱신: {{.Refreshed.Format "15:04:05"}}{{end}}</p>
<form method="post" action="/refresh"><button type="submit" data-testid="refresh">토큰 갱신</button></form>
<form method="post" action="/logout"><button type="submit">로그아웃</button></form>
{{else}}
<p data-testid="anonymous">로그인하지 않았습니다.</p>
<p><a class="btn" href="/login" data-testid="login">관문으로 로그인</a></p>
{{end}}
</body></html>`))

type view struct {
	Name, Msg string
	S         *session
}

func (rp *RP) render(w http.ResponseWriter, status int, v view) {
	v.Name = rp.cfg.Name
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	page.Execute(w, v)
}

func (rp *RP) home(w http.ResponseWriter, r *http.Request) {
	id, s := rp.current(r)
	msg := map[string]string{"out": "로그아웃했습니다.", "refused": "토큰 갱신이 거부되어 로그아웃되었습니다."}[r.URL.Query().Get("m")]
	rp.mu.Lock()
	if rp.ended[id] {
		delete(rp.ended, id)
		msg = "관문에서 권한 또는 세션이 종료되어 로그아웃되었습니다."
	}
	rp.mu.Unlock()
	rp.render(w, http.StatusOK, view{S: s, Msg: msg})
}

// login starts the code flow (also the initiate-login URI of 메뉴보기).
func (rp *RP) login(w http.ResponseWriter, r *http.Request) {
	_, conf, err := rp.setup(r.Context())
	if err != nil {
		rp.cfg.Log.Error("demo RP: discovery", "err", err)
		rp.render(w, http.StatusBadGateway, view{Msg: "관문에 연결할 수 없습니다."})
		return
	}
	state, nonce, verifier := random(), random(), oauth2.GenerateVerifier()
	rp.mu.Lock()
	for k, p := range rp.pending {
		if time.Since(p.at) > 10*time.Minute {
			delete(rp.pending, k)
		}
	}
	rp.pending[state] = pending{nonce: nonce, verifier: verifier, at: time.Now()}
	rp.mu.Unlock()
	http.Redirect(w, r, conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

func (rp *RP) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rp.mu.Lock()
	pd, ok := rp.pending[q.Get("state")]
	delete(rp.pending, q.Get("state"))
	rp.mu.Unlock()
	if !ok {
		rp.render(w, http.StatusBadRequest, view{Msg: "알 수 없는 로그인 응답입니다."})
		return
	}
	if e := q.Get("error"); e != "" {
		rp.render(w, http.StatusForbidden, view{Msg: "로그인하지 못했습니다: " + e})
		return
	}
	p, conf, err := rp.setup(r.Context())
	if err != nil {
		rp.render(w, http.StatusBadGateway, view{Msg: "관문에 연결할 수 없습니다."})
		return
	}
	tok, err := conf.Exchange(r.Context(), q.Get("code"), oauth2.VerifierOption(pd.verifier))
	if err != nil {
		rp.cfg.Log.Warn("demo RP: code exchange", "err", err)
		rp.render(w, http.StatusBadGateway, view{Msg: "토큰을 받지 못했습니다."})
		return
	}
	s, err := rp.verify(r.Context(), p, tok, pd.nonce)
	if err != nil {
		rp.cfg.Log.Warn("demo RP: ID token", "err", err)
		rp.render(w, http.StatusBadGateway, view{Msg: "ID 토큰이 올바르지 않습니다."})
		return
	}
	s.Since = time.Now()
	id := random()
	rp.mu.Lock()
	rp.sessions[id] = s
	rp.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// verify checks the ID token of tok and reads the session from it.
func (rp *RP) verify(ctx context.Context, p *oidc.Provider, tok *oauth2.Token, nonce string) (*session, error) {
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.Verifier(&oidc.Config{ClientID: rp.cfg.ClientID}).Verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	if nonce != "" && idt.Nonce != nonce {
		return nil, errors.New("nonce mismatch")
	}
	var c struct {
		Name        string      `json:"name"`
		Roles       []roleClaim `json:"roles"`
		Institution struct{ Name string }
	}
	if err := idt.Claims(&c); err != nil {
		return nil, err
	}
	return &session{Name: c.Name, Subject: idt.Subject, Institution: c.Institution.Name, Roles: c.Roles, IDToken: raw, Token: tok}, nil
}

// refresh uses the refresh token; a refusal ends the session.
func (rp *RP) refresh(w http.ResponseWriter, r *http.Request) {
	id, s := rp.current(r)
	if s == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	p, conf, err := rp.setup(r.Context())
	if err != nil {
		rp.render(w, http.StatusBadGateway, view{Msg: "관문에 연결할 수 없습니다."})
		return
	}
	old := *s.Token
	old.Expiry = time.Now().Add(-time.Minute) // force the refresh
	tok, err := conf.TokenSource(r.Context(), &old).Token()
	var ns *session
	if err == nil {
		ns, err = rp.verify(r.Context(), p, tok, "")
	}
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if err != nil {
		delete(rp.sessions, id)
		http.Redirect(w, r, "/?m=refused", http.StatusSeeOther)
		return
	}
	ns.Since, ns.Refreshed = s.Since, time.Now()
	rp.sessions[id] = ns
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// logout ends the session here and at gwanmun (RP-initiated logout).
func (rp *RP) logout(w http.ResponseWriter, r *http.Request) {
	id, s := rp.current(r)
	rp.mu.Lock()
	delete(rp.sessions, id)
	rp.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1})
	p, _, err := rp.setup(r.Context())
	var end struct {
		URL string `json:"end_session_endpoint"`
	}
	if s == nil || err != nil || p.Claims(&end) != nil || end.URL == "" {
		http.Redirect(w, r, "/?m=out", http.StatusSeeOther)
		return
	}
	q := url.Values{"id_token_hint": {s.IDToken}, "post_logout_redirect_uri": {rp.cfg.BaseURL + "/?m=out"}}
	http.Redirect(w, r, end.URL+"?"+q.Encode(), http.StatusSeeOther)
}

// backchannel receives gwanmun's logout tokens: every session of the
// token's subject ends.
func (rp *RP) backchannel(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	p, _, err := rp.setup(r.Context())
	if err != nil {
		http.Error(w, "provider unavailable", http.StatusServiceUnavailable)
		return
	}
	lt, err := p.Verifier(&oidc.Config{ClientID: rp.cfg.ClientID}).Verify(r.Context(), r.PostFormValue("logout_token"))
	if err != nil {
		http.Error(w, "invalid logout token", http.StatusBadRequest)
		return
	}
	var c struct {
		Events map[string]any `json:"events"`
		Nonce  *string        `json:"nonce"`
	}
	if lt.Claims(&c) != nil || c.Events["http://schemas.openid.net/event/backchannel-logout"] == nil || c.Nonce != nil || lt.Subject == "" {
		http.Error(w, "not a logout token", http.StatusBadRequest)
		return
	}
	n := 0
	rp.mu.Lock()
	for id, s := range rp.sessions {
		if s.Subject == lt.Subject {
			delete(rp.sessions, id)
			rp.ended[id] = true
			n++
		}
	}
	rp.mu.Unlock()
	rp.cfg.Log.Info("demo RP: back-channel logout", "sessions", n)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}
