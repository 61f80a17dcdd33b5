package firstrun_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gwanmun/gwanmun/internal/auth"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/firstrun"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
)

// personal issues a personal development certificate to name and returns
// it as the verifier would.
func personal(t *testing.T, ca *pki.DevCA, name string) *pki.Result {
	t.Helper()
	is, err := ca.Issue(pki.IssueOptions{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return &pki.Result{Cert: is.Cert, Class: domain.CertPersonal, PolicyOID: pki.OIDDevPersonal}
}

// TestBootstrapAdoptsSignedUpAccount: a national-agency user who signed up
// with the certificate (pending) becomes the administrator, active; a
// locked national administrator or an active province administrator does
// not count as an active national administrator, an active national one
// does.
func TestBootstrapAdoptsSignedUpAccount(t *testing.T) {
	ca, err := pki.NewDevCA("FIRSTRUN-TEST")
	if err != nil {
		t.Fatal(err)
	}
	forEachDB(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		kdca := domain.Institution{Code: "KDCA", Name: "질병관리청", Kind: domain.KindNational, CreatedAt: t0, UpdatedAt: t0}
		prov := domain.Institution{Code: "PR-11", Name: "서울특별시", Kind: domain.KindProvince, CreatedAt: t0, UpdatedAt: t0}
		for _, in := range []*domain.Institution{&kdca, &prov} {
			if err := st.CreateInstitution(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		res := personal(t, ca, "김관리")
		u := domain.User{LoginID: "kimadmin", Name: "김관리", InstitutionID: kdca.ID, Status: domain.UserPending,
			Pseudonym: "p-kim", CreatedAt: t0, UpdatedAt: t0}
		if err := st.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
		v := auth.Verified{Result: res, KeyHash: auth.KeyHash(res.Cert)}
		c := v.CertificateRecord(u.ID, t0)
		if err := st.AddCertificate(ctx, &c); err != nil {
			t.Fatal(err)
		}
		// Another login ID than the certificate's account: refused.
		if _, err := firstrun.Bootstrap(ctx, st, firstrun.Admin{Result: res, LoginID: "someoneelse", InstitutionCode: "KDCA"}, t0); err == nil {
			t.Error("bootstrap with another login ID than the certificate's account succeeded")
		}
		out, err := firstrun.Bootstrap(ctx, st, firstrun.Admin{Result: res, InstitutionCode: "KDCA"}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if out.CreatedUser || out.User.ID != u.ID || !out.CreatedRole {
			t.Errorf("result %+v", out)
		}
		got, err := st.GetUser(ctx, u.ID)
		if err != nil || got.Status != domain.UserActive {
			t.Errorf("user after bootstrap: %+v, %v", got, err)
		}
		who, err := firstrun.ActiveNationalAdmin(ctx, st, t0)
		if err != nil || who == nil || who.ID != u.ID {
			t.Fatalf("ActiveNationalAdmin = %+v, %v", who, err)
		}

		// Locked, they no longer count; a province administrator never does.
		got.Status = domain.UserLocked
		if err := st.UpdateUser(ctx, &got); err != nil {
			t.Fatal(err)
		}
		pu := domain.User{LoginID: "seouladmin", Name: "이시도", InstitutionID: prov.ID, Status: domain.UserActive, Pseudonym: "p-seoul", CreatedAt: t0, UpdatedAt: t0}
		if err := st.CreateUser(ctx, &pu); err != nil {
			t.Fatal(err)
		}
		provRole, err := st.GetRoleByCode(ctx, out.System.ID, firstrun.ProvinceRoleCode)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CreateGrant(ctx, &domain.Grant{UserID: pu.ID, RoleID: provRole.ID, GrantedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if who, err := firstrun.ActiveNationalAdmin(ctx, st, t0); err != nil || who != nil {
			t.Fatalf("ActiveNationalAdmin with a locked national and an active province administrator = %+v, %v", who, err)
		}
		// So a new bootstrap is allowed (the roles exist now and are reused).
		second := personal(t, ca, "박새로")
		out2, err := firstrun.Bootstrap(ctx, st, firstrun.Admin{Result: second, LoginID: "parknew", InstitutionCode: "KDCA"}, t0)
		if err != nil || !out2.CreatedUser || out2.CreatedRole || out2.Role.ID != out.Role.ID || out2.User.Name != "박새로" {
			t.Fatalf("second bootstrap: %+v, %v", out2, err)
		}
		// And then it is refused.
		third := personal(t, ca, "최셋째")
		if _, err := firstrun.Bootstrap(ctx, st, firstrun.Admin{Result: third, LoginID: "choithird", InstitutionCode: "KDCA"}, t0); !errors.Is(err, firstrun.ErrAdminExists) {
			t.Errorf("bootstrap with an active national administrator: %v", err)
		}
		if _, err := st.GetUserByLoginID(ctx, "choithird"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the refused bootstrap left its user: %v", err)
		}
	})
}
