package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// TestPopups: a national administrator publishes pop-up notices for
// everyone, logged-in users and a role's holders; the home page and
// 메뉴보기 show each to its audience within its period, as a modal with
// [오늘 하루 보지 않기] and [닫기]; ending one hides it.
func TestPopups(t *testing.T) {
	e := newSeededEnv(t, nil)
	adm, admc := e.demoAccount("admin")
	ac := e.signedIn(adm, admc)
	now := e.clock.Now().In(kst)
	form := func(title, aud string, role int64) url.Values {
		return url.Values{"title": {title}, "body": {title + " 내용"}, "starts": {now.Add(-time.Hour).Format("2006-01-02T15:04")},
			"ends": {now.Add(24 * time.Hour).Format("2006-01-02T15:04")}, "audience": {aud}, "role_id": {strconv.FormatInt(role, 10)}}
	}
	bad := form("기간 오류", "all", 0)
	bad.Set("ends", now.Add(-2*time.Hour).Format("2006-01-02T15:04"))
	res, body := ac.postForm("/admin/popups", bad)
	wantStatus(t, "ends before it starts", res, body, http.StatusBadRequest)
	for _, f := range []url.Values{form("전체 공지", "all", 0), form("로그인 공지", "logged_in", 0), form("승인자 공지", "role", e.demo.ApproverRoleID)} {
		res, body = ac.postForm("/admin/popups", f)
		wantRedirect(t, "publish "+f.Get("title"), res, body, "/admin/popups?msg=popup_added")
	}
	if e.auditCount("popup.create") != 3 {
		t.Error("publishing not audited")
	}
	ap, apc := e.demoAccount("approver11110")
	res, body = e.signedIn(ap, apc).postForm("/admin/popups", form("x", "all", 0))
	wantStatus(t, "publish by a non-administrator", res, body, http.StatusForbidden)

	shows := func(body string, titles ...string) string {
		var got []string
		for _, ti := range []string{"전체 공지", "로그인 공지", "승인자 공지"} {
			if strings.Contains(body, `>`+ti+`</h2>`) {
				got = append(got, ti)
			}
		}
		return strings.Join(got, ",")
	}
	anon := e.client()
	_, body = anon.getPage("/")
	if got := shows(body); got != "전체 공지" {
		t.Errorf("anonymous home shows %q", got)
	}
	if !strings.Contains(body, `data-popup-act="today"`) || !strings.Contains(body, "오늘 하루 보지 않기") || !strings.Contains(body, `aria-modal="true"`) ||
		!strings.Contains(body, "/static/js/popup") {
		t.Error("the pop-up is not a modal with its buttons and script")
	}
	_, body = anon.getPage("/signup")
	if shows(body) != "" {
		t.Error("pop-ups on a page other than home and 메뉴보기")
	}
	u, uc := e.accountAt("popupuser", "김팝업", clinicCode, domain.UserActive, domain.CertPersonal)
	_, body = e.signedIn(u, uc).getPage("/menu")
	if got := shows(body); got != "전체 공지,로그인 공지" {
		t.Errorf("a logged-in user's 메뉴보기 shows %q", got)
	}
	ac2 := e.signedIn(ap, apc)
	_, body = ac2.getPage("/menu")
	if got := shows(body); got != "전체 공지,로그인 공지,승인자 공지" {
		t.Errorf("an approver's 메뉴보기 shows %q", got)
	}

	ps, _ := e.s.store.ListPopups(e.ctx, time.Time{})
	var first int64
	for _, p := range ps {
		if p.Title == "전체 공지" {
			first = p.ID
		}
	}
	res, body = ac.postForm(fmt.Sprintf("/admin/popups/%d/end", first), nil)
	wantRedirect(t, "end", res, body, "/admin/popups?msg=popup_ended")
	_, body = anon.getPage("/")
	if shows(body) != "" {
		t.Error("an ended pop-up still shows")
	}
}
