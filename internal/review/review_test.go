package review_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/review"
)

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if err != want {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

func TestOpenCampaign(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		now := t0.Add(time.Hour)
		role := f.demo.UserRoleID
		u1, _ := f.holder("91111001", role) // under 종로구보건소, 서울
		u2, _ := f.holder("91111002", role)
		busan := f.demo.HealthCentres[len(f.demo.HealthCentres)-1]
		clinic := domain.Institution{Code: "TEST-BUSAN-1", Name: "부산데모의원", Kind: domain.KindMedical, ParentID: busan.ID, CreatedAt: t0}
		if err := f.st.CreateInstitution(f.ctx, &clinic); err != nil {
			t.Fatal(err)
		}
		u3, _ := f.holder(clinic.Code, role)
		nc := review.NewCampaign{Name: "2026년 1분기 정기 점검", RoleIDs: []int64{role}, Deadline: now.AddDate(0, 0, 14),
			DeadlineAction: domain.ReviewRevoke, KeepNeedsNote: true}

		// A province administrator reviews their province only.
		admin11 := f.user("admin11")
		c := f.open(admin11, nc, now)
		if c.Items != 2 || len(c.JurisdictionIDs) != 1 || c.JurisdictionIDs[0] != f.inst("PR-11").ID || len(c.ReminderDays) != 3 {
			t.Fatalf("campaign = %+v, want 2 items in 서울특별시 and D-7/3/1", c)
		}
		items := f.items(c.ID)
		if _, ok := items[u3.ID]; ok {
			t.Error("a grant outside the province was taken in")
		}
		for _, u := range []domain.User{u1, u2} {
			it := items[u.ID]
			if it.ReviewerInstitutionID != f.inst("HC-11110").ID || it.ProvinceID != f.inst("PR-11").ID || !it.EscalatedAt.IsZero() {
				t.Errorf("item of %s = %+v, want routed to 종로구보건소", u.LoginID, it)
			}
		}
		if ev := f.events("review.campaign.create", "review_campaign", c.ID); len(ev) != 1 || ev[0].ActorID != admin11.ID {
			t.Errorf("audit events = %+v", ev)
		}
		bad := nc
		bad.JurisdictionIDs = []int64{busan.ID}
		_, err := review.Open(f.ctx, f.st, admin11, clientAddr, bad, now)
		wantErr(t, "a province administrator over another province", err, review.ErrOutsideScope)
		_, err = review.Open(f.ctx, f.st, f.user("approver11110"), clientAddr, nc, now)
		wantErr(t, "an approver", err, review.ErrNotAdmin)
		bad = nc
		bad.Deadline = now.Add(time.Hour)
		_, err = review.Open(f.ctx, f.st, admin11, clientAddr, bad, now)
		wantErr(t, "a deadline within a day", err, review.ErrBadDeadline)
		bad = nc
		bad.RoleIDs = nil
		_, err = review.Open(f.ctx, f.st, admin11, clientAddr, bad, now)
		wantErr(t, "no roles", err, review.ErrNoRoles)
		bad = nc
		bad.ReminderDays = []int{0}
		_, err = review.Open(f.ctx, f.st, admin11, clientAddr, bad, now)
		wantErr(t, "reminder day 0", err, review.ErrBadReminderDays)

		// A national administrator reviews everywhere; a system stands
		// for its roles. A centre without an active approver: escalated.
		lonely := domain.Institution{Code: "HC-TEST", Name: "데모보건소", Kind: domain.KindHealthCentre, ParentID: f.inst("PR-11").ID, CreatedAt: t0}
		if err := f.st.CreateInstitution(f.ctx, &lonely); err != nil {
			t.Fatal(err)
		}
		lclinic := domain.Institution{Code: "TEST-L-1", Name: "데모의원", Kind: domain.KindMedical, ParentID: lonely.ID, CreatedAt: t0}
		if err := f.st.CreateInstitution(f.ctx, &lclinic); err != nil {
			t.Fatal(err)
		}
		u4, _ := f.holder(lclinic.Code, role)
		nc2 := nc
		nc2.RoleIDs, nc2.SystemIDs = nil, []int64{f.demo.CovidSystemID}
		c2 := f.open(f.user("admin"), nc2, now)
		items = f.items(c2.ID)
		if _, ok := items[u3.ID]; !ok {
			t.Error("a national campaign left out 부산")
		}
		if it := items[u4.ID]; it.EscalatedAt.IsZero() || it.ReviewerInstitutionID != lonely.ID {
			t.Errorf("item at a centre without approver = %+v, want escalated", it)
		}
		// The approvers' own grants are reviewed by their province.
		if it := items[f.user("approver11110").ID]; it.ReviewerInstitutionID != f.inst("PR-11").ID || !it.EscalatedAt.IsZero() {
			t.Errorf("an approver's item = %+v, want routed to 서울특별시", it)
		}
	})
}

func TestDecide(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		now := t0.Add(time.Hour)
		role := f.demo.UserRoleID
		u1, _ := f.holder("91111001", role)
		u2, g2 := f.holder("91111002", role)
		admin := f.user("admin")
		c := f.open(admin, review.NewCampaign{Name: "점검", SystemIDs: []int64{f.demo.CovidSystemID}, JurisdictionIDs: []int64{f.inst("PR-11").ID},
			StartsAt: now.Add(time.Hour), Deadline: now.AddDate(0, 0, 14), DeadlineAction: domain.ReviewKeep, KeepNeedsNote: true}, now)
		items := f.items(c.ID)
		appr := f.user("approver11110")
		it1, it2 := items[u1.ID], items[u2.ID]

		_, err := f.decide(appr, review.Decision{ItemID: it1.ID, Keep: true, Note: "계속 근무"}, now)
		wantErr(t, "before the start", err, review.ErrCampaignNotActive)
		now = now.Add(2 * time.Hour)

		// What the approver sees: the two holders of 종로구, not their own.
		rv, err := review.ReviewerOf(f.ctx, f.st, appr, now)
		if err != nil {
			t.Fatal(err)
		}
		seen, _, err := f.st.ListReviewItems(f.ctx, rv.Filter(c.ID))
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) != 2 || seen[0].UserID+seen[1].UserID != u1.ID+u2.ID {
			t.Errorf("the approver sees %+v", seen)
		}

		_, err = f.decide(appr, review.Decision{ItemID: it1.ID, Keep: true}, now)
		wantErr(t, "keep without the note the campaign asks", err, review.ErrNoteRequired)
		if _, err := f.decide(appr, review.Decision{ItemID: it1.ID, Keep: true, Note: "계속 근무"}, now); err != nil {
			t.Fatal(err)
		}
		_, err = f.decide(appr, review.Decision{ItemID: it1.ID, Keep: false, Note: "x"}, now)
		wantErr(t, "a second decision", err, review.ErrAlreadyDecided)
		_, err = f.decide(appr, review.Decision{ItemID: it2.ID}, now)
		wantErr(t, "revoke without a reason", err, review.ErrReasonRequired)
		_, err = f.decide(f.user("approver11140"), review.Decision{ItemID: it2.ID, Note: "퇴사"}, now)
		wantErr(t, "another centre's approver", err, review.ErrNotYours)

		d, err := f.decide(appr, review.Decision{ItemID: it2.ID, Note: "퇴사 확인"}, now)
		if err != nil {
			t.Fatal(err)
		}
		if d.Decision != domain.ReviewRevoked || d.DecidedBy != appr.ID || d.Note != "퇴사 확인" || d.Automatic {
			t.Errorf("decided item = %+v", d)
		}
		g := f.grantOf(u2, role)
		if g.ID != g2.ID || !g.RevokedAt.Equal(now) || g.RevokeReason != domain.ReviewRevokeReason || g.RevokedBy != appr.ID {
			t.Errorf("grant after revoke = %+v", g)
		}
		if ev := f.events("grant.revoke", "grant", g2.ID); len(ev) != 1 || ev[0].ActorID != appr.ID || !strings.Contains(ev[0].Detail, `"via":"review"`) {
			t.Errorf("grant.revoke events = %+v", ev)
		}
		if ev := f.events("review.decide", "review_item", it2.ID); len(ev) != 1 {
			t.Errorf("review.decide events = %+v", ev)
		}
		if m := f.mail("review.revoked", u2.Email); len(m) != 1 || !strings.Contains(m[0].Body, "퇴사 확인") || !strings.Contains(m[0].Body, "종로구보건소") {
			t.Errorf("revocation notice = %+v", m)
		}

		// Nobody reviews their own grant: the approver's own item is the
		// province's.
		own := items[appr.ID]
		_, err = f.decide(appr, review.Decision{ItemID: own.ID, Keep: true, Note: "본인"}, now)
		wantErr(t, "one's own grant", err, review.ErrOwnGrant)
		if _, err := f.decide(f.user("admin11"), review.Decision{ItemID: own.ID, Keep: true, Note: "확인"}, now); err != nil {
			t.Errorf("the province administrator on an approver's grant: %v", err)
		}

		// Bulk: what can be decided is, the rest is reported.
		u5, _ := f.holder("91111001", f.demo.AutoReportRoleID)
		c2 := f.open(admin, review.NewCampaign{Name: "자동보고", RoleIDs: []int64{f.demo.AutoReportRoleID}, Deadline: now.AddDate(0, 0, 7),
			DeadlineAction: domain.ReviewKeep}, now)
		it5 := f.items(c2.ID)[u5.ID]
		out := review.DecideAll(f.ctx, f.st, appr, clientAddr, []review.Decision{{ItemID: it5.ID, Keep: true}, {ItemID: it1.ID, Keep: true}, {ItemID: 99999, Keep: true}}, notices, now)
		if out[0].Err != nil || out[1].Err != review.ErrAlreadyDecided || out[2].Err != review.ErrItemNotFound {
			t.Errorf("bulk outcomes = %+v", out)
		}
		prog, err := f.st.ReviewProgress(f.ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range prog {
			if p.ReviewerInstitutionID == f.inst("HC-11110").ID && (p.Kept != 1 || p.Revoked != 1 || p.Open != 0) {
				t.Errorf("종로구보건소 progress = %+v", p)
			}
		}
	})
}

func TestSweepRemindersAndDeadlines(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		start := t0.Add(time.Hour)
		deadline := start.AddDate(0, 0, 14)
		role := f.demo.UserRoleID
		u1, g1 := f.holder("91111001", role) // 종로구
		u2, _ := f.holder("91114001", role)  // 중구
		admin := f.user("admin")
		appr := f.user("approver11110")
		appr2 := f.user("approver11140")
		c := f.open(admin, review.NewCampaign{Name: "회수 점검", RoleIDs: []int64{role, f.demo.ApproverRoleID},
			JurisdictionIDs: []int64{f.inst("HC-11110").ID, f.inst("HC-11140").ID}, Deadline: deadline,
			DeadlineAction: domain.ReviewRevoke}, start)
		// 중구 gets a second approver: of the two, the deadline may take one.
		extra, _ := f.holder("HC-11140", f.demo.ApproverRoleID)
		if c.Items != 4 {
			// u1, u2 and the two centres' approvers; extra was granted
			// after the campaign opened.
			t.Fatalf("campaign has %d items, want 4", c.Items)
		}

		sweep := func(now time.Time) review.SweepResult {
			t.Helper()
			res, err := review.Sweep(f.ctx, f.st, notices, now)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		if res := sweep(deadline.AddDate(0, 0, -8)); res != (review.SweepResult{}) {
			t.Errorf("sweep at D-8 = %+v, want nothing", res)
		}
		d7 := deadline.AddDate(0, 0, -7)
		res := sweep(d7)
		if res.Reminded == 0 {
			t.Fatalf("sweep at D-7 = %+v, want reminders", res)
		}
		if m := f.mail("review.reminder", appr.Email); len(m) != 1 || !strings.Contains(m[0].Subject, "D-7") || !strings.Contains(m[0].Body, "1건") {
			t.Errorf("D-7 reminder to 종로구's approver = %+v", m)
		}
		if res := sweep(d7.Add(time.Minute)); res.Reminded != 0 {
			t.Errorf("a second sweep at D-7 reminded again: %+v", res)
		}
		// 종로구 decides its item; D-3 reminds 중구 only.
		if _, err := f.decide(appr, review.Decision{ItemID: f.items(c.ID)[u1.ID].ID, Keep: true}, d7.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		sweep(deadline.AddDate(0, 0, -3))
		if m := f.mail("review.reminder", appr.Email); len(m) != 1 {
			t.Errorf("종로구's approver, with nothing open, got %d reminders", len(m))
		}
		if m := f.mail("review.reminder", appr2.Email); len(m) != 2 || !strings.Contains(m[0].Subject, "D-3") {
			t.Errorf("중구's approver got %+v", m)
		}

		// The deadline: u2's grant goes; approver11110, the only approver
		// of 종로구보건소, is escalated, not revoked (the guard).
		res = sweep(deadline)
		if res.Closed != 1 || res.Revoked != 2 || res.Escalated != 1 {
			t.Errorf("deadline sweep = %+v, want 1 closed, 2 revoked (u2, one of 중구's approvers), 1 escalated", res)
		}
		items := f.items(c.ID)
		if it := items[u2.ID]; it.Decision != domain.ReviewRevoked || !it.Automatic || it.DecidedBy != 0 {
			t.Errorf("u2's item after the deadline = %+v", it)
		}
		if g := f.grantOf(u2, role); g.RevokedAt.IsZero() || g.RevokeReason != domain.ReviewRevokeReason {
			t.Errorf("u2's grant after the deadline = %+v", g)
		}
		if it := items[appr.ID]; !it.Open() || it.EscalatedAt.IsZero() {
			t.Errorf("the last approver's item = %+v, want open and escalated", it)
		}
		if g := f.grantOf(appr, f.demo.ApproverRoleID); !g.RevokedAt.IsZero() {
			t.Error("the deadline revoked 종로구보건소's last approver")
		}
		if g := f.grantOf(u1, role); g.ID != g1.ID || !g.RevokedAt.IsZero() {
			t.Error("a kept grant was revoked")
		}
		// 중구보건소 keeps an active approver.
		active := 0
		for _, u := range []domain.User{appr2, extra} {
			if g := f.grantOf(u, f.demo.ApproverRoleID); g.RevokedAt.IsZero() {
				active++
			}
		}
		if active == 0 {
			t.Error("the deadline left 중구보건소 without an approver")
		}
		if res := sweep(deadline.Add(time.Minute)); res != (review.SweepResult{}) {
			t.Errorf("a second deadline sweep = %+v", res)
		}
		// The escalated item stays decidable by the province.
		if _, err := f.decide(f.user("admin11"), review.Decision{ItemID: items[appr.ID].ID, Keep: true}, deadline.Add(time.Hour)); err != nil {
			t.Errorf("the province on an escalated item after the deadline: %v", err)
		}
	})
}

func TestSweepKeepAndEscalate(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		start := t0.Add(time.Hour)
		role := f.demo.UserRoleID
		u1, _ := f.holder("91111001", role)
		admin := f.user("admin")
		keep := f.open(admin, review.NewCampaign{Name: "유지", RoleIDs: []int64{role}, Deadline: start.AddDate(0, 0, 2),
			ReminderDays: []int{}, DeadlineAction: domain.ReviewKeep}, start)
		esc := f.open(admin, review.NewCampaign{Name: "이관", RoleIDs: []int64{role}, Deadline: start.AddDate(0, 0, 3),
			ReminderDays: []int{}, DeadlineAction: domain.ReviewEscalate}, start)
		res, err := review.Sweep(f.ctx, f.st, notices, start.AddDate(0, 0, 2))
		if err != nil {
			t.Fatal(err)
		}
		if res.Closed != 1 || res.Kept != 1 || res.Reminded != 0 {
			t.Errorf("sweep at the first deadline = %+v", res)
		}
		if it := f.items(keep.ID)[u1.ID]; it.Decision != domain.ReviewKept || !it.Automatic {
			t.Errorf("kept item = %+v", it)
		}
		res, err = review.Sweep(f.ctx, f.st, notices, start.AddDate(0, 0, 3))
		if err != nil {
			t.Fatal(err)
		}
		if res.Closed != 1 || res.Escalated != 1 {
			t.Errorf("sweep at the second deadline = %+v", res)
		}
		it := f.items(esc.ID)[u1.ID]
		if !it.Open() || it.EscalatedAt.IsZero() {
			t.Errorf("escalated item = %+v", it)
		}
		c, err := f.st.GetReviewCampaign(f.ctx, esc.ID)
		if err != nil || c.ClosedAt.IsZero() {
			t.Errorf("campaign after its deadline = %+v, %v", c, err)
		}
		if _, err := f.decide(f.user("admin11"), review.Decision{ItemID: it.ID, Note: "미사용", Keep: false}, start.AddDate(0, 0, 4)); err != nil {
			t.Errorf("the province deciding an escalated item: %v", err)
		}
	})
}
