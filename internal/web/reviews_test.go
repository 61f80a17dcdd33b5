package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// TestReviewsPages: a national administrator opens a campaign from the
// form; the approver of 종로구보건소 sees the holders and decides them in
// bulk; the progress page and the CSV export show the outcome.
func TestReviewsPages(t *testing.T) {
	e := newSeededEnv(t, nil)
	now := e.clock.Now()
	var holders []domain.User
	for i, name := range []string{"김유지", "이회수", "박회수"} {
		u, _ := e.accountAt("rv"+strconv.Itoa(i), name, "91111001", domain.UserActive, domain.CertPersonal)
		if err := e.s.store.CreateGrant(e.ctx, &domain.Grant{UserID: u.ID, RoleID: e.demo.UserRoleID, GrantedAt: now.Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
		holders = append(holders, u)
	}
	admin := e.signedIn(e.demoAccount("admin"))
	res, body := admin.getPage("/admin/reviews")
	wantStatus(t, "GET /admin/reviews", res, body, http.StatusOK)
	if !strings.Contains(body, "새 정기 권한 점검") {
		t.Fatalf("no campaign form:\n%s", body)
	}
	form := url.Values{"name": {"2026년 1분기 정기 점검"}, "role": {strconv.FormatInt(e.demo.UserRoleID, 10)},
		"deadline": {now.In(kst).AddDate(0, 0, 10).Format("2006-01-02")}, "reminders": {"7,3,1"}, "action": {"revoke"}}
	bad := url.Values{"name": {"x"}, "deadline": form["deadline"], "action": {"revoke"}}
	res, body = admin.postForm("/admin/reviews", bad)
	wantStatus(t, "a campaign without roles", res, body, http.StatusBadRequest)
	if !strings.Contains(body, "하나 이상 선택하세요") {
		t.Errorf("the refusal does not say why:\n%s", body)
	}
	res, body = admin.postForm("/admin/reviews", form)
	wantStatus(t, "POST /admin/reviews", res, body, http.StatusSeeOther)
	loc := res.Header.Get("Location")
	res, body = admin.getPage(loc)
	wantStatus(t, "GET "+loc, res, body, http.StatusOK)
	if !strings.Contains(body, "<svg") || !strings.Contains(body, "종로구보건소") {
		t.Errorf("progress page lacks the chart or the centre:\n%s", body)
	}
	cs, _, err := e.s.store.ListReviewCampaigns(e.ctx, store.ReviewCampaignFilter{})
	if err != nil || len(cs) != 1 {
		t.Fatalf("campaigns: %v %v", cs, err)
	}
	c := cs[0]

	// Not a reviewer: refused.
	clerk, kid := e.accountAt("clerk11110", "최직원", "HC-11110", domain.UserActive, domain.CertPersonal)
	res, body = e.signedIn(clerk, kid).getPage("/reviews")
	wantStatus(t, "a clerk on /reviews", res, body, http.StatusForbidden)

	appr := e.signedIn(e.demoAccount("approver11110"))
	res, body = appr.getPage("/reviews")
	wantStatus(t, "GET /reviews", res, body, http.StatusOK)
	for _, u := range holders {
		if !strings.Contains(body, esc(u.Name)) {
			t.Errorf("the reviewer's page lacks %s", u.Name)
		}
	}
	items, _, err := e.s.store.ListReviewItems(e.ctx, store.ReviewItemFilter{CampaignID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	byUser := map[int64]int64{}
	for _, it := range items {
		byUser[it.UserID] = it.ID
	}
	ids := func(us ...domain.User) []string {
		var out []string
		for _, u := range us {
			out = append(out, strconv.FormatInt(byUser[u.ID], 10))
		}
		return out
	}
	res, body = appr.postForm("/reviews/decide", url.Values{"action": {"revoke"}, "id": ids(holders[1], holders[2]), "campaign": {strconv.FormatInt(c.ID, 10)}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "회수 사유를 입력하세요") {
		t.Errorf("revoke without a reason: %d", res.StatusCode)
	}
	res, body = appr.postForm("/reviews/decide", url.Values{"action": {"revoke"}, "note": {"퇴사"}, "id": ids(holders[1], holders[2])})
	wantStatus(t, "bulk revoke", res, body, http.StatusOK)
	if strings.Count(body, "회수하였습니다.") != 2 {
		t.Errorf("bulk revoke results:\n%s", body)
	}
	res, body = appr.postForm("/reviews/decide", url.Values{"action": {"keep"}, "id": ids(holders[0])})
	wantStatus(t, "keep", res, body, http.StatusOK)
	for i, u := range holders {
		g, err := e.s.store.ListGrants(e.ctx, store.GrantFilter{UserID: u.ID, ActiveAt: e.clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if (i == 0) != (len(g) == 1) {
			t.Errorf("holder %d has %d active grants", i, len(g))
		}
	}

	res, body = admin.send("GET", "/admin/reviews/"+strconv.FormatInt(c.ID, 10), nil, http.Header{"Accept": {"application/json"}})
	wantStatus(t, "progress JSON", res, body, http.StatusOK)
	if !strings.Contains(body, `"kept":1`) || !strings.Contains(body, `"revoked":2`) {
		t.Errorf("progress JSON = %s", body)
	}
	res, body = admin.getPage("/admin/reviews/" + strconv.FormatInt(c.ID, 10) + "/export.csv")
	wantStatus(t, "CSV export", res, body, http.StatusOK)
	if !strings.Contains(body, "holder_login_id") || !strings.Contains(body, "rv1") || strings.Contains(body, "이회수") || strings.Count(body, ",revoke,") != 2 {
		t.Errorf("CSV export:\n%s", body)
	}
	// A province administrator does not see a national campaign.
	prov := e.signedIn(e.demoAccount("admin11"))
	res, body = prov.getPage("/admin/reviews/" + strconv.FormatInt(c.ID, 10))
	wantStatus(t, "a province administrator on a national campaign", res, body, http.StatusNotFound)
}

// TestAccessReportPage: the page shows the month's counts (the same as
// "gwanmun audit report") and records the sign-off in the audit chain.
func TestAccessReportPage(t *testing.T) {
	e := newSeededEnv(t, nil)
	appr, _ := e.demoAccount("approver11110")
	subj, _ := e.accountAt("subj1", "대상자", "91111001", domain.UserActive, domain.CertPersonal)
	for _, at := range []time.Time{time.Date(2026, 2, 3, 1, 0, 0, 0, time.UTC), time.Date(2026, 2, 3, 14, 0, 0, 0, time.UTC)} {
		if err := e.s.store.LogPersonalDataAccess(e.ctx, &domain.PersonalDataAccess{At: at, ActorID: appr.ID, SubjectID: subj.ID,
			SubjectInstitutionID: subj.InstitutionID, Purpose: "권한 확인"}); err != nil {
			t.Fatal(err)
		}
	}
	prov := e.signedIn(e.demoAccount("admin11"))
	// The clock is 2026-03-01: the default month is February.
	res, body := prov.getPage("/admin/access-log/report")
	wantStatus(t, "GET report", res, body, http.StatusOK)
	if !strings.Contains(body, `<dd id="report-views">2</dd>`) || !strings.Contains(body, `<dd id="report-night">1</dd>`) || !strings.Contains(body, "야간 접속") {
		t.Errorf("report page:\n%s", body)
	}
	res, body = prov.postForm("/admin/access-log/report/signoff", url.Values{"month": {"2026-02"}, "comment": {"확인함"}})
	wantStatus(t, "sign-off", res, body, http.StatusSeeOther)
	evs, err := e.s.store.ListAudit(e.ctx, store.AuditFilter{Action: "accesslog.signoff"})
	if err != nil || len(evs) != 1 || evs[0].TargetID != "2026-02/PR-11" || !strings.Contains(evs[0].Detail, `"views":2`) {
		t.Fatalf("sign-off events = %+v, %v", evs, err)
	}
	res, body = prov.getPage(res.Header.Get("Location"))
	if !strings.Contains(body, "점검 완료를 감사 로그에 기록했습니다") || !strings.Contains(body, "#"+strconv.FormatInt(evs[0].Seq, 10)) {
		t.Errorf("page after the sign-off:\n%s", body)
	}
}
