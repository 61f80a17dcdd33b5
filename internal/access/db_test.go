package access_test

// Test fixtures: every service-level test runs against a fresh SQLite file
// and a fresh PostgreSQL schema (GWANMUN_TEST_PG; skipped locally without
// it, a failure when CI=true), both seeded with the demo data.

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/demo"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
	"github.com/gwanmun/gwanmun/internal/testenv"
)

// t0 is when the demo data is seeded; tests move forward from it.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// clientAddr is the address the tests' actors act from.
const clientAddr = "192.0.2.7"

// fixture is a seeded store and helpers around it.
type fixture struct {
	t    *testing.T
	ctx  context.Context
	st   store.Store
	demo *demo.Result
}

// forEachDB runs fn as subtests "sqlite" and "postgres", each on a fresh,
// demo-seeded database.
func forEachDB(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlstore.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "access.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, newFixture(t, st))
	})
	t.Run("postgres", func(t *testing.T) {
		st, err := sqlstore.Open(context.Background(), pgSchemaURL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, newFixture(t, st))
	})
}

// pgSchemaURL is a fresh schema on the PostgreSQL test server.
func pgSchemaURL(t *testing.T) string { return testenv.PostgresSchema(t) }

func newFixture(t *testing.T, st store.Store) *fixture {
	t.Helper()
	res, err := demo.Seed(context.Background(), st, t0)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, ctx: context.Background(), st: st, demo: res}
}

// inst returns a seeded institution by code.
func (f *fixture) inst(code string) domain.Institution {
	f.t.Helper()
	in, err := f.st.GetInstitutionByCode(f.ctx, code)
	if err != nil {
		f.t.Fatalf("institution %s: %v", code, err)
	}
	return in
}

// user returns an account by login ID.
func (f *fixture) user(loginID string) domain.User {
	f.t.Helper()
	u, err := f.st.GetUserByLoginID(f.ctx, loginID)
	if err != nil {
		f.t.Fatalf("user %s: %v", loginID, err)
	}
	return u
}

// newUser stores an account at the institution with code instCode and,
// unless class is empty, a current certificate of that class.
func (f *fixture) newUser(loginID, name, instCode string, status domain.UserStatus, class domain.CertClass) domain.User {
	f.t.Helper()
	u := domain.User{LoginID: loginID, Name: name, InstitutionID: f.inst(instCode).ID, Status: status,
		Mobile: "01012345678", OfficePhone: "0212345678", Pseudonym: "p-" + loginID, CreatedAt: t0, UpdatedAt: t0}
	if err := f.st.CreateUser(f.ctx, &u); err != nil {
		f.t.Fatalf("create user %s: %v", loginID, err)
	}
	if class != "" {
		f.addCert(u, class)
	}
	return u
}

// addCert registers a certificate record of class for u (no real
// certificate: the rules read only the record).
func (f *fixture) addCert(u domain.User, class domain.CertClass) domain.Certificate {
	f.t.Helper()
	kh := make([]byte, 32)
	rand.Read(kh)
	oid := pki.OIDDevPersonal
	if class == domain.CertInstitution {
		oid = pki.OIDDevInstitution
	}
	c := domain.Certificate{UserID: u.ID, SubjectDN: "CN=" + u.Name, IssuerDN: "CN=GWANMUN-TEST", Serial: fmt.Sprintf("%x", kh[:8]),
		KeyHash: kh, NotBefore: t0.Add(-time.Hour), NotAfter: t0.AddDate(1, 0, 0), PolicyOID: oid, Class: class,
		DER: []byte{0x30, 0x00}, RegisteredAt: t0}
	if err := f.st.AddCertificate(f.ctx, &c); err != nil {
		f.t.Fatalf("add certificate: %v", err)
	}
	return c
}

// grant gives u the role directly, as an administrator would.
func (f *fixture) grant(u domain.User, roleID int64) domain.Grant {
	f.t.Helper()
	g := domain.Grant{UserID: u.ID, RoleID: roleID, GrantedAt: t0}
	if err := f.st.CreateGrant(f.ctx, &g); err != nil {
		f.t.Fatalf("grant: %v", err)
	}
	return g
}

// request files a request of u for roleID to the institution with code
// approverCode at now, through access.CreateRequest, and fails the test on
// error.
func (f *fixture) request(u domain.User, roleID int64, approverCode, justification string, now time.Time) domain.RoleRequest {
	f.t.Helper()
	req, _, err := f.tryRequest(u, domain.CertPersonal, roleID, approverCode, justification, false, now)
	if err != nil {
		f.t.Fatalf("request role %d for %s: %v", roleID, u.LoginID, err)
	}
	return req
}

func (f *fixture) tryRequest(u domain.User, class domain.CertClass, roleID int64, approverCode, justification string, confirm bool, now time.Time) (domain.RoleRequest, domain.Institution, error) {
	var (
		req  domain.RoleRequest
		appr domain.Institution
	)
	err := f.st.InTx(f.ctx, func(q store.Queries) error {
		var err error
		req, appr, err = access.CreateRequest(f.ctx, q, audit.ActorOf(u, clientAddr), access.NewRequest{
			Applicant: u, CertClass: class, RoleID: roleID, ApproverInstitutionID: f.inst(approverCode).ID,
			Justification: justification, ConfirmedOutsideJurisdiction: confirm}, now)
		return err
	})
	return req, appr, err
}

// storeRequest writes a pending request straight to the store, bypassing
// the request rules (for cases the rules would refuse to create).
func (f *fixture) storeRequest(u domain.User, roleID int64, approverCode string, now time.Time) domain.RoleRequest {
	f.t.Helper()
	r := domain.RoleRequest{UserID: u.ID, RoleID: roleID, ApproverInstitutionID: f.inst(approverCode).ID,
		Status: domain.RequestPending, CreatedAt: now}
	if err := f.st.CreateRequest(f.ctx, &r); err != nil {
		f.t.Fatal(err)
	}
	return r
}

// decide runs access.Decide in a transaction.
func (f *fixture) decide(actor domain.User, id int64, approve bool, reason string, now time.Time) (domain.RoleRequest, *domain.Grant, error) {
	var (
		req domain.RoleRequest
		g   *domain.Grant
	)
	err := f.st.InTx(f.ctx, func(q store.Queries) error {
		var err error
		req, g, err = access.Decide(f.ctx, q, actor, clientAddr, access.Decision{RequestID: id, Approve: approve, Reason: reason}, now)
		return err
	})
	return req, g, err
}

// get reads a request.
func (f *fixture) get(id int64) domain.RoleRequest {
	f.t.Helper()
	r, err := f.st.GetRequest(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// events returns the audit events of action on the target.
func (f *fixture) events(action, targetType string, targetID int64) []domain.AuditEvent {
	f.t.Helper()
	ev, err := f.st.ListAudit(f.ctx, store.AuditFilter{Action: action, TargetType: targetType,
		TargetID: strconv.FormatInt(targetID, 10), Page: store.Page{Limit: store.MaxLimit}})
	if err != nil {
		f.t.Fatal(err)
	}
	return ev
}

// wantEvent checks that exactly one event of action on the target exists,
// by actor (zero: the system) from addr at time at.
func (f *fixture) wantEvent(action, targetType string, targetID int64, actor domain.User, addr string, at time.Time) domain.AuditEvent {
	f.t.Helper()
	ev := f.events(action, targetType, targetID)
	if len(ev) != 1 {
		f.t.Fatalf("%d %q events on %s %d, want 1", len(ev), action, targetType, targetID)
	}
	e := ev[0]
	if e.ActorID != actor.ID || (actor.ID != 0 && e.Actor != actor.Pseudonym) || e.ClientAddr != addr || !e.At.Equal(at) {
		f.t.Errorf("%s event: actor %d %q from %q at %v, want %d %q from %q at %v",
			action, e.ActorID, e.Actor, e.ClientAddr, e.At, actor.ID, actor.Pseudonym, addr, at)
	}
	return e
}

// held reports whether u holds roleID at now.
func (f *fixture) held(u domain.User, roleID int64, now time.Time) bool {
	f.t.Helper()
	h, err := access.Held(f.ctx, f.st, u.ID, now)
	if err != nil {
		f.t.Fatal(err)
	}
	_, ok := h[roleID]
	return ok
}

// wantErr fails unless err is the very error want (the package's error
// values are compared by identity).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if err != want {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}
