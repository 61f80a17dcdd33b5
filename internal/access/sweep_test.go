package access_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// system is the audit actor of automatic actions: no user ID, no address.
var system = domain.User{}

func (f *fixture) sweep(now time.Time) access.SweepResult {
	f.t.Helper()
	res, err := access.Sweep(f.ctx, f.st, access.SweepConfig{}, now)
	if err != nil {
		f.t.Fatalf("Sweep at %v: %v", now, err)
	}
	return res
}

func TestSweepLapsesGrants(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		d := f.demo
		role, err := f.st.GetRole(f.ctx, d.UserRoleID)
		if err != nil {
			t.Fatal(err)
		}
		role.GrantLifetime = 30 * 24 * time.Hour
		if err := f.st.UpdateRole(f.ctx, &role); err != nil {
			t.Fatal(err)
		}
		u := f.newUser("clinic1", "김의사", "91111001", domain.UserPending, domain.CertPersonal)
		req := f.request(u, d.UserRoleID, "HC-11110", "", t0)
		approved := t0.Add(time.Hour)
		_, g, err := f.decide(f.user("approver11110"), req.ID, true, "", approved)
		if err != nil {
			t.Fatal(err)
		}
		end := approved.Add(role.GrantLifetime)
		if !g.ExpiresAt.Equal(end) {
			t.Fatalf("grant expires %v, want %v", g.ExpiresAt, end)
		}
		if res := f.sweep(end.Add(-time.Second)); res.Lapsed != 0 {
			t.Errorf("before the end: %+v", res)
		}
		if !f.held(u, d.UserRoleID, end.Add(-time.Second)) || f.held(u, d.UserRoleID, end) {
			t.Error("Held does not follow the lifetime")
		}

		// Two processes sweep at once: the grant lapses once.
		var wg sync.WaitGroup
		results := make([]access.SweepResult, 2)
		for i := range results {
			wg.Go(func() {
				r, err := access.Sweep(f.ctx, f.st, access.SweepConfig{}, end)
				if err != nil {
					t.Errorf("sweep %d: %v", i, err)
				}
				results[i] = r
			})
		}
		wg.Wait()
		if n := results[0].Lapsed + results[1].Lapsed; n != 1 {
			t.Errorf("lapsed %d times, want 1 (%+v)", n, results)
		}
		grants, err := f.st.ListGrants(f.ctx, store.GrantFilter{UserID: u.ID})
		if err != nil || len(grants) != 1 {
			t.Fatalf("grants %v, %v", grants, err)
		}
		if grants[0].RevokedAt.IsZero() || grants[0].RevokeReason == "" {
			t.Errorf("lapsed grant not revoked: %+v", grants[0])
		}
		f.wantEvent("grant.expire", "grant", g.ID, system, "", end)
		if res := f.sweep(end.Add(time.Hour)); res.Lapsed != 0 {
			t.Errorf("second sweep: %+v", res)
		}
	})
}

func TestSweepCancelsLockedAndWithdrawn(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		d := f.demo
		reqs := map[domain.UserStatus]domain.RoleRequest{}
		for i, st := range []domain.UserStatus{domain.UserActive, domain.UserPending, domain.UserLocked, domain.UserWithdrawn} {
			u := f.newUser("clinic"+string(st), "신청자", "91111001", domain.UserPending, domain.CertPersonal)
			reqs[st] = f.request(u, d.UserRoleID, "HC-11110", "", t0.Add(time.Duration(i)*time.Minute))
			u.Status = st
			if err := f.st.UpdateUser(f.ctx, &u); err != nil {
				t.Fatal(err)
			}
		}
		now := t0.Add(time.Hour)
		res := f.sweep(now)
		if res.Cancelled != 2 {
			t.Errorf("cancelled %d, want 2 (%+v)", res.Cancelled, res)
		}
		for st, r := range reqs {
			got := f.get(r.ID)
			want := domain.RequestPending
			if st == domain.UserLocked || st == domain.UserWithdrawn {
				want = domain.RequestCancelled
				e := f.wantEvent("request.cancel", "request", r.ID, system, "", now)
				if !strings.Contains(e.Detail, string(st)) {
					t.Errorf("cancel detail %s, want the reason %s", e.Detail, st)
				}
			}
			if got.Status != want {
				t.Errorf("request of a %s user: %s, want %s", st, got.Status, want)
			}
		}
		if res := f.sweep(now.Add(time.Minute)); res.Cancelled != 0 {
			t.Errorf("second sweep cancelled %d", res.Cancelled)
		}
	})
}

// TestSweepRemindAndEscalate follows a request nobody decides: a reminder
// after 24 h, escalation after 72 h, then the province administrator of
// the centre's province (and only that one) decides it.
func TestSweepRemindAndEscalate(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		d := f.demo
		u := f.newUser("clinic1", "김의사", "91111001", domain.UserPending, domain.CertPersonal)
		req := f.request(u, d.UserRoleID, "HC-11110", "", t0)
		seoul := f.user("admin11")
		daejeon := f.newUser("admin30", "대전관리", "PR-30", domain.UserActive, domain.CertPersonal)
		f.grant(daejeon, d.ProvinceAdminRoleID)

		if res := f.sweep(t0.Add(23 * time.Hour)); res.Reminded != 0 || res.Escalated != 0 {
			t.Errorf("at 23 h: %+v", res)
		}
		at := t0.Add(24 * time.Hour)
		if res := f.sweep(at); res.Reminded != 1 || res.Escalated != 0 {
			t.Errorf("at 24 h: %+v", res)
		}
		if r := f.get(req.ID); !r.RemindedAt.Equal(at) || !r.EscalatedAt.IsZero() || r.Status != domain.RequestPending {
			t.Errorf("after the reminder: %+v", r)
		}
		f.wantEvent("request.remind", "request", req.ID, system, "", at)
		if res := f.sweep(t0.Add(48 * time.Hour)); res.Reminded != 0 || res.Escalated != 0 {
			t.Errorf("at 48 h (reminded once only): %+v", res)
		}
		if n := escalatedFor(t, f, seoul); n != 0 {
			t.Errorf("province queue holds %d before escalation", n)
		}
		if _, _, err := f.decide(seoul, req.ID, true, "", t0.Add(48*time.Hour)); err != access.ErrNotYours {
			t.Errorf("province admin before escalation: %v", err)
		}

		at = t0.Add(72 * time.Hour)
		if res := f.sweep(at); res.Escalated != 1 || res.Reminded != 0 {
			t.Errorf("at 72 h: %+v", res)
		}
		if r := f.get(req.ID); !r.EscalatedAt.Equal(at) {
			t.Errorf("EscalatedAt %v, want %v", r.EscalatedAt, at)
		}
		f.wantEvent("request.escalate", "request", req.ID, system, "", at)
		if res := f.sweep(at.Add(time.Hour)); res.Escalated != 0 {
			t.Errorf("escalated twice: %+v", res)
		}

		// Seoul's administrator sees and may decide it; Daejeon's may not.
		if n := escalatedFor(t, f, seoul); n != 1 {
			t.Errorf("Seoul's escalated queue holds %d, want 1", n)
		}
		if n := escalatedFor(t, f, daejeon); n != 0 {
			t.Errorf("Daejeon's escalated queue holds %d, want 0", n)
		}
		role, _ := f.st.GetRole(f.ctx, d.UserRoleID)
		if a, err := access.AuthorityOver(f.ctx, f.st, seoul, f.get(req.ID), role, at); err != nil || a != access.AuthProvince {
			t.Errorf("Seoul admin's authority %q, %v", a, err)
		}
		now := at.Add(2 * time.Hour)
		if _, _, err := f.decide(daejeon, req.ID, true, "", now); err != access.ErrNotYours {
			t.Errorf("Daejeon admin decides: %v, want ErrNotYours", err)
		}
		if _, _, err := f.decide(seoul, req.ID, true, "", now); err != nil {
			t.Fatalf("Seoul admin decides: %v", err)
		}
		if e := f.wantEvent("request.approve", "request", req.ID, seoul, clientAddr, now); !strings.Contains(e.Detail, `"authority":"province"`) {
			t.Errorf("approve detail %s", e.Detail)
		}
		if !f.held(u, d.UserRoleID, now) {
			t.Error("not granted")
		}
	})
}

// escalatedFor counts the pending requests in actor's escalated queue.
func escalatedFor(t *testing.T, f *fixture, actor domain.User) int {
	t.Helper()
	sc, err := access.ScopeOf(f.ctx, f.st, actor, t0)
	if err != nil {
		t.Fatal(err)
	}
	items, n, err := access.Inbox(f.ctx, f.st, sc, access.InboxFilter{Status: domain.RequestPending, Escalated: true}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(items) {
		t.Errorf("total %d, %d items", n, len(items))
	}
	return n
}

// TestSweepEscalatesWithoutApprover: a centre with no active approver gets
// its requests escalated at once.
func TestSweepEscalatesWithoutApprover(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		d := f.demo
		ap := f.user("approver11140") // 중구보건소's only approver
		ap.Status = domain.UserLocked
		if err := f.st.UpdateUser(f.ctx, &ap); err != nil {
			t.Fatal(err)
		}
		u := f.newUser("clinic1", "김의사", "91114001", domain.UserPending, domain.CertPersonal)
		req := f.request(u, d.UserRoleID, "HC-11140", "", t0)
		other := f.request(f.newUser("clinic2", "이간호", "91111001", domain.UserPending, domain.CertPersonal), d.UserRoleID, "HC-11110", "", t0)
		now := t0.Add(time.Minute)
		if res := f.sweep(now); res.Escalated != 1 || res.Reminded != 0 {
			t.Errorf("sweep: %+v, want one escalation", res)
		}
		if r := f.get(req.ID); !r.EscalatedAt.Equal(now) {
			t.Errorf("request to a centre without approver: EscalatedAt %v", r.EscalatedAt)
		}
		if r := f.get(other.ID); !r.EscalatedAt.IsZero() {
			t.Errorf("request to a staffed centre escalated at %v", r.EscalatedAt)
		}
		if _, _, err := f.decide(f.user("admin11"), req.ID, true, "", now); err != nil {
			t.Errorf("Seoul admin decides the escalated request: %v", err)
		}
	})
}

// TestSweepBeyondOneBatch: more pending requests than one read holds
// (store.MaxLimit) are all reminded and escalated, the newest too, and
// those of a locked user cancelled whatever their age. (The sweep used to
// read the 500 oldest pending requests only.)
func TestSweepBeyondOneBatch(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		d := f.demo
		n := store.MaxLimit + 7
		centre := f.inst("HC-11110").ID
		var newest int64
		err := f.st.InTx(f.ctx, func(q store.Queries) error {
			for i := range n {
				login := fmt.Sprintf("bulk%04d", i)
				u := domain.User{LoginID: login, Name: "대량신청", InstitutionID: f.inst("91111001").ID, Status: domain.UserPending,
					Pseudonym: "p-" + login, CreatedAt: t0, UpdatedAt: t0}
				if err := q.CreateUser(f.ctx, &u); err != nil {
					return err
				}
				r := domain.RoleRequest{UserID: u.ID, RoleID: d.UserRoleID, ApproverInstitutionID: centre, Status: domain.RequestPending,
					CreatedAt: t0.Add(time.Duration(i) * time.Second)}
				if err := q.CreateRequest(f.ctx, &r); err != nil {
					return err
				}
				newest = r.ID
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// A locked applicant's request, the newest of all.
		locked := f.newUser("lockedbulk", "잠긴사용자", "91111001", domain.UserPending, domain.CertPersonal)
		lr := f.storeRequest(locked, d.UserRoleID, "HC-11110", t0.Add(time.Hour))
		locked.Status = domain.UserLocked
		if err := f.st.UpdateUser(f.ctx, &locked); err != nil {
			t.Fatal(err)
		}

		// 24 h after the newest: every request reminded, none escalated.
		at := t0.Add(25 * time.Hour)
		if res := f.sweep(at); res.Reminded != n || res.Cancelled != 1 || res.Escalated != 0 {
			t.Errorf("at 25 h: %+v, want %d reminded, 1 cancelled", res, n)
		}
		if r := f.get(newest); !r.RemindedAt.Equal(at) {
			t.Errorf("the newest request: %+v, want reminded", r)
		}
		if r := f.get(lr.ID); r.Status != domain.RequestCancelled {
			t.Errorf("the locked applicant's request: %s, want cancelled", r.Status)
		}
		if res := f.sweep(at.Add(time.Minute)); res != (access.SweepResult{}) {
			t.Errorf("a minute later: %+v, want nothing", res)
		}
		at = t0.Add(73 * time.Hour)
		if res := f.sweep(at); res.Escalated != n || res.Reminded != 0 {
			t.Errorf("at 73 h: %+v, want %d escalated", res, n)
		}
		if r := f.get(newest); !r.EscalatedAt.Equal(at) {
			t.Errorf("the newest request: %+v, want escalated", r)
		}
	})
}
