package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzAcceptsGzip feeds arbitrary Accept-Encoding headers to the parser.
func FuzzAcceptsGzip(f *testing.F) {
	for _, s := range []string{"", "gzip", "br, gzip;q=0.5", "gzip;q=0", "*;q=0", "x-gzip", ";;,,q=", "gzip;q=0.", "gzip ; q = 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ae string) {
		got := acceptsGzip(ae)
		if got && !strings.Contains(strings.ToLower(ae), "gzip") && !strings.Contains(ae, "*") {
			t.Errorf("acceptsGzip(%q) = true without gzip or *", ae)
		}
	})
}

// FuzzRequest sends requests with arbitrary paths, cookies and headers
// through the whole handler: it must never panic or answer 5xx.
func FuzzRequest(f *testing.F) {
	f.Add("GET", "/", "", "", "")
	f.Add("POST", "/logout", "gwanmun_session=abc; gwanmun_csrf="+strings.Repeat("x", 43), "tok", "gzip")
	f.Add("GET", "/?lang=en&msg=session_expired", "lang=en", "", "")
	f.Add("GET", "/static/css/app.css", "", "", "gzip;q=0")
	f.Add("POST", "/session/extend", "lang=xx; gwanmun_session=", "", "*")
	e := newTestEnv(f, nil)
	f.Fuzz(func(t *testing.T, method, target, cookie, token, ae string) {
		if method != "GET" && method != "POST" {
			method = "GET"
		}
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \r\n\t#") {
			return
		}
		r, err := http.NewRequest(method, "http://127.0.0.1:8080"+target, nil)
		if err != nil {
			return
		}
		r.RemoteAddr = "192.0.2.1:1234"
		r.Header.Set("Cookie", cookie)
		r.Header.Set(csrfHeader, token)
		r.Header.Set("Accept-Encoding", ae)
		w := httptest.NewRecorder()
		e.s.Handler().ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Errorf("%s %q: status %d", method, target, w.Code)
		}
	})
}
