package storetest

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// testSessionSecurity covers the session writes of a certificate change
// and of the user's session list: ending the user's other sessions (and
// nobody else's) and pointing the remaining one at the new certificate.
func testSessionSecurity(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	old := domain.Certificate{UserID: b.alice.ID, Serial: "01", KeyHash: hashOf("alice-old")}
	must(t, s.AddCertificate(ctx(t), &old))
	neu := domain.Certificate{UserID: b.alice.ID, Serial: "02", KeyHash: hashOf("alice-new")}
	must(t, s.AddCertificate(ctx(t), &neu))
	mk := func(id string, user int64) {
		t.Helper()
		se := domain.Session{ID: id, UserID: user, CSRFToken: "c", CertID: old.ID, CreatedAt: t0, ExpiresAt: t0.Add(8 * time.Hour)}
		must(t, s.CreateSession(ctx(t), &se))
	}
	mk("alice-here", b.alice.ID)
	mk("alice-phone", b.alice.ID)
	mk("alice-stolen", b.alice.ID)
	mk("bob-1", b.bob.ID)

	// GetSession reads the class of the session's certificate along.
	pers := domain.Certificate{UserID: b.bob.ID, Serial: "03", KeyHash: hashOf("bob"), Class: domain.CertPersonal}
	must(t, s.AddCertificate(ctx(t), &pers))
	withCert := domain.Session{ID: "bob-cert", UserID: b.bob.ID, CSRFToken: "c", CertID: pers.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	must(t, s.CreateSession(ctx(t), &withCert))
	if got, err := s.GetSession(ctx(t), "bob-cert"); err != nil || got.CertClass != domain.CertPersonal {
		t.Errorf("GetSession(with a personal certificate).CertClass = %q, %v", got.CertClass, err)
	}
	noCert := domain.Session{ID: "bob-nocert", UserID: b.bob.ID, CSRFToken: "c", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	must(t, s.CreateSession(ctx(t), &noCert))
	if got, err := s.GetSession(ctx(t), "bob-nocert"); err != nil || got.CertClass != "" {
		t.Errorf("GetSession(without a certificate).CertClass = %q, %v", got.CertClass, err)
	}

	var n int
	err := s.InTx(ctx(t), func(q store.Queries) error {
		var err error
		if n, err = q.DeleteOtherSessions(ctx(t), b.alice.ID, "alice-here"); err != nil {
			return err
		}
		return q.SetSessionCert(ctx(t), "alice-here", neu.ID)
	})
	must(t, err)
	if n != 2 {
		t.Errorf("DeleteOtherSessions deleted %d, want 2", n)
	}
	ss, err := s.ListUserSessions(ctx(t), b.alice.ID)
	must(t, err)
	if len(ss) != 1 || ss[0].ID != "alice-here" || ss[0].CertID != neu.ID {
		t.Errorf("alice's sessions after the change: %+v", ss)
	}
	if _, err := s.GetSession(ctx(t), "bob-1"); err != nil {
		t.Errorf("another user's session: %v", err)
	}
	wantErr(t, s.SetSessionCert(ctx(t), "nope", neu.ID), store.ErrNotFound, "SetSessionCert(missing)")

	// keep "" ends them all.
	n, err = s.DeleteOtherSessions(ctx(t), b.alice.ID, "")
	must(t, err)
	if n != 1 {
		t.Errorf("DeleteOtherSessions(keep none) deleted %d, want 1", n)
	}
	if n, err := s.DeleteOtherSessions(ctx(t), b.alice.ID, ""); err != nil || n != 0 {
		t.Errorf("DeleteOtherSessions with none left = %d, %v", n, err)
	}
}

// testServerSecret: the first caller's secret is kept; every later caller,
// concurrent ones included, gets it; names are separate.
func testServerSecret(t *testing.T, s store.Store) {
	const n = 6
	got := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var err error
			got[i], err = s.ServerSecret(ctx(t), "session-token", []byte{byte(i + 1), 0xAA}, t0)
			if err != nil {
				t.Errorf("ServerSecret %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	for i := range n {
		if !bytes.Equal(got[i], got[0]) || len(got[i]) != 2 {
			t.Fatalf("callers got different secrets: %x", got)
		}
	}
	again, err := s.ServerSecret(ctx(t), "session-token", []byte("other"), t0)
	must(t, err)
	if !bytes.Equal(again, got[0]) {
		t.Errorf("a later caller replaced the secret: %x, want %x", again, got[0])
	}
	other, err := s.ServerSecret(ctx(t), "another", []byte("x"), t0)
	must(t, err)
	if string(other) != "x" {
		t.Errorf("another name: %q", other)
	}
}
