package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/demo"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
	"github.com/gwanmun/gwanmun/internal/testenv"
)

// TestSetupRoles gives the roles of -role-pages on a fresh database (SQLite,
// and PostgreSQL with GWANMUN_TEST_PG) and checks what the app's own rules
// make of them: bench-00001 decides the other users' requests at the bench
// health centre, bench-00002 administers nationally. Reruns add nothing;
// a new user adds one request.
func TestSetupRoles(t *testing.T) {
	dir := sharedCache(t)
	_, users, err := loadOrCreateUsers(dir, 4, testLog{t})
	if err != nil {
		t.Fatal(err)
	}
	for name, open := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "bench.db") },
		"postgres": func(t *testing.T) string { return testenv.PostgresSchema(t) },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st, err := sqlstore.Open(ctx, open(t))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := registerUsers(ctx, st, users[:2]); err != nil {
				t.Fatal(err)
			}
			if _, err := setupRoles(ctx, st, users[:2]); err == nil {
				t.Errorf("setupRoles with 2 users accepted")
			}
			three := users[:3]
			if _, err := registerUsers(ctx, st, three); err != nil {
				t.Fatal(err)
			}
			rs, err := setupRoles(ctx, st, three)
			if err != nil {
				t.Fatal(err)
			}
			if !rs.Seeded || rs.NewGrants != 2 || rs.NewRequests != 1 || rs.Pending != 1 {
				t.Errorf("first setup: %+v", rs)
			}
			checkRoles(t, st, rs, 1)

			// Idempotent: nothing new, the same state.
			again, err := setupRoles(ctx, st, three)
			if err != nil {
				t.Fatal(err)
			}
			if again.Seeded || again.NewGrants != 0 || again.NewRequests != 0 || again.Pending != 1 || again.Centre.ID != rs.Centre.ID {
				t.Errorf("second setup: %+v", again)
			}
			checkRoles(t, st, again, 1)

			// One more user, one more request.
			if _, err := registerUsers(ctx, st, users[:4]); err != nil {
				t.Fatal(err)
			}
			more, err := setupRoles(ctx, st, users[:4])
			if err != nil {
				t.Fatal(err)
			}
			if more.NewGrants != 0 || more.NewRequests != 1 || more.Pending != 2 {
				t.Errorf("setup with a new user: %+v", more)
			}
			checkRoles(t, st, more, 2)
		})
	}
}

// checkRoles checks the approver's inbox and the administrator's scope as
// internal/access computes them.
func checkRoles(t *testing.T, st store.Store, rs roleSetup, pending int) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	approver, err := st.GetUserByLoginID(ctx, loginID(approverIndex))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := access.ScopeOf(ctx, st, approver, now)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Institution.Code != benchCentreCode || sc.Institution.Kind != domain.KindHealthCentre || sc.National {
		t.Errorf("approver scope: %+v", sc)
	}
	items, total, err := access.Inbox(ctx, st, sc, access.InboxFilter{Status: domain.RequestPending}, now)
	if err != nil {
		t.Fatal(err)
	}
	if total != pending || len(items) != pending {
		t.Fatalf("inbox: %d items of %d, want %d", len(items), total, pending)
	}
	for i, it := range items {
		if it.Applicant.LoginID != loginID(i+2) || it.Role.Code != demo.RoleUser || it.Institution.Code != benchInstitutionCode {
			t.Errorf("inbox item %d: %s asks for %s from %s", i, it.Applicant.LoginID, it.Role.Code, it.Institution.Code)
		}
	}
	// The requests went where the app's routing sends them.
	clinic, err := st.GetInstitutionByCode(ctx, benchInstitutionCode)
	if err != nil {
		t.Fatal(err)
	}
	if j, err := access.ApprovingInstitution(ctx, st, clinic, domain.KindHealthCentre); err != nil || j.ID != rs.Centre.ID {
		t.Errorf("jurisdiction of the bench clinic: %+v, %v", j, err)
	}
	admin, err := st.GetUserByLoginID(ctx, loginID(adminIndex))
	if err != nil {
		t.Fatal(err)
	}
	if as, err := access.AdminScopeOf(ctx, st, admin, now); err != nil || !as.National {
		t.Errorf("administrator scope: %+v, %v", as, err)
	}
	// The applicants administer nothing and decide nothing.
	applicant, err := st.GetUserByLoginID(ctx, loginID(2))
	if err != nil {
		t.Fatal(err)
	}
	if sc, err := access.ScopeOf(ctx, st, applicant, now); err != nil || sc.Any() {
		t.Errorf("applicant scope: %+v, %v", sc, err)
	}
}

// TestSetupRolesOtherSystems refuses a database whose systems are not the
// demo's rather than seeding demo data into it.
func TestSetupRolesOtherSystems(t *testing.T) {
	dir := sharedCache(t)
	_, users, err := loadOrCreateUsers(dir, 3, testLog{t})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "bench.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateSystem(ctx, &domain.System{Code: "other", Name: "다른 시스템", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := registerUsers(ctx, st, users); err != nil {
		t.Fatal(err)
	}
	if _, err := setupRoles(ctx, st, users); err == nil || !strings.Contains(err.Error(), demo.SystemCovid) {
		t.Errorf("setupRoles = %v, want a refusal naming %s", err, demo.SystemCovid)
	}
	if _, err := st.GetInstitutionByCode(ctx, benchCentreCode); err == nil {
		t.Errorf("the refused setup left the bench health centre behind")
	}
}

// TestRolePageChecks: the checks refuse an empty inbox, a page without the
// role and a search that found too few users.
func TestRolePageChecks(t *testing.T) {
	rs := roleSetup{Pending: 2, ApproverRole: domain.Role{Name: "승인자(보건소)"}}
	pages := rolePages(rs, 3)
	good := []string{
		`<input type="checkbox" name="id" value="1"> bench-00003 <input name="id" value="2"> bench-00004`,
		`승인자(보건소) <input name="login_id" value="bench-00001">`,
		`bench-00001 bench-00002 bench-00003`,
	}
	bad := []string{
		`<p>신청이 없습니다.</p> bench-00001`,
		`bench-00001`,
		`bench-00001 bench-00002`,
	}
	for i, p := range pages {
		if err := p.Check(good[i]); err != nil {
			t.Errorf("%s: good page refused: %v", p.Path, err)
		}
		if err := p.Check(bad[i]); err == nil {
			t.Errorf("%s: bad page accepted", p.Path)
		}
	}
	if err := rolePages(roleSetup{}, 3)[0].Check(good[0]); err == nil {
		t.Errorf("an inbox check with nothing pending accepted")
	}
}

func TestParseFlagsRolePages(t *testing.T) {
	var sink bytes.Buffer
	if o, err := parseFlags([]string{"-spawn", "-role-pages", "-short"}, &sink); err != nil || !o.rolePages {
		t.Errorf("-spawn -role-pages -short: %+v, %v", o, err)
	}
	for _, bad := range [][]string{
		{"-role-pages"},                          // no server
		{"-spawn", "-role-pages", "-users", "2"}, // too few users
		{"-url", "http://127.0.0.1:1", "-register=false", "-role-pages"}, // no -db
	} {
		if _, err := parseFlags(bad, &sink); err == nil {
			t.Errorf("parseFlags(%q) accepted", bad)
		}
	}
}
