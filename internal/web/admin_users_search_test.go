package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// TestAdminUsersShortQuery: one or two characters find users by the start
// of the name, the given name or the login ID, and the page says so.
func TestAdminUsersShortQuery(t *testing.T) {
	e := newSeededEnv(t, nil)
	e.accountAt("kimdoc", "김의사", "91111001", domain.UserActive, domain.CertPersonal)
	e.accountAt("parkdoc", "박의사", "91111001", domain.UserActive, domain.CertPersonal)
	e.accountAt("leenurse", "이간호사", "91111001", domain.UserActive, domain.CertPersonal)
	nat, natc := e.demoAccount("admin")
	c := e.signedIn(nat, natc)

	res, body := c.getPage("/admin/users")
	wantStatus(t, "users page", res, body, http.StatusOK)
	if !strings.Contains(body, "한두 글자로는 이름, 성을 뺀 이름, 아이디의 앞부분이 같은 사용자를 찾고") ||
		!strings.Contains(body, `aria-describedby="f-q-help"`) {
		t.Errorf("the page does not explain short queries")
	}
	for _, tc := range []struct {
		q        string
		want     []string
		wantNot  []string
		describe string
	}{
		{"의사", []string{">kimdoc<", ">parkdoc<"}, []string{">leenurse<"}, "given name"},
		{"김의", []string{">kimdoc<"}, []string{">parkdoc<"}, "start of the name"},
		{"ki", []string{">kimdoc<"}, []string{">parkdoc<"}, "start of the login ID"},
		{"사", nil, []string{">kimdoc<", ">parkdoc<", ">leenurse<"}, "not inside the name"},
		{"간호사", []string{">leenurse<"}, []string{">kimdoc<"}, "three characters: anywhere"},
	} {
		_, body := c.getPage("/admin/users?q=" + url.QueryEscape(tc.q))
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("q=%s (%s): %s missing", tc.q, tc.describe, w)
			}
		}
		for _, w := range tc.wantNot {
			if strings.Contains(body, w) {
				t.Errorf("q=%s (%s): %s shown", tc.q, tc.describe, w)
			}
		}
	}

	c.getPage("/?lang=en")
	_, body = c.getPage("/admin/users")
	if !strings.Contains(body, "One or two characters find users whose name, given name") {
		t.Errorf("the English page does not explain short queries")
	}
}

// TestAdminUsersCappedTotal: beyond domain.UserCountCap matches the page
// says "10,000명 이상" and still pages on; the JSON answers say capped.
func TestAdminUsersCappedTotal(t *testing.T) {
	e := newSeededEnv(t, nil)
	centre := e.inst("HC-11110")
	now := e.clock.Now()
	err := e.s.store.InTx(e.ctx, func(q store.Queries) error {
		for i := 1; i <= domain.UserCountCap+1; i++ {
			u := domain.User{LoginID: fmt.Sprintf("cap%05d", i), Name: fmt.Sprintf("상한%05d", i), InstitutionID: centre.ID,
				Status: domain.UserActive, Pseudonym: fmt.Sprintf("p-cap%05d", i), CreatedAt: now, UpdatedAt: now}
			if err := q.CreateUser(e.ctx, &u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	nat, natc := e.demoAccount("admin")
	c := e.signedIn(nat, natc)

	res, body := c.getPage("/admin/users?q=" + url.QueryEscape("상한") + "&sort=login_id")
	wantStatus(t, "capped search", res, body, http.StatusOK)
	if !strings.Contains(body, "전체 건수: 10,000명 이상") || !strings.Contains(body, `rel="next"`) {
		t.Errorf("capped page: no \"10,000명 이상\" or no next page")
	}
	// The last page: page 501 holds cap10001 and offers no next page;
	// page 500 still offers one.
	_, body = c.getPage("/admin/users?q=" + url.QueryEscape("상한") + "&sort=login_id&page=501")
	if !strings.Contains(body, ">cap10001<") || strings.Contains(body, `rel="next"`) || !strings.Contains(body, `rel="prev"`) {
		t.Errorf("page 501: want cap10001, a previous and no next page")
	}
	_, body = c.getPage("/admin/users?q=" + url.QueryEscape("상한") + "&sort=login_id&page=500")
	if !strings.Contains(body, ">cap10000<") || !strings.Contains(body, `rel="next"`) {
		t.Errorf("page 500: want cap10000 and a next page")
	}
	// An exact total below the cap, with digits grouped.
	_, body = c.getPage("/admin/users?q=cap0999")
	if !strings.Contains(body, "전체 건수: 10<") {
		t.Errorf("uncapped total not shown")
	}
	_, body = c.getPage("/admin/users?q=cap")
	if !strings.Contains(body, "10,000명 이상") {
		t.Errorf("three-character search not capped")
	}

	// JSON of the page and of the API.
	res, body = c.send("GET", "/admin/users?q=cap", nil, http.Header{"Accept": {"application/json"}})
	var page struct {
		Total  int  `json:"total"`
		Capped bool `json:"total_capped"`
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil || res.StatusCode != 200 || page.Total != domain.UserCountCap || !page.Capped {
		t.Errorf("page JSON: %d %+v %v", res.StatusCode, page, err)
	}
	for _, tc := range []struct {
		q      string
		total  int
		capped bool
	}{{"cap", domain.UserCountCap, true}, {"cap0999", 10, false}} {
		res, body = c.getPage("/api/v1/users?q=" + tc.q)
		var api struct {
			Total       int   `json:"total"`
			TotalCapped *bool `json:"totalCapped"`
		}
		if err := json.Unmarshal([]byte(body), &api); err != nil || res.StatusCode != 200 || api.Total != tc.total ||
			api.TotalCapped == nil || *api.TotalCapped != tc.capped {
			t.Errorf("API q=%s: %d %s", tc.q, res.StatusCode, body[:min(len(body), 200)])
		}
	}

	c.getPage("/?lang=en")
	_, body = c.getPage("/admin/users")
	if !strings.Contains(body, "Total: 10,000&#43;<") { // html/template escapes "+"
		t.Errorf("English capped total not shown")
	}
}
