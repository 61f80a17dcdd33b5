package lifecycle_test

import (
	"context"
	"crypto/rand"
	"errors"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/demo"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/lifecycle"
	"github.com/gwanmun/gwanmun/internal/notify"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
	"github.com/gwanmun/gwanmun/internal/testenv"
)

// Every test runs on a fresh SQLite file and a fresh PostgreSQL schema,
// seeded with the demo data; time is the injected t0 and after.

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const addr = "192.0.2.9"

var mail = &lifecycle.Mail{Site: notify.Site{Name: "관문", BaseURL: "https://portal.example"}}

type fixture struct {
	t    *testing.T
	ctx  context.Context
	st   store.Store
	demo *demo.Result
}

func forEachDB(t *testing.T, fn func(t *testing.T, f *fixture)) {
	open := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "lc.db") },
		"postgres": func(t *testing.T) string { return testenv.PostgresSchema(t) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			st, err := sqlstore.Open(context.Background(), open[name](t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			res, err := demo.Seed(context.Background(), st, t0)
			if err != nil {
				t.Fatal(err)
			}
			fn(t, &fixture{t: t, ctx: context.Background(), st: st, demo: res})
		})
	}
}

func (f *fixture) inst(code string) domain.Institution {
	f.t.Helper()
	in, err := f.st.GetInstitutionByCode(f.ctx, code)
	if err != nil {
		f.t.Fatalf("institution %s: %v", code, err)
	}
	return in
}

func (f *fixture) user(loginID string) domain.User {
	f.t.Helper()
	u, err := f.st.GetUserByLoginID(f.ctx, loginID)
	if err != nil {
		f.t.Fatalf("user %s: %v", loginID, err)
	}
	return u
}

func (f *fixture) newUser(loginID, instCode string, status domain.UserStatus) (domain.User, domain.Certificate) {
	f.t.Helper()
	u := domain.User{LoginID: loginID, Name: "김" + loginID, InstitutionID: f.inst(instCode).ID, Status: status, Email: loginID + "@example.kr",
		Mobile: "01012345678", Pseudonym: "p-" + loginID, CreatedAt: t0, UpdatedAt: t0, LastLoginAt: t0}
	if err := f.st.CreateUser(f.ctx, &u); err != nil {
		f.t.Fatal(err)
	}
	kh := make([]byte, 32)
	rand.Read(kh)
	c := domain.Certificate{UserID: u.ID, SubjectDN: "CN=" + u.Name, KeyHash: kh, NotBefore: t0, NotAfter: t0.AddDate(2, 0, 0),
		Class: domain.CertPersonal, RegisteredAt: t0}
	if err := f.st.AddCertificate(f.ctx, &c); err != nil {
		f.t.Fatal(err)
	}
	return u, c
}

func (f *fixture) events(action string, targetType string, id int64) int {
	f.t.Helper()
	ev, err := f.st.ListAudit(f.ctx, store.AuditFilter{Action: action, TargetType: targetType, TargetID: strconv.FormatInt(id, 10)})
	if err != nil {
		f.t.Fatal(err)
	}
	return len(ev)
}

func (f *fixture) mails(kind string) int {
	f.t.Helper()
	_, n, err := f.st.ListOutbox(f.ctx, domain.OutboxFilter{Kind: kind})
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

func TestReactivate(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		u, cert := f.newUser("sleepy", "91111001", domain.UserActive)
		if _, err := lifecycle.Reactivate(f.ctx, f.st, cert.KeyHash, addr, mail, t0); err != lifecycle.ErrReactivateNotLocked {
			t.Errorf("reactivating an open account: %v", err)
		}
		now := t0.Add(400 * 24 * time.Hour)
		if ok, err := f.st.LockInactiveUser(f.ctx, u.ID, now.Add(-365*24*time.Hour), now); err != nil || !ok {
			t.Fatal(ok, err)
		}
		if _, err := lifecycle.Reactivate(f.ctx, f.st, []byte("not a registered key hash, 32 b"), addr, mail, now); err != lifecycle.ErrReactivateNotRegistered {
			t.Errorf("unregistered certificate: %v", err)
		}
		res, err := lifecycle.Reactivate(f.ctx, f.st, cert.KeyHash, addr, mail, now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if res.User.Status != domain.UserPending || !res.User.LastLoginAt.Equal(now.Add(time.Hour)) {
			t.Errorf("reopened %+v", res.User)
		}
		if f.events("user.reactivate", "user", u.ID) != 1 || f.mails(notify.KindReactivated) != 1 {
			t.Error("reactivation not audited or not e-mailed")
		}
		// Locked by an administrator: whom to call.
		adm, acert := f.newUser("adminlock", "91111001", domain.UserLocked)
		var al *lifecycle.AdminLocked
		if _, err := lifecycle.Reactivate(f.ctx, f.st, acert.KeyHash, addr, mail, now); !errors.As(err, &al) || al.Centre.Code != "HC-11110" {
			t.Errorf("administrator's lock: %v", err)
		}
		if got, _ := f.st.GetUser(f.ctx, adm.ID); got.Status != domain.UserLocked {
			t.Error("administrator's lock lifted")
		}
	})
}

// TestInstitutionChange: nothing changes until the new jurisdiction
// confirms; then the old jurisdiction's grants are revoked, its pending
// requests cancelled, and the roles can be requested again in one step.
func TestInstitutionChange(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		d := f.demo
		u, _ := f.newUser("mover", "91111001", domain.UserActive) // 종로구
		oldAppr, newAppr := f.user("approver11110"), f.user("approver11140")
		newAppr.Email = "approver11140@example.kr"
		if err := f.st.UpdateUser(f.ctx, &newAppr); err != nil {
			t.Fatal(err)
		}
		req := domain.RoleRequest{UserID: u.ID, RoleID: d.UserRoleID, ApproverInstitutionID: f.inst("HC-11110").ID, Status: domain.RequestPending, CreatedAt: t0}
		if err := f.st.CreateRequest(f.ctx, &req); err != nil {
			t.Fatal(err)
		}
		var g *domain.Grant
		err := f.st.InTx(f.ctx, func(q store.Queries) error {
			var err error
			_, g, err = access.Decide(f.ctx, q, oldAppr, addr, access.Decision{RequestID: req.ID, Approve: true}, t0)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		pend := domain.RoleRequest{UserID: u.ID, RoleID: d.AutoReportRoleID, ApproverInstitutionID: f.inst("HC-11110").ID, Status: domain.RequestPending, CreatedAt: t0}
		if err := f.st.CreateRequest(f.ctx, &pend); err != nil {
			t.Fatal(err)
		}

		ask := func(to string, now time.Time) (domain.InstitutionChange, error) {
			var c domain.InstitutionChange
			err := f.st.InTx(f.ctx, func(q store.Queries) error {
				cur, _ := q.GetUser(f.ctx, u.ID)
				var err error
				c, _, err = lifecycle.RequestChange(f.ctx, q, cur, f.inst(to).ID, addr, mail, now)
				return err
			})
			return c, err
		}
		if _, err := ask("91111001", t0); err != lifecycle.ErrSameInstitution {
			t.Errorf("same institution: %v", err)
		}
		c, err := ask("91114001", t0.Add(time.Hour)) // 중구
		if err != nil {
			t.Fatal(err)
		}
		if c.ApproverInstitutionID != f.inst("HC-11140").ID {
			t.Errorf("confirmed by %d, want 중구보건소", c.ApproverInstitutionID)
		}
		if _, err := ask("91114002", t0.Add(time.Hour)); err != lifecycle.ErrChangePending {
			t.Errorf("second change: %v", err)
		}
		// Nothing changed yet.
		if cur, _ := f.st.GetUser(f.ctx, u.ID); cur.InstitutionID != f.inst("91111001").ID {
			t.Fatal("institution changed before confirmation")
		}
		decide := func(actor domain.User, approve bool, reason string, now time.Time) (lifecycle.ChangeOutcome, error) {
			var out lifecycle.ChangeOutcome
			err := f.st.InTx(f.ctx, func(q store.Queries) error {
				var err error
				out, err = lifecycle.DecideChange(f.ctx, q, actor, c.ID, approve, reason, addr, mail, now)
				return err
			})
			return out, err
		}
		// The old centre cannot confirm; rejecting needs a reason.
		if _, err := decide(oldAppr, true, "", t0.Add(2*time.Hour)); err != lifecycle.ErrChangeNotFound {
			t.Errorf("old centre confirming: %v", err)
		}
		if _, err := decide(newAppr, false, " ", t0.Add(2*time.Hour)); err != lifecycle.ErrChangeReason {
			t.Errorf("reject without reason: %v", err)
		}
		out, err := decide(newAppr, true, "", t0.Add(3*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Revoked) != 1 || out.Revoked[0].ID != g.ID || len(out.Cancelled) != 1 || out.Cancelled[0].ID != pend.ID {
			t.Fatalf("outcome: revoked %v, cancelled %v", out.Revoked, out.Cancelled)
		}
		cur, _ := f.st.GetUser(f.ctx, u.ID)
		if cur.InstitutionID != f.inst("91114001").ID {
			t.Error("institution not changed")
		}
		gs, _ := f.st.ListGrants(f.ctx, store.GrantFilter{UserID: u.ID})
		if len(gs) != 1 || gs[0].RevokeReason != lifecycle.RevokeReason {
			t.Errorf("grants after the change: %+v", gs)
		}
		if got, _ := f.st.GetRequest(f.ctx, pend.ID); got.Status != domain.RequestCancelled || got.Reason != lifecycle.RevokeReason {
			t.Errorf("pending request %s %q", got.Status, got.Reason)
		}
		if f.events("institution_change.approve", "institution_change", c.ID) != 1 || f.events("grant.revoke", "grant", g.ID) != 1 ||
			f.mails(notify.KindInstChangeDecided) != 1 || f.mails(notify.KindInstChangeRequested) != 1 {
			t.Error("change not audited or e-mailed")
		}
		if _, err := decide(newAppr, true, "", t0.Add(4*time.Hour)); err != lifecycle.ErrChangeDecided {
			t.Errorf("deciding twice: %v", err)
		}

		// The revoked role is offered once, at the new jurisdiction.
		last, err := lifecycle.LastChange(f.ctx, f.st, u.ID)
		if err != nil || last == nil || last.ID != c.ID {
			t.Fatalf("LastChange = %v, %v", last, err)
		}
		offered, err := lifecycle.RevokedByChange(f.ctx, f.st, *last, t0.Add(5*time.Hour))
		if err != nil || len(offered) != 1 || offered[0].RoleID != d.UserRoleID {
			t.Fatalf("offered %v, %v", offered, err)
		}
		var reqs []domain.RoleRequest
		err = f.st.InTx(f.ctx, func(q store.Queries) error {
			var err error
			reqs, err = lifecycle.RerequestRoles(f.ctx, q, cur, domain.CertPersonal, *last, []int64{d.UserRoleID}, addr, nil, t0.Add(5*time.Hour))
			return err
		})
		if err != nil || len(reqs) != 1 || reqs[0].ApproverInstitutionID != f.inst("HC-11140").ID {
			t.Fatalf("re-request: %v %v", reqs, err)
		}
		if offered, _ := lifecycle.RevokedByChange(f.ctx, f.st, *last, t0.Add(5*time.Hour)); len(offered) != 0 {
			t.Errorf("still offered after the re-request: %v", offered)
		}
		err = f.st.InTx(f.ctx, func(q store.Queries) error {
			_, err := lifecycle.RerequestRoles(f.ctx, q, cur, domain.CertPersonal, *last, []int64{d.AutoReportRoleID}, addr, nil, t0.Add(5*time.Hour))
			return err
		})
		if domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("re-requesting a role the change did not revoke: %v", err)
		}
	})
}

// TestInstitutionChangeWithdraw: the user withdraws; a withdrawn change
// cannot be confirmed, and another user cannot withdraw it.
func TestInstitutionChangeWithdraw(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		u, _ := f.newUser("stayer", "91111001", domain.UserActive)
		other, _ := f.newUser("nosy", "91111001", domain.UserActive)
		var c domain.InstitutionChange
		err := f.st.InTx(f.ctx, func(q store.Queries) error {
			var err error
			c, _, err = lifecycle.RequestChange(f.ctx, q, u, f.inst("91114001").ID, addr, nil, t0)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		withdraw := func(who domain.User) error {
			return f.st.InTx(f.ctx, func(q store.Queries) error { return lifecycle.WithdrawChange(f.ctx, q, who, c.ID, addr, t0) })
		}
		if err := withdraw(other); err != lifecycle.ErrChangeNotFound {
			t.Errorf("another's withdrawal: %v", err)
		}
		if err := withdraw(u); err != nil {
			t.Fatal(err)
		}
		if err := withdraw(u); err != lifecycle.ErrChangeDecided {
			t.Errorf("withdrawing twice: %v", err)
		}
		err = f.st.InTx(f.ctx, func(q store.Queries) error {
			_, err := lifecycle.DecideChange(f.ctx, q, f.user("approver11140"), c.ID, true, "", addr, nil, t0)
			return err
		})
		if err != lifecycle.ErrChangeDecided {
			t.Errorf("confirming a withdrawn change: %v", err)
		}
	})
}
