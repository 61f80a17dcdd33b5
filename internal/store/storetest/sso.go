package storetest

import (
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// testSSO covers the OpenID Connect provider's storage: clients, keys,
// the shared secret, authorization requests with single-use codes, and
// tokens with their revocation.
func testSSO(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	c := domain.SSOClient{SystemID: b.sys.ID, ClientID: "covid19", SecretHash: hashOf("secret"),
		RedirectURIs: []string{"https://covid.example/cb", "https://covid.example/cb2"}, PostLogoutURIs: []string{"https://covid.example/"},
		BackchannelLogoutURI: "https://covid.example/bcl", SubjectType: "pairwise",
		AccessTokenTTL: 5 * time.Minute, IDTokenTTL: 5 * time.Minute, RefreshTokenTTL: 8 * time.Hour, CreatedAt: t0}
	must(t, s.CreateSSOClient(ctx(t), &c))
	dup := c
	dup.SystemID = 0
	sys2 := domain.System{Code: "other", Name: "다른 시스템", CreatedAt: t0}
	must(t, s.CreateSystem(ctx(t), &sys2))
	dup.SystemID = sys2.ID
	wantErr(t, s.CreateSSOClient(ctx(t), &dup), store.ErrAlreadyExists, "second client with the same client ID")
	dup.ClientID, dup.SystemID = "other", b.sys.ID
	wantErr(t, s.CreateSSOClient(ctx(t), &dup), store.ErrAlreadyExists, "second client of one system")
	dup.SystemID = 999999
	wantErr(t, s.CreateSSOClient(ctx(t), &dup), store.ErrNotFound, "client of an unknown system")

	got, err := s.GetSSOClient(ctx(t), "covid19")
	must(t, err)
	if !reflect.DeepEqual(got, c) {
		t.Errorf("GetSSOClient = %+v\nwant %+v", got, c)
	}
	c.Public, c.SecretHash, c.RedirectURIs = true, nil, []string{"http://127.0.0.1:9999/cb"}
	c.UpdatedAt = t0.Add(time.Hour)
	must(t, s.UpdateSSOClient(ctx(t), &c))
	got, err = s.GetSSOClientOfSystem(ctx(t), b.sys.ID)
	must(t, err)
	if !got.Public || got.SecretHash != nil || len(got.RedirectURIs) != 1 || !got.UpdatedAt.Equal(us(c.UpdatedAt)) || !got.CreatedAt.Equal(us(t0)) {
		t.Errorf("after update: %+v", got)
	}
	_, err = s.GetSSOClient(ctx(t), "nobody")
	wantErr(t, err, store.ErrNotFound, "unknown client")
	if l, err := s.ListSSOClients(ctx(t)); err != nil || len(l) != 1 {
		t.Errorf("ListSSOClients = %d, %v", len(l), err)
	}

	// Keys: rotation retires all but the new one; published until expiry.
	k1 := domain.SSOKey{ID: "k1", Alg: "RS256", Private: []byte{1, 2, 3}, CreatedAt: t0}
	must(t, s.AddSSOKey(ctx(t), &k1))
	k2 := domain.SSOKey{ID: "k2", Alg: "ES256", Private: []byte{4}, CreatedAt: t0.Add(time.Minute)}
	must(t, s.AddSSOKey(ctx(t), &k2))
	wantErr(t, s.AddSSOKey(ctx(t), &k2), store.ErrAlreadyExists, "duplicate kid")
	n, err := s.RetireSSOKeys(ctx(t), "k2", t0.Add(2*time.Minute), t0.Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("RetireSSOKeys = %d, %v", n, err)
	}
	keys, err := s.ListSSOKeys(ctx(t), t0.Add(30*time.Minute))
	must(t, err)
	if len(keys) != 2 || keys[0].ID != "k2" || !keys[0].RetireAt.IsZero() || keys[1].RetireAt.IsZero() {
		t.Errorf("keys before expiry = %+v", keys)
	}
	keys, err = s.ListSSOKeys(ctx(t), t0.Add(2*time.Hour))
	must(t, err)
	if len(keys) != 1 || keys[0].ID != "k2" {
		t.Errorf("keys after expiry = %+v", keys)
	}

	// The shared secret: the first candidate wins, concurrently too.
	var wg sync.WaitGroup
	vals := make([][]byte, 4)
	for i := range vals {
		wg.Go(func() {
			v, err := s.SSOSecret(ctx(t), "pairwise", []byte{byte(i + 1)})
			if err != nil {
				t.Error(err)
			}
			vals[i] = v
		})
	}
	wg.Wait()
	for _, v := range vals {
		if len(v) != 1 || v[0] != vals[0][0] {
			t.Errorf("SSOSecret gave %v", vals)
		}
	}

	// Authorization requests: one authentication, one code, one redemption.
	a := domain.SSOAuthRequest{ID: "req1", ClientID: "covid19", Params: []byte(`{"x":1}`), CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute)}
	must(t, s.CreateSSOAuthRequest(ctx(t), &a))
	wantErr(t, s.SetSSOAuthCode(ctx(t), "req1", hashOf("code"), t0.Add(time.Minute)), store.ErrConflict, "code before authentication")
	done := domain.SSOAuthRequest{ID: "req1", UserID: b.alice.ID, SessionID: "sess", AuthTime: t0, CertClass: domain.CertPersonal, AMR: []string{"swk", "pin"}}
	must(t, s.CompleteSSOAuthRequest(ctx(t), &done))
	wantErr(t, s.CompleteSSOAuthRequest(ctx(t), &done), store.ErrConflict, "second authentication")
	missing := done
	missing.ID = "nope"
	wantErr(t, s.CompleteSSOAuthRequest(ctx(t), &missing), store.ErrNotFound, "unknown request")
	must(t, s.SetSSOAuthCode(ctx(t), "req1", hashOf("code"), t0.Add(time.Minute)))
	wantErr(t, s.SetSSOAuthCode(ctx(t), "req1", hashOf("code2"), t0.Add(time.Minute)), store.ErrConflict, "second code")
	ga, err := s.GetSSOAuthRequestByCode(ctx(t), hashOf("code"))
	must(t, err)
	if ga.UserID != b.alice.ID || ga.SessionID != "sess" || !ga.AuthTime.Equal(us(t0)) || ga.CertClass != domain.CertPersonal ||
		!reflect.DeepEqual(ga.AMR, []string{"swk", "pin"}) || string(ga.Params) != `{"x":1}` || !ga.RedeemedAt.IsZero() || !ga.Done() {
		t.Errorf("GetSSOAuthRequestByCode = %+v", ga)
	}
	_, err = s.GetSSOAuthRequestByCode(ctx(t), nil)
	wantErr(t, err, store.ErrNotFound, "empty code")
	var redeemed sync.WaitGroup
	results := make(chan error, 4)
	for range 4 {
		redeemed.Go(func() { results <- s.RedeemSSOAuthCode(ctx(t), "req1", t0.Add(10*time.Second)) })
	}
	redeemed.Wait()
	close(results)
	ok := 0
	for err := range results {
		if err == nil {
			ok++
		} else {
			wantErr(t, err, store.ErrConflict, "concurrent redemption")
		}
	}
	if ok != 1 {
		t.Errorf("%d concurrent redemptions succeeded, want 1", ok)
	}

	// Tokens.
	tok := func(id, kind, req, sess string, user int64, hash []byte) domain.SSOToken {
		return domain.SSOToken{ID: id, Kind: kind, ClientID: "covid19", UserID: user, AuthRequestID: req, SessionID: sess, RefreshHash: hash,
			Scopes: []string{"openid", "roles"}, AMR: []string{"swk"}, CertClass: domain.CertPersonal, AuthTime: t0, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	}
	at := tok("at1", "access", "req1", "sess", b.alice.ID, nil)
	rt := tok("rt1", "refresh", "req1", "sess", b.alice.ID, hashOf("refresh"))
	other := tok("at2", "access", "req2", "sess2", b.bob.ID, nil)
	for _, x := range []*domain.SSOToken{&at, &rt, &other} {
		must(t, s.CreateSSOToken(ctx(t), x))
	}
	bad := tok("x", "id", "", "", b.alice.ID, nil)
	if err := s.CreateSSOToken(ctx(t), &bad); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("token of kind id: %v", err)
	}
	gt, err := s.GetSSOTokenByRefreshHash(ctx(t), hashOf("refresh"))
	must(t, err)
	if !reflect.DeepEqual(gt, rt) {
		t.Errorf("GetSSOTokenByRefreshHash = %+v\nwant %+v", gt, rt)
	}
	if !gt.Active(t0.Add(time.Minute)) || gt.Active(t0.Add(2*time.Hour)) {
		t.Error("Active is wrong")
	}
	must(t, s.RevokeSSOToken(ctx(t), "at1", t0.Add(time.Minute)))
	wantErr(t, s.RevokeSSOToken(ctx(t), "at1", t0), store.ErrConflict, "second revocation")
	wantErr(t, s.RevokeSSOToken(ctx(t), "nope", t0), store.ErrNotFound, "unknown token")
	live, err := s.ListSSOTokens(ctx(t), domain.SSOTokenFilter{UserID: b.alice.ID}, t0.Add(time.Minute))
	must(t, err)
	if len(live) != 1 || live[0].ID != "rt1" {
		t.Errorf("live tokens of alice = %+v", live)
	}
	if _, err := s.RevokeSSOTokens(ctx(t), domain.SSOTokenFilter{}, t0); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("RevokeSSOTokens with an empty filter: %v", err)
	}
	n, err = s.RevokeSSOTokens(ctx(t), domain.SSOTokenFilter{AuthRequestID: "req1"}, t0.Add(2*time.Minute))
	if err != nil || n != 1 {
		t.Errorf("RevokeSSOTokens(req1) = %d, %v", n, err)
	}
	n, err = s.RevokeSSOTokens(ctx(t), domain.SSOTokenFilter{UserID: b.bob.ID, ClientID: "covid19", SessionID: "sess2"}, t0.Add(2*time.Minute))
	if err != nil || n != 1 {
		t.Errorf("RevokeSSOTokens(bob) = %d, %v", n, err)
	}
	gt, _ = s.GetSSOToken(ctx(t), "at2")
	wantTime(t, gt.RevokedAt, us(t0.Add(2*time.Minute)), "revoked at")

	// The owner of a grant.
	g := domain.Grant{UserID: b.bob.ID, RoleID: b.role.ID, GrantedAt: t0}
	must(t, s.CreateGrant(ctx(t), &g))
	if u, sys, err := s.GrantOwner(ctx(t), g.ID); err != nil || u != b.bob.ID || sys != b.sys.ID {
		t.Errorf("GrantOwner = %d, %d, %v", u, sys, err)
	}
	_, _, err = s.GrantOwner(ctx(t), 999999)
	wantErr(t, err, store.ErrNotFound, "owner of an unknown grant")

	// The outbox carries HTTP POSTs (back-channel logouts) to URLs.
	m := domain.OutboxMessage{Kind: domain.OutboxHTTPPrefix + "sso.backchannel_logout", Recipient: "https://covid.example/bcl",
		Subject: "covid19", Body: "{}", CreatedAt: t0}
	must(t, s.EnqueueMail(ctx(t), &m))
	m2 := m
	m2.Recipient = "someone@example.org"
	if err := s.EnqueueMail(ctx(t), &m2); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("HTTP message to an e-mail address: %v", err)
	}
	m2.Kind, m2.Recipient = "request.created", "https://covid.example/bcl"
	if err := s.EnqueueMail(ctx(t), &m2); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("mail to a URL: %v", err)
	}

	// Expiry sweeps.
	if n, err := s.DeleteExpiredSSOTokens(ctx(t), t0.Add(2*time.Hour)); err != nil || n != 3 {
		t.Errorf("DeleteExpiredSSOTokens = %d, %v", n, err)
	}
	if n, err := s.DeleteExpiredSSOAuthRequests(ctx(t), t0.Add(time.Hour)); err != nil || n != 1 {
		t.Errorf("DeleteExpiredSSOAuthRequests = %d, %v", n, err)
	}
}
