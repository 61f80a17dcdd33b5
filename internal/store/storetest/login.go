package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// testLogin covers a certificate login's writes and every reason to
// refuse one, each leaving nothing but the used challenge behind.
func testLogin(t *testing.T, s store.Store) {
	c := seedChain(t, s)
	u := newUser(t, s, c.clinic.ID, "login01", "김로그인")
	// addCert registers a personal certificate of the user with key.
	addCert := func(userID int64, key, serial string, replacedAt time.Time) domain.Certificate {
		t.Helper()
		c := domain.Certificate{UserID: userID, SubjectDN: "CN=" + key, IssuerDN: "CN=CA", Serial: serial, KeyHash: hashOf(key),
			NotBefore: t0, NotAfter: t0.AddDate(1, 0, 0), PolicyOID: "1.2.410.200005.1.1.1", Class: domain.CertPersonal,
			DER: []byte{0x30, 0}, ReplacedAt: replacedAt}
		must(t, s.AddCertificate(ctx(t), &c))
		return c
	}
	cert := addCert(u.ID, "login01", "01", time.Time{})
	at := t0.Add(48 * time.Hour)
	n := 0
	challenge := func(purpose, origin string, expires time.Time) string {
		t.Helper()
		n++
		ch := domain.Challenge{Nonce: fmt.Sprintf("nonce-%d", n), Purpose: purpose, Origin: origin, CreatedAt: at.Add(-time.Minute), ExpiresAt: expires}
		must(t, s.CreateChallenge(ctx(t), &ch))
		return ch.Nonce
	}
	attempt := func(nonce string, key []byte) store.LoginAttempt {
		return store.LoginAttempt{Nonce: nonce, Purpose: "login", Origin: "https://o", KeyHash: key, At: at,
			Session: domain.Session{ID: "sess-" + nonce, CSRFToken: "csrf-" + nonce, ExpiresAt: at.Add(time.Hour), ClientAddr: "203.0.113.9", UserAgent: "ua"},
			Audit:   domain.AuditEvent{Action: "user.login", TargetType: "user", ClientAddr: "203.0.113.9", Detail: `{"cert_class":"personal"}`}}
	}
	sessions := func() int {
		t.Helper()
		ss, err := s.ListUserSessions(ctx(t), u.ID)
		must(t, err)
		return len(ss)
	}
	loginEvents := func() []domain.AuditEvent {
		t.Helper()
		evs, err := s.ListAudit(ctx(t), store.AuditFilter{Action: "user.login"})
		must(t, err)
		return evs
	}

	// Success.
	old := domain.Session{ID: "old-session", UserID: u.ID, CSRFToken: "x", CreatedAt: t0, ExpiresAt: at.Add(time.Hour)}
	must(t, s.CreateSession(ctx(t), &old))
	a := attempt(challenge("login", "https://o", at.Add(time.Minute)), cert.KeyHash)
	a.OldSession = old.ID
	r, err := s.Login(ctx(t), a)
	must(t, err)
	if !r.LoggedIn || !r.Consumed || r.Replayed || r.Challenge.Nonce != a.Nonce || r.Challenge.Purpose != "login" ||
		r.Cert.ID != cert.ID || r.User.ID != u.ID || r.User.Pseudonym != u.Pseudonym || r.User.Status != domain.UserActive {
		t.Fatalf("Login = %+v", r)
	}
	wantTime(t, r.User.LastLoginAt, us(at), "result's LastLoginAt")
	wantTime(t, r.Challenge.UsedAt, us(at), "challenge's UsedAt")
	got, err := s.GetUser(ctx(t), u.ID)
	must(t, err)
	wantTime(t, got.LastLoginAt, us(at), "stored LastLoginAt")
	se, err := s.GetSession(ctx(t), a.Session.ID)
	must(t, err)
	if se.UserID != u.ID || se.CertID != cert.ID || se.CSRFToken != a.Session.CSRFToken || se.ClientAddr != "203.0.113.9" || se.UserAgent != "ua" {
		t.Errorf("session = %+v", se)
	}
	wantTime(t, se.CreatedAt, us(at), "session CreatedAt")
	wantTime(t, se.LastSeenAt, us(at), "session LastSeenAt")
	if _, err := s.GetSession(ctx(t), old.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("replaced session: %v, want deleted", err)
	}
	evs := loginEvents()
	if len(evs) != 1 || evs[0].ActorID != u.ID || evs[0].Actor != u.Pseudonym || evs[0].TargetType != "user" ||
		evs[0].TargetID != fmt.Sprint(u.ID) || evs[0].ClientAddr != "203.0.113.9" || evs[0].Detail != `{"cert_class":"personal"}` {
		t.Fatalf("login events = %+v", evs)
	}
	wantTime(t, evs[0].At, us(at), "event At")

	// Refusals: the challenge is used up, nothing else is written.
	replaced := addCert(u.ID, "old", "02", t0.Add(time.Hour))
	locked := newUser(t, s, c.clinic.ID, "login02", "박잠김")
	locked.Status = domain.UserLocked
	must(t, s.UpdateUser(ctx(t), &locked))
	lockedCert := addCert(locked.ID, "login02", "03", time.Time{})
	cases := []struct {
		name               string
		a                  store.LoginAttempt
		consumed, replayed bool
		certID, userID     int64
		status             domain.UserStatus
	}{
		{"unknown nonce", attempt("no-such-nonce", cert.KeyHash), false, false, cert.ID, u.ID, domain.UserActive},
		{"replayed nonce", attempt(a.Nonce, cert.KeyHash), false, true, cert.ID, u.ID, domain.UserActive},
		{"wrong purpose", attempt(challenge("signup", "https://o", at.Add(time.Minute)), cert.KeyHash), true, false, cert.ID, u.ID, domain.UserActive},
		{"wrong origin", attempt(challenge("login", "https://evil", at.Add(time.Minute)), cert.KeyHash), true, false, cert.ID, u.ID, domain.UserActive},
		{"expired", attempt(challenge("login", "https://o", at), cert.KeyHash), true, false, cert.ID, u.ID, domain.UserActive},
		{"unregistered key", attempt(challenge("login", "https://o", at.Add(time.Minute)), hashOf("stranger")), true, false, 0, 0, ""},
		{"replaced certificate", attempt(challenge("login", "https://o", at.Add(time.Minute)), replaced.KeyHash), true, false, replaced.ID, u.ID, domain.UserActive},
		{"locked user", attempt(challenge("login", "https://o", at.Add(time.Minute)), lockedCert.KeyHash), true, false, lockedCert.ID, locked.ID, domain.UserLocked},
	}
	for _, tc := range cases {
		tc.a.At = at.Add(time.Hour) // a login time no refusal may write
		tc.a.OldSession = a.Session.ID
		r, err := s.Login(ctx(t), tc.a)
		must(t, err)
		if r.LoggedIn || r.Consumed != tc.consumed || r.Replayed != tc.replayed || r.Cert.ID != tc.certID ||
			r.User.ID != tc.userID || r.User.Status != tc.status || (tc.consumed && r.Challenge.Nonce != tc.a.Nonce) {
			t.Errorf("%s: Login = %+v", tc.name, r)
		}
		if tc.consumed {
			again, err := s.Login(ctx(t), tc.a)
			if err != nil || !again.Replayed || again.LoggedIn {
				t.Errorf("%s: a second try = %+v, %v; want replayed", tc.name, again, err)
			}
		}
	}
	if n := sessions(); n != 1 {
		t.Errorf("%d sessions after the refusals, want the one login's", n)
	}
	if evs := loginEvents(); len(evs) != 1 {
		t.Errorf("%d login events after the refusals, want 1", len(evs))
	}
	for _, id := range []int64{u.ID, locked.ID} {
		got, err := s.GetUser(ctx(t), id)
		must(t, err)
		if id == u.ID {
			wantTime(t, got.LastLoginAt, us(at), "LastLoginAt after the refusals")
		} else if !got.LastLoginAt.IsZero() {
			t.Errorf("locked user's LastLoginAt = %v", got.LastLoginAt)
		}
	}

	// Bad input.
	bad := attempt(challenge("login", "https://o", at.Add(time.Minute)), cert.KeyHash)
	bad.Session.ID = ""
	if _, err := s.Login(ctx(t), bad); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("Login without a session ID: %v, want invalid", err)
	}

	// Inside a transaction that fails, the login rolls back whole.
	b := attempt(challenge("login", "https://o", at.Add(3*time.Hour)), cert.KeyHash)
	b.At = at.Add(2 * time.Hour)
	err = s.InTx(ctx(t), func(tx store.Queries) error {
		r, err := tx.Login(ctx(t), b)
		if err != nil {
			return err
		}
		if !r.LoggedIn {
			return fmt.Errorf("not logged in: %+v", r)
		}
		return errBoom
	})
	wantErr(t, err, errBoom, "InTx")
	if _, err := s.GetSession(ctx(t), b.Session.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session of a rolled-back login: %v", err)
	}
	r, err = s.Login(ctx(t), b)
	must(t, err)
	if !r.LoggedIn {
		t.Errorf("the rolled-back login's challenge is no longer usable: %+v", r)
	}
}

// testInTxConcurrent runs many short transactions at once, as logins do:
// some commit, some fail after writing, some panic, some come with a
// context already cancelled. Each caller must see its own outcome, and
// only the committed ones' writes may stay (stores may run waiting
// transactions together; see sqlstore's group commit).
func testInTxConcurrent(t *testing.T, s store.Store) {
	c := seedChain(t, s)
	const workers, each = 16, 12
	type outcome int
	const (
		commit outcome = iota
		fail
		panics
		cancelled
	)
	kind := func(w, i int) outcome { return outcome((w + i) % 4) }
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			<-start
			for i := range each {
				code := fmt.Sprintf("CC%02d%02d", w, i)
				k := kind(w, i)
				cx := ctx(t)
				if k == cancelled {
					var cancel context.CancelFunc
					cx, cancel = context.WithCancel(cx)
					cancel()
				}
				var err error
				panicked := func() (p any) {
					defer func() { p = recover() }()
					err = s.InTx(cx, func(tx store.Queries) error {
						in := domain.Institution{Code: code, Name: "동시의원", Kind: domain.KindMedical, ParentID: c.centre.ID}
						if err := tx.CreateInstitution(cx, &in); err != nil {
							return err
						}
						if err := tx.AppendAudit(cx, &domain.AuditEvent{Action: "test.concurrent", TargetType: "institution", TargetID: code}); err != nil {
							return err
						}
						switch k {
						case fail:
							return errBoom
						case panics:
							panic("boom " + code)
						}
						return nil
					})
					return nil
				}()
				switch k {
				case commit:
					if err != nil || panicked != nil {
						t.Errorf("%s: InTx = %v, panic %v; want success", code, err, panicked)
					}
				case fail:
					if !errors.Is(err, errBoom) || panicked != nil {
						t.Errorf("%s: InTx = %v, panic %v; want errBoom", code, err, panicked)
					}
				case panics:
					if panicked != "boom "+code {
						t.Errorf("%s: panic %v (err %v); want the function's panic", code, panicked, err)
					}
				case cancelled:
					if !errors.Is(err, context.Canceled) {
						t.Errorf("%s: InTx = %v; want context.Canceled", code, err)
					}
				}
			}
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		return
	}
	wantCommitted := 0
	for w := range workers {
		for i := range each {
			code := fmt.Sprintf("CC%02d%02d", w, i)
			_, err := s.GetInstitutionByCode(ctx(t), code)
			if kind(w, i) == commit {
				wantCommitted++
				if err != nil {
					t.Errorf("%s committed but: %v", code, err)
				}
			} else if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: rolled back, but GetInstitutionByCode = %v", code, err)
			}
		}
	}
	evs, err := s.ListAudit(ctx(t), store.AuditFilter{Action: "test.concurrent", Page: store.Page{Limit: store.MaxLimit}})
	must(t, err)
	if len(evs) != wantCommitted {
		t.Errorf("%d audit events, want %d (one per committed transaction)", len(evs), wantCommitted)
	}
	if bad, err := store.VerifyAuditChain(ctx(t), s); bad != 0 || err != nil {
		t.Errorf("audit chain: bad %d, %v", bad, err)
	}
}
