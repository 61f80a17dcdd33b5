package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// reviewWorld is seedBase with an approver role that decides b.role at
// health centres, a second centre without any approver, and grants.
type reviewWorld struct {
	base
	approverRole     domain.Role
	centre2, clinic2 domain.Institution
	carol            domain.User
	gAlice, gBob     domain.Grant
	gCarol, gAppr    domain.Grant
}

func seedReviewWorld(t *testing.T, s store.Store) reviewWorld {
	t.Helper()
	w := reviewWorld{base: seedBase(t, s)}
	w.approverRole = domain.Role{SystemID: w.sys.ID, Code: "approver-centre", Name: "보건소 승인권자",
		RequestableBy: []domain.InstitutionKind{domain.KindHealthCentre}, ApproverKind: domain.KindProvince, CreatedAt: t0}
	must(t, s.CreateRole(ctx(t), &w.approverRole))
	w.role.ApproverRoleID = w.approverRole.ID
	must(t, s.UpdateRole(ctx(t), &w.role))
	w.centre2 = domain.Institution{Code: "HC11140", Name: "중구보건소", Kind: domain.KindHealthCentre, ParentID: w.province.ID, CreatedAt: t0}
	must(t, s.CreateInstitution(ctx(t), &w.centre2))
	w.clinic2 = domain.Institution{Code: "22222222", Name: "중구의원", Kind: domain.KindMedical, ParentID: w.centre2.ID, CreatedAt: t0}
	must(t, s.CreateInstitution(ctx(t), &w.clinic2))
	w.carol = newUser(t, s, w.clinic2.ID, "carol03", "최캐롤")
	grant := func(u domain.User, r domain.Role, at time.Time) domain.Grant {
		g := domain.Grant{UserID: u.ID, RoleID: r.ID, GrantedAt: at, GrantedBy: w.approver.ID}
		must(t, s.CreateGrant(ctx(t), &g))
		return g
	}
	w.gAppr = grant(w.approver, w.approverRole, t0)
	w.gAlice = grant(w.alice, w.role, t0.Add(time.Minute))
	w.gBob = grant(w.bob, w.role, t0.Add(2*time.Minute))
	w.gCarol = grant(w.carol, w.role, t0.Add(3*time.Minute))
	// Out of scope: a revoked grant, an expired one, a withdrawn holder's,
	// one granted after the campaign starts.
	dave := newUser(t, s, w.clinic.ID, "dave04", "정데이브")
	gd := grant(dave, w.role, t0)
	must(t, s.RevokeGrant(ctx(t), gd.ID, w.approver.ID, "퇴사", t0.Add(time.Hour)))
	erin := newUser(t, s, w.clinic.ID, "erin05", "한에린")
	ge := domain.Grant{UserID: erin.ID, RoleID: w.role.ID, GrantedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	must(t, s.CreateGrant(ctx(t), &ge))
	frank := newUser(t, s, w.clinic.ID, "frank06", "오프랭크")
	grant(frank, w.role, t0)
	frank.Status = domain.UserWithdrawn
	must(t, s.UpdateUser(ctx(t), &frank))
	gina := newUser(t, s, w.clinic.ID, "gina07", "유지나")
	grant(gina, w.role, t0.AddDate(0, 0, 3))
	return w
}

func testReviews(t *testing.T, s store.Store) {
	w := seedReviewWorld(t, s)
	start := t0.AddDate(0, 0, 1)
	c := domain.ReviewCampaign{Name: "2025년 상반기 정기 점검", CreatedBy: w.approver.ID, CreatedAt: start, StartsAt: start,
		Deadline: start.AddDate(0, 0, 14), RoleIDs: []int64{w.role.ID}, ReminderDays: []int{7, 3, 1},
		DeadlineAction: domain.ReviewRevoke, KeepNeedsNote: true}
	must(t, s.CreateReviewCampaign(ctx(t), &c))
	if c.ID == 0 || c.Items != 3 {
		t.Fatalf("campaign = %+v, want an ID and 3 items (alice, bob, carol)", c)
	}
	got, err := s.GetReviewCampaign(ctx(t), c.ID)
	must(t, err)
	if got.Name != c.Name || got.Items != 3 || fmt.Sprint(got.RoleIDs) != fmt.Sprint(c.RoleIDs) || fmt.Sprint(got.ReminderDays) != "[7 3 1]" ||
		got.DeadlineAction != domain.ReviewRevoke || !got.KeepNeedsNote || got.RemindedDay != 0 || !got.ClosedAt.IsZero() || len(got.JurisdictionIDs) != 0 {
		t.Errorf("GetReviewCampaign = %+v", got)
	}
	wantTime(t, got.Deadline, us(c.Deadline), "deadline")
	_, err = s.GetReviewCampaign(ctx(t), 99999)
	wantErr(t, err, store.ErrNotFound, "GetReviewCampaign(missing)")

	items, total, err := s.ListReviewItems(ctx(t), store.ReviewItemFilter{CampaignID: c.ID})
	must(t, err)
	if total != 3 || len(items) != 3 {
		t.Fatalf("items = %d of %d, want 3", len(items), total)
	}
	byUser := map[int64]domain.ReviewItem{}
	for _, it := range items {
		byUser[it.UserID] = it
	}
	a, b, cr := byUser[w.alice.ID], byUser[w.bob.ID], byUser[w.carol.ID]
	if a.GrantID != w.gAlice.ID || a.ReviewerInstitutionID != w.centre.ID || a.ProvinceID != w.province.ID ||
		a.ApproverRoleID != w.approverRole.ID || a.InstitutionID != w.clinic.ID || !a.EscalatedAt.IsZero() || !a.Open() ||
		a.GrantedBy != w.approver.ID || !a.GrantedAt.Equal(us(w.gAlice.GrantedAt)) {
		t.Errorf("alice's item = %+v", a)
	}
	if b.ReviewerInstitutionID != w.centre.ID || !b.EscalatedAt.IsZero() {
		t.Errorf("bob's item = %+v", b)
	}
	// 중구보건소 has no approver: escalated at once.
	if cr.ReviewerInstitutionID != w.centre2.ID || cr.ProvinceID != w.province.ID || !cr.EscalatedAt.Equal(us(start)) {
		t.Errorf("carol's item = %+v, want escalated at creation", cr)
	}

	ids := func(f store.ReviewItemFilter) string {
		t.Helper()
		f.CampaignID = c.ID
		l, _, err := s.ListReviewItems(ctx(t), f)
		must(t, err)
		return fmt.Sprint(pluck(l, func(i domain.ReviewItem) int64 { return i.UserID }))
	}
	direct := &store.ReviewRouteFilter{InstitutionID: w.centre.ID, RoleIDs: []int64{w.role.ID}}
	if got := ids(store.ReviewItemFilter{Direct: direct}); got != fmt.Sprint([]int64{w.alice.ID, w.bob.ID}) {
		t.Errorf("direct items = %s", got)
	}
	if got := ids(store.ReviewItemFilter{Direct: &store.ReviewRouteFilter{InstitutionID: w.centre.ID, RoleIDs: []int64{}}}); got != "[]" {
		t.Errorf("direct items for no roles = %s", got)
	}
	if got := ids(store.ReviewItemFilter{Direct: direct, NotUserID: w.alice.ID}); got != fmt.Sprint([]int64{w.bob.ID}) {
		t.Errorf("direct items without alice's = %s", got)
	}
	esc := &store.ReviewRouteFilter{InstitutionID: w.province.ID}
	if got := ids(store.ReviewItemFilter{Escalated: esc}); got != fmt.Sprint([]int64{w.carol.ID}) {
		t.Errorf("escalated items = %s", got)
	}
	if got := ids(store.ReviewItemFilter{Direct: direct, Escalated: esc}); got != fmt.Sprint([]int64{w.alice.ID, w.bob.ID, w.carol.ID}) {
		t.Errorf("direct or escalated items = %s", got)
	}

	// One decision per item.
	d, err := s.DecideReviewItem(ctx(t), a.ID, domain.ReviewKept, w.approver.ID, "업무 계속", false, start.Add(time.Hour))
	must(t, err)
	if d.Decision != domain.ReviewKept || d.DecidedBy != w.approver.ID || d.Note != "업무 계속" || d.Automatic || !d.DecidedAt.Equal(us(start.Add(time.Hour))) {
		t.Errorf("decided item = %+v", d)
	}
	d, err = s.DecideReviewItem(ctx(t), a.ID, domain.ReviewRevoked, w.approver.ID, "x", false, start.Add(2*time.Hour))
	wantErr(t, err, store.ErrConflict, "second decision")
	if d.Decision != domain.ReviewKept {
		t.Errorf("after a refused decision the item is %+v", d)
	}
	_, err = s.DecideReviewItem(ctx(t), a.ID, "maybe", w.approver.ID, "", false, start)
	if domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("unknown decision: %v", err)
	}
	if got := ids(store.ReviewItemFilter{OpenOnly: true}); got != fmt.Sprint([]int64{w.bob.ID, w.carol.ID}) {
		t.Errorf("open items = %s", got)
	}
	if got := ids(store.ReviewItemFilter{DecidedOnly: true}); got != fmt.Sprint([]int64{w.alice.ID}) {
		t.Errorf("decided items = %s", got)
	}

	prog, err := s.ReviewProgress(ctx(t), c.ID)
	must(t, err)
	wantProg := fmt.Sprint([]store.ReviewProgressRow{
		{ReviewerInstitutionID: w.centre.ID, Kept: 1, Open: 1},
		{ReviewerInstitutionID: w.centre2.ID, Open: 1, Escalated: 1},
	})
	if fmt.Sprint(prog) != wantProg {
		t.Errorf("progress = %v, want %v", prog, wantProg)
	}
	routes, err := s.ReviewRoutes(ctx(t), c.ID)
	must(t, err)
	wantRoutes := fmt.Sprint([]store.ReviewRoute{
		{ReviewerInstitutionID: w.centre.ID, ApproverRoleID: w.approverRole.ID, ProvinceID: w.province.ID, Open: 1},
		{ReviewerInstitutionID: w.centre2.ID, ApproverRoleID: w.approverRole.ID, ProvinceID: w.province.ID, Escalated: true, Open: 1},
	})
	if fmt.Sprint(routes) != wantRoutes {
		t.Errorf("routes = %v, want %v", routes, wantRoutes)
	}

	// Reminders go out once per day, from the earliest.
	for _, step := range []struct {
		day  int
		want bool
	}{{7, true}, {7, false}, {3, true}, {7, false}, {1, true}} {
		ok, err := s.MarkReviewReminded(ctx(t), c.ID, step.day)
		must(t, err)
		if ok != step.want {
			t.Errorf("MarkReviewReminded(D-%d) = %v, want %v", step.day, ok, step.want)
		}
	}

	n, err := s.EscalateReviewItems(ctx(t), c.ID, []int64{b.ID, a.ID}, start.Add(3*time.Hour))
	must(t, err)
	if n != 1 {
		t.Errorf("escalated %d, want 1 (bob's; alice's is decided)", n)
	}
	n, err = s.KeepOpenReviewItems(ctx(t), c.ID, start.Add(4*time.Hour))
	must(t, err)
	if n != 2 {
		t.Errorf("kept %d, want 2", n)
	}
	kept, err := s.GetReviewItem(ctx(t), b.ID)
	must(t, err)
	if kept.Decision != domain.ReviewKept || !kept.Automatic || kept.DecidedBy != 0 || !kept.EscalatedAt.Equal(us(start.Add(3*time.Hour))) {
		t.Errorf("bob's item after the deadline = %+v", kept)
	}

	// Due and open campaigns.
	due, _, err := s.ListReviewCampaigns(ctx(t), store.ReviewCampaignFilter{DueBy: c.Deadline.Add(-time.Second)})
	must(t, err)
	if len(due) != 0 {
		t.Errorf("due before the deadline: %+v", due)
	}
	due, _, err = s.ListReviewCampaigns(ctx(t), store.ReviewCampaignFilter{DueBy: c.Deadline})
	must(t, err)
	if len(due) != 1 || due[0].ID != c.ID {
		t.Errorf("due at the deadline: %+v", due)
	}
	for i, want := range []bool{true, false} {
		ok, err := s.CloseReviewCampaign(ctx(t), c.ID, c.Deadline)
		must(t, err)
		if ok != want {
			t.Errorf("close #%d = %v, want %v", i+1, ok, want)
		}
	}
	if ok, _ := s.MarkReviewReminded(ctx(t), c.ID, 0); ok {
		t.Error("a closed campaign was reminded")
	}
	open, total, err := s.ListReviewCampaigns(ctx(t), store.ReviewCampaignFilter{OpenOnly: true})
	must(t, err)
	if len(open) != 0 || total != 0 {
		t.Errorf("open campaigns after closing: %+v", open)
	}

	// Scoped to 중구보건소's jurisdiction, and the approver role (decided
	// by the province: no approver role above it, so escalated).
	c2 := domain.ReviewCampaign{Name: "중구", CreatedAt: start, Deadline: start.AddDate(0, 1, 0), RoleIDs: []int64{w.role.ID, w.approverRole.ID},
		JurisdictionIDs: []int64{w.centre2.ID}, DeadlineAction: domain.ReviewKeep}
	must(t, s.CreateReviewCampaign(ctx(t), &c2))
	if c2.Items != 1 {
		t.Errorf("jurisdiction campaign has %d items, want 1 (carol's)", c2.Items)
	}
	c3 := domain.ReviewCampaign{Name: "승인권자", CreatedAt: start, Deadline: start.AddDate(0, 1, 0), RoleIDs: []int64{w.approverRole.ID},
		JurisdictionIDs: []int64{w.province.ID, w.centre.ID}, DeadlineAction: domain.ReviewEscalate}
	must(t, s.CreateReviewCampaign(ctx(t), &c3))
	l, _, err := s.ListReviewItems(ctx(t), store.ReviewItemFilter{CampaignID: c3.ID})
	must(t, err)
	if len(l) != 1 || l[0].UserID != w.approver.ID || l[0].ReviewerInstitutionID != w.province.ID || l[0].EscalatedAt.IsZero() {
		t.Errorf("approver-role items = %+v, want the approver's, routed to the province and escalated", l)
	}
	all, total, err := s.ListReviewCampaigns(ctx(t), store.ReviewCampaignFilter{})
	must(t, err)
	if total != 3 || len(all) != 3 {
		t.Errorf("campaigns = %d of %d", len(all), total)
	}
	bad := domain.ReviewCampaign{Name: "x", DeadlineAction: domain.ReviewKeep}
	if err := s.CreateReviewCampaign(ctx(t), &bad); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("campaign without roles: %v", err)
	}
}
