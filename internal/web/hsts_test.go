package web

import (
	"net/http"
	"testing"
)

// TestHSTSFromBaseURL: HSTS was sent only when r.TLS != nil, and gwanmun
// never terminates TLS itself, so never. It goes out on every response
// when the configured base URL is https, and not on an http origin.
func TestHSTSFromBaseURL(t *testing.T) {
	t.Parallel()
	secure := newTestEnv(t, func(c *Config) { c.BaseURL = "https://portal.example" })
	for _, path := range []string{"/", "/healthz", "/no-such-page", "/static/css/app.css"} {
		res, _ := secure.browser().get(path)
		if got := res.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
			t.Errorf("https origin, GET %s: Strict-Transport-Security %q", path, got)
		}
	}
	res, _ := secure.browser().post("/login", "")
	if res.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("https origin: no HSTS on a refused POST (%d)", res.StatusCode)
	}
	plain := newTestEnv(t, nil)
	res, _ = plain.browser().get("/")
	if got := res.Header.Get("Strict-Transport-Security"); got != "" || res.StatusCode != http.StatusOK {
		t.Errorf("http origin: Strict-Transport-Security %q (status %d), want none", got, res.StatusCode)
	}
}
