package main

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gwanmun/gwanmun/bench/harness"
)

// clientFactory makes HTTP clients for loopback targets. With spread set,
// each client connects from its own loopback source address (127.0.x.y:
// Linux routes all of 127.0.0.0/8 to the loopback interface), so that the
// server's per-address rate limits see many clients, as they would in
// production, rather than one.
type clientFactory struct {
	spread bool
	next   atomic.Uint32
}

// maxSources bounds the loopback source addresses used (127.0.0.2 up to
// 127.0.255.254).
const maxSources = 255 * 254

// newClient returns a client with one keep-alive connection pool, no
// cookie jar (cookies are set per request), no redirects followed, and a
// request timeout.
func (f *clientFactory) newClient() *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if f.spread {
		k := f.next.Add(1) - 1
		k %= maxSources
		d.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, byte(k/254), byte(2+k%254))}
	}
	tr := &http.Transport{
		DialContext:         d.DialContext,
		MaxIdleConns:        4,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// clients returns n new clients.
func (f *clientFactory) clients(n int) []*http.Client {
	cs := make([]*http.Client, n)
	for i := range cs {
		cs[i] = f.newClient()
	}
	return cs
}

// closeClients drops the idle connections of cs.
func closeClients(cs []*http.Client) {
	for _, c := range cs {
		c.CloseIdleConnections()
	}
}

// checkLoopback refuses a target that is not on a loopback address: the
// driver must never load anything but this machine.
func checkLoopback(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	if u.Scheme != "http" {
		return fmt.Errorf("target %q: only http:// on loopback is supported", rawURL)
	}
	ip := net.ParseIP(u.Hostname())
	if u.Hostname() == "localhost" {
		ip = net.IPv4(127, 0, 0, 1)
	}
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("target %q is not a loopback address (use 127.0.0.1)", rawURL)
	}
	return nil
}

// anonCSRF is an anonymous visitor's CSRF cookie and token.
type anonCSRF struct {
	Cookie string // value of the gwanmun_csrf cookie
	Token  string // the X-CSRF-Token header
}

const csrfCookieName = "gwanmun_csrf"

// fetchCSRF loads baseURL+"/" as a new visitor and returns the CSRF cookie
// it sets and the token of its <meta name="csrf-token"> element.
func fetchCSRF(ctx context.Context, c *http.Client, baseURL string) (anonCSRF, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/", nil)
	if err != nil {
		return anonCSRF{}, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return anonCSRF{}, err
	}
	body, err := harness.Drain(resp.Body, 1<<20)
	if err != nil {
		return anonCSRF{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return anonCSRF{}, fmt.Errorf("GET /: status %d", resp.StatusCode)
	}
	var a anonCSRF
	for _, ck := range resp.Cookies() {
		if ck.Name == csrfCookieName {
			a.Cookie = ck.Value
		}
	}
	if a.Cookie == "" {
		return anonCSRF{}, errors.New("GET /: no " + csrfCookieName + " cookie")
	}
	if a.Token, err = metaCSRFToken(body); err != nil {
		return anonCSRF{}, fmt.Errorf("GET /: %w", err)
	}
	return a, nil
}

// metaCSRFToken returns the content of <meta name="csrf-token" content="...">
// in page.
func metaCSRFToken(page []byte) (string, error) {
	s := string(page)
	for {
		i := strings.Index(s, "<meta")
		if i < 0 {
			return "", errors.New(`no <meta name="csrf-token"> in the page`)
		}
		s = s[i+len("<meta"):]
		end := strings.IndexByte(s, '>')
		if end < 0 {
			return "", errors.New("unterminated <meta> element")
		}
		tag := s[:end]
		if attr(tag, "name") == "csrf-token" {
			v := attr(tag, "content")
			if v == "" {
				return "", errors.New("empty csrf-token")
			}
			return v, nil
		}
		s = s[end:]
	}
}

// attr returns the double-quoted value of attribute name in the inside of
// a tag, unescaped, or "".
func attr(tag, name string) string {
	for rest := tag; ; {
		i := strings.Index(rest, name+`="`)
		if i < 0 {
			return ""
		}
		if i > 0 && !isSpace(rest[i-1]) {
			rest = rest[i+len(name):]
			continue
		}
		v := rest[i+len(name)+2:]
		j := strings.IndexByte(v, '"')
		if j < 0 {
			return ""
		}
		return html.UnescapeString(v[:j])
	}
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }
