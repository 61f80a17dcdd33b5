package web

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
)

// TestConfirm: POST /auth/confirm accepts a fresh "confirm" signature by
// the account's own certificate only, marks the session, and goes back to
// a local page only.
func TestConfirm(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	clinic := e.inst(clinicCode)
	own := issue(t, "홍길동", 0, nil)
	other := issue(t, "김민지", 1, nil)
	u := e.registerUser("hongconfirm", domain.UserActive, clinic.ID, own)
	e.registerUser("kimconfirm", domain.UserActive, clinic.ID, other)

	c := e.client()
	c.login(own)
	confirmedAt := func() bool {
		t.Helper()
		ss, err := e.s.store.ListUserSessions(e.ctx, u.ID)
		if err != nil || len(ss) != 1 {
			t.Fatalf("sessions of the user: %v, %v", ss, err)
		}
		return !ss[0].ConfirmedAt.IsZero()
	}

	post := func(sr pki.SignedResponse, next string) (*http.Response, string) {
		f := form(sr)
		f.Set("next", next)
		return c.postForm("/auth/confirm", f)
	}
	res, body := post(c.signed(pki.PurposeConfirm, other), "/account/roles")
	wantStatus(t, "confirm with another account's certificate", res, body, http.StatusForbidden)
	res, body = post(c.signed(pki.PurposeLogin, own), "/account/roles")
	wantStatus(t, "confirm with a login challenge", res, body, http.StatusUnauthorized)
	if confirmedAt() {
		t.Fatal("a refused confirmation marked the session")
	}
	res, body = post(c.signed(pki.PurposeConfirm, own), "//evil.example/x")
	wantRedirect(t, "confirm with an off-site next", res, body, "/menu")
	if !confirmedAt() {
		t.Fatal("a good confirmation did not mark the session")
	}
	res, body = post(c.signed(pki.PurposeConfirm, own), "/account/roles?view=held")
	wantRedirect(t, "confirm", res, body, "/account/roles?view=held")

	anon := e.client()
	res, body = anon.postForm("/auth/confirm", url.Values{"nonce": {"x"}})
	wantStatus(t, "confirm without a session", res, body, http.StatusUnauthorized)
}
