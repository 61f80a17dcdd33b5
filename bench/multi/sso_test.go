package multi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/sso"
	"github.com/gwanmun/gwanmun/internal/testenv"
)

// TestTwoProcessesSSO runs two `gwanmun serve` processes on one PostgreSQL
// schema and checks that the OpenID Connect provider does not depend on
// which process answers (docs/sso.md):
//
//   - an authorization started on A, whose login step runs on B, gets its
//     code from A, and the code is redeemed on B;
//   - the access token B issued is accepted by A's userinfo;
//   - both publish the same JWKS;
//   - a key rotation (made by a third party on the database) is seen by
//     both: both publish the new key, A signs with it, B verifies it.
func TestTwoProcessesSSO(t *testing.T) {
	if testing.Short() {
		t.Skip("two-process test: skipped with -short")
	}
	dbURL := testenv.PostgresSchema(t)
	dir := t.TempDir()
	bin := buildGwanmun(t, dir)
	ctx := t.Context()
	f := setup(t, ctx, dbURL, dir)
	keyFile := filepath.Join(dir, "csrf.key")
	if err := os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString([]byte(rand.Text()+rand.Text()))+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	shared := []string{"--csrf-key-file", keyFile}
	var a, b *server
	var errA, errB error
	var wg sync.WaitGroup
	wg.Go(func() { a, errA = startServer(t, bin, dbURL, f.caDir, dir, "a", shared) })
	wg.Go(func() { b, errB = startServer(t, bin, dbURL, f.caDir, dir, "b", shared) })
	wg.Wait()
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}

	// The covid system as a client, registered on the shared database.
	const cb = "http://127.0.0.1:1/cb"
	issuer := publicOrigin + "/oidc"
	p, err := sso.New(sso.Config{Issuer: issuer, LoginURL: publicOrigin + "/sso/login"}, f.st)
	if err != nil {
		t.Fatal(err)
	}
	covid, err := f.st.GetSystemByCode(ctx, "covid19-vaccination")
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := p.Register(ctx, audit.Actor{Pseudonym: "multi"}, covid.ID, sso.ClientSpec{ClientID: "covid19", RedirectURIs: []string{cb}})
	if err != nil {
		t.Fatal(err)
	}
	app := f.applicants[0]
	if err := f.st.CreateGrant(ctx, &domain.Grant{UserID: app.user.ID, RoleID: f.roleID, GrantedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	br := newBrowser()
	if err := br.login(ctx, a, b, app); err != nil {
		t.Fatal(err)
	}

	// flow: authorize on from, login step on other, callback on from,
	// code redeemed on redeem.
	flow := func(from, other, redeem *server) (idToken, accessToken string) {
		t.Helper()
		verifier := rand.Text() + rand.Text()
		sum := sha256.Sum256([]byte(verifier))
		q := url.Values{"client_id": {"covid19"}, "redirect_uri": {cb}, "response_type": {"code"}, "scope": {"openid profile roles"},
			"state": {"st"}, "nonce": {"n"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
		hops := []*server{from, other, from}
		next := "/oidc/authorize?" + q.Encode()
		var loc *url.URL
		for i, s := range hops {
			res := br.raw(ctx, s, next)
			res.Body.Close()
			if res.StatusCode != http.StatusFound && res.StatusCode != http.StatusSeeOther {
				t.Fatalf("hop %d on %s (%s): %d", i, s.name, next, res.StatusCode)
			}
			loc, err = url.Parse(res.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			next = loc.RequestURI()
		}
		if loc.Host != "127.0.0.1:1" || loc.Query().Get("code") == "" {
			t.Fatalf("no code: %s", loc)
		}
		form := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {cb}, "code_verifier": {verifier}}
		req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+redeem.addr+"/oidc/oauth/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("covid19", secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var tok struct {
			IDToken     string `json:"id_token"`
			AccessToken string `json:"access_token"`
		}
		if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || res.StatusCode != 200 || tok.IDToken == "" {
			t.Fatalf("code from %s redeemed on %s: %d %v", from.name, redeem.name, res.StatusCode, err)
		}
		return tok.IDToken, tok.AccessToken
	}
	userinfo := func(s *server, token string) int {
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+s.addr+"/oidc/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	jwks := func(s *server) string {
		res := br.raw(ctx, s, "/oidc/keys")
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return string(body)
	}

	_, at := flow(a, b, b)
	if st := userinfo(a, at); st != 200 {
		t.Errorf("A's userinfo with B's access token: %d", st)
	}
	_, at = flow(b, a, a)
	if st := userinfo(b, at); st != 200 {
		t.Errorf("B's userinfo with A's access token: %d", st)
	}
	if ka, kb := jwks(a), jwks(b); ka != kb || !strings.Contains(ka, `"kid"`) {
		t.Errorf("JWKS differ:\nA %s\nB %s", ka, kb)
	}

	// Rotation by a third party: both processes see it.
	kid, err := p.RotateKeys(ctx, "ES256")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*server{a, b} {
		deadline := time.Now().Add(30 * time.Second) // the key cache lasts 5 s
		for !strings.Contains(jwks(s), kid) {
			if time.Now().After(deadline) {
				t.Fatalf("%s does not publish the new key %s", s.name, kid)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	idt, at := flow(a, b, a)
	hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(idt, ".")[0])
	if !strings.Contains(string(hdr), kid) {
		t.Errorf("A signs with %s after the rotation, want %s", hdr, kid)
	}
	if st := userinfo(b, at); st != 200 {
		t.Errorf("B's userinfo with a token of the new key: %d", st)
	}
	if ka, kb := jwks(a), jwks(b); ka != kb {
		t.Errorf("JWKS differ after the rotation")
	}
}

// raw sends a GET to s and returns the response unread (redirects not
// followed).
func (br *browser) raw(ctx context.Context, s *server, path string) *http.Response {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.addr+path, nil)
	res, err := br.hc.Do(req)
	if err != nil {
		return &http.Response{StatusCode: 0, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(err.Error()))}
	}
	return res
}
