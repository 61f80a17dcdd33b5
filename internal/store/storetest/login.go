package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// testRecordLogin covers the login's one-statement user write.
func testRecordLogin(t *testing.T, s store.Store) {
	c := seedChain(t, s)
	u := newUser(t, s, c.clinic.ID, "login01", "김로그인")
	at := t0.Add(48 * time.Hour)
	got, err := s.RecordLogin(ctx(t), u.ID, at)
	must(t, err)
	wantTime(t, got.LastLoginAt, us(at), "RecordLogin's LastLoginAt")
	wantTime(t, got.UpdatedAt, u.UpdatedAt, "RecordLogin's UpdatedAt (a login is not an edit)")
	if got.ID != u.ID || got.LoginID != "login01" || got.Name != "김로그인" || got.Status != domain.UserActive ||
		got.InstitutionID != c.clinic.ID || got.Mobile != u.Mobile {
		t.Errorf("RecordLogin returned %+v, want the user %+v", got, u)
	}
	again, err := s.GetUser(ctx(t), u.ID)
	must(t, err)
	wantTime(t, again.LastLoginAt, us(at), "stored LastLoginAt")
	_, err = s.RecordLogin(ctx(t), u.ID+1000, at)
	wantErr(t, err, store.ErrNotFound, "RecordLogin of a missing user")

	// Inside a transaction that fails, the login time rolls back.
	err = s.InTx(ctx(t), func(tx store.Queries) error {
		if _, err := tx.RecordLogin(ctx(t), u.ID, at.Add(time.Hour)); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, err, errBoom, "InTx")
	again, err = s.GetUser(ctx(t), u.ID)
	must(t, err)
	wantTime(t, again.LastLoginAt, us(at), "LastLoginAt after a rolled-back login")
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

// testBatchLookups covers GetUsers, GetInstitutions and CurrentCertificates, with more
// IDs than one statement takes and with duplicates and missing IDs.
func testBatchLookups(t *testing.T, s store.Store) {
	c := seedChain(t, s)
	var ids []int64
	want := map[int64]domain.User{}
	for i := range 520 {
		u := domain.User{LoginID: fmt.Sprintf("batch%03d", i), Name: "일괄", InstitutionID: c.clinic.ID, Status: domain.UserActive,
			Pseudonym: fmt.Sprintf("p-batch%03d", i), CreatedAt: t0}
		must(t, s.CreateUser(ctx(t), &u))
		ids = append(ids, u.ID)
		want[u.ID] = u
	}
	// Certificates: user 0 has a current one, user 1 a replaced one and a
	// current one, user 2 only a removed one.
	cert := func(u int64, n byte, replaced, removed time.Time) domain.Certificate {
		ce := domain.Certificate{UserID: u, SubjectDN: "CN=일괄", IssuerDN: "CN=CA", Serial: fmt.Sprintf("%x", n),
			KeyHash: bytes32(n), NotBefore: t0, NotAfter: t0.Add(365 * 24 * time.Hour), Class: domain.CertPersonal,
			DER: []byte{n}, RegisteredAt: t0, ReplacedAt: replaced, RemovedAt: removed}
		must(t, s.AddCertificate(ctx(t), &ce))
		return ce
	}
	c0 := cert(ids[0], 1, time.Time{}, time.Time{})
	cert(ids[1], 2, t0.Add(time.Hour), time.Time{})
	c1 := cert(ids[1], 3, time.Time{}, time.Time{})
	cert(ids[2], 4, time.Time{}, t0.Add(time.Hour))

	query := append(slices.Clone(ids), ids[0], ids[5], 999999) // duplicates and a missing ID
	got, err := s.GetUsers(ctx(t), query)
	must(t, err)
	if len(got) != len(ids) {
		t.Errorf("GetUsers returned %d users, want %d", len(got), len(ids))
	}
	for _, id := range ids {
		if g, ok := got[id]; !ok || g.LoginID != want[id].LoginID || g.Pseudonym != want[id].Pseudonym {
			t.Errorf("GetUsers[%d] = %+v, %v; want %s", id, g, ok, want[id].LoginID)
		}
	}
	empty, err := s.GetUsers(ctx(t), nil)
	must(t, err)
	if len(empty) != 0 {
		t.Errorf("GetUsers(nil) = %d users", len(empty))
	}
	insts, err := s.GetInstitutions(ctx(t), []int64{c.clinic.ID, c.centre.ID, c.clinic.ID, 999999})
	must(t, err)
	if len(insts) != 2 || insts[c.clinic.ID] != c.clinic || insts[c.centre.ID].Code != c.centre.Code {
		t.Errorf("GetInstitutions = %+v; want the clinic and the centre", insts)
	}
	certs, err := s.CurrentCertificates(ctx(t), query)
	must(t, err)
	if len(certs) != 2 || certs[ids[0]].ID != c0.ID || certs[ids[1]].ID != c1.ID {
		t.Errorf("CurrentCertificates = %+v; want user %d → %d and user %d → %d", certs, ids[0], c0.ID, ids[1], c1.ID)
	}
}

func bytes32(n byte) []byte {
	b := make([]byte, 32)
	b[0], b[31] = n, 0xB
	return b
}

// testRequestCountCap: a capped count stops at CountCap+1.
func testRequestCountCap(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	for i := range 5 {
		u := newUser(t, s, b.clinic.ID, fmt.Sprintf("cap%02d", i), "상한")
		r := domain.RoleRequest{UserID: u.ID, RoleID: b.role.ID, ApproverInstitutionID: b.centre.ID, Status: domain.RequestPending, CreatedAt: t0}
		must(t, s.CreateRequest(ctx(t), &r))
	}
	for _, tc := range []struct{ cap, want int }{{0, 5}, {2, 3}, {4, 5}, {5, 5}, {10, 5}} {
		reqs, total, err := s.ListRequests(ctx(t), store.RequestFilter{ApproverInstitutionID: b.centre.ID, CountCap: tc.cap, Page: store.Page{Limit: 2}})
		must(t, err)
		if total != tc.want || len(reqs) != 2 {
			t.Errorf("CountCap %d: total %d, %d rows; want %d, 2", tc.cap, total, len(reqs), tc.want)
		}
	}
}
