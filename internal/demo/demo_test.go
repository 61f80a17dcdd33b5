package demo_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/demo"
	"github.com/gwanmun/gwanmun/internal/domain"
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
		st, err := sqlstore.Open(context.Background(), testenv.PostgresSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, st)
	})
}

func TestSeed(t *testing.T) {
	forEachDB(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		res, err := demo.Seed(ctx, st, now)
		if err != nil {
			t.Fatal(err)
		}

		// Institutions.
		if len(res.Provinces) != 17 {
			t.Errorf("%d provinces, want 17", len(res.Provinces))
		}
		wantProvince := map[string]string{"11": "서울특별시", "26": "부산광역시", "36": "세종특별자치시", "41": "경기도", "50": "제주특별자치도", "51": "강원특별자치도", "52": "전북특별자치도"}
		for _, p := range res.Provinces {
			if n, ok := wantProvince[p.RegionCode]; ok && n != p.Name {
				t.Errorf("province %s = %s, want %s", p.RegionCode, p.Name, n)
			}
			if p.ParentID != res.NationalID {
				t.Errorf("province %s parent %d, want national %d", p.Name, p.ParentID, res.NationalID)
			}
		}
		seoul := 0
		for _, hc := range res.HealthCentres {
			if strings.HasPrefix(hc.RegionCode, "11") {
				seoul++
			}
			if len(hc.RegionCode) != 5 || hc.Code != "HC-"+hc.RegionCode {
				t.Errorf("health centre %s: code %s region %s", hc.Name, hc.Code, hc.RegionCode)
			}
		}
		if seoul != 25 {
			t.Errorf("%d Seoul health centres, want 25", seoul)
		}
		if len(res.HealthCentres) <= 25 {
			t.Errorf("no health centres outside Seoul")
		}
		for code, name := range map[string]string{"HC-11110": "종로구보건소", "HC-11740": "강동구보건소", "HC-30200": "유성구보건소", "HC-36110": "세종특별자치시보건소"} {
			in, err := st.GetInstitutionByCode(ctx, code)
			if err != nil || in.Name != name || in.Kind != domain.KindHealthCentre {
				t.Errorf("%s = %+v, %v; want %s", code, in, err, name)
			}
		}
		if n := len(res.Medical); n < 45 || n > 60 {
			t.Errorf("%d medical institutions, want about 50", n)
		}
		for _, m := range res.Medical {
			if len(m.Code) != 8 {
				t.Errorf("medical %s code %q is not 8 digits", m.Name, m.Code)
			}
			hc, err := st.JurisdictionCentre(ctx, m.ID)
			if err != nil {
				t.Fatalf("jurisdiction of %s: %v", m.Name, err)
			}
			if hc.ID != m.ParentID || hc.Kind != domain.KindHealthCentre || hc.RegionCode != m.RegionCode {
				t.Errorf("%s (%s): jurisdiction %s %s", m.Name, m.RegionCode, hc.Code, hc.Name)
			}
		}

		// Systems, menus, roles.
		sys, err := st.GetSystem(ctx, res.CovidSystemID)
		if err != nil || sys.Name != "코로나19예방접종관리" || sys.Code != demo.SystemCovid {
			t.Fatalf("covid system = %+v, %v", sys, err)
		}
		menus, err := st.ListMenus(ctx, sys.ID)
		if err != nil || len(menus) < 3 || menus[0].Name != "코로나19예방접종관리" {
			t.Errorf("menus = %+v, %v", menus, err)
		}
		user, err := st.GetRole(ctx, res.UserRoleID)
		if err != nil {
			t.Fatal(err)
		}
		if user.Name != "코로나19 예방접종대응팀 User(의료기관)" || !user.NeedsPersonalCert || user.ApproverKind != domain.KindHealthCentre ||
			user.ApproverRoleID != res.ApproverRoleID || !user.RequestableByKind(domain.KindMedical) || user.Admin {
			t.Errorf("user role = %+v", user)
		}
		approver, _ := st.GetRole(ctx, res.ApproverRoleID)
		if !approver.RequestableByKind(domain.KindHealthCentre) || approver.ApproverKind != domain.KindProvince || approver.ApproverRoleID != res.ProvinceAdminRoleID {
			t.Errorf("approver role = %+v", approver)
		}
		padmin, _ := st.GetRole(ctx, res.ProvinceAdminRoleID)
		if !padmin.Admin || padmin.ApproverKind != domain.KindNational || padmin.ApproverRoleID != res.NationalAdminRoleID {
			t.Errorf("province admin role = %+v", padmin)
		}
		nadmin, _ := st.GetRole(ctx, res.NationalAdminRoleID)
		if !nadmin.Admin || len(nadmin.RequestableBy) != 0 {
			t.Errorf("national admin role = %+v", nadmin)
		}
		auto, _ := st.GetRole(ctx, res.AutoReportRoleID)
		if auto.NeedsPersonalCert || !auto.RequestableByKind(domain.KindMedical) || auto.SystemID == res.CovidSystemID || auto.ApproverRoleID != res.ApproverRoleID {
			t.Errorf("auto-report role = %+v", auto)
		}

		// Consent.
		c, err := st.LatestConsentVersion(ctx)
		if err != nil || c.Version != 2 || res.ConsentVersion != 2 {
			t.Fatalf("consent = %+v, %v", c, err)
		}
		for _, w := range []string{"사용자 확인 및 중복 가입 방지", "이름, 아이디, 기관명, 휴대폰번호, 기관(부서) 전화번호", "탈퇴 시 즉시 삭제", "거부권", "부서, 직책"} {
			if !strings.Contains(c.Text, w) {
				t.Errorf("consent text lacks %q", w)
			}
		}

		// Accounts and grants: one approver per demo health centre, a
		// Seoul province admin and a national admin.
		if len(res.Accounts) != len(res.HealthCentres)+2 {
			t.Errorf("%d accounts for %d health centres", len(res.Accounts), len(res.HealthCentres))
		}
		byLogin := map[string]demo.Account{}
		for _, a := range res.Accounts {
			byLogin[a.LoginID] = a
			u, err := st.GetUser(ctx, a.UserID)
			if err != nil || u.Status != domain.UserActive || u.LoginID != a.LoginID || u.InstitutionID != a.Institution.ID || u.Pseudonym == "" || u.ConsentVersion != 2 {
				t.Errorf("user %s = %+v, %v", a.LoginID, u, err)
			}
			grants, err := st.ListGrants(ctx, store.GrantFilter{UserID: a.UserID, ActiveAt: now})
			if err != nil || len(grants) != len(a.Roles) || len(grants) == 0 {
				t.Errorf("%s: grants %+v, %v; roles %v", a.LoginID, grants, err, a.Roles)
			}
		}
		for _, hc := range res.HealthCentres {
			a, ok := byLogin["approver"+hc.RegionCode]
			if !ok || a.Institution.ID != hc.ID {
				t.Errorf("no approver account for %s", hc.Name)
				continue
			}
			g, _ := st.ListGrants(ctx, store.GrantFilter{UserID: a.UserID, RoleID: res.ApproverRoleID, ActiveAt: now})
			if len(g) != 1 {
				t.Errorf("%s holds %d approver grants", a.LoginID, len(g))
			}
		}
		if a := byLogin["admin"]; a.Institution.ID != res.NationalID || len(a.Roles) != 1 || res.Roles[a.Roles[0]] != res.NationalAdminRoleID {
			t.Errorf("admin = %+v", a)
		}
		if a := byLogin["admin11"]; a.Institution.Code != "PR-11" || res.Roles[a.Roles[0]] != res.ProvinceAdminRoleID {
			t.Errorf("admin11 = %+v", a)
		}

		// Seeding again writes nothing and returns the same IDs.
		again, err := demo.Seed(ctx, st, now.Add(time.Hour))
		if err != nil {
			t.Fatalf("second seed: %v", err)
		}
		if again.Created != 0 || again.UserRoleID != res.UserRoleID || again.Accounts[0].UserID != res.Accounts[0].UserID || len(again.Medical) != len(res.Medical) {
			t.Errorf("second seed created %d, ids %d/%d", again.Created, again.UserRoleID, res.UserRoleID)
		}
		_, n, _ := st.ListUsers(ctx, store.UserFilter{})
		if n != len(res.Accounts) {
			t.Errorf("%d users after seeding twice, want %d", n, len(res.Accounts))
		}
	})
}
