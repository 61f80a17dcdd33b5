package storetest

import (
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// testReadCache: within a context made by store.WithReadCache, a role,
// system or institution read by ID is read once; the context's own writes
// (direct or in a transaction) are seen by its next reads; another
// context's writes show in a new context; transactions read the database.
func testReadCache(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	req := store.WithReadCache(ctx(t))
	other := ctx(t) // another request

	role, err := s.GetRole(req, b.role.ID)
	must(t, err)
	inst, err := s.GetInstitution(req, b.clinic.ID)
	must(t, err)
	sys, err := s.GetSystem(req, b.sys.ID)
	must(t, err)

	// A change made by someone else: this request keeps what it read.
	role.Name, inst.Name, sys.Name = "바뀐 역할", "바뀐 의원", "바뀐 시스템"
	must(t, s.UpdateRole(other, &role))
	must(t, s.UpdateInstitution(other, &inst))
	must(t, s.UpdateSystem(other, &sys))
	if got, _ := s.GetRole(req, b.role.ID); got.Name != b.role.Name {
		t.Errorf("role read again in the request: %q, want the first read's %q", got.Name, b.role.Name)
	}
	if got, _ := s.GetInstitution(req, b.clinic.ID); got.Name != b.clinic.Name {
		t.Errorf("institution read again in the request: %q, want %q", got.Name, b.clinic.Name)
	}
	if got, _ := s.GetSystem(req, b.sys.ID); got.Name != b.sys.Name {
		t.Errorf("system read again in the request: %q, want %q", got.Name, b.sys.Name)
	}
	if got, _ := s.GetRole(store.WithReadCache(other), b.role.ID); got.Name != "바뀐 역할" {
		t.Errorf("role in a new request: %q, want the change", got.Name)
	}
	// A transaction reads the database, not the request's cache.
	must(t, s.InTx(req, func(q store.Queries) error {
		got, err := q.GetRole(req, b.role.ID)
		if err == nil && got.Name != "바뀐 역할" {
			t.Errorf("role in a transaction: %q, want the database's", got.Name)
		}
		return err
	}))
	// The transaction may have written: the request reads again.
	if got, _ := s.GetRole(req, b.role.ID); got.Name != "바뀐 역할" {
		t.Errorf("role after the request's transaction: %q, want the database's", got.Name)
	}

	// The request's own write: its next read sees it.
	inst2, err := s.GetInstitution(req, b.centre.ID)
	must(t, err)
	inst2.Phone = "0221480000"
	must(t, s.UpdateInstitution(req, &inst2))
	if got, _ := s.GetInstitution(req, b.centre.ID); got.Phone != "0221480000" {
		t.Errorf("institution after the request's own update: phone %q", got.Phone)
	}
	must(t, s.InTx(req, func(q store.Queries) error {
		r, err := q.GetRole(req, b.role.ID)
		if err != nil {
			return err
		}
		r.Name = "다시 바뀐 역할"
		return q.UpdateRole(req, &r)
	}))
	if got, _ := s.GetRole(req, b.role.ID); got.Name != "다시 바뀐 역할" {
		t.Errorf("role after the request's transaction wrote it: %q", got.Name)
	}

	// What a caller changes in what it got stays with the caller.
	got, err := s.GetRole(req, b.role.ID)
	must(t, err)
	got.RequestableBy[0] = domain.KindOther
	if again, _ := s.GetRole(req, b.role.ID); again.RequestableBy[0] != domain.KindMedical {
		t.Errorf("cached role changed through a caller's copy: %v", again.RequestableBy)
	}
	// Not found is not kept.
	_, err = s.GetRole(req, b.role.ID+1000)
	wantErr(t, err, store.ErrNotFound, "unknown role")
}
