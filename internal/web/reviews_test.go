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
