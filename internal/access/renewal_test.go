package access_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/notify"
	"github.com/gwanmun/gwanmun/internal/store"
)

const days = 24 * time.Hour

var testNotices = &access.Notices{Site: notify.Site{Name: "관문", BaseURL: "https://portal.example"}}

// renewalWorld gives the demo's user role a 90-day lifetime and an
// approved grant of it to a clinic user with an e-mail address; it returns
// the holder, the grant and the approver.
func renewalWorld(t *testing.T, f *fixture) (domain.User, domain.Grant, domain.User) {
	t.Helper()
	role, err := f.st.GetRole(f.ctx, f.demo.UserRoleID)
	if err != nil {
		t.Fatal(err)
	}
	role.GrantLifetime = 90 * days
	if err := f.st.UpdateRole(f.ctx, &role); err != nil {
		t.Fatal(err)
	}
	u := f.newUser("renew1", "김연장", "91111001", domain.UserPending, domain.CertPersonal)
	u.Email = "renew1@example.kr"
	if err := f.st.UpdateUser(f.ctx, &u); err != nil {
		t.Fatal(err)
	}
	approver := f.user("approver11110")
	approver.Email = "approver11110@example.kr"
	if err := f.st.UpdateUser(f.ctx, &approver); err != nil {
		t.Fatal(err)
	}
	req := f.request(u, role.ID, "HC-11110", "", t0)
	_, g, err := f.decide(approver, req.ID, true, "", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	u = f.user("renew1")
	return u, *g, approver
}

func (f *fixture) renew(u domain.User, grantID int64, now time.Time) (domain.RoleRequest, error) {
	var req domain.RoleRequest
	err := f.st.InTx(f.ctx, func(q store.Queries) error {
		var err error
		req, err = access.RequestRenewal(f.ctx, q, u, clientAddr, grantID, access.RenewalConfig{}, testNotices, now)
		return err
	})
	return req, err
}

func (f *fixture) sweepMail(now time.Time) access.SweepResult {
	f.t.Helper()
	res, err := access.Sweep(f.ctx, f.st, access.SweepConfig{Notices: testNotices}, now)
	if err != nil {
		f.t.Fatalf("Sweep at %v: %v", now, err)
	}
	return res
}

func (f *fixture) mail(kind, to string) []domain.OutboxMessage {
	f.t.Helper()
	ms, _, err := f.st.ListOutbox(f.ctx, domain.OutboxFilter{Kind: kind, Recipient: to, Limit: 500})
	if err != nil {
		f.t.Fatal(err)
	}
	return ms
}

func TestRenewalApproved(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		u, g, approver := renewalWorld(t, f)
		end := g.ExpiresAt

		// Notices at 30 and 7 days, once each.
		if res := f.sweepMail(end.Add(-31 * days)); res.ExpiryNotices != 0 {
			t.Errorf("31 days before: %+v", res)
		}
		if _, err := f.renew(u, g.ID, end.Add(-31*days)); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("renewal 31 days before: %v, want too early", err)
		}
		if res := f.sweepMail(end.Add(-30 * days)); res.ExpiryNotices != 1 {
			t.Errorf("30 days before: %+v", res)
		}
		if res := f.sweepMail(end.Add(-30*days + time.Minute)); res.ExpiryNotices != 0 {
			t.Errorf("again: %+v", res)
		}
		if res := f.sweepMail(end.Add(-7 * days)); res.ExpiryNotices != 1 {
			t.Errorf("7 days before: %+v", res)
		}
		ms := f.mail(notify.KindGrantExpiring, u.Email)
		if len(ms) != 2 || !strings.Contains(ms[0].Subject, "D-7") || !strings.Contains(ms[1].Subject, "D-30") ||
			!strings.Contains(ms[0].Body, "[연장 신청]") || !strings.Contains(ms[0].Body, "종로구보건소") {
			t.Fatalf("expiry notices: %+v", ms)
		}
		if ev := f.events("grant.expiry_notice", "grant", g.ID); len(ev) != 2 || ev[0].ActorID != 0 || !ev[0].At.Equal(end.Add(-30*days)) {
			t.Errorf("expiry notice events: %+v", ev)
		}

		// Someone else's grant, a missing one.
		other := f.newUser("renew2", "이다른", "91111001", domain.UserActive, domain.CertPersonal)
		if _, err := f.renew(other, g.ID, end.Add(-5*days)); err != access.ErrRenewalNotFound {
			t.Errorf("renewing another's grant: %v", err)
		}
		if _, err := f.renew(u, 999999, end.Add(-5*days)); err != access.ErrRenewalNotFound {
			t.Errorf("renewing a missing grant: %v", err)
		}

		// Two renewals racing: one wins, the other is told.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		reqs := make([]domain.RoleRequest, 2)
		for i := range 2 {
			wg.Go(func() { reqs[i], errs[i] = f.renew(u, g.ID, end.Add(-5*days)) })
		}
		wg.Wait()
		var req domain.RoleRequest
		switch {
		case errs[0] == nil && errs[1] == access.ErrRenewalPending:
			req = reqs[0]
		case errs[1] == nil && errs[0] == access.ErrRenewalPending:
			req = reqs[1]
		default:
			t.Fatalf("racing renewals: %v, %v", errs[0], errs[1])
		}
		if req.ApproverInstitutionID != f.inst("HC-11110").ID || req.Status != domain.RequestPending {
			t.Errorf("renewal request %+v", req)
		}
		f.wantEvent("grant.renew_request", "request", req.ID, u, clientAddr, end.Add(-5*days))
		if len(f.mail(notify.KindRequestCreated, approver.Email)) != 1 {
			t.Error("approvers not told of the renewal")
		}
		// With a renewal pending, no further notice.
		if res := f.sweepMail(end.Add(-1 * days)); res.ExpiryNotices != 0 {
			t.Errorf("notice despite a pending renewal: %+v", res)
		}
		// Shown on the holder's pages and in the approver's inbox.
		exp, err := access.ExpiringGrants(f.ctx, f.st, u, access.RenewalConfig{}, end.Add(-5*days))
		if err != nil || len(exp) != 1 || exp[0].Pending == nil || exp[0].Pending.ID != req.ID || exp[0].DaysLeft != 5 || exp[0].Approver.Code != "HC-11110" {
			t.Fatalf("ExpiringGrants = %+v, %v", exp, err)
		}
		info, err := access.RenewalsInfo(f.ctx, f.st, []int64{req.ID, g.RequestID})
		if err != nil || len(info) != 1 || info[req.ID].Grant.ID != g.ID || info[req.ID].Renewed != 0 {
			t.Fatalf("RenewalsInfo = %+v, %v", info, err)
		}

		// Approved: the expiry moves on by the lifetime, without a gap.
		_, ng, err := f.decide(approver, req.ID, true, "", end.Add(-1*days))
		if err != nil {
			t.Fatal(err)
		}
		want := end.Add(90 * days)
		if ng == nil || ng.ID != g.ID || !ng.ExpiresAt.Equal(want) {
			t.Fatalf("renewed grant %+v, want expiry %v", ng, want)
		}
		f.wantEvent("grant.renew", "grant", g.ID, approver, clientAddr, end.Add(-1*days))
		if res := f.sweepMail(end); res.Lapsed != 0 {
			t.Errorf("renewed grant lapsed: %+v", res)
		}
		if !f.held(u, g.RoleID, end.Add(time.Hour)) {
			t.Error("renewed grant not held after the old expiry")
		}
		grants, _ := f.st.ListGrants(f.ctx, store.GrantFilter{UserID: u.ID})
		if len(grants) != 1 {
			t.Errorf("%d grants after renewal, want the one", len(grants))
		}
		// The new period gets its own notices and renewal.
		if res := f.sweepMail(want.Add(-30 * days)); res.ExpiryNotices != 1 {
			t.Errorf("notice of the new period: %+v", res)
		}
		req2, err := f.renew(u, g.ID, want.Add(-10*days))
		if err != nil {
			t.Fatal(err)
		}
		info, _ = access.RenewalsInfo(f.ctx, f.st, []int64{req2.ID})
		if info[req2.ID].Renewed != 1 {
			t.Errorf("history: renewed %d times, want 1", info[req2.ID].Renewed)
		}
	})
}

func TestRenewalRejectedLapses(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		u, g, approver := renewalWorld(t, f)
		end := g.ExpiresAt
		req, err := f.renew(u, g.ID, end.Add(-3*days))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.decide(approver, req.ID, false, "퇴사 예정으로 확인됨", end.Add(-2*days)); err != nil {
			t.Fatal(err)
		}
		if f.held(u, g.RoleID, end) {
			t.Error("held after a rejected renewal")
		}
		if res := f.sweepMail(end); res.Lapsed != 1 {
			t.Fatalf("sweep: %+v", res)
		}
		ms := f.mail(notify.KindGrantLapsed, u.Email)
		if len(ms) != 1 || !strings.Contains(ms[0].Body, "반려") || !strings.Contains(ms[0].Body, "퇴사 예정으로 확인됨") {
			t.Fatalf("lapse notice: %+v", ms)
		}
		// A lapsed grant cannot be renewed.
		if _, err := f.renew(u, g.ID, end.Add(time.Hour)); err != access.ErrRenewalLapsed {
			t.Errorf("renewing a lapsed grant: %v", err)
		}
	})
}

func TestRenewalUndecidedLapses(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		u, g, approver := renewalWorld(t, f)
		end := g.ExpiresAt
		req, err := f.renew(u, g.ID, end.Add(-3*days))
		if err != nil {
			t.Fatal(err)
		}
		// Decided after the expiry, before the sweep: refused, nothing changes.
		if _, _, err := f.decide(approver, req.ID, true, "", end.Add(time.Second)); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("approving after the expiry: %v", err)
		}
		if got := f.get(req.ID); got.Status != domain.RequestPending {
			t.Fatalf("request %s after a refused approval", got.Status)
		}
		if res := f.sweepMail(end.Add(time.Minute)); res.Lapsed != 1 {
			t.Fatalf("sweep: %+v", res)
		}
		if got := f.get(req.ID); got.Status != domain.RequestExpired {
			t.Errorf("undecided renewal %s, want expired", got.Status)
		}
		ms := f.mail(notify.KindGrantLapsed, u.Email)
		if len(ms) != 1 || !strings.Contains(ms[0].Body, "처리되지 않았습니다") {
			t.Fatalf("lapse notice: %+v", ms)
		}
		var ad *access.AlreadyDecided
		if _, _, err := f.decide(approver, req.ID, true, "", end.Add(time.Hour)); !errors.As(err, &ad) {
			t.Errorf("approving an expired renewal: %v", err)
		}
	})
}

func TestRenewalNoticeDaysPerRole(t *testing.T) {
	role := domain.Role{Code: "user-medical"}
	cfg := access.RenewalConfig{NoticeDays: []int{7, 30}, RoleNoticeDays: map[string][]int{"user-medical": {14, 3, 14}}}
	if got := cfg.DaysFor(role); len(got) != 2 || got[0] != 14 || got[1] != 3 {
		t.Errorf("DaysFor(role) = %v", got)
	}
	if got := cfg.DaysFor(domain.Role{Code: "other"}); len(got) != 2 || got[0] != 30 || got[1] != 7 {
		t.Errorf("DaysFor(other) = %v", got)
	}
	if got := (access.RenewalConfig{}).DaysFor(role); len(got) != 2 || got[0] != 30 || got[1] != 7 {
		t.Errorf("default DaysFor = %v", got)
	}
}
