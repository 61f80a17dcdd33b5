package review_test

import (
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/review"
)

func TestMonthlyReport(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		appr := f.user("approver11110")
		admin := f.user("admin11")
		inside, _ := f.holder("91111001", f.demo.UserRoleID)
		busan := f.demo.HealthCentres[len(f.demo.HealthCentres)-1]
		outside := domain.User{LoginID: "busan1", Name: "부산", InstitutionID: busan.ID, Status: domain.UserActive, Pseudonym: "p-b", CreatedAt: t0}
		if err := f.st.CreateUser(f.ctx, &outside); err != nil {
			t.Fatal(err)
		}
		kst := time.FixedZone("KST", 9*3600)
		day := time.Date(2026, 3, 10, 14, 0, 0, 0, kst)
		log := func(actor, subject domain.User, at time.Time, purpose string) {
			t.Helper()
			a := domain.PersonalDataAccess{At: at, ActorID: actor.ID, SubjectID: subject.ID, SubjectInstitutionID: subject.InstitutionID, Purpose: purpose}
			if err := f.st.LogPersonalDataAccess(f.ctx, &a); err != nil {
				t.Fatal(err)
			}
		}
		log(appr, inside, day, "권한 승인 확인")
		log(appr, inside, day.Add(time.Hour), "권한 승인 확인")
		log(appr, inside, time.Date(2026, 3, 11, 23, 30, 0, 0, kst), "야간 확인")
		log(appr, outside, day, "문의 응대")
		for i := range 3 {
			log(admin, inside, day.Add(time.Duration(i)*time.Minute), "[API 토큰 #1 연계] 동기화")
		}
		log(appr, inside, time.Date(2026, 4, 1, 0, 30, 0, 0, kst), "다음 달") // April in KST
		log(appr, inside, time.Date(2026, 2, 28, 23, 59, 0, 0, kst), "지난 달")

		cfg := review.ReportConfig{ManyExports: 3}
		r, err := review.MonthlyReport(f.ctx, f.st, "2026-03", domain.Institution{}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Rows) != 2 || r.Total.Counts.Views != 4 || r.Total.Counts.Exports != 3 || r.Flagged != 2 {
			t.Fatalf("report = %+v", r)
		}
		rows := map[int64]review.ReportRow{}
		for _, row := range r.Rows {
			rows[row.Actor.ID] = row
		}
		a := rows[appr.ID]
		if a.Counts.Views != 4 || a.Counts.Exports != 0 || a.Counts.Night != 1 || a.Counts.Outside != 1 || a.Counts.Subjects != 2 {
			t.Errorf("approver's counts = %+v", a.Counts)
		}
		if len(a.Flags) != 2 || a.Flags[0] != review.FlagNight || a.Flags[1] != review.FlagOutside {
			t.Errorf("approver's flags = %v", a.Flags)
		}
		if len(a.Purposes) != 3 || a.Purposes[0].Purpose != "권한 승인 확인" || a.Purposes[0].Count != 2 {
			t.Errorf("approver's purposes = %+v", a.Purposes)
		}
		// The province administrator's exports: inside the province, by day.
		if b := rows[admin.ID]; b.Counts.Exports != 3 || b.Counts.Outside != 0 || len(b.Flags) != 1 || b.Flags[0] != review.FlagManyExports {
			t.Errorf("administrator's row = %+v", b)
		}
		// Scoped to 서울: the 부산 subject's entry is not in it.
		seoul := f.inst("PR-11")
		r2, err := review.MonthlyReport(f.ctx, f.st, "2026-03", seoul, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if r2.Total.Counts.Views != 3 || r2.Total.Counts.Outside != 0 {
			t.Errorf("서울's report = %+v", r2.Total)
		}
		if _, err := review.MonthlyReport(f.ctx, f.st, "2026-13", seoul, cfg); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("month 13: %v", err)
		}
		// The sign-off is chained in the audit log.
		if err := review.SignOff(f.ctx, f.st, admin, clientAddr, r2, "이상 없음", day.AddDate(0, 1, 0)); err != nil {
			t.Fatal(err)
		}
		so, err := review.SignOffs(f.ctx, f.st, "2026-03", seoul)
		if err != nil {
			t.Fatal(err)
		}
		if len(so) != 1 || so[0].ActorID != admin.ID || so[0].Seq == 0 || so[0].TargetID != "2026-03/PR-11" {
			t.Errorf("sign-offs = %+v", so)
		}
		if other, _ := review.SignOffs(f.ctx, f.st, "2026-03", domain.Institution{}); len(other) != 0 {
			t.Errorf("the national report shows the province's sign-off")
		}
	})
}
