package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// roleRadio finds the role options of the request form: ID and whether
// the option is disabled.
var roleRadio = regexp.MustCompile(`name="role_id" value="(\d+)"( disabled)?`)

func roleOptions(body string) map[int64]bool {
	out := map[int64]bool{}
	for _, m := range roleRadio.FindAllStringSubmatch(body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		out[id] = m[2] != ""
	}
	return out
}

// TestRolesRequestable: 신청가능 offers the roles the institution kind may
// ask for, not held or pending, with the jurisdiction's centre preselected.
func TestRolesRequestable(t *testing.T) {
	e := newSeededEnv(t, nil)
	d := e.demo
	u, cert := e.accountAt("clinic1", "김의사", "91111001", domain.UserActive, domain.CertPersonal)
	c := e.signedIn(u, cert)
	res, body := c.getPage("/account/roles?view=requestable")
	wantStatus(t, "GET requestable", res, body, http.StatusOK)
	opts := roleOptions(body)
	if len(opts) != 2 || !hasKeyWeb(opts, d.UserRoleID) || !hasKeyWeb(opts, d.AutoReportRoleID) || opts[d.UserRoleID] || opts[d.AutoReportRoleID] {
		t.Errorf("offered %v, want user-medical and auto-report, both enabled", opts)
	}
	hc := e.inst("HC-11110")
	// Health centres carry their province: "서울 종로구보건소".
	if !strings.Contains(body, fmt.Sprintf(`<option value="%d" selected>%s (관할)</option>`, hc.ID, hc.DisplayName())) || hc.DisplayName() != "서울 "+hc.Name {
		t.Error("jurisdiction centre not preselected")
	}
	if !strings.Contains(body, "<strong>"+hc.DisplayName()+"</strong>") {
		t.Error("jurisdiction centre not named")
	}

	// A pending request and a held role leave the list.
	e.fileRequest(u, d.UserRoleID, "HC-11110", "")
	_, body = c.getPage("/account/roles?view=requestable")
	if opts = roleOptions(body); len(opts) != 1 || !hasKeyWeb(opts, d.AutoReportRoleID) {
		t.Errorf("with user-medical pending: %v", opts)
	}
	if err := e.s.store.CreateGrant(e.ctx, &domain.Grant{UserID: u.ID, RoleID: d.AutoReportRoleID, GrantedAt: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	_, body = c.getPage("/account/roles?view=requestable")
	if opts = roleOptions(body); len(opts) != 0 || !strings.Contains(body, "신청할 수 있는 권한이 없습니다.") {
		t.Errorf("with everything pending or held: %v", opts)
	}

	// Logged in with an institution certificate: the personal-data role is
	// shown disabled with the reason.
	v, vcert := e.accountAt("clinic2", "행복내과의원", "91111001", domain.UserActive, domain.CertInstitution)
	_, body = e.signedIn(v, vcert).getPage("/account/roles?view=requestable")
	if opts = roleOptions(body); !opts[d.UserRoleID] || opts[d.AutoReportRoleID] {
		t.Errorf("institution certificate: %v, want user-medical disabled only", opts)
	}
	if !strings.Contains(body, "개인 공동인증서로 가입") {
		t.Error("no reason for the disabled role")
	}

	// A health-centre user is offered the approver role, to its province.
	w, wcert := e.accountAt("clerk11110", "최직원", "HC-11110", domain.UserActive, domain.CertPersonal)
	_, body = e.signedIn(w, wcert).getPage("/account/roles?view=requestable")
	if opts = roleOptions(body); len(opts) != 1 || !hasKeyWeb(opts, d.ApproverRoleID) {
		t.Errorf("health centre: %v, want approver-hc", opts)
	}
	if pr := e.inst("PR-11"); !strings.Contains(body, fmt.Sprintf(`<option value="%d" selected>%s (관할)</option>`, pr.ID, pr.Name)) {
		t.Error("health centre: province not preselected")
	}
}

func hasKeyWeb[K comparable, V any](m map[K]V, k K) bool { _, ok := m[k]; return ok }

// TestRolesRequestCancel: request a role, see it pending with the centre's
// phone, cancel it.
func TestRolesRequestCancel(t *testing.T) {
	e := newSeededEnv(t, nil)
	d := e.demo
	u, cert := e.accountAt("clinic1", "김의사", "91111001", domain.UserActive, domain.CertPersonal)
	c := e.signedIn(u, cert)
	hc, other := e.inst("HC-11110"), e.inst("HC-11140")
	form := func(roleID, apprID int64, confirm bool) url.Values {
		f := url.Values{"role_id": {strconv.FormatInt(roleID, 10)}, "approver_id": {strconv.FormatInt(apprID, 10)},
			"justification": {"접종 등록 담당"}}
		if confirm {
			f.Set("confirm_outside", "yes")
		}
		return f
	}

	// Outside the jurisdiction without the confirmation: refused, kept.
	res, body := c.postForm("/account/roles/request", form(d.UserRoleID, other.ID, false))
	wantStatus(t, "outside jurisdiction", res, body, http.StatusBadRequest)
	if !strings.Contains(body, "관할 기관이 아닙니다") || e.requestCount() != 0 {
		t.Errorf("outside jurisdiction: message missing or %d requests stored", e.requestCount())
	}
	if !strings.Contains(body, fmt.Sprintf(`<option value="%d" selected>`, other.ID)) || !strings.Contains(body, "접종 등록 담당") {
		t.Error("the refused form lost the user's choices")
	}
	// Personal-data role with an institution certificate session.
	v, vcert := e.accountAt("clinic2", "행복내과의원", "91111001", domain.UserActive, domain.CertInstitution)
	vc := e.signedIn(v, vcert)
	res, body = vc.postForm("/account/roles/request", form(d.UserRoleID, hc.ID, false))
	wantStatus(t, "user-medical with an institution certificate", res, body, http.StatusForbidden)
	// Without CSRF token.
	res, _ = c.send("POST", "/account/roles/request", strings.NewReader(form(d.UserRoleID, hc.ID, false).Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	if res.StatusCode != http.StatusForbidden || e.requestCount() != 0 {
		t.Errorf("request without CSRF token: %d, %d requests", res.StatusCode, e.requestCount())
	}

	res, body = c.postForm("/account/roles/request", form(d.UserRoleID, hc.ID, false))
	wantRedirect(t, "request", res, body, "/account/roles?view=pending&done=requested")
	reqs, _, err := e.s.store.ListRequests(e.ctx, store.RequestFilter{UserID: u.ID})
	if err != nil || len(reqs) != 1 || reqs[0].ApproverInstitutionID != hc.ID || reqs[0].Justification != "접종 등록 담당" {
		t.Fatalf("stored requests %+v (%v)", reqs, err)
	}
	req := reqs[0]
	evs, _ := e.s.store.ListAudit(e.ctx, store.AuditFilter{Action: "request.create", TargetID: strconv.FormatInt(req.ID, 10)})
	if len(evs) != 1 || evs[0].ActorID != u.ID || evs[0].ClientAddr != c.addr {
		t.Errorf("request.create events %+v", evs)
	}
	// Outside the jurisdiction with the confirmation.
	res, body = c.postForm("/account/roles/request", form(d.AutoReportRoleID, other.ID, true))
	wantRedirect(t, "confirmed outside request", res, body, "/account/roles?view=pending&done=requested")

	e.clock.Advance(3 * time.Hour)
	c, vc = e.signedIn(u, cert), e.signedIn(v, vcert) // the sessions idled out
	res, body = c.getPage("/account/roles?view=pending&done=requested")
	wantStatus(t, "pending view", res, body, http.StatusOK)
	for _, want := range []string{"권한 신청이 완료되었습니다", "[코로나19 예방접종대응팀 User(의료기관)]", hc.Name, "02-0000-1110", other.Name, "3시간",
		fmt.Sprintf(`action="/account/requests/%d/cancel"`, req.ID)} {
		if !strings.Contains(body, want) {
			t.Errorf("pending view lacks %q", want)
		}
	}

	// Someone else cannot cancel it; the applicant can, once.
	res, body = vc.postForm(fmt.Sprintf("/account/requests/%d/cancel", req.ID), nil)
	wantStatus(t, "cancel another's request", res, body, http.StatusNotFound)
	res, body = c.postForm(fmt.Sprintf("/account/requests/%d/cancel", req.ID), nil)
	wantRedirect(t, "cancel", res, body, "/account/roles?view=pending&done=cancelled")
	if s := e.requestStatus(req.ID); s != domain.RequestCancelled {
		t.Errorf("status %s after cancel", s)
	}
	evs, _ = e.s.store.ListAudit(e.ctx, store.AuditFilter{Action: "request.cancel", TargetID: strconv.FormatInt(req.ID, 10)})
	if len(evs) != 1 || evs[0].ActorID != u.ID || evs[0].ClientAddr != c.addr || !evs[0].At.Equal(e.clock.Now()) {
		t.Errorf("request.cancel events %+v", evs)
	}
	res, body = c.postForm(fmt.Sprintf("/account/requests/%d/cancel", req.ID), nil)
	wantStatus(t, "cancel twice", res, body, http.StatusConflict)
	_, body = c.getPage("/account/roles?view=pending")
	if strings.Contains(body, fmt.Sprintf("/account/requests/%d/cancel", req.ID)) {
		t.Error("cancelled request still listed as pending")
	}
}

// TestRolesHeldRelinquish: 보유 lists the grant with its date and expiry;
// relinquishing it removes the system from /menu.
func TestRolesHeldRelinquish(t *testing.T) {
	e := newSeededEnv(t, nil)
	d := e.demo
	role, err := e.s.store.GetRole(e.ctx, d.UserRoleID)
	if err != nil {
		t.Fatal(err)
	}
	role.GrantLifetime = 365 * 24 * time.Hour
	if err := e.s.store.UpdateRole(e.ctx, &role); err != nil {
		t.Fatal(err)
	}
	u, cert := e.accountAt("clinic1", "김의사", "91111001", domain.UserPending, domain.CertPersonal)
	req := e.fileRequest(u, d.UserRoleID, "HC-11110", "")
	ap, apc := e.demoAccount("approver11110")
	res, body := e.signedIn(ap, apc).postForm("/approvals/decide", decideForm("approve", "", req.ID))
	wantRedirect(t, "approve", res, body, "/approvals")
	grants, err := e.s.store.ListGrants(e.ctx, store.GrantFilter{UserID: u.ID, ActiveAt: e.clock.Now()})
	if err != nil || len(grants) != 1 {
		t.Fatalf("grants %v (%v)", grants, err)
	}
	g := grants[0]

	c := e.signedIn(u, cert)
	res, body = c.getPage("/account/roles?view=held")
	wantStatus(t, "held view", res, body, http.StatusOK)
	granted := e.clock.Now().In(kst).Format("2006-01-02 15:04")
	expires := e.clock.Now().Add(role.GrantLifetime).In(kst).Format("2006-01-02 15:04")
	for _, want := range []string{covidSystemName, "[" + role.Name + "]", granted, expires} {
		if !strings.Contains(body, esc(want)) {
			t.Errorf("held view lacks %q", want)
		}
	}
	if !strings.Contains(body, fmt.Sprintf(`action="/account/grants/%d/relinquish"`, g.ID)) {
		t.Error("held view has no relinquish form for the grant")
	}
	// The default view is 보유.
	if _, body2 := c.getPage("/account/roles"); !strings.Contains(body2, fmt.Sprintf("/account/grants/%d/relinquish", g.ID)) {
		t.Error("default view is not the held roles")
	}

	// Another user cannot give it up.
	v, vcert := e.accountAt("clinic2", "이간호", "91111001", domain.UserActive, domain.CertPersonal)
	res, body = e.signedIn(v, vcert).postForm(fmt.Sprintf("/account/grants/%d/relinquish", g.ID), nil)
	wantStatus(t, "relinquish another's grant", res, body, http.StatusNotFound)
	if !c.menuHas(covidSystemName) {
		t.Fatal("menu lost the system to another user's relinquish")
	}

	res, body = c.postForm(fmt.Sprintf("/account/grants/%d/relinquish", g.ID), nil)
	wantRedirect(t, "relinquish", res, body, "/account/roles?view=held&done=relinquished")
	if c.menuHas(covidSystemName) {
		t.Error("menu still shows the system after relinquishing")
	}
	evs, _ := e.s.store.ListAudit(e.ctx, store.AuditFilter{Action: "grant.relinquish", TargetID: strconv.FormatInt(g.ID, 10)})
	if len(evs) != 1 || evs[0].ActorID != u.ID || evs[0].ClientAddr != c.addr {
		t.Errorf("grant.relinquish events %+v", evs)
	}
	_, body = c.getPage("/account/roles?view=held")
	if !strings.Contains(body, "보유한 권한이 없습니다.") {
		t.Error("held view not empty")
	}
	res, body = c.postForm(fmt.Sprintf("/account/grants/%d/relinquish", g.ID), nil)
	wantStatus(t, "relinquish twice", res, body, http.StatusNotFound)
}

// TestRolesGrantLapses: a grant with a lifetime lapses when the janitor
// sweeps, and /menu stops showing the system.
func TestRolesGrantLapses(t *testing.T) {
	e := newSeededEnv(t, nil)
	d := e.demo
	role, _ := e.s.store.GetRole(e.ctx, d.AutoReportRoleID)
	role.GrantLifetime = 2 * time.Hour
	if err := e.s.store.UpdateRole(e.ctx, &role); err != nil {
		t.Fatal(err)
	}
	u, cert := e.accountAt("clinic1", "김의사", "91111001", domain.UserPending, domain.CertInstitution)
	req := e.fileRequest(u, d.AutoReportRoleID, "HC-11110", "")
	ap, apc := e.demoAccount("approver11110")
	res, body := e.signedIn(ap, apc).postForm("/approvals/decide", decideForm("approve", "", req.ID))
	wantRedirect(t, "approve", res, body, "/approvals")
	c := e.signedIn(u, cert)
	if !c.menuHas("감염병 자동신고") {
		t.Fatal("menu lacks the system after approval")
	}
	e.clock.Advance(2 * time.Hour)
	e.s.sweep(e.ctx)
	if n := e.auditCount("grant.expire"); n != 1 {
		t.Errorf("%d grant.expire events, want 1", n)
	}
	grants, _ := e.s.store.ListGrants(e.ctx, store.GrantFilter{UserID: u.ID})
	if len(grants) != 1 || grants[0].RevokedAt.IsZero() {
		t.Errorf("grant not revoked: %+v", grants)
	}
	c = e.signedIn(u, cert) // the earlier session idled out
	if c.menuHas("감염병 자동신고") {
		t.Error("menu still shows the system after the grant lapsed")
	}
}

// TestRolesInfo: the additional information is saved, and bad values are
// refused with a message per field.
func TestRolesInfo(t *testing.T) {
	e := newSeededEnv(t, nil)
	u, cert := e.accountAt("clinic1", "김의사", "91111001", domain.UserActive, domain.CertPersonal)
	c := e.signedIn(u, cert)
	res, body := c.postForm("/account/info", url.Values{"mobile": {"12345"}, "office_phone": {"abc"}, "email": {"not-an-email"}})
	wantStatus(t, "bad info", res, body, http.StatusUnprocessableEntity)
	msgs := fieldMessages(body)
	for _, f := range []string{"mobile", "office_phone", "email"} {
		if msgs[f] == "" {
			t.Errorf("no message for %s (messages %v)", f, msgs)
		}
	}
	if !strings.Contains(body, `value="not-an-email"`) {
		t.Error("the refused form lost the typed e-mail")
	}
	if got, _ := e.s.store.GetUser(e.ctx, u.ID); got.Mobile != u.Mobile || got.Email != u.Email {
		t.Errorf("bad values stored: %+v", got)
	}

	res, body = c.postForm("/account/info", url.Values{"mobile": {"010-9876-5432"}, "office_phone": {"02-3456-7890"}, "email": {"kim@example.org"}})
	wantRedirect(t, "good info", res, body, "/account/roles?done=info")
	got, _ := e.s.store.GetUser(e.ctx, u.ID)
	if got.Mobile != "01098765432" || got.OfficePhone != "0234567890" || got.Email != "kim@example.org" {
		t.Errorf("stored %q %q %q", got.Mobile, got.OfficePhone, got.Email)
	}
	if n := e.auditCount("user.update_info"); n != 1 {
		t.Errorf("%d user.update_info events", n)
	}
	_, body = c.getPage("/account/roles?done=info")
	if !strings.Contains(body, "부가정보를 저장했습니다.") || !strings.Contains(body, "kim@example.org") {
		t.Error("saved info not shown")
	}
	// The e-mail is optional.
	res, body = c.postForm("/account/info", url.Values{"mobile": {"01098765432"}, "office_phone": {"0234567890"}, "email": {""}})
	wantRedirect(t, "no e-mail", res, body, "/account/roles?done=info")
	if got, _ := e.s.store.GetUser(e.ctx, u.ID); got.Email != "" {
		t.Errorf("e-mail %q, want cleared", got.Email)
	}
	// Not logged in: 401.
	res, _ = e.client().postForm("/account/info", url.Values{"mobile": {"01011112222"}})
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous POST /account/info: %d", res.StatusCode)
	}
}
