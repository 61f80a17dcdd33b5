package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/api"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

func TestAPIReviews(t *testing.T) {
	e := newSeededEnv(t, nil)
	now := e.clock.Now()
	holder, _ := e.accountAt("apirv1", "김보유", "91111001", domain.UserActive, domain.CertPersonal)
	g := domain.Grant{UserID: holder.ID, RoleID: e.demo.UserRoleID, GrantedAt: now.Add(-time.Hour)}
	if err := e.s.store.CreateGrant(e.ctx, &g); err != nil {
		t.Fatal(err)
	}
	au, aid := e.demoAccount("admin")
	admin := e.signedIn(au, aid)
	res, body := admin.postJSON("/api/v1/reviews", map[string]any{"name": "API 점검", "roleIds": []int64{e.demo.UserRoleID},
		"deadline": now.AddDate(0, 0, 10), "deadlineAction": "keep"})
	wantStatus(t, "POST /api/v1/reviews", res, body, http.StatusCreated)
	var created struct {
		Campaign jsonReviewCampaign `json:"campaign"`
	}
	if err := json.Unmarshal([]byte(body), &created); err != nil || created.Campaign.Items != 1 || created.Campaign.DeadlineAction != "keep" {
		t.Fatalf("created = %s", body)
	}
	cid := strconv.FormatInt(created.Campaign.ID, 10)
	appr := e.signedIn(e.demoAccount("approver11110"))
	res, body = appr.postJSON("/api/v1/reviews", map[string]any{"name": "x", "roleIds": []int64{e.demo.UserRoleID},
		"deadline": now.AddDate(0, 0, 10), "deadlineAction": "keep"})
	wantCode(t, "an approver opening a campaign", res, body, http.StatusForbidden, domain.EFORBIDDEN)

	// A token with reviews:read sees the campaign and every item.
	e.confirmSessions(au) // issuing a token is a step-up action
	tok := issueToken(t, admin, "점검 연계", 30, api.ScopeReviewsRead)
	res, body = e.bearer("GET", "/api/v1/reviews", tok, nil)
	wantStatus(t, "GET /api/v1/reviews", res, body, http.StatusOK)
	if !strings.Contains(body, `"name":"API 점검"`) {
		t.Errorf("campaigns = %s", body)
	}
	res, body = e.bearer("GET", "/api/v1/reviews/"+cid, tok, nil)
	wantStatus(t, "GET /api/v1/reviews/{id}", res, body, http.StatusOK)
	if !strings.Contains(body, `"open":1`) {
		t.Errorf("progress = %s", body)
	}
	res, body = e.bearer("GET", "/api/v1/reviews/"+cid+"/items", tok, nil)
	wantStatus(t, "GET items with a token", res, body, http.StatusOK)
	noScope := issueToken(t, admin, "다른 연계", 30, api.ScopeGrantsRead)
	res, body = e.bearer("GET", "/api/v1/reviews", noScope, nil)
	wantStatus(t, "a token without reviews:read", res, body, http.StatusForbidden)

	// The approver decides through the API.
	res, body = appr.send("GET", "/api/v1/reviews/"+cid+"/items?state=open", nil, http.Header{"Accept": {"application/json"}})
	wantStatus(t, "the approver's items", res, body, http.StatusOK)
	var page struct {
		Items []jsonReviewItem `json:"items"`
		Total int              `json:"total"`
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil || page.Total != 1 || page.Items[0].Holder.LoginID != "apirv1" {
		t.Fatalf("items = %s", body)
	}
	item := strconv.FormatInt(page.Items[0].ID, 10)
	res, body = appr.postJSON("/api/v1/reviews/items/"+item+"/decision", map[string]any{"decision": "revoke"})
	wantCode(t, "revoke without a reason", res, body, http.StatusBadRequest, domain.EINVALID)
	res, body = appr.postJSON("/api/v1/reviews/items/"+item+"/decision", map[string]any{"decision": "revoke", "note": "퇴사"})
	wantStatus(t, "revoke", res, body, http.StatusOK)
	if !strings.Contains(body, `"decision":"revoke"`) {
		t.Errorf("decision = %s", body)
	}
	res, body = appr.postJSON("/api/v1/reviews/items/"+item+"/decision", map[string]any{"decision": "keep"})
	wantCode(t, "a second decision", res, body, http.StatusConflict, domain.ECONFLICT)
	grants, err := e.s.store.ListGrants(e.ctx, store.GrantFilter{UserID: holder.ID})
	if err != nil || len(grants) != 1 || grants[0].RevokeReason != domain.ReviewRevokeReason {
		t.Errorf("holder's grant = %+v %v", grants, err)
	}
}
