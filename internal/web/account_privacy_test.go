package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/privacy"
)

// dbHits searches every text and binary column of every table of the
// test's SQLite database for each needle.
func (e *seededEnv) dbHits(needles ...string) []string {
	e.t.Helper()
	db := rawSQLStore(e.s.store).DB()
	rows, err := db.QueryContext(e.ctx, "SELECT name FROM sqlite_master WHERE type = 'table'")
	if err != nil {
		e.t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var hits []string
	for _, table := range tables {
		rows, err := db.QueryContext(e.ctx, `SELECT * FROM "`+table+`"`)
		if err != nil {
			e.t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				e.t.Fatal(err)
			}
			for i, v := range vals {
				var b []byte
				switch x := v.(type) {
				case string:
					b = []byte(x)
				case []byte:
					b = x
				}
				for _, n := range needles {
					if len(b) > 0 && bytes.Contains(b, []byte(n)) {
						hits = append(hits, table+"."+cols[i]+": "+n)
					}
				}
			}
		}
		rows.Close()
	}
	return hits
}

// TestWithdraw: the withdrawal page, a refusal with someone else's
// certificate, then the real thing: logged out, account withdrawn, and
// the user's name, phones, e-mail and certificate subject in no table.
func TestWithdraw(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	clinic := e.inst(clinicCode)
	iss := issue(t, "탈퇴홍길순", 0, nil)
	u := e.registerUser("withdrawme", domain.UserActive, clinic.ID, iss)
	u.Mobile, u.OfficePhone, u.Email = "01055512345", "0315556789", "gilsoon.withdraw@example.org"
	if err := e.s.store.UpdateUser(e.ctx, &u); err != nil {
		t.Fatal(err)
	}
	otherIss := issue(t, "남는사람", 1, nil)
	e.registerUser("staying", domain.UserActive, clinic.ID, otherIss)
	needles := []string{u.Name, u.Mobile, u.OfficePhone, u.Email, iss.Cert.Subject.String(), iss.Cert.Subject.CommonName}
	if hits := e.dbHits(needles...); len(hits) < 5 {
		t.Fatalf("before the withdrawal the search found only %v", hits)
	}

	c := e.client()
	c.login(iss)
	res, body := c.getPage("/account/withdraw")
	wantStatus(t, "GET /account/withdraw", res, body, http.StatusOK)
	if !strings.Contains(body, `data-cert-purpose="confirm"`) || !strings.Contains(body, esc("회원 탈퇴")) {
		t.Fatalf("withdraw page lacks the signing button:\n%s", body)
	}

	// Signed by another account's certificate: refused, nothing changes.
	res, body = c.postForm("/account/withdraw", form(c.signed(pki.PurposeConfirm, otherIss)))
	wantStatus(t, "withdraw with another's certificate", res, body, http.StatusForbidden)
	if !strings.Contains(body, esc(privacy.ErrNotOwnCert.Message)) {
		t.Errorf("refusal page lacks the reason:\n%s", body)
	}
	// A login challenge is not a confirmation.
	res, body = c.postForm("/account/withdraw", form(c.signed(pki.PurposeLogin, iss)))
	if res.StatusCode < 400 {
		t.Fatalf("withdraw signed for login: %d", res.StatusCode)
	}
	if got, _ := e.s.store.GetUser(e.ctx, u.ID); got.Status != domain.UserActive || got.Name == "" {
		t.Fatalf("refused withdrawal changed the account: %+v", got)
	}

	res, body = c.postForm("/account/withdraw", form(c.signed(pki.PurposeConfirm, iss)))
	wantRedirect(t, "POST /account/withdraw", res, body, "/?msg=withdrawn")
	if c.cookies[sessionCookie] != nil {
		t.Error("the session cookie survived the withdrawal")
	}
	_, body = c.getPage("/?msg=withdrawn")
	if !strings.Contains(body, esc(translate("ko", "msg.withdrawn"))) {
		t.Error("home page does not confirm the withdrawal")
	}
	res, body = c.getPage("/menu")
	wantRedirect(t, "GET /menu after withdrawal", res, body, "/?msg=login_required&next=%2Fmenu")
	got, err := e.s.store.GetUser(e.ctx, u.ID)
	if err != nil || got.Status != domain.UserWithdrawn || got.LoginID != "withdrawme" {
		t.Fatalf("account after withdrawal = %+v (%v)", got, err)
	}
	if hits := e.dbHits(needles...); len(hits) > 0 {
		t.Errorf("personal data left after the withdrawal:\n%s", strings.Join(hits, "\n"))
	}
	if e.auditCount("user.withdraw") != 1 {
		t.Errorf("user.withdraw events: %d", e.auditCount("user.withdraw"))
	}
	// The certificate no longer logs in.
	c2 := e.client()
	res, _ = c2.postForm("/login", form(c2.signed(pki.PurposeLogin, iss)))
	if res.StatusCode < 400 {
		t.Errorf("login with the withdrawn account's certificate: %d", res.StatusCode)
	}
}

// TestExportDownload: the export page, and the JSON attachment.
func TestExportDownload(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	iss := issue(t, "내보내기", 2, nil)
	u := e.registerUser("exportme", domain.UserActive, e.inst(clinicCode).ID, iss)
	c := e.client()
	c.login(iss)
	res, body := c.getPage("/account/export")
	wantStatus(t, "GET /account/export", res, body, http.StatusOK)
	if !strings.Contains(body, `action="/account/export"`) {
		t.Fatal("export page lacks its form")
	}
	res, body = c.send("POST", "/account/export", nil, nil)
	wantStatus(t, "POST /account/export without CSRF", res, body, http.StatusForbidden)

	res, body = c.postForm("/account/export", nil)
	wantStatus(t, "POST /account/export", res, body, http.StatusOK)
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=\"gwanmun-personal-data-") {
		t.Errorf("Content-Disposition = %q", cd)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	var x privacy.Export
	if err := json.Unmarshal([]byte(body), &x); err != nil {
		t.Fatal(err)
	}
	if x.Account.ID != u.ID || x.Account.Name != u.Name || len(x.Certificates) != 1 || len(x.Sessions) != 1 {
		t.Errorf("export = %+v", x)
	}
	var exported bool
	for _, ev := range x.AuditEvents {
		exported = exported || ev.Action == "user.export"
	}
	if !exported || e.auditCount("user.export") != 1 {
		t.Error("the export is not audited")
	}
	if strings.Contains(body, c.cookies[sessionCookie].Value) || strings.Contains(body, e.s.sessionKey(e.t, c.cookies[sessionCookie].Value)) {
		t.Error("the export holds the session token or its hash")
	}
}
