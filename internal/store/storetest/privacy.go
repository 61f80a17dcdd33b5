package storetest

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// testPrivacy covers the storage of withdrawal, export and the inactivity
// rules (docs/privacy.md).
func testPrivacy(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	t.Run("EraseUserData", func(t *testing.T) { testEraseUserData(t, s, b) })
	t.Run("Inactive", func(t *testing.T) { testInactive(t, s, b) })
	t.Run("InactiveRace", func(t *testing.T) { testInactiveRace(t, s, b) })
	t.Run("ReleaseLoginIDs", func(t *testing.T) { testReleaseLoginIDs(t, s, b) })
}

func testEraseUserData(t *testing.T, s store.Store, b base) {
	u := newUser(t, s, b.clinic.ID, "erase01", "최지움")
	u.Email = "Erase.Me@Example.org"
	must(t, s.UpdateUser(ctx(t), &u))
	cert := domain.Certificate{UserID: u.ID, SubjectDN: "cn=최지움()001,ou=personal4IB,o=yessign,c=kr", IssuerDN: "cn=yessignCA Class 2",
		Serial: "0e01", KeyHash: hashOf("erase-k1"), NotBefore: t0, NotAfter: t0.AddDate(1, 0, 0), Class: domain.CertPersonal,
		DER: []byte{0x30, 0x01, 0x00}, RegisteredAt: t0}
	must(t, s.AddCertificate(ctx(t), &cert))
	other := domain.Certificate{UserID: b.bob.ID, SubjectDN: "cn=이밥()001", Serial: "0e02", KeyHash: hashOf("erase-bob"),
		Class: domain.CertPersonal, DER: []byte{0x30, 0x00}, RegisteredAt: t0}
	must(t, s.AddCertificate(ctx(t), &other))
	for i, owner := range []domain.User{u, u, b.bob} {
		se := domain.Session{ID: fmt.Sprintf("erase-session-%d", i), UserID: owner.ID, CSRFToken: "c", CertID: cert.ID,
			CreatedAt: t0.Add(time.Duration(i) * time.Second), LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour), UserAgent: "Mozilla"}
		if owner.ID == b.bob.ID {
			se.CertID = other.ID
		}
		must(t, s.CreateSession(ctx(t), &se))
	}
	got, err := s.ListUserSessions(ctx(t), u.ID)
	must(t, err)
	if len(got) != 2 || got[0].ID != "erase-session-0" || got[1].ID != "erase-session-1" || got[0].UserAgent != "Mozilla" {
		t.Fatalf("ListUserSessions = %+v, want sessions 0 and 1 in order", got)
	}
	cr := newCertRequest(u, b.centre, "erase-new", t0)
	must(t, s.CreateCertRequest(ctx(t), &cr))
	req := domain.RoleRequest{UserID: u.ID, RoleID: b.role.ID, ApproverInstitutionID: b.centre.ID,
		Justification: "최지움 010-9999-0000 예방접종 담당", CreatedAt: t0}
	must(t, s.CreateRequest(ctx(t), &req))
	bobReq := domain.RoleRequest{UserID: b.bob.ID, RoleID: b.role.ID, ApproverInstitutionID: b.centre.ID, Justification: "이밥 사유", CreatedAt: t0}
	must(t, s.CreateRequest(ctx(t), &bobReq))
	mine := newMail("account.inactive", "erase.me@example.org", t0) // other case than the account's
	must(t, s.EnqueueMail(ctx(t), &mine))
	theirs := newMail("request.created", "approver@example.org", t0)
	must(t, s.EnqueueMail(ctx(t), &theirs))
	ok, err := s.MarkInactiveWarned(ctx(t), u.ID, t0, t0)
	must(t, err)
	if !ok {
		t.Fatal("MarkInactiveWarned of a fresh user = false")
	}

	// Inside a transaction that fails, nothing is erased.
	boom := fmt.Errorf("boom")
	err = s.InTx(ctx(t), func(q store.Queries) error {
		must(t, q.EraseUserData(ctx(t), u.ID, u.Email))
		return boom
	})
	if err != boom {
		t.Fatalf("InTx = %v, want boom", err)
	}
	if certs, err := s.ListCertificates(ctx(t), u.ID); err != nil || len(certs) != 1 {
		t.Fatalf("after a rolled-back erase: certificates %v (%v), want 1", certs, err)
	}

	must(t, s.EraseUserData(ctx(t), u.ID, u.Email))
	if certs, err := s.ListCertificates(ctx(t), u.ID); err != nil || len(certs) != 0 {
		t.Errorf("certificates after erase = %v (%v), want none", certs, err)
	}
	if _, err := s.GetCertificateByKeyHash(ctx(t), hashOf("erase-k1")); err == nil {
		t.Error("the erased certificate's key hash is still registered")
	}
	if ss, err := s.ListUserSessions(ctx(t), u.ID); err != nil || len(ss) != 0 {
		t.Errorf("sessions after erase = %v (%v), want none", ss, err)
	}
	gotCR, err := s.GetCertRequest(ctx(t), cr.ID)
	must(t, err)
	if gotCR.SubjectDN != "" || len(gotCR.DER) != 0 || gotCR.Serial == "" {
		t.Errorf("certificate request after erase: subject %q, DER %x, serial %q; want subject and DER gone, serial kept",
			gotCR.SubjectDN, gotCR.DER, gotCR.Serial)
	}
	if r, err := s.GetRequest(ctx(t), req.ID); err != nil || r.Justification != "" || r.Status != domain.RequestPending {
		t.Errorf("request after erase = %+v (%v), want justification blank, status unchanged", r, err)
	}
	if mails, n, err := s.ListOutbox(ctx(t), domain.OutboxFilter{}); err != nil || n != 1 || mails[0].ID != theirs.ID {
		t.Errorf("outbox after erase = %v (%d, %v), want only the approver's message", ids(mails), n, err)
	}
	// Another user's data is untouched.
	if certs, err := s.ListCertificates(ctx(t), b.bob.ID); err != nil || len(certs) != 1 || certs[0].SubjectDN != other.SubjectDN {
		t.Errorf("bob's certificates = %v (%v)", certs, err)
	}
	if ss, err := s.ListUserSessions(ctx(t), b.bob.ID); err != nil || len(ss) != 1 {
		t.Errorf("bob's sessions = %v (%v)", ss, err)
	}
	if r, err := s.GetRequest(ctx(t), bobReq.ID); err != nil || r.Justification != "이밥 사유" {
		t.Errorf("bob's request = %+v (%v)", r, err)
	}
	// The warning mark went too: the user may be warned afresh.
	ok, err = s.MarkInactiveWarned(ctx(t), u.ID, t0, t0)
	must(t, err)
	if !ok {
		t.Error("the inactivity mark survived the erase")
	}
	// Erasing again, or without an e-mail address, is harmless.
	must(t, s.EraseUserData(ctx(t), u.ID, ""))
}

func loginIDs(us []domain.User) []string {
	return pluck(us, func(u domain.User) string { return u.LoginID })
}

func testInactive(t *testing.T, s store.Store, b base) {
	day := 24 * time.Hour
	base := t0.Add(100 * day) // the seeded users (created at t0) are not idle then
	mk := func(login string, status domain.UserStatus, created, lastLogin time.Time) domain.User {
		u := domain.User{LoginID: login, Name: "휴면", InstitutionID: b.clinic.ID, Status: status, Pseudonym: "p-" + login,
			CreatedAt: created, LastLoginAt: lastLogin}
		must(t, s.CreateUser(ctx(t), &u))
		return u
	}
	// idle400 logged in 400 days ago; never100 signed up 100 days ago and
	// never logged in; fresh logged in yesterday; the locked and withdrawn
	// ones are out of scope.
	idle400 := mk("idle400", domain.UserActive, base.Add(-900*day), base.Add(-400*day))
	never400 := mk("never400", domain.UserPending, base.Add(-400*day), time.Time{})
	mk("never100", domain.UserPending, base.Add(-100*day), time.Time{})
	mk("fresh", domain.UserActive, base.Add(-900*day), base.Add(-day))
	mk("locked400", domain.UserLocked, base.Add(-900*day), base.Add(-400*day))
	mk("gone400", domain.UserWithdrawn, base.Add(-900*day), base.Add(-400*day))

	idleSince := base.Add(-365 * day)
	warn, err := s.ListUsersToWarn(ctx(t), idleSince, 100)
	must(t, err)
	if got := loginIDs(warn); !slices.Equal(got, []string{"idle400", "never400"}) {
		t.Fatalf("ListUsersToWarn = %v, want [idle400 never400] (oldest activity first)", got)
	}
	if w, err := s.ListUsersToWarn(ctx(t), idleSince, 1); err != nil || len(w) != 1 {
		t.Errorf("ListUsersToWarn with limit 1 = %v (%v)", loginIDs(w), err)
	}
	// Nobody was warned: nobody is locked.
	lock, err := s.ListUsersToLock(ctx(t), idleSince, base, 100)
	must(t, err)
	if len(lock) != 0 {
		t.Fatalf("ListUsersToLock before any warning = %v", loginIDs(lock))
	}

	// Warned once per idle period.
	warnedAt := base.Add(-40 * day)
	for _, u := range []domain.User{idle400, never400} {
		since := u.LastLoginAt
		if since.IsZero() {
			since = u.CreatedAt
		}
		ok, err := s.MarkInactiveWarned(ctx(t), u.ID, since, warnedAt)
		must(t, err)
		if !ok {
			t.Fatalf("first warning of %s not recorded", u.LoginID)
		}
		ok, err = s.MarkInactiveWarned(ctx(t), u.ID, since, warnedAt.Add(time.Hour))
		must(t, err)
		if ok {
			t.Fatalf("second warning of %s in the same idle period recorded", u.LoginID)
		}
	}
	if warn, err := s.ListUsersToWarn(ctx(t), idleSince, 100); err != nil || len(warn) != 0 {
		t.Errorf("ListUsersToWarn after the warnings = %v (%v), want none", loginIDs(warn), err)
	}
	// Locked only once the warning is old enough.
	if lock, err := s.ListUsersToLock(ctx(t), idleSince, warnedAt, 100); err != nil || len(lock) != 0 {
		t.Errorf("ListUsersToLock with a fresh warning = %v (%v)", loginIDs(lock), err)
	}
	lock, err = s.ListUsersToLock(ctx(t), idleSince, base.Add(-30*day), 100)
	must(t, err)
	if got := loginIDs(lock); !slices.Equal(got, []string{"idle400", "never400"}) {
		t.Fatalf("ListUsersToLock = %v, want [idle400 never400]", got)
	}

	// A login starts a new idle period: the old warning no longer counts.
	// (An idleSince of base makes that later login count as idle too.)
	never400.LastLoginAt = warnedAt.Add(day)
	must(t, s.UpdateUser(ctx(t), &never400))
	lock, err = s.ListUsersToLock(ctx(t), base, base, 100)
	must(t, err)
	if got := loginIDs(lock); !slices.Contains(got, "idle400") || slices.Contains(got, "never400") {
		t.Errorf("ListUsersToLock after never400's login = %v, want idle400 and not never400", got)
	}
	warn, err = s.ListUsersToWarn(ctx(t), base, 100)
	must(t, err)
	if got := loginIDs(warn); !slices.Contains(got, "never400") || slices.Contains(got, "idle400") {
		t.Errorf("ListUsersToWarn after never400's login = %v, want never400 and not idle400", got)
	}

	// Locking is conditional and forgets the warning.
	ok, err := s.LockInactiveUser(ctx(t), idle400.ID, idleSince, base)
	must(t, err)
	if !ok {
		t.Fatal("LockInactiveUser = false")
	}
	got, err := s.GetUser(ctx(t), idle400.ID)
	must(t, err)
	if got.Status != domain.UserLocked {
		t.Errorf("status after lock = %s", got.Status)
	}
	wantTime(t, got.UpdatedAt, us(base), "UpdatedAt after lock")
	if ok, err := s.LockInactiveUser(ctx(t), idle400.ID, idleSince, base); err != nil || ok {
		t.Errorf("second LockInactiveUser = %v, %v; want false", ok, err)
	}
	fresh, err := s.GetUserByLoginID(ctx(t), "fresh")
	must(t, err)
	if ok, err := s.LockInactiveUser(ctx(t), fresh.ID, idleSince, base); err != nil || ok {
		t.Errorf("LockInactiveUser of an active user = %v, %v; want false", ok, err)
	}
	// Unlocked by an administrator without a login: warned again, not
	// locked at once.
	got.Status = domain.UserActive
	must(t, s.UpdateUser(ctx(t), &got))
	if lock, err := s.ListUsersToLock(ctx(t), idleSince, base, 100); err != nil || slices.Contains(loginIDs(lock), "idle400") {
		t.Errorf("ListUsersToLock right after the unlock = %v (%v)", loginIDs(lock), err)
	}
	if warn, err := s.ListUsersToWarn(ctx(t), idleSince, 100); err != nil || !slices.Contains(loginIDs(warn), "idle400") {
		t.Errorf("ListUsersToWarn after the unlock = %v (%v), want idle400 in it", loginIDs(warn), err)
	}
}

// testInactiveRace: of concurrent warners and lockers, one wins each.
func testInactiveRace(t *testing.T, s store.Store, b base) {
	u := domain.User{LoginID: "race-idle", Name: "경합", InstitutionID: b.clinic.ID, Status: domain.UserActive, Pseudonym: "p-race",
		CreatedAt: t0, LastLoginAt: t0}
	must(t, s.CreateUser(ctx(t), &u))
	const n = 8
	var warned, locked atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ok, err := s.MarkInactiveWarned(ctx(t), u.ID, t0, t0.Add(time.Duration(i+1)*time.Second))
			if err != nil {
				t.Error(err)
			}
			if ok {
				warned.Add(1)
			}
		})
	}
	wg.Wait()
	for range n {
		wg.Go(func() {
			ok, err := s.LockInactiveUser(ctx(t), u.ID, t0.Add(time.Hour), t0.Add(2*time.Hour))
			if err != nil {
				t.Error(err)
			}
			if ok {
				locked.Add(1)
			}
		})
	}
	wg.Wait()
	if warned.Load() != 1 || locked.Load() != 1 {
		t.Errorf("warned %d times, locked %d times; want once each", warned.Load(), locked.Load())
	}
}

func testReleaseLoginIDs(t *testing.T, s store.Store, b base) {
	day := 24 * time.Hour
	mk := func(login string, status domain.UserStatus, withdrawn time.Time) domain.User {
		u := domain.User{LoginID: login, InstitutionID: b.clinic.ID, Status: status, Pseudonym: "p-" + login,
			CreatedAt: t0, WithdrawnAt: withdrawn}
		must(t, s.CreateUser(ctx(t), &u))
		return u
	}
	old1 := mk("gone-old1", domain.UserWithdrawn, t0.Add(-400*day))
	old2 := mk("gone-old2", domain.UserWithdrawn, t0.Add(-380*day))
	recent := mk("gone-recent", domain.UserWithdrawn, t0.Add(-10*day))
	active := mk("still-here", domain.UserActive, time.Time{})

	before := t0.Add(-365 * day)
	got, err := s.ReleaseWithdrawnLoginIDs(ctx(t), before, t0, 1)
	must(t, err)
	if !slices.Equal(got, []int64{old1.ID}) {
		t.Fatalf("first release (limit 1) = %v, want [%d]", got, old1.ID)
	}
	got, err = s.ReleaseWithdrawnLoginIDs(ctx(t), before, t0, 100)
	must(t, err)
	if !slices.Equal(got, []int64{old2.ID}) {
		t.Fatalf("second release = %v, want [%d]", got, old2.ID)
	}
	if got, err := s.ReleaseWithdrawnLoginIDs(ctx(t), before, t0, 100); err != nil || len(got) != 0 {
		t.Fatalf("third release = %v (%v), want nothing", got, err)
	}
	for _, u := range []domain.User{old1, old2} {
		g, err := s.GetUser(ctx(t), u.ID)
		must(t, err)
		if g.LoginID != fmt.Sprintf("~%d", u.ID) || g.Status != domain.UserWithdrawn || g.Pseudonym != u.Pseudonym {
			t.Errorf("released user = %+v, want login ID ~%d, still withdrawn, pseudonym kept", g, u.ID)
		}
		wantErr(t, func() error { _, err := s.GetUserByLoginID(ctx(t), u.LoginID); return err }(), store.ErrNotFound, "old login ID lookup")
	}
	// The freed ID can be signed up with again; the others are still held.
	again := domain.User{LoginID: old1.LoginID, Status: domain.UserPending, Pseudonym: "p-again", CreatedAt: t0}
	must(t, s.CreateUser(ctx(t), &again))
	for _, u := range []domain.User{recent, active} {
		dup := domain.User{LoginID: u.LoginID, Status: domain.UserPending, Pseudonym: "p-dup", CreatedAt: t0}
		wantErr(t, s.CreateUser(ctx(t), &dup), store.ErrAlreadyExists, "signup with held login ID "+u.LoginID)
	}
}
