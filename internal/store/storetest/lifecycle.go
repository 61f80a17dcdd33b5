package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// testLifecycle covers store.LifecycleQueries: renewal links, the race of
// two renewals of one grant, extending a grant, the expiring lists and the
// once-only expiry notices.
func testLifecycle(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	c := ctx(t)
	exp := t0.Add(30 * 24 * time.Hour)
	g := domain.Grant{UserID: b.alice.ID, RoleID: b.role.ID, GrantedAt: t0, ExpiresAt: exp}
	must(t, s.CreateGrant(c, &g))
	got, err := s.GetGrant(c, g.ID)
	must(t, err)
	wantTime(t, got.ExpiresAt, us(exp), "GetGrant ExpiresAt")
	_, err = s.GetGrant(c, 99999)
	wantErr(t, err, store.ErrNotFound, "GetGrant(missing)")

	// Two renewals racing: the pending-request index lets one through.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	reqIDs := make([]int64, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.InTx(c, func(q store.Queries) error {
				r := domain.RoleRequest{UserID: b.alice.ID, RoleID: b.role.ID, ApproverInstitutionID: b.centre.ID,
					Status: domain.RequestPending, CreatedAt: t0.Add(time.Hour)}
				if err := q.CreateRequest(c, &r); err != nil {
					return err
				}
				reqIDs[i] = r.ID
				return q.CreateRenewal(c, &domain.Renewal{RequestID: r.ID, GrantID: g.ID, GrantExpiresAt: exp, CreatedAt: t0.Add(time.Hour)})
			})
		}()
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		if err == nil {
			if won >= 0 {
				t.Fatal("both renewals of one grant were created")
			}
			won = i
		} else {
			wantErr(t, err, store.ErrAlreadyExists, "second renewal")
		}
	}
	if won < 0 {
		t.Fatalf("no renewal created: %v", errs)
	}
	reqID := reqIDs[won]
	rn := domain.Renewal{RequestID: reqID, GrantID: g.ID, GrantExpiresAt: exp}
	wantErr(t, s.CreateRenewal(c, &rn), store.ErrAlreadyExists, "linking a request twice")
	wantErr(t, s.CreateRenewal(c, &domain.Renewal{RequestID: 99999, GrantID: g.ID, GrantExpiresAt: exp}), store.ErrNotFound, "renewal of a missing request")

	links, err := s.RenewalsOf(c, []int64{reqID, 99999})
	must(t, err)
	if len(links) != 1 || links[reqID].GrantID != g.ID {
		t.Fatalf("RenewalsOf = %+v", links)
	}
	wantTime(t, links[reqID].GrantExpiresAt, us(exp), "GrantExpiresAt")
	wantTime(t, links[reqID].CreatedAt, us(t0.Add(time.Hour)), "renewal CreatedAt")
	if m, err := s.RenewalsOf(c, nil); err != nil || len(m) != 0 {
		t.Errorf("RenewalsOf(nil) = %v, %v", m, err)
	}
	list, err := s.GrantRenewals(c, g.ID)
	must(t, err)
	if len(list) != 1 || list[0].RequestID != reqID {
		t.Errorf("GrantRenewals = %+v", list)
	}

	// Extending: only from the current expiry, only unrevoked.
	next := exp.Add(365 * 24 * time.Hour)
	wantErr(t, s.ExtendGrant(c, g.ID, exp.Add(time.Second), next), store.ErrConflict, "extend from a stale expiry")
	must(t, s.ExtendGrant(c, g.ID, exp, next))
	got, _ = s.GetGrant(c, g.ID)
	wantTime(t, got.ExpiresAt, us(next), "extended ExpiresAt")
	wantErr(t, s.ExtendGrant(c, g.ID, exp, next), store.ErrConflict, "extend twice")
	wantErr(t, s.ExtendGrant(c, 99999, exp, next), store.ErrNotFound, "extend a missing grant")

	// Expiring lists, paged by (expiry, ID).
	g2 := domain.Grant{UserID: b.bob.ID, RoleID: b.role.ID, GrantedAt: t0, ExpiresAt: next}
	must(t, s.CreateGrant(c, &g2))
	g3 := domain.Grant{UserID: b.approver.ID, RoleID: b.role.ID, GrantedAt: t0} // no lifetime
	must(t, s.CreateGrant(c, &g3))
	page, err := s.ListGrantsExpiring(c, t0, next, 0, 1)
	must(t, err)
	if len(page) != 1 || page[0].ID != g.ID {
		t.Fatalf("first page = %v", pluck(page, func(g domain.Grant) int64 { return g.ID }))
	}
	page, err = s.ListGrantsExpiring(c, page[0].ExpiresAt, next, page[0].ID, 10)
	must(t, err)
	if len(page) != 1 || page[0].ID != g2.ID {
		t.Fatalf("second page = %v", pluck(page, func(g domain.Grant) int64 { return g.ID }))
	}
	if page, _ = s.ListGrantsExpiring(c, t0, next.Add(-time.Second), 0, 10); len(page) != 0 {
		t.Errorf("grants expiring before %v = %d", next, len(page))
	}
	must(t, s.RevokeGrant(c, g2.ID, 0, "test", t0))
	if page, _ = s.ListGrantsExpiring(c, t0, next, 0, 10); len(page) != 1 || page[0].ID != g.ID {
		t.Errorf("a revoked grant is listed as expiring: %v", pluck(page, func(g domain.Grant) int64 { return g.ID }))
	}

	certAt := t0.Add(20 * 24 * time.Hour)
	cert := domain.Certificate{UserID: b.alice.ID, KeyHash: hashOf("alice-life"), NotBefore: t0, NotAfter: certAt, Class: domain.CertPersonal}
	must(t, s.AddCertificate(c, &cert))
	old := domain.Certificate{UserID: b.bob.ID, KeyHash: hashOf("bob-old"), NotAfter: certAt, ReplacedAt: t0}
	must(t, s.AddCertificate(c, &old))
	locked := newUser(t, s, b.clinic.ID, "locked9", "최잠김")
	locked.Status = domain.UserLocked
	must(t, s.UpdateUser(c, &locked))
	lc := domain.Certificate{UserID: locked.ID, KeyHash: hashOf("locked-life"), NotAfter: certAt}
	must(t, s.AddCertificate(c, &lc))
	certs, err := s.ListCertificatesExpiring(c, t0, certAt, 0, 10)
	must(t, err)
	if len(certs) != 1 || certs[0].ID != cert.ID {
		t.Errorf("ListCertificatesExpiring = %v, want only %d", pluck(certs, func(c domain.Certificate) int64 { return c.ID }), cert.ID)
	}
	if certs, _ = s.ListCertificatesExpiring(c, certAt, certAt, cert.ID, 10); len(certs) != 0 {
		t.Errorf("page after the last = %d", len(certs))
	}

	// Notices once per subject, expiry and threshold.
	for i, want := range []bool{true, false} {
		ok, err := s.MarkExpiryNotice(c, domain.NoticeGrantExpiry, g.ID, next, 30, t0)
		must(t, err)
		if ok != want {
			t.Errorf("MarkExpiryNotice #%d = %v, want %v", i, ok, want)
		}
	}
	for _, n := range []struct {
		kind domain.ExpiryNoticeKind
		at   time.Time
		days int
	}{{domain.NoticeGrantExpiry, next, 7}, {domain.NoticeGrantExpiry, exp, 30}, {domain.NoticeCertExpiry, next, 30}} {
		ok, err := s.MarkExpiryNotice(c, n.kind, g.ID, n.at, n.days, t0)
		if err != nil || !ok {
			t.Errorf("MarkExpiryNotice(%v) = %v, %v; want a new notice", n, ok, err)
		}
	}
}

// testDormant covers dormant accounts: the inactivity lock makes one, its
// owner reopens it once, and any other change of status ends it.
func testDormant(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	c := ctx(t)
	day := 24 * time.Hour
	now := t0.Add(500 * day)
	mk := func(login string) domain.User {
		u := domain.User{LoginID: login, Name: "휴면", InstitutionID: b.clinic.ID, Status: domain.UserActive, Pseudonym: "p-" + login,
			CreatedAt: t0, LastLoginAt: t0}
		must(t, s.CreateUser(c, &u))
		return u
	}
	idle, other := mk("idle1"), mk("idle2")
	for _, u := range []domain.User{idle, other} {
		ok, err := s.LockInactiveUser(c, u.ID, now.Add(-365*day), now)
		if err != nil || !ok {
			t.Fatalf("LockInactiveUser(%s) = %v, %v", u.LoginID, ok, err)
		}
	}
	since, err := s.DormantSince(c, idle.ID)
	must(t, err)
	wantTime(t, since, us(now), "DormantSince")
	_, err = s.DormantSince(c, b.alice.ID)
	wantErr(t, err, store.ErrNotFound, "DormantSince(active user)")
	if _, err := s.ReopenDormant(c, idle.ID, domain.UserLocked, now); err == nil {
		t.Error("ReopenDormant to locked accepted")
	}

	// Two owners' reopenings racing: one wins.
	later := now.Add(day)
	var wg sync.WaitGroup
	oks := make([]bool, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.ReopenDormant(c, idle.ID, domain.UserActive, later)
			if err != nil {
				t.Error(err)
			}
			oks[i] = ok
		}()
	}
	wg.Wait()
	if oks[0] == oks[1] {
		t.Fatalf("concurrent reopenings: %v", oks)
	}
	u, err := s.GetUser(c, idle.ID)
	must(t, err)
	if u.Status != domain.UserActive {
		t.Errorf("reopened status %s", u.Status)
	}
	wantTime(t, u.LastLoginAt, us(later), "reopened LastLoginAt")
	_, err = s.DormantSince(c, idle.ID)
	wantErr(t, err, store.ErrNotFound, "DormantSince after reopening")

	// An administrator's unlock and lock end dormancy: the owner cannot
	// reopen an account an administrator locked.
	o, _ := s.GetUser(c, other.ID)
	o.Status = domain.UserActive
	must(t, s.UpdateUser(c, &o))
	o.Status = domain.UserLocked
	must(t, s.UpdateUser(c, &o))
	_, err = s.DormantSince(c, other.ID)
	wantErr(t, err, store.ErrNotFound, "DormantSince after an administrator's lock")
	if ok, err := s.ReopenDormant(c, other.ID, domain.UserActive, later); err != nil || ok {
		t.Errorf("ReopenDormant of an administrator's lock = %v, %v", ok, err)
	}
}

// testInstitutionChanges covers changes of institution: one pending per
// user, listing, one decision of concurrent deciders.
func testInstitutionChanges(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	c := ctx(t)
	other := domain.Institution{Code: "87654321", Name: "종로연세의원", Kind: domain.KindMedical, ParentID: b.centre.ID, CreatedAt: t0}
	must(t, s.CreateInstitution(c, &other))
	ch := domain.InstitutionChange{UserID: b.alice.ID, FromInstitutionID: b.clinic.ID, ToInstitutionID: other.ID,
		ApproverInstitutionID: b.centre.ID, CreatedAt: t0}
	must(t, s.CreateInstitutionChange(c, &ch))
	if ch.ID == 0 || ch.Status != domain.InstChangePending {
		t.Fatalf("created %+v", ch)
	}
	dup := ch
	wantErr(t, s.CreateInstitutionChange(c, &dup), store.ErrAlreadyExists, "second pending change")
	bad := domain.InstitutionChange{UserID: b.bob.ID, FromInstitutionID: b.clinic.ID, ToInstitutionID: 99999, ApproverInstitutionID: b.centre.ID}
	wantErr(t, s.CreateInstitutionChange(c, &bad), store.ErrNotFound, "change to a missing institution")

	got, err := s.GetInstitutionChange(c, ch.ID)
	must(t, err)
	wantTime(t, got.CreatedAt, us(t0), "CreatedAt")
	if got.ToInstitutionID != other.ID || got.FromInstitutionID != b.clinic.ID || got.ApproverInstitutionID != b.centre.ID {
		t.Errorf("GetInstitutionChange = %+v", got)
	}
	_, err = s.GetInstitutionChange(c, 99999)
	wantErr(t, err, store.ErrNotFound, "missing change")
	list, n, err := s.ListInstitutionChanges(c, domain.InstChangeFilter{ApproverInstitutionID: b.centre.ID, Status: domain.InstChangePending})
	must(t, err)
	if n != 1 || len(list) != 1 || list[0].ID != ch.ID {
		t.Errorf("inbox = %d %+v", n, list)
	}
	if _, n, _ = s.ListInstitutionChanges(c, domain.InstChangeFilter{UserID: b.bob.ID}); n != 0 {
		t.Errorf("bob's changes = %d", n)
	}
	if _, err := s.DecideInstitutionChange(c, ch.ID, domain.InstChangePending, 0, "", t0); err == nil {
		t.Error("deciding as pending accepted")
	}

	// Two deciders at once: one decision.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, st := range []domain.InstChangeStatus{domain.InstChangeApproved, domain.InstChangeCancelled} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.DecideInstitutionChange(c, ch.ID, st, b.approver.ID, "r", t0.Add(time.Hour))
		}()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("concurrent decisions: %v, %v", errs[0], errs[1])
	}
	cur, err := s.DecideInstitutionChange(c, ch.ID, domain.InstChangeRejected, b.approver.ID, "late", t0.Add(2*time.Hour))
	wantErr(t, err, store.ErrConflict, "deciding twice")
	if cur.Status == domain.InstChangePending || cur.DeciderID != b.approver.ID {
		t.Errorf("conflict returned %+v", cur)
	}
	wantTime(t, cur.DecidedAt, us(t0.Add(time.Hour)), "DecidedAt")
	// Decided, a new change may be asked.
	again := domain.InstitutionChange{UserID: b.alice.ID, FromInstitutionID: b.clinic.ID, ToInstitutionID: other.ID, ApproverInstitutionID: b.centre.ID}
	must(t, s.CreateInstitutionChange(c, &again))
}

// testUserProfiles covers department and position: upsert, batch read,
// delete when emptied, and deletion on withdrawal.
func testUserProfiles(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	c := ctx(t)
	must(t, s.PutUserProfile(c, domain.UserProfile{UserID: b.alice.ID, Department: "예방접종팀", Position: "간호사"}))
	must(t, s.PutUserProfile(c, domain.UserProfile{UserID: b.alice.ID, Department: "감염관리실", Position: "수간호사"}))
	must(t, s.PutUserProfile(c, domain.UserProfile{UserID: b.bob.ID, Position: "원장"}))
	got, err := s.GetUserProfiles(c, []int64{b.alice.ID, b.bob.ID, b.approver.ID})
	must(t, err)
	if len(got) != 2 || got[b.alice.ID].Department != "감염관리실" || got[b.alice.ID].Position != "수간호사" || got[b.bob.ID].Position != "원장" {
		t.Errorf("GetUserProfiles = %+v", got)
	}
	must(t, s.PutUserProfile(c, domain.UserProfile{UserID: b.bob.ID}))
	if got, _ = s.GetUserProfiles(c, []int64{b.bob.ID}); len(got) != 0 {
		t.Errorf("emptied profile kept: %+v", got)
	}
	wantErr(t, s.PutUserProfile(c, domain.UserProfile{UserID: 99999, Position: "x"}), store.ErrNotFound, "profile of a missing user")
	must(t, s.EraseUserData(c, b.alice.ID, ""))
	if got, _ = s.GetUserProfiles(c, []int64{b.alice.ID}); len(got) != 0 {
		t.Errorf("profile survives EraseUserData: %+v", got)
	}
}

// testPrivacyPolicies covers the privacy policy's versions: numbering
// (also of concurrent adders), the newest, one version, the list.
func testPrivacyPolicies(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	c := ctx(t)
	_, err := s.PrivacyPolicy(c, 0)
	wantErr(t, err, store.ErrNotFound, "no policy yet")
	p1 := domain.PrivacyPolicy{Text: "제1조", Source: "demo", CreatedAt: t0}
	must(t, s.AddPrivacyPolicy(c, &p1))
	if p1.Version != 1 {
		t.Fatalf("first version %d", p1.Version)
	}
	var wg sync.WaitGroup
	vs := make([]int, 3)
	for i := range vs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := domain.PrivacyPolicy{Text: fmt.Sprintf("판 %d", i), Source: "admin", CreatedBy: b.approver.ID, CreatedAt: t0.Add(time.Hour)}
			if err := s.AddPrivacyPolicy(c, &p); err != nil {
				t.Error(err)
			}
			vs[i] = p.Version
		}()
	}
	wg.Wait()
	slices.Sort(vs)
	if !slices.Equal(vs, []int{2, 3, 4}) {
		t.Errorf("concurrent versions %v", vs)
	}
	latest, err := s.PrivacyPolicy(c, 0)
	must(t, err)
	if latest.Version != 4 || latest.Source != "admin" || latest.CreatedBy != b.approver.ID {
		t.Errorf("latest %+v", latest)
	}
	one, err := s.PrivacyPolicy(c, 1)
	must(t, err)
	if one.Text != "제1조" || one.CreatedBy != 0 {
		t.Errorf("version 1 %+v", one)
	}
	wantTime(t, one.CreatedAt, us(t0), "CreatedAt")
	_, err = s.PrivacyPolicy(c, 9)
	wantErr(t, err, store.ErrNotFound, "missing version")
	if err := s.AddPrivacyPolicy(c, &domain.PrivacyPolicy{Text: "x", Source: "elsewhere"}); err == nil {
		t.Error("unknown source accepted")
	}
	list, total, err := s.ListPrivacyPolicies(c, store.Page{Limit: 2})
	must(t, err)
	if total != 4 || len(list) != 2 || list[0].Version != 4 || list[1].Version != 3 {
		t.Errorf("list %v of %d", pluck(list, func(p domain.PrivacyPolicy) int { return p.Version }), total)
	}
}

// testPopups covers pop-up notices: create, versions on update, the
// display period, the audience's constraint.
func testPopups(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	c := ctx(t)
	p := domain.Popup{Title: "점검 안내", Body: "3월 10일 점검", StartsAt: t0, EndsAt: t0.Add(48 * time.Hour),
		Audience: domain.PopupEveryone, CreatedAt: t0, CreatedBy: b.approver.ID}
	must(t, s.CreatePopup(c, &p))
	if p.ID == 0 || p.Version != 1 {
		t.Fatalf("created %+v", p)
	}
	r := domain.Popup{Title: "승인자 안내", Body: "b", StartsAt: t0.Add(time.Hour), EndsAt: t0.Add(2 * time.Hour),
		Audience: domain.PopupRole, RoleID: b.role.ID, CreatedAt: t0}
	must(t, s.CreatePopup(c, &r))
	if err := s.CreatePopup(c, &domain.Popup{Title: "x", Body: "x", StartsAt: t0, EndsAt: t0.Add(time.Hour), Audience: domain.PopupRole}); err == nil {
		t.Error("a role audience without a role accepted")
	}
	if err := s.CreatePopup(c, &domain.Popup{Title: "x", Body: "x", StartsAt: t0, EndsAt: t0, Audience: domain.PopupEveryone}); err == nil {
		t.Error("an empty period accepted")
	}
	ids := func(ps []domain.Popup) []int64 { return pluck(ps, func(p domain.Popup) int64 { return p.ID }) }
	if got, _ := s.ListPopups(c, t0); !slices.Equal(ids(got), []int64{p.ID}) {
		t.Errorf("shown at t0: %v", ids(got))
	}
	if got, _ := s.ListPopups(c, t0.Add(90*time.Minute)); !slices.Equal(ids(got), []int64{p.ID, r.ID}) {
		t.Errorf("shown at t0+90m: %v", ids(got))
	}
	if got, _ := s.ListPopups(c, t0.Add(48*time.Hour)); len(got) != 0 {
		t.Errorf("shown at the end: %v", ids(got))
	}
	if got, _ := s.ListPopups(c, time.Time{}); !slices.Equal(ids(got), []int64{r.ID, p.ID}) && !slices.Equal(ids(got), []int64{p.ID, r.ID}) {
		t.Errorf("all: %v", ids(got))
	}
	p.Body, p.UpdatedAt = "3월 11일로 변경", t0.Add(time.Hour)
	must(t, s.UpdatePopup(c, &p))
	got, err := s.GetPopup(c, p.ID)
	must(t, err)
	if got.Version != 2 || got.Body != "3월 11일로 변경" || got.CreatedBy != b.approver.ID {
		t.Errorf("after update %+v", got)
	}
	wantTime(t, got.UpdatedAt, us(t0.Add(time.Hour)), "UpdatedAt")
	wantErr(t, s.UpdatePopup(c, &domain.Popup{ID: 99999, Title: "x", Body: "x", StartsAt: t0, EndsAt: t0.Add(time.Hour), Audience: domain.PopupEveryone}),
		store.ErrNotFound, "update a missing popup")
	_, err = s.GetPopup(c, 99999)
	wantErr(t, err, store.ErrNotFound, "missing popup")
}
