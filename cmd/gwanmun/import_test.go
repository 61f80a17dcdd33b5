package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/store"
)

// runGwanmun runs gwanmun with args and returns its exit status and output.
func runGwanmun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestMigrateAndImport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "sub", "gwanmun.db") // the directory is created
	code, out, errs := runGwanmun(t, "migrate", "--db", db)
	if code != 0 || !strings.HasPrefix(out, "schema version ") || !strings.Contains(out, "sqlite") {
		t.Fatalf("migrate: %d %q %q", code, out, errs)
	}

	good := "../../internal/importer/testdata/institutions-250.csv"
	code, out, errs = runGwanmun(t, "import", "--db", db, good)
	if code != 0 || !strings.Contains(out, "imported 255 institutions") {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}

	// The bad file: exit 1, the line named, nothing imported.
	code, out, errs = runGwanmun(t, "import", "--db", db, "../../internal/importer/testdata/institutions-bad.csv")
	if code != 1 || out != "" || !strings.Contains(errs, "9행") || !strings.Contains(errs, "병원") {
		t.Fatalf("bad import: %d %q %q", code, out, errs)
	}

	// --update after the file name; an existing code is updated.
	upd := filepath.Join(dir, "upd.csv")
	os.WriteFile(upd, []byte("code,name,kind,parent_code,region_code,address,phone\nHC-11110,종로구보건소,보건소,PR-11,11110,서울특별시 종로구 새주소 1,02-0000-1111\n"), 0o600)
	code, out, errs = runGwanmun(t, "import", "--db", db, upd)
	if code != 1 || !strings.Contains(errs, "--update") {
		t.Fatalf("import of an existing code without --update: %d %q %q", code, out, errs)
	}
	code, out, errs = runGwanmun(t, "import", upd, "--db", db, "--update")
	if code != 0 || !strings.Contains(out, "updated 1") {
		t.Fatalf("import --update: %d %q %q", code, out, errs)
	}

	st, err := openStore(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, n, err := st.ListInstitutions(context.Background(), store.InstitutionFilter{})
	if err != nil || n != 255 {
		t.Errorf("institutions = %d, %v; want 255", n, err)
	}
	hc, err := st.GetInstitutionByCode(context.Background(), "HC-11110")
	if err != nil || hc.Phone != "02-0000-1111" {
		t.Errorf("HC-11110 after update = %+v, %v", hc, err)
	}
}

func TestDBFlagDefault(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "env.db")
	t.Setenv("GWANMUN_DB", db)
	code, out, errs := runGwanmun(t, "migrate")
	if code != 0 || !strings.Contains(out, db) {
		t.Fatalf("migrate with GWANMUN_DB: %d %q %q", code, out, errs)
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("GWANMUN_DB not used: %v", err)
	}
}

func TestImportUsage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "g.db")
	if code, _, errs := runGwanmun(t, "import", "--db", db); code != 2 || !strings.Contains(errs, "exactly one") {
		t.Errorf("no file: %d %q", code, errs)
	}
	if code, _, errs := runGwanmun(t, "import", "--db", db, "a.csv", "b.csv"); code != 2 {
		t.Errorf("two files: %d %q", code, errs)
	}
	if code, _, errs := runGwanmun(t, "import", "--nope"); code != 2 || !strings.Contains(errs, "nope") {
		t.Errorf("bad flag: %d %q", code, errs)
	}
	if code, _, _ := runGwanmun(t, "migrate", "-h"); code != 0 {
		t.Errorf("migrate -h: %d", code)
	}
	if code, _, errs := runGwanmun(t, "import", "--db", db, filepath.Join(t.TempDir(), "missing.csv")); code != 1 || !strings.Contains(errs, "missing.csv") {
		t.Errorf("missing file: %d %q", code, errs)
	}
}

func TestRedactDB(t *testing.T) {
	for in, want := range map[string]string{
		"data/gwanmun.db": "data/gwanmun.db",
		"postgres://gw:s3cret@db:5432/gw?sslmode=require": "postgres://gw:xxxxx@db:5432/gw?sslmode=require",
		"postgresql://gw@db/gw":                           "postgresql://gw@db/gw",
	} {
		if got := redactDB(in); got != want || strings.Contains(got, "s3cret") {
			t.Errorf("redactDB(%q) = %q, want %q", in, got, want)
		}
	}
}
