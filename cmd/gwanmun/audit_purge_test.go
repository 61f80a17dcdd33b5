package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/demo"
	"github.com/gwanmun/gwanmun/internal/domain"
)

// oldAuditDB makes an SQLite database with events three and a half years
// old and events of now.
func oldAuditDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "gwanmun.db")
	st, err := openStore(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	old := time.Now().AddDate(-3, -6, 0)
	for i := range 6 {
		at := old.Add(time.Duration(i) * time.Hour)
		if i >= 4 {
			at = time.Now()
		}
		e := domain.AuditEvent{At: at, Actor: "system", Action: "user.lock", TargetType: "user", TargetID: fmt.Sprint(i)}
		if err := st.AppendAudit(context.Background(), &e); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func TestAuditPurge(t *testing.T) {
	db := oldAuditDB(t)
	inside := time.Now().AddDate(-1, 0, 0).Format("2006-01-02")
	code, out, errs := runGwanmun(t, "audit", "purge", "--db", db, "--before", inside)
	if code != 1 || !strings.Contains(errs+out, "invalid") {
		t.Fatalf("purge inside the floor: %d %q %q", code, out, errs)
	}
	for _, floor := range []string{"abc", "6m", "180d"} {
		if code, _, _ := runGwanmun(t, "audit", "purge", "--db", db, "--before", inside, "--floor", floor); code != 2 {
			t.Errorf("floor %s: exit %d, want 2 (not a floor of a year or more)", floor, code)
		}
	}
	past := time.Now().AddDate(-3, 0, 0).Format("2006-01-02")
	code, out, errs = runGwanmun(t, "audit", "purge", "--db", db, "--before", past, "--json")
	if code != 0 {
		t.Fatalf("purge past the floor: %d %q %q", code, out, errs)
	}
	var res struct {
		Events    int   `json:"events"`
		AnchorSeq int64 `json:"anchor_seq"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Events != 4 || res.AnchorSeq != 4 {
		t.Fatalf("purge result %q: %+v %v", out, res, err)
	}
	code, out, errs = runGwanmun(t, "audit", "verify", "--db", db)
	if code != 0 || !strings.HasPrefix(out, "OK") {
		t.Fatalf("verify after the purge: %d %q %q", code, out, errs)
	}
	tamper(t, db, `UPDATE audit_events SET detail = '{"x":1}' WHERE seq = 5`)
	code, out, _ = runGwanmun(t, "audit", "verify", "--db", db)
	if code != 1 || !strings.Contains(out, "BROKEN") || !strings.Contains(out, "event 5") {
		t.Fatalf("verify after an edit: %d %q", code, out)
	}
}

func TestAuditReport(t *testing.T) {
	db := filepath.Join(t.TempDir(), "gwanmun.db")
	st, err := openStore(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(context.Background(), st, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	appr, err := st.GetUserByLoginID(context.Background(), "approver11110")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := st.GetUserByLoginID(context.Background(), "admin11")
	if err != nil {
		t.Fatal(err)
	}
	kst := time.FixedZone("KST", 9*3600)
	for i, at := range []time.Time{time.Date(2026, 3, 3, 10, 0, 0, 0, kst), time.Date(2026, 3, 3, 23, 0, 0, 0, kst), time.Date(2026, 4, 3, 10, 0, 0, 0, kst)} {
		a := domain.PersonalDataAccess{At: at, ActorID: appr.ID, SubjectID: admin.ID, SubjectInstitutionID: admin.InstitutionID, Purpose: fmt.Sprint("확인 ", i)}
		if err := st.LogPersonalDataAccess(context.Background(), &a); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	code, out, errs := runGwanmun(t, "audit", "report", "--db", db, "--month", "2026-03", "--json")
	if code != 0 {
		t.Fatalf("report: %d %q %q", code, out, errs)
	}
	var r struct {
		Viewers, Views, Night, Outside, Flagged int
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Viewers != 1 || r.Views != 2 || r.Night != 1 || r.Outside != 2 || r.Flagged != 1 {
		t.Fatalf("report JSON %q: %+v %v", out, r, err)
	}
	code, out, _ = runGwanmun(t, "audit", "report", "--db", db, "--month", "2026-03", "--scope", "PR-26")
	if code != 0 || !strings.Contains(out, "viewers 0") {
		t.Errorf("report of 부산: %d %q", code, out)
	}
	if code, _, _ := runGwanmun(t, "audit", "report", "--db", db, "--month", "March"); code != 2 {
		t.Errorf("a bad month: exit %d", code)
	}
}
