package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// auditDB makes an SQLite database with n audit events and returns its
// path.
func auditDB(t *testing.T, n int) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "gwanmun.db")
	st, err := openStore(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range n {
		e := domain.AuditEvent{ActorID: 1, Actor: "p-admin", Action: "user.lock", TargetType: "user",
			TargetID: fmt.Sprint(100 + i), Detail: `{"reason":"test"}`}
		if err := st.AppendAudit(context.Background(), &e); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// tamper runs one SQL statement on the SQLite file, as an intruder with
// database access would.
func tamper(t *testing.T, path, stmt string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(stmt)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s changed %d rows, want 1", stmt, n)
	}
}

func TestAuditVerifyIntact(t *testing.T) {
	db := auditDB(t, 5)
	code, out, errs := runGwanmun(t, "audit", "verify", "--db", db)
	if code != 0 || !strings.HasPrefix(out, "OK") || !strings.Contains(out, "5 events") || errs != "" {
		t.Fatalf("verify of an intact log: %d %q %q", code, out, errs)
	}
	code, out, _ = runGwanmun(t, "audit", "verify", "--db", db, "--json")
	var res verifyResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || !res.OK || res.Events != 5 || len(res.Head) != 64 {
		t.Fatalf("--json: %d %q (%v)", code, out, err)
	}

	empty := auditDB(t, 0)
	if code, out, errs := runGwanmun(t, "audit", "verify", "--db", empty); code != 0 || !strings.Contains(out, "0 events") {
		t.Fatalf("verify of an empty log: %d %q %q", code, out, errs)
	}
}

func TestAuditVerifyCatchesEdit(t *testing.T) {
	db := auditDB(t, 5)
	tamper(t, db, "UPDATE audit_events SET target_id = '999' WHERE seq = 3")
	code, out, errs := runGwanmun(t, "audit", "verify", "--db", db)
	if code != 1 || !strings.Contains(out, "at event 3") || !strings.Contains(out, "edited") || !strings.Contains(out, "user/999") {
		t.Fatalf("verify after an edit of event 3: %d %q %q", code, out, errs)
	}
	code, out, _ = runGwanmun(t, "audit", "verify", "--db", db, "--json")
	var res verifyResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 1 || res.OK || res.BadSeq != 3 || res.Event == nil || res.Event.TargetID != "999" {
		t.Fatalf("--json after an edit: %d %q (%v)", code, out, err)
	}
}

func TestAuditVerifyCatchesDeletion(t *testing.T) {
	db := auditDB(t, 5)
	tamper(t, db, "DELETE FROM audit_events WHERE seq = 2")
	code, out, errs := runGwanmun(t, "audit", "verify", "--db", db)
	if code != 1 || !strings.Contains(out, "at event 3") || !strings.Contains(out, "missing or inserted") {
		t.Fatalf("verify after deleting event 2: %d %q %q", code, out, errs)
	}

	// The newest event deleted: only the chain head shows it.
	db = auditDB(t, 5)
	tamper(t, db, "DELETE FROM audit_events WHERE seq = 5")
	code, out, errs = runGwanmun(t, "audit", "verify", "--db", db)
	if code != 1 || !strings.Contains(out, "at event 5") {
		t.Fatalf("verify after deleting the last event: %d %q %q", code, out, errs)
	}
}

func TestAuditVerifyCatchesInsertion(t *testing.T) {
	db := auditDB(t, 3)
	// A forged event appended with a plausible but wrong hash.
	tamper(t, db, "INSERT INTO audit_events (seq, at, actor_id, actor, action, target_type, target_id, client_addr, detail, prev_hash, hash) "+
		"SELECT 4, at, 1, 'p-admin', 'user.unlock', 'user', '7', '', '{}', hash, hash FROM audit_events WHERE seq = 3")
	code, out, errs := runGwanmun(t, "audit", "verify", "--db", db)
	if code != 1 || !strings.Contains(out, "at event 4") {
		t.Fatalf("verify after inserting event 4: %d %q %q", code, out, errs)
	}
}

func TestAuditUsage(t *testing.T) {
	if code, _, errs := runGwanmun(t, "audit"); code != 2 || !strings.Contains(errs, "usage: gwanmun audit verify") {
		t.Fatalf("audit without sub-command: %d %q", code, errs)
	}
	if code, _, _ := runGwanmun(t, "audit", "verify", "extra"); code != 2 {
		t.Fatalf("audit verify extra: %d", code)
	}
}
