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
