package importer_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/importer"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
	"github.com/gwanmun/gwanmun/internal/testenv"
)

// forEachDB runs fn against a fresh SQLite file and, when GWANMUN_TEST_PG
// is set, a fresh PostgreSQL database (skipped locally without it, a
// failure in CI).
func forEachDB(t *testing.T, fn func(t *testing.T, st store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "gwanmun.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, freshPostgres(t))
	})
}

// freshPostgres opens the store on a fresh schema of the GWANMUN_TEST_PG
// server, dropped when the test ends.
func freshPostgres(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), testenv.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func countInstitutions(t *testing.T, st store.Store) int {
	t.Helper()
	_, n, err := st.ListInstitutions(context.Background(), store.InstitutionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func importFile(t *testing.T, st store.Store, name string) (int, error) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return importer.Institutions(context.Background(), st, f)
}

func TestImport250(t *testing.T) {
	forEachDB(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		n, err := importFile(t, st, "testdata/institutions-250.csv")
		if err != nil {
			t.Fatal(err)
		}
		if n < 250 {
			t.Fatalf("imported %d, want 250 or more", n)
		}
		if got := countInstitutions(t, st); got != n {
			t.Errorf("store holds %d institutions, imported %d", got, n)
		}
		// Every medical institution's jurisdiction is a Seoul health
		// centre with the same region code.
		med, _, err := st.ListInstitutions(ctx, store.InstitutionFilter{Kind: domain.KindMedical, Page: store.Page{Limit: 1000}})
		if err != nil {
			t.Fatal(err)
		}
		if len(med) < 200 {
			t.Fatalf("%d medical institutions", len(med))
		}
		for _, m := range med {
			hc, err := st.JurisdictionCentre(ctx, m.ID)
			if err != nil {
				t.Fatalf("%s: %v", m.Code, err)
			}
			if hc.Kind != domain.KindHealthCentre || hc.ID != m.ParentID || hc.RegionCode != m.RegionCode {
				t.Errorf("%s %s: jurisdiction %s %s (%s)", m.Code, m.Name, hc.Code, hc.Name, hc.RegionCode)
			}
		}
		hc, err := st.GetInstitutionByCode(ctx, "HC-11740")
		if err != nil || hc.Name != "강동구보건소" || hc.Phone != "02-0000-1740" || hc.Address != "서울특별시 강동구 데모로 74" {
			t.Errorf("HC-11740 = %+v, %v", hc, err)
		}
		// The same file again: every row is a duplicate, nothing changes.
		_, err = importFile(t, st, "testdata/institutions-250.csv")
		var ie *importer.Error
		if !errors.As(err, &ie) || len(ie.Rows)+ie.More != n || !strings.Contains(ie.Rows[0].Reason, "이미 등록") {
			t.Fatalf("second import err = %v", err)
		}
		if got := countInstitutions(t, st); got != n {
			t.Errorf("after the rejected re-import: %d institutions, want %d", got, n)
		}
	})
}

func TestImportBadFileChangesNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, st store.Store) {
		// Something unrelated is there before.
		if _, err := importer.Institutions(context.Background(), st, strings.NewReader(
			"code,name,kind\nETC-1,가상 기관,other\nETC-2,가상 기관 2,other\n")); err != nil {
			t.Fatal(err)
		}
		before := countInstitutions(t, st)
		_, err := importFile(t, st, "testdata/institutions-bad.csv")
		var ie *importer.Error
		if !errors.As(err, &ie) || len(ie.Rows) != 1 || ie.Rows[0].Line != 9 {
			t.Fatalf("err = %v, want one bad row at line 9", err)
		}
		if after := countInstitutions(t, st); after != before {
			t.Errorf("institutions before %d, after %d", before, after)
		}
	})
}

func TestImportStoreChecksRollBack(t *testing.T) {
	forEachDB(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		base := "code,name,kind,parent_code,region_code\n" +
			"KDCA,질병관리청,질병관리청,,\n" +
			"PR-11,서울특별시,시도,KDCA,11\n" +
			"PR-30,대전광역시,시도,KDCA,30\n" +
			"HC-11110,종로구보건소,보건소,PR-11,11110\n"
		if n, err := importer.Institutions(ctx, st, strings.NewReader(base)); err != nil || n != 4 {
			t.Fatalf("base import: %d, %v", n, err)
		}
		before := countInstitutions(t, st)
		// Line 2 is good (and would be written first); lines 3 to 7 are
		// bad for reasons only the store can tell.
		bad := "code,name,kind,parent_code,region_code\n" +
			"91111001,가상내과의원,의료기관,HC-11110,11110\n" + // 2 ok
			"91111002,가상외과의원,의료기관,PR-11,11110\n" + // 3 parent is a province
			"91111003,가상소아과의원,의료기관,HC-99999,\n" + // 4 unknown parent
			"HC-30110,동구보건소,보건소,PR-11,30110\n" + // 5 region 30 under province 11
			"HC-11110,종로구보건소,보건소,PR-11,11110\n" + // 6 exists
			"91111004,가상안과의원,의료기관,91111009,\n" + // 7 parent defined later
			"91111009,가상의원,의료기관,HC-11110,\n" // 8 ok
		_, err := importer.Institutions(ctx, st, strings.NewReader(bad))
		var ie *importer.Error
		if !errors.As(err, &ie) {
			t.Fatalf("err = %v", err)
		}
		want := map[int]string{3: "보건소여야", 4: "HC-99999", 5: "시도(30)", 6: "이미 등록", 7: "91111009"}
		if len(ie.Rows) != len(want) {
			t.Errorf("rows = %+v", ie.Rows)
		}
		for _, r := range ie.Rows {
			if w, ok := want[r.Line]; !ok || !strings.Contains(r.Reason, w) {
				t.Errorf("line %d: %q, want it to contain %q", r.Line, r.Reason, w)
			}
		}
		if after := countInstitutions(t, st); after != before {
			t.Errorf("institutions before %d, after %d: the good row was not rolled back", before, after)
		}
		if _, err := st.GetInstitutionByCode(ctx, "91111001"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("good row of a rejected file is in the store: %v", err)
		}
	})
}

func TestImportUpdate(t *testing.T) {
	forEachDB(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		base := "code,name,kind,parent_code,region_code,address,phone\n" +
			"KDCA,질병관리청,national,,,,\n" +
			"PR-11,서울특별시,province,KDCA,11,,\n" +
			"HC-11110,종로구보건소,health_centre,PR-11,11110,,\n" +
			"HC-11140,중구보건소,health_centre,PR-11,11140,,\n" +
			"91111001,가상내과의원,medical,HC-11110,11110,,\n"
		if _, err := importer.Institutions(ctx, st, strings.NewReader(base)); err != nil {
			t.Fatal(err)
		}
		orig, _ := st.GetInstitutionByCode(ctx, "91111001")
		upd := "code,name,kind,parent_code,region_code,address,phone\n" +
			"91111001,가상내과의원(이전),medical,HC-11140,11140,서울특별시 중구 데모길 1,02-0001-1401\n" +
			"91111002,새 가상의원,medical,HC-11140,11140,,\n"
		later := time.Now().Add(time.Hour)
		c, err := importer.InstitutionsWith(ctx, st, strings.NewReader(upd), importer.Options{Existing: importer.ExistingUpdate, Now: later})
		if err != nil || c.Created != 1 || c.Updated != 1 {
			t.Fatalf("update import: %+v, %v", c, err)
		}
		got, _ := st.GetInstitutionByCode(ctx, "91111001")
		hc, _ := st.JurisdictionCentre(ctx, got.ID)
		if got.ID != orig.ID || got.Name != "가상내과의원(이전)" || hc.Code != "HC-11140" || got.Phone != "02-0001-1401" {
			t.Errorf("updated = %+v (centre %s)", got, hc.Code)
		}
		// Kind cannot change by update.
		_, err = importer.InstitutionsWith(ctx, st, strings.NewReader(
			"code,name,kind,parent_code\n91111001,가상내과의원,other,\n"), importer.Options{Existing: importer.ExistingUpdate})
		if err == nil || !strings.Contains(err.Error(), "구분") {
			t.Errorf("kind change err = %v", err)
		}
	})
}
