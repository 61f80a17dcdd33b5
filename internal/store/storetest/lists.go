package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

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
