package storetest

import (
	"bytes"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// testCertRequests covers the certificate re-registration requests: their
// fields, the pending-uniqueness rules, listing, single decision under
// concurrency, and that an approval commits with the certificate it
// registers or not at all.
func testCertRequests(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	t.Run("Fields", func(t *testing.T) { testCertRequestFields(t, s, b) })
	t.Run("DecideRace", func(t *testing.T) { testCertRequestRace(t, s, b) })
	t.Run("InTx", func(t *testing.T) { testCertRequestInTx(t, s, b) })
}

func newCertRequest(user domain.User, centre domain.Institution, key string, at time.Time) domain.CertRequest {
	return domain.CertRequest{UserID: user.ID, ApproverInstitutionID: centre.ID,
		SubjectDN: "CN=" + user.Name + "()0012,OU=personal4IB,O=yessign,C=KR", IssuerDN: "CN=yessignCA Class 2",
		Serial: "0A1B" + key, KeyHash: hashOf(key), NotBefore: at, NotAfter: at.AddDate(1, 0, 0),
		PolicyOID: "1.2.410.200005.1.1.1", Class: domain.CertPersonal, DER: []byte{0x30, 0x03, 0x02, 0x01, 0x07}, CreatedAt: at}
}

func testCertRequestFields(t *testing.T, s store.Store, b base) {
	// Validation and references.
	bad := newCertRequest(b.alice, b.centre, "x", t0)
	bad.KeyHash = nil
	if err := s.CreateCertRequest(ctx(t), &bad); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("CreateCertRequest without key hash = %v, want invalid", err)
	}
	ghost := newCertRequest(domain.User{ID: 99999}, b.centre, "ghost", t0)
	wantErr(t, s.CreateCertRequest(ctx(t), &ghost), store.ErrNotFound, "request of a missing user")
	nowhere := newCertRequest(b.alice, domain.Institution{ID: 99999}, "nowhere", t0)
	wantErr(t, s.CreateCertRequest(ctx(t), &nowhere), store.ErrNotFound, "request to a missing institution")

	// A request comes back as stored, pending, in UTC microseconds.
	r := newCertRequest(b.alice, b.centre, "alice-new", t0)
	r.Status, r.Reason, r.DeciderID = domain.CertRequestApproved, "ignored", b.approver.ID // Create makes it pending
	must(t, s.CreateCertRequest(ctx(t), &r))
	if r.ID == 0 || r.Status != domain.CertRequestPending || r.Reason != "" || r.DeciderID != 0 || r.Serial != "0a1balice-new" {
		t.Fatalf("CreateCertRequest left %+v", r)
	}
	got, err := s.GetCertRequest(ctx(t), r.ID)
	must(t, err)
	if !reflect.DeepEqual(got, r) {
		t.Errorf("GetCertRequest = %+v\nwant %+v", got, r)
	}
	wantTime(t, got.CreatedAt, us(t0), "CreatedAt")
	wantTime(t, got.NotAfter, us(t0.AddDate(1, 0, 0)), "NotAfter")
	if !got.DecidedAt.IsZero() {
		t.Errorf("pending request has DecidedAt %v", got.DecidedAt)
	}
	_, err = s.GetCertRequest(ctx(t), 99999)
	wantErr(t, err, store.ErrNotFound, "GetCertRequest(missing)")

	// One pending request per user, and per key.
	again := newCertRequest(b.alice, b.centre, "alice-other", t0.Add(time.Minute))
	wantErr(t, s.CreateCertRequest(ctx(t), &again), store.ErrAlreadyExists, "second pending request of a user")
	sameKey := newCertRequest(b.bob, b.centre, "alice-new", t0.Add(time.Minute))
	wantErr(t, s.CreateCertRequest(ctx(t), &sameKey), store.ErrAlreadyExists, "pending request with a key already pending")
	bobs := newCertRequest(b.bob, b.centre, "bob-new", t0.Add(time.Minute))
	must(t, s.CreateCertRequest(ctx(t), &bobs))

	// Deciding: bad status, the decision, then never again.
	_, err = s.DecideCertRequest(ctx(t), r.ID, domain.CertRequestPending, b.approver.ID, "", t0)
	if domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("DecideCertRequest(pending) = %v, want invalid", err)
	}
	at := t0.Add(time.Hour)
	dec, err := s.DecideCertRequest(ctx(t), r.ID, domain.CertRequestRejected, b.approver.ID, "본인 확인 불가", at)
	must(t, err)
	if dec.Status != domain.CertRequestRejected || dec.DeciderID != b.approver.ID || dec.Reason != "본인 확인 불가" || !bytes.Equal(dec.KeyHash, r.KeyHash) {
		t.Errorf("DecideCertRequest = %+v", dec)
	}
	wantTime(t, dec.DecidedAt, us(at), "DecidedAt")
	cur, err := s.DecideCertRequest(ctx(t), r.ID, domain.CertRequestApproved, b.approver.ID, "", at.Add(time.Minute))
	wantErr(t, err, store.ErrConflict, "deciding a decided request")
	if !reflect.DeepEqual(cur, dec) {
		t.Errorf("conflict returned %+v, want the decision %+v", cur, dec)
	}
	_, err = s.DecideCertRequest(ctx(t), 99999, domain.CertRequestRejected, b.approver.ID, "x", at)
	wantErr(t, err, store.ErrNotFound, "DecideCertRequest(missing)")
	sys, err := s.DecideCertRequest(ctx(t), bobs.ID, domain.CertRequestCancelled, 0, "", at)
	must(t, err)
	if sys.DeciderID != 0 || sys.Status != domain.CertRequestCancelled {
		t.Errorf("cancelled by the system: %+v", sys)
	}

	// Once decided, the user and the key may be in a new pending request.
	next := newCertRequest(b.alice, b.centre, "alice-new", t0.Add(2*time.Hour))
	must(t, s.CreateCertRequest(ctx(t), &next))

	// Lists: by centre, status, user, key; oldest or newest first; pages.
	other := domain.Institution{Code: "HC11140", Name: "중구보건소", Kind: domain.KindHealthCentre, ParentID: b.province.ID}
	must(t, s.CreateInstitution(ctx(t), &other))
	carol := newUser(t, s, b.clinic.ID, "carol03", "최캐롤")
	elsewhere := newCertRequest(carol, other, "carol-new", t0.Add(3*time.Hour))
	must(t, s.CreateCertRequest(ctx(t), &elsewhere))
	cases := []struct {
		f    domain.CertRequestFilter
		want []int64
		tot  int
	}{
		{domain.CertRequestFilter{}, []int64{r.ID, bobs.ID, next.ID, elsewhere.ID}, 4},
		{domain.CertRequestFilter{NewestFirst: true}, []int64{elsewhere.ID, next.ID, bobs.ID, r.ID}, 4},
		{domain.CertRequestFilter{ApproverInstitutionID: b.centre.ID, Status: domain.CertRequestPending}, []int64{next.ID}, 1},
		{domain.CertRequestFilter{ApproverInstitutionID: other.ID}, []int64{elsewhere.ID}, 1},
		{domain.CertRequestFilter{UserID: b.alice.ID}, []int64{r.ID, next.ID}, 2},
		{domain.CertRequestFilter{KeyHash: hashOf("alice-new"), NewestFirst: true}, []int64{next.ID, r.ID}, 2},
		{domain.CertRequestFilter{KeyHash: hashOf("nobody")}, nil, 0},
		{domain.CertRequestFilter{Status: domain.CertRequestRejected}, []int64{r.ID}, 1},
		{domain.CertRequestFilter{Offset: 1, Limit: 2}, []int64{bobs.ID, next.ID}, 4},
	}
	for _, tc := range cases {
		list, total, err := s.ListCertRequests(ctx(t), tc.f)
		must(t, err)
		ids := pluck(list, func(x domain.CertRequest) int64 { return x.ID })
		if fmt.Sprint(ids) != fmt.Sprint(tc.want) || total != tc.tot {
			t.Errorf("ListCertRequests(%+v) = %v (total %d), want %v (total %d)", tc.f, ids, total, tc.want, tc.tot)
		}
	}
}

// testCertRequestRace: of concurrent deciders exactly one wins; the others
// see its decision.
func testCertRequestRace(t *testing.T, s store.Store, b base) {
	dave := newUser(t, s, b.clinic.ID, "dave04", "정데이브")
	r := newCertRequest(dave, b.centre, "dave-new", t0)
	must(t, s.CreateCertRequest(ctx(t), &r))
	const n = 10
	type result struct {
		r   domain.CertRequest
		err error
	}
	results := make([]result, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			status := domain.CertRequestApproved
			if i%2 == 1 {
				status = domain.CertRequestRejected
			}
			got, err := s.DecideCertRequest(ctx(t), r.ID, status, b.approver.ID, fmt.Sprintf("decider %d", i), t0)
			results[i] = result{got, err}
		})
	}
	close(start)
	wg.Wait()
	var winner *domain.CertRequest
	for i, res := range results {
		if res.err == nil {
			if winner != nil {
				t.Fatalf("two deciders won: %q and %q", winner.Reason, res.r.Reason)
			}
			winner = &results[i].r
		}
	}
	if winner == nil {
		t.Fatalf("no decider won: %v", results[0].err)
	}
	for _, res := range results {
		if res.err != nil {
			wantErr(t, res.err, store.ErrConflict, "losing decider")
			if !reflect.DeepEqual(res.r, *winner) {
				t.Errorf("loser saw %+v, want the winner's %+v", res.r, *winner)
			}
		}
	}
}

// testCertRequestInTx: an approval and the certificate it registers commit
// together; when registering fails (the key is registered meanwhile) the
// request stays pending.
func testCertRequestInTx(t *testing.T, s store.Store, b base) {
	erin := newUser(t, s, b.clinic.ID, "erin05", "한에린")
	old := domain.Certificate{UserID: erin.ID, Serial: "01", KeyHash: hashOf("erin-old"), NotAfter: t0.Add(-time.Hour)}
	must(t, s.AddCertificate(ctx(t), &old))
	r := newCertRequest(erin, b.centre, "erin-new", t0)
	must(t, s.CreateCertRequest(ctx(t), &r))

	// Someone registers the key first: the approval rolls back.
	taken := domain.Certificate{UserID: b.bob.ID, Serial: "02", KeyHash: hashOf("erin-new")}
	must(t, s.AddCertificate(ctx(t), &taken))
	at := t0.Add(time.Hour)
	approve := func(tx store.Queries) error {
		if _, err := tx.DecideCertRequest(ctx(t), r.ID, domain.CertRequestApproved, b.approver.ID, "", at); err != nil {
			return err
		}
		c := r.Certificate(at)
		if err := tx.AddCertificate(ctx(t), &c); err != nil {
			return err
		}
		return tx.ReplaceCertificates(ctx(t), erin.ID, c.ID, at)
	}
	wantErr(t, s.InTx(ctx(t), approve), store.ErrAlreadyExists, "approval of a key registered meanwhile")
	got, err := s.GetCertRequest(ctx(t), r.ID)
	must(t, err)
	if got.Status != domain.CertRequestPending {
		t.Fatalf("after the failed approval the request is %s, want pending", got.Status)
	}

	// Once the key is free, the approval registers it and retires the old.
	erin2 := newCertRequest(erin, b.centre, "erin-newer", t0)
	wantErr(t, s.CreateCertRequest(ctx(t), &erin2), store.ErrAlreadyExists, "second pending request")
	_, err = s.DecideCertRequest(ctx(t), r.ID, domain.CertRequestCancelled, 0, "", at)
	must(t, err)
	must(t, s.CreateCertRequest(ctx(t), &erin2))
	r = erin2
	must(t, s.InTx(ctx(t), approve))
	certs, err := s.ListCertificates(ctx(t), erin.ID)
	must(t, err)
	if len(certs) != 2 || certs[0].Current() || !certs[1].Current() || !bytes.Equal(certs[1].KeyHash, hashOf("erin-newer")) ||
		certs[1].Serial != "0a1berin-newer" || certs[1].Class != domain.CertPersonal || !bytes.Equal(certs[1].DER, r.DER) {
		t.Errorf("after approval erin's certificates are %+v", certs)
	}
	wantTime(t, certs[1].RegisteredAt, us(at), "RegisteredAt")
	wantTime(t, certs[0].ReplacedAt, us(at), "old certificate's ReplacedAt")
	got, err = s.GetCertRequest(ctx(t), r.ID)
	must(t, err)
	if got.Status != domain.CertRequestApproved {
		t.Errorf("approved request is %s", got.Status)
	}
}
