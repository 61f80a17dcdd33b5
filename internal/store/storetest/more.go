package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

func testAuditConcurrent(t *testing.T, s store.Store) {
	const workers, each = 8, 10
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			<-start
			for i := range each {
				e := domain.AuditEvent{ActorID: int64(w), Actor: fmt.Sprintf("w%d", w), Action: "test.append", Detail: fmt.Sprintf(`{"i":%d}`, i)}
				var err error
				if i%2 == 0 {
					err = s.AppendAudit(ctx(t), &e)
				} else { // inside a caller's transaction, with another write
					err = s.InTx(ctx(t), func(tx store.Queries) error {
						return tx.AppendAudit(ctx(t), &e)
					})
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	all, err := s.ListAudit(ctx(t), store.AuditFilter{Page: store.Page{Limit: store.MaxLimit}})
	must(t, err)
	if len(all) != workers*each {
		t.Fatalf("%d events, want %d", len(all), workers*each)
	}
	bad, err := store.VerifyAuditChain(ctx(t), s)
	if bad != 0 || err != nil {
		t.Errorf("chain after concurrent appends: bad %d, %v", bad, err)
	}
	if v, ok := s.(chainVerifier); ok {
		if bad, err := v.VerifyAuditChain(ctx(t)); bad != 0 || err != nil {
			t.Errorf("store's VerifyAuditChain: bad %d, %v", bad, err)
		}
	}
}

type rawDB interface{ DB() *sql.DB }

type chainVerifier interface {
	VerifyAuditChain(context.Context) (int64, error)
}

func testAuditTamper(t *testing.T, s store.Store) {
	raw, ok := s.(rawDB)
	if !ok {
		t.Skip("the store has no DB() *sql.DB to tamper with")
	}
	db := raw.DB()
	for i := range 5 {
		e := domain.AuditEvent{At: t0.Add(time.Duration(i) * time.Second), Actor: "system", Action: "test.tamper", Detail: fmt.Sprintf(`{"n":%d}`, i)}
		must(t, s.AppendAudit(ctx(t), &e))
	}
	verify := func(wantBad int64, what string) {
		t.Helper()
		bad, err := store.VerifyAuditChain(ctx(t), s)
		if v, ok := s.(chainVerifier); ok && bad == 0 && err == nil {
			bad, err = v.VerifyAuditChain(ctx(t))
		}
		if bad != wantBad || (wantBad == 0) != (err == nil) || wantBad != 0 && !errors.Is(err, store.ErrChainBroken) {
			t.Errorf("%s: VerifyAuditChain = %d, %v; want %d", what, bad, err, wantBad)
		}
	}
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx(t), query, args...); err != nil {
			t.Fatal(err)
		}
	}
	verify(0, "intact")
	exec("UPDATE audit_events SET detail = $1 WHERE seq = $2", `{"n":99}`, 3)
	verify(3, "edited detail")
	exec("UPDATE audit_events SET detail = $1 WHERE seq = $2", `{"n":2}`, 3)
	verify(0, "restored")
	exec("UPDATE audit_events SET actor_id = $1 WHERE seq = $2", 1, 1)
	verify(1, "edited actor of the first event")
	exec("UPDATE audit_events SET actor_id = $1 WHERE seq = $2", 0, 1)
	verify(0, "restored")
	if _, ok := s.(chainVerifier); ok {
		exec("DELETE FROM audit_events WHERE seq = $1", 5)
		verify(5, "deleted the last event")
	}
	exec("DELETE FROM audit_events WHERE seq = $1", 2)
	verify(3, "deleted a middle event")
}

// testAuditSealer checks that queued events get chained with nobody
// reading the log: by the store's background sealer after a commit, and
// by a store opened later for events the previous one left (a crash).
func testAuditSealer(t *testing.T, s store.Store) {
	raw, ok := s.(rawDB)
	if !ok {
		t.Skip("the store has no DB() *sql.DB to look at its queue")
	}
	db := raw.DB()
	waiting := func() int {
		t.Helper()
		var n int
		must(t, db.QueryRowContext(ctx(t), "SELECT COUNT(*) FROM audit_pending").Scan(&n))
		return n
	}
	awaitEmpty := func(what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for waiting() != 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d events still queued after 10 s", what, waiting())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	must(t, s.InTx(ctx(t), func(tx store.Queries) error {
		for i := range 3 {
			if err := tx.AppendAudit(ctx(t), &domain.AuditEvent{Action: "test.sealer", Detail: fmt.Sprintf(`{"i":%d}`, i)}); err != nil {
				return err
			}
		}
		return nil
	}))
	must(t, s.AppendAudit(ctx(t), &domain.AuditEvent{Action: "test.sealer", Detail: `{"i":3}`}))
	awaitEmpty("after commits")

	// More than one seal transaction's worth, queued behind the store's
	// back as a crashed process would leave them; a reader chains them.
	const left = 1234
	for i := range left {
		if _, err := db.ExecContext(ctx(t), "INSERT INTO audit_pending (at, action, detail) VALUES ($1, $2, $3)",
			t0.Add(time.Duration(i)*time.Millisecond).UnixMicro(), "test.left", fmt.Sprintf(`{"i":%d}`, i)); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := s.ListAuditDesc(ctx(t), store.AuditFilter{Action: "test.left", Page: store.Page{Limit: 1}})
	must(t, err)
	if len(evs) != 1 || evs[0].Seq != 4+left || evs[0].Detail != fmt.Sprintf(`{"i":%d}`, left-1) {
		t.Fatalf("newest left event = %+v, want seq %d", evs, 4+left)
	}
	if n := waiting(); n != 0 {
		t.Errorf("%d events still queued after a read of the log", n)
	}
	if bad, err := store.VerifyAuditChain(ctx(t), s); bad != 0 || err != nil {
		t.Errorf("chain: bad %d, %v", bad, err)
	}
	if v, ok := s.(chainVerifier); ok {
		if bad, err := v.VerifyAuditChain(ctx(t)); bad != 0 || err != nil {
			t.Errorf("store's VerifyAuditChain: bad %d, %v", bad, err)
		}
	}
}

var errBoom = errors.New("boom")

func testInTx(t *testing.T, s store.Store) {
	c := seedChain(t, s)
	// Rollback: nothing of fn stays, and the audit chain head is untouched.
	err := s.InTx(ctx(t), func(tx store.Queries) error {
		in := domain.Institution{Code: "TX1", Name: "트랜잭션의원", Kind: domain.KindMedical, ParentID: c.centre.ID}
		if err := tx.CreateInstitution(ctx(t), &in); err != nil {
			return err
		}
		if _, err := tx.GetInstitution(ctx(t), in.ID); err != nil { // reads its own writes
			return err
		}
		u := domain.User{LoginID: "txuser", Name: "트랜", InstitutionID: in.ID, Status: domain.UserPending}
		if err := tx.CreateUser(ctx(t), &u); err != nil {
			return err
		}
		if err := tx.AppendAudit(ctx(t), &domain.AuditEvent{Action: "user.create", TargetType: "user"}); err != nil {
			return err
		}
		if err := tx.AddConsentVersion(ctx(t), &domain.ConsentVersion{Text: "동의"}); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, err, errBoom, "InTx with a failing fn")
	_, err = s.GetInstitutionByCode(ctx(t), "TX1")
	wantErr(t, err, store.ErrNotFound, "institution after rollback")
	_, err = s.GetUserByLoginID(ctx(t), "txuser")
	wantErr(t, err, store.ErrNotFound, "user after rollback")
	_, err = s.LatestConsentVersion(ctx(t))
	wantErr(t, err, store.ErrNotFound, "consent after rollback")
	evs, err := s.ListAudit(ctx(t), store.AuditFilter{})
	must(t, err)
	if len(evs) != 0 {
		t.Errorf("audit events after rollback: %+v", evs)
	}
	e := domain.AuditEvent{Action: "after.rollback"}
	must(t, s.AppendAudit(ctx(t), &e))
	evs, err = s.ListAudit(ctx(t), store.AuditFilter{})
	must(t, err)
	if len(evs) != 1 || evs[0].Seq != 1 || evs[0].PrevHash != nil || evs[0].Action != "after.rollback" {
		t.Errorf("events after a rolled-back append and another: %+v", evs)
	}
	if v, ok := s.(chainVerifier); ok {
		if bad, err := v.VerifyAuditChain(ctx(t)); bad != 0 || err != nil {
			t.Errorf("chain after rollback: %d, %v", bad, err)
		}
	}

	// A constraint violation inside fn comes out as such, and rolls back.
	err = s.InTx(ctx(t), func(tx store.Queries) error {
		ok := domain.Institution{Code: "TX2", Name: "둘", Kind: domain.KindOther}
		if err := tx.CreateInstitution(ctx(t), &ok); err != nil {
			return err
		}
		dup := domain.Institution{Code: "KDCA", Name: "중복", Kind: domain.KindNational}
		return tx.CreateInstitution(ctx(t), &dup)
	})
	wantErr(t, err, store.ErrAlreadyExists, "duplicate inside InTx")
	_, err = s.GetInstitutionByCode(ctx(t), "TX2")
	wantErr(t, err, store.ErrNotFound, "institution after a failed transaction")

	// Commit.
	var id int64
	must(t, s.InTx(ctx(t), func(tx store.Queries) error {
		in := domain.Institution{Code: "TX3", Name: "셋", Kind: domain.KindOther}
		err := tx.CreateInstitution(ctx(t), &in)
		id = in.ID
		return err
	}))
	got, err := s.GetInstitutionByCode(ctx(t), "TX3")
	must(t, err)
	if got.ID != id {
		t.Errorf("committed institution ID %d, want %d", got.ID, id)
	}
}

func testSessions(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	cert := domain.Certificate{UserID: b.alice.ID, Serial: "01", KeyHash: hashOf("alice")}
	must(t, s.AddCertificate(ctx(t), &cert))
	sess := domain.Session{ID: fmt.Sprintf("%x", hashOf("token-1")), UserID: b.alice.ID, CSRFToken: "csrf", CertID: cert.ID,
		CreatedAt: t0, ExpiresAt: t0.Add(8 * time.Hour), ClientAddr: "203.0.113.9", UserAgent: "Mozilla/5.0"}
	must(t, s.CreateSession(ctx(t), &sess))
	got, err := s.GetSession(ctx(t), sess.ID)
	must(t, err)
	want := sess
	want.CertClass = domain.CertUnknown // the certificate's, read along (sessions.go)
	if got != want {
		t.Errorf("GetSession = %+v, want %+v", got, want)
	}
	wantTime(t, got.LastSeenAt, us(t0), "LastSeenAt defaults to CreatedAt")
	dup := sess
	wantErr(t, s.CreateSession(ctx(t), &dup), store.ErrAlreadyExists, "duplicate session ID")
	_, err = s.GetSession(ctx(t), "nope")
	wantErr(t, err, store.ErrNotFound, "GetSession(missing)")

	must(t, s.TouchSession(ctx(t), sess.ID, t0.Add(time.Hour)))
	got, err = s.GetSession(ctx(t), sess.ID)
	must(t, err)
	wantTime(t, got.LastSeenAt, us(t0.Add(time.Hour)), "LastSeenAt after touch")
	wantErr(t, s.TouchSession(ctx(t), "nope", t0), store.ErrNotFound, "TouchSession(missing)")

	if !got.ConfirmedAt.IsZero() {
		t.Errorf("a new session is confirmed at %v", got.ConfirmedAt)
	}
	must(t, s.ConfirmSession(ctx(t), sess.ID, t0.Add(2*time.Hour)))
	got, err = s.GetSession(ctx(t), sess.ID)
	must(t, err)
	wantTime(t, got.ConfirmedAt, us(t0.Add(2*time.Hour)), "ConfirmedAt after ConfirmSession")
	wantErr(t, s.ConfirmSession(ctx(t), "nope", t0), store.ErrNotFound, "ConfirmSession(missing)")

	mk := func(id string, user int64, created, expires time.Time) {
		t.Helper()
		s2 := domain.Session{ID: id, UserID: user, CSRFToken: "c", CreatedAt: created, ExpiresAt: expires}
		must(t, s.CreateSession(ctx(t), &s2))
	}
	mk("a2", b.alice.ID, t0, t0.Add(8*time.Hour))
	mk("b1", b.bob.ID, t0.Add(2*time.Hour), t0.Add(3*time.Hour))  // absolute expiry
	mk("b2", b.bob.ID, t0.Add(-time.Hour), t0.Add(8*time.Hour))   // idle
	mk("b3", b.bob.ID, t0.Add(3*time.Hour), t0.Add(10*time.Hour)) // alive
	now := t0.Add(3 * time.Hour)
	n, err := s.DeleteExpiredSessions(ctx(t), now.Add(-30*time.Minute), now) // idle before 02:30, expired by 03:00
	must(t, err)
	// Gone: a2 (last seen t0), b1 (expired at now), b2 (idle), alice's first (last seen t0+1h).
	if n != 4 {
		t.Errorf("DeleteExpiredSessions = %d, want 4", n)
	}
	if _, err := s.GetSession(ctx(t), "b3"); err != nil {
		t.Errorf("live session deleted: %v", err)
	}
	mk("b4", b.bob.ID, now, now.Add(time.Hour))
	n, err = s.DeleteUserSessions(ctx(t), b.bob.ID)
	must(t, err)
	if n != 2 {
		t.Errorf("DeleteUserSessions = %d, want 2", n)
	}
	mk("a3", b.alice.ID, now, now.Add(time.Hour))
	must(t, s.DeleteSession(ctx(t), "a3"))
	_, err = s.GetSession(ctx(t), "a3")
	wantErr(t, err, store.ErrNotFound, "GetSession after delete")
	wantErr(t, s.DeleteSession(ctx(t), "a3"), store.ErrNotFound, "DeleteSession twice")
}

func testChallenges(t *testing.T, s store.Store) {
	c := domain.Challenge{Nonce: "n-1", Purpose: "login", Origin: "https://portal.example.kr", CreatedAt: t0, ExpiresAt: t0.Add(5 * time.Minute)}
	must(t, s.CreateChallenge(ctx(t), &c))
	dup := c
	wantErr(t, s.CreateChallenge(ctx(t), &dup), store.ErrAlreadyExists, "duplicate nonce")
	got, err := s.ConsumeChallenge(ctx(t), "n-1", t0.Add(time.Minute))
	must(t, err)
	want := c
	want.UsedAt = us(t0.Add(time.Minute))
	if got != want {
		t.Errorf("ConsumeChallenge = %+v, want %+v", got, want)
	}
	_, err = s.ConsumeChallenge(ctx(t), "n-1", t0.Add(2*time.Minute))
	wantErr(t, err, store.ErrConflict, "second consumption")
	_, err = s.ConsumeChallenge(ctx(t), "unknown", t0)
	wantErr(t, err, store.ErrNotFound, "unknown nonce")

	for i, exp := range []time.Duration{time.Minute, 2 * time.Minute, 10 * time.Minute} {
		ch := domain.Challenge{Nonce: fmt.Sprintf("e-%d", i), Purpose: "signup", CreatedAt: t0, ExpiresAt: t0.Add(exp)}
		must(t, s.CreateChallenge(ctx(t), &ch))
	}
	n, err := s.DeleteExpiredChallenges(ctx(t), t0.Add(3*time.Minute))
	must(t, err)
	if n != 2 {
		t.Errorf("DeleteExpiredChallenges = %d, want 2", n)
	}
	if _, err := s.ConsumeChallenge(ctx(t), "e-2", t0); err != nil {
		t.Errorf("unexpired challenge: %v", err)
	}
	_, err = s.ConsumeChallenge(ctx(t), "e-0", t0)
	wantErr(t, err, store.ErrNotFound, "deleted challenge")
}

func testChallengeRace(t *testing.T, s store.Store) {
	c := domain.Challenge{Nonce: "race", Purpose: "login", ExpiresAt: time.Now().Add(time.Minute)}
	must(t, s.CreateChallenge(ctx(t), &c))
	const n = 12
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = s.ConsumeChallenge(ctx(t), "race", time.Now())
		})
	}
	close(start)
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("consumer error %v, want ErrConflict", err)
		}
	}
	if wins != 1 {
		t.Errorf("%d consumers won, want exactly 1", wins)
	}
}

func testForeignKeys(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	u := domain.User{LoginID: "ghost", InstitutionID: 99999, Status: domain.UserPending}
	wantErr(t, s.CreateUser(ctx(t), &u), store.ErrNotFound, "user at a missing institution")
	c := domain.Certificate{UserID: 99999, KeyHash: hashOf("ghost")}
	wantErr(t, s.AddCertificate(ctx(t), &c), store.ErrNotFound, "certificate of a missing user")
	r := domain.RoleRequest{UserID: b.alice.ID, RoleID: 99999, ApproverInstitutionID: b.centre.ID}
	wantErr(t, s.CreateRequest(ctx(t), &r), store.ErrNotFound, "request for a missing role")
	in := domain.Institution{Code: "X", Name: "X", Kind: domain.KindMedical, ParentID: 99999}
	wantErr(t, s.CreateInstitution(ctx(t), &in), store.ErrNotFound, "institution under a missing parent")
	g := domain.Grant{UserID: b.alice.ID, RoleID: b.role.ID, GrantedBy: 99999}
	wantErr(t, s.CreateGrant(ctx(t), &g), store.ErrNotFound, "grant by a missing user")
	sess := domain.Session{ID: "s", UserID: 99999, ExpiresAt: t0}
	wantErr(t, s.CreateSession(ctx(t), &sess), store.ErrNotFound, "session of a missing user")
}

// AppendConcurrently appends events from several goroutines per store, the stores
// sharing one database (as several processes would), and checks that they
// form one unbroken chain with every event present.
func AppendConcurrently(t *testing.T, stores ...store.Store) {
	t.Helper()
	const perStore, each = 4, 10
	var wg sync.WaitGroup
	for si, s := range stores {
		for w := range perStore {
			wg.Go(func() {
				for i := range each {
					e := domain.AuditEvent{Actor: fmt.Sprintf("s%d-w%d", si, w), Action: "test.append", Detail: fmt.Sprintf(`{"i":%d}`, i)}
					if err := s.AppendAudit(t.Context(), &e); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	want := len(stores) * perStore * each
	all, err := stores[0].ListAudit(t.Context(), store.AuditFilter{Page: store.Page{Limit: store.MaxLimit}})
	must(t, err)
	if len(all) != want {
		t.Errorf("%d events, want %d", len(all), want)
	}
	if bad, err := store.VerifyAuditChain(t.Context(), stores[0]); bad != 0 || err != nil {
		t.Errorf("chain after concurrent appends: bad %d, %v", bad, err)
	}
}
