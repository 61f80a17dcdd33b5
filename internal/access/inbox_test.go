package access_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

func TestScopeOf(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		d := f.demo
		scope := func(u domain.User) access.Scope {
			sc, err := access.ScopeOf(f.ctx, f.st, u, t0)
			if err != nil {
				t.Fatal(err)
			}
			return sc
		}
		sc := scope(f.user("approver11110"))
		slices.Sort(sc.Direct)
		if !sc.Any() || sc.Institution.Code != "HC-11110" || sc.National || len(sc.Escalated) != 0 ||
			!slices.Equal(sc.Direct, sortedIDs(d.UserRoleID, d.AutoReportRoleID)) {
			t.Errorf("approver scope %+v", sc)
		}
		sc = scope(f.user("admin11"))
		if !slices.Equal(sc.Direct, []int64{d.ApproverRoleID}) || !slices.Contains(sc.Escalated, d.UserRoleID) ||
			!slices.Contains(sc.Escalated, d.AutoReportRoleID) || sc.National {
			t.Errorf("province admin scope %+v", sc)
		}
		if len(sc.Centres) != 25 || !slices.Contains(sc.Centres, f.inst("HC-11110").ID) || slices.Contains(sc.Centres, f.inst("HC-30110").ID) {
			t.Errorf("Seoul admin's centres: %d, %v", len(sc.Centres), sc.Centres)
		}
		if sc = scope(f.user("admin")); !sc.National {
			t.Errorf("national admin scope %+v", sc)
		}
		// No approver role, or not active: no scope.
		clinic := f.newUser("clinic1", "김의사", "91111001", domain.UserActive, domain.CertPersonal)
		f.grant(clinic, d.UserRoleID)
		if sc = scope(clinic); sc.Any() {
			t.Errorf("clinic user scope %+v", sc)
		}
		locked := f.user("approver11140")
		locked.Status = domain.UserLocked
		if sc = scope(locked); sc.Any() {
			t.Errorf("locked approver scope %+v", sc)
		}
	})
}

func sortedIDs(ids ...int64) []int64 { slices.Sort(ids); return ids }

// TestInbox: pending requests addressed to the approver's institution,
// oldest first, with what the approver needs; history with filters.
func TestInbox(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		d := f.demo
		kim := f.newUser("kimdoc", "김의사", "91111001", domain.UserPending, domain.CertPersonal)
		lee := f.newUser("leenurse", "이간호", "91111002", domain.UserPending, domain.CertPersonal)
		park := f.newUser("parkclerk", "박사무", "91111002", domain.UserPending, domain.CertInstitution)
		choi := f.newUser("choidoc", "최의사", "91114001", domain.UserPending, domain.CertPersonal)
		// Created newest first, to see the inbox sort them.
		r3 := f.request(park, d.AutoReportRoleID, "HC-11110", "", t0.Add(3*time.Hour))
		r2 := f.request(lee, d.UserRoleID, "HC-11110", "", t0.Add(2*time.Hour))
		r1 := f.request(kim, d.UserRoleID, "HC-11110", "예방접종 등록 담당자입니다", t0.Add(time.Hour))
		f.request(choi, d.UserRoleID, "HC-11140", "", t0)

		approver := f.user("approver11110")
		sc, err := access.ScopeOf(f.ctx, f.st, approver, t0)
		if err != nil {
			t.Fatal(err)
		}
		now := t0.Add(5 * time.Hour)
		items, total, err := access.Inbox(f.ctx, f.st, sc, access.InboxFilter{Status: domain.RequestPending}, now)
		if err != nil {
			t.Fatal(err)
		}
		if total != 3 || len(items) != 3 || items[0].Request.ID != r1.ID || items[1].Request.ID != r2.ID || items[2].Request.ID != r3.ID {
			t.Fatalf("inbox %d items (total %d): %v, want %d %d %d", len(items), total, reqIDs(items), r1.ID, r2.ID, r3.ID)
		}
		it := items[0]
		if it.Applicant.Name != "김의사" || it.Institution.Name != "행복내과의원" || it.Approver.Code != "HC-11110" ||
			it.Role.ID != d.UserRoleID || it.System.ID != d.CovidSystemID || it.Waiting != 4*time.Hour ||
			it.Request.Justification != "예방접종 등록 담당자입니다" {
			t.Errorf("first item %+v", it)
		}
		if it.Cert == nil || it.Cert.Class != domain.CertPersonal || !it.Cert.NotAfter.Equal(t0.AddDate(1, 0, 0)) {
			t.Errorf("first item's certificate %+v", it.Cert)
		}
		if items[2].Cert == nil || items[2].Cert.Class != domain.CertInstitution {
			t.Errorf("third item's certificate %+v", items[2].Cert)
		}
		// Paging keeps the order.
		page, total, _ := access.Inbox(f.ctx, f.st, sc, access.InboxFilter{Status: domain.RequestPending, Page: store.Page{Offset: 1, Limit: 1}}, now)
		if total != 3 || len(page) != 1 || page[0].Request.ID != r2.ID {
			t.Errorf("page 2 of 1: %v (total %d)", reqIDs(page), total)
		}
		// Another centre's approver sees only its own.
		sc2, _ := access.ScopeOf(f.ctx, f.st, f.user("approver11140"), t0)
		other, _, _ := access.Inbox(f.ctx, f.st, sc2, access.InboxFilter{Status: domain.RequestPending}, now)
		if len(other) != 1 || other[0].Applicant.ID != choi.ID {
			t.Errorf("centre B's inbox %v", reqIDs(other))
		}
		// A scope of nothing lists nothing.
		none, n, err := access.Inbox(f.ctx, f.st, access.Scope{}, access.InboxFilter{Status: domain.RequestPending}, now)
		if err != nil || n != 0 || len(none) != 0 {
			t.Errorf("empty scope lists %d, %v", n, err)
		}

		// History: decide two, then filter.
		if _, _, err := f.decide(approver, r1.ID, true, "", t0.Add(6*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.decide(approver, r2.ID, false, "재직 확인 필요", t0.Add(7*time.Hour)); err != nil {
			t.Fatal(err)
		}
		later := t0.Add(8 * time.Hour)
		hist := func(flt access.InboxFilter) []int64 {
			items, _, err := access.Inbox(f.ctx, f.st, sc, flt, later)
			if err != nil {
				t.Fatal(err)
			}
			return reqIDs(items)
		}
		if got := hist(access.InboxFilter{Status: domain.RequestApproved}); !slices.Equal(got, []int64{r1.ID}) {
			t.Errorf("approved: %v", got)
		}
		items, _, _ = access.Inbox(f.ctx, f.st, sc, access.InboxFilter{Status: domain.RequestRejected}, later)
		if len(items) != 1 || items[0].Request.ID != r2.ID || items[0].Decider != approver.Name || items[0].Request.Reason != "재직 확인 필요" {
			t.Errorf("rejected: %+v", items)
		}
		// All statuses: newest first.
		if got := hist(access.InboxFilter{}); !slices.Equal(got, []int64{r3.ID, r2.ID, r1.ID}) {
			t.Errorf("all, newest first: %v", got)
		}
		if got := hist(access.InboxFilter{RoleID: d.AutoReportRoleID}); !slices.Equal(got, []int64{r3.ID}) {
			t.Errorf("by role: %v", got)
		}
		if got := hist(access.InboxFilter{Applicant: "이간"}); !slices.Equal(got, []int64{r2.ID}) {
			t.Errorf("by applicant name: %v", got)
		}
		if got := hist(access.InboxFilter{Applicant: "parkcl"}); !slices.Equal(got, []int64{r3.ID}) {
			t.Errorf("by applicant login ID: %v", got)
		}
		if got := hist(access.InboxFilter{From: t0.Add(90 * time.Minute), To: t0.Add(150 * time.Minute)}); !slices.Equal(got, []int64{r2.ID}) {
			t.Errorf("by date: %v", got)
		}

		// The applicant filter is part of the query: a match behind more
		// than store.MaxLimit newer requests is found and counted, in any
		// case; LIKE's wildcards are literal.
		jung := f.newUser("jungother", "정다른", "91111001", domain.UserPending, domain.CertPersonal)
		err = f.st.InTx(f.ctx, func(q store.Queries) error {
			for i := range store.MaxLimit + 5 {
				at := later.Add(time.Duration(i) * time.Second)
				r := domain.RoleRequest{UserID: jung.ID, RoleID: d.UserRoleID, ApproverInstitutionID: f.inst("HC-11110").ID,
					Status: domain.RequestRejected, Reason: "테스트", CreatedAt: at, DecidedAt: at, DeciderID: approver.ID}
				if err := q.CreateRequest(f.ctx, &r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		end := later.Add(time.Hour)
		items, total, err = access.Inbox(f.ctx, f.st, sc, access.InboxFilter{History: true, Applicant: " KIMDOC ", Page: store.Page{Limit: 20}}, end)
		if err != nil || total != 1 || !slices.Equal(reqIDs(items), []int64{r1.ID}) {
			t.Errorf("oldest decided request by applicant: %v (total %d), %v; want [%d]", reqIDs(items), total, err, r1.ID)
		}
		items, total, _ = access.Inbox(f.ctx, f.st, sc, access.InboxFilter{History: true, Applicant: "다른", Page: store.Page{Offset: 500, Limit: 20}}, end)
		if total != store.MaxLimit+5 || len(items) != 5 {
			t.Errorf("the other applicant's last page: %d items, total %d; want 5 of %d", len(items), total, store.MaxLimit+5)
		}
		if items, total, _ = access.Inbox(f.ctx, f.st, sc, access.InboxFilter{History: true, Applicant: "%"}, end); total != 0 || len(items) != 0 {
			t.Errorf("applicant %%: %v (total %d), want none", reqIDs(items), total)
		}
	})
}

func reqIDs(items []access.InboxItem) []int64 {
	var out []int64
	for _, it := range items {
		out = append(out, it.Request.ID)
	}
	return out
}
