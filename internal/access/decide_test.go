package access_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

func TestDecideApprove(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		d := f.demo
		u := f.newUser("clinic1", "김의사", "91111001", domain.UserPending, domain.CertPersonal)
		req := f.request(u, d.UserRoleID, "HC-11110", "접종 등록 담당", t0.Add(time.Hour))
		approver := f.user("approver11110")
		if f.held(u, d.UserRoleID, t0.Add(2*time.Hour)) {
			t.Fatal("role held before approval")
		}

		now := t0.Add(2 * time.Hour)
		got, g, err := f.decide(approver, req.ID, true, "", now)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != domain.RequestApproved || got.DeciderID != approver.ID || !got.DecidedAt.Equal(now) {
			t.Errorf("decided request %+v", got)
		}
		if g == nil || g.UserID != u.ID || g.RoleID != d.UserRoleID || g.RequestID != req.ID || g.GrantedBy != approver.ID ||
			!g.GrantedAt.Equal(now) || !g.ExpiresAt.IsZero() {
			t.Errorf("grant %+v", g)
		}
		if !f.held(u, d.UserRoleID, now) {
			t.Error("role not held after approval")
		}
		if s := f.get(req.ID); s.Status != domain.RequestApproved {
			t.Errorf("stored status %s", s.Status)
		}
		// Approval activates the pending account.
		if u2, _ := f.st.GetUser(f.ctx, u.ID); u2.Status != domain.UserActive {
			t.Errorf("applicant status %s, want active", u2.Status)
		}
		e := f.wantEvent("request.approve", "request", req.ID, approver, clientAddr, now)
		if !strings.Contains(e.Detail, `"authority":"approver"`) {
			t.Errorf("approve detail %s", e.Detail)
		}
		f.wantEvent("grant.create", "grant", g.ID, approver, clientAddr, now)

		// A request is decided once.
		_, _, err = f.decide(approver, req.ID, false, "중복", now.Add(time.Minute))
		var ad *access.AlreadyDecided
		if !errors.As(err, &ad) || ad.By != approver.Name || ad.Request.Status != domain.RequestApproved {
			t.Fatalf("second decision: %v, want already decided by %s", err, approver.Name)
		}
		if !strings.Contains(ad.Error(), approver.Name) || !strings.Contains(ad.Error(), "승인") {
			t.Errorf("already-decided message %q", ad.Error())
		}
	})
}

func TestDecideReject(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		d := f.demo
		u := f.newUser("clinic1", "김의사", "91111001", domain.UserPending, domain.CertPersonal)
		req := f.request(u, d.UserRoleID, "HC-11110", "", t0)
		approver := f.user("approver11110")
		now := t0.Add(time.Hour)

		for _, reason := range []string{"", "  \t "} {
			_, _, err := f.decide(approver, req.ID, false, reason, now)
			wantErr(t, fmt.Sprintf("reject with reason %q", reason), err, access.ErrReasonRequired)
		}
		_, _, err := f.decide(approver, req.ID, false, strings.Repeat("가", access.MaxReason+1), now)
		if domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("over-long reason: %v", err)
		}
		if s := f.get(req.ID); s.Status != domain.RequestPending {
			t.Fatalf("refused decisions changed the request: %s", s.Status)
		}

		got, g, err := f.decide(approver, req.ID, false, " 소속 확인 불가 ", now)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != domain.RequestRejected || got.Reason != "소속 확인 불가" || g != nil {
			t.Errorf("rejected request %+v, grant %v", got, g)
		}
		if f.held(u, d.UserRoleID, now) {
			t.Error("role held after rejection")
		}
		if u2, _ := f.st.GetUser(f.ctx, u.ID); u2.Status != domain.UserPending {
			t.Errorf("applicant status %s after rejection, want pending", u2.Status)
		}
		f.wantEvent("request.reject", "request", req.ID, approver, clientAddr, now)
		if n := len(f.events("request.approve", "request", req.ID)); n != 0 {
			t.Errorf("%d approve events", n)
		}
	})
}

// TestDecideNotYours: only the approver role at the approving institution
// decides; others learn nothing about the request.
func TestDecideNotYours(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		d := f.demo
		u := f.newUser("clinic1", "김의사", "91111001", domain.UserPending, domain.CertPersonal)
		req := f.request(u, d.UserRoleID, "HC-11110", "", t0)
		now := t0.Add(time.Hour)

		colleague := f.newUser("clinic2", "이간호", "91111001", domain.UserActive, domain.CertPersonal)
		f.grant(colleague, d.UserRoleID)
		// A user at centre A without the approver role.
		clerk := f.newUser("clerk11110", "최직원", "HC-11110", domain.UserActive, domain.CertPersonal)
		// An approver at centre A who is locked.
		locked := f.newUser("approver11110b", "정잠김", "HC-11110", domain.UserLocked, domain.CertPersonal)
		f.grant(locked, d.ApproverRoleID)
		for _, actor := range []domain.User{
			f.user("approver11140"), // approver of another centre
			f.user("approver30110"), // approver of another province's centre
			f.user("admin11"),       // province admin, request not escalated
			colleague, clerk, locked,
		} {
			got, g, err := f.decide(actor, req.ID, true, "", now)
			if err != access.ErrNotYours {
				t.Errorf("%s decides: %v, want ErrNotYours", actor.LoginID, err)
			}
			if got != (domain.RoleRequest{}) || g != nil {
				t.Errorf("%s was told about the request: %+v", actor.LoginID, got)
			}
			_, _, err = f.decide(actor, req.ID, false, "반려", now)
			if err != access.ErrNotYours {
				t.Errorf("%s rejects: %v, want ErrNotYours", actor.LoginID, err)
			}
		}
		if s := f.get(req.ID); s.Status != domain.RequestPending {
			t.Errorf("request status %s, want pending", s.Status)
		}
		if f.held(u, d.UserRoleID, now) {
			t.Error("role granted by an outsider")
		}
		for _, a := range []string{"request.approve", "request.reject"} {
			if n := len(f.events(a, "request", req.ID)); n != 0 {
				t.Errorf("%d %s events", n, a)
			}
		}
		// Another centre's approver decides a request of the other system
		// (same approver role) no better.
		ar := f.request(colleague, d.AutoReportRoleID, "HC-11110", "", t0)
		if _, _, err := f.decide(f.user("approver11140"), ar.ID, true, "", now); err != access.ErrNotYours {
			t.Errorf("auto-report request by another centre: %v", err)
		}
		// An unknown ID.
		if _, _, err := f.decide(f.user("approver11110"), 987654, true, "", now); err != access.ErrRequestNotFound {
			t.Errorf("unknown request: %v", err)
		}
	})
}

// TestDecideOwnRequest: nobody decides their own request, even holding the
// approver role at the approving institution.
func TestDecideOwnRequest(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		d := f.demo
		approver := f.user("approver11110")
		// The rules would not let a centre ask for a medical role; write the
		// request directly, as a bug or an import might.
		req := f.storeRequest(approver, d.AutoReportRoleID, "HC-11110", t0)
		role, _ := f.st.GetRole(f.ctx, d.AutoReportRoleID)
		if auth, err := access.AuthorityOver(f.ctx, f.st, approver, req, role, t0); err != nil || auth != access.AuthNone {
			t.Errorf("AuthorityOver own request = %q, %v", auth, err)
		}
		for _, approve := range []bool{true, false} {
			if _, _, err := f.decide(approver, req.ID, approve, "본인", t0.Add(time.Hour)); err != access.ErrOwnRequest {
				t.Errorf("own request (approve=%v): %v, want ErrOwnRequest", approve, err)
			}
		}
		// National administrators neither.
		admin := f.user("admin")
		own := f.storeRequest(admin, d.AutoReportRoleID, "HC-11110", t0)
		if _, _, err := f.decide(admin, own.ID, true, "", t0.Add(time.Hour)); err != access.ErrOwnRequest {
			t.Errorf("national admin's own request: %v", err)
		}
		if s := f.get(req.ID); s.Status != domain.RequestPending {
			t.Errorf("status %s", s.Status)
		}
		// A second approver of the centre may decide it.
		other := f.newUser("approver11110b", "김둘째", "HC-11110", domain.UserActive, domain.CertPersonal)
		f.grant(other, d.ApproverRoleID)
		if _, _, err := f.decide(other, req.ID, true, "", t0.Add(time.Hour)); err != nil {
			t.Errorf("colleague decides: %v", err)
		}
	})
}

// TestDecideAuthorities checks who decides what, and on what authority.
func TestDecideAuthorities(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		d := f.demo
		u := f.newUser("clinic1", "김의사", "91111001", domain.UserPending, domain.CertPersonal)
		req := f.request(u, d.UserRoleID, "HC-11110", "", t0)
		role, _ := f.st.GetRole(f.ctx, d.UserRoleID)
		for login, want := range map[string]access.Authority{
			"approver11110": access.AuthApprover,
			"approver11140": access.AuthNone,
			"admin11":       access.AuthNone, // not escalated yet
			"admin":         access.AuthNational,
		} {
			if got, err := access.AuthorityOver(f.ctx, f.st, f.user(login), req, role, t0); err != nil || got != want {
				t.Errorf("AuthorityOver(%s) = %q, %v; want %q", login, got, err, want)
			}
		}
		// A national administrator decides anything.
		_, _, err := f.decide(f.user("admin"), req.ID, true, "", t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if e := f.events("request.approve", "request", req.ID); len(e) != 1 || !strings.Contains(e[0].Detail, `"authority":"national"`) {
			t.Errorf("national approval events %+v", e)
		}
		// An expired approver grant confers nothing.
		ap := f.newUser("approver11110b", "김기한", "HC-11110", domain.UserActive, domain.CertPersonal)
		g := domain.Grant{UserID: ap.ID, RoleID: d.ApproverRoleID, GrantedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := f.st.CreateGrant(f.ctx, &g); err != nil {
			t.Fatal(err)
		}
		req2 := f.request(f.newUser("clinic2", "이간호", "91111001", domain.UserPending, domain.CertPersonal), d.UserRoleID, "HC-11110", "", t0)
		if got, _ := access.AuthorityOver(f.ctx, f.st, ap, req2, role, t0.Add(30*time.Minute)); got != access.AuthApprover {
			t.Errorf("within the grant's lifetime: %q", got)
		}
		if _, _, err := f.decide(ap, req2.ID, true, "", t0.Add(2*time.Hour)); err != access.ErrNotYours {
			t.Errorf("after the grant lapsed: %v, want ErrNotYours", err)
		}
	})
}

// TestDecidePersonalCertRequired: a role that needs a personal certificate
// is not approved for an applicant with only an institution certificate.
func TestDecidePersonalCertRequired(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		d := f.demo
		approver := f.user("approver11110")
		now := t0.Add(time.Hour)
		u := f.newUser("clinic1", "행복내과의원", "91111001", domain.UserPending, domain.CertInstitution)
		// The applicant asked with a personal certificate, then replaced it
		// with the institution's: the request exists, the certificate is gone.
		req := f.storeRequest(u, d.UserRoleID, "HC-11110", t0)
		_, g, err := f.decide(approver, req.ID, true, "", now)
		wantErr(t, "approve for an institution certificate holder", err, access.ErrApplicantNoCert)
		if g != nil || f.held(u, d.UserRoleID, now) || f.get(req.ID).Status != domain.RequestPending {
			t.Error("refused approval changed something")
		}
		if !strings.Contains(err.Error(), "개인 공동인증서") {
			t.Errorf("the approver is not told why: %q", err)
		}
		// The auto-report role needs no personal certificate.
		ar := f.request(u, d.AutoReportRoleID, "HC-11110", "", t0)
		if _, _, err := f.decide(approver, ar.ID, true, "", now); err != nil {
			t.Errorf("auto-report approval: %v", err)
		}
		// An expired personal certificate is no better.
		v := f.newUser("clinic2", "이간호", "91111001", domain.UserPending, "")
		f.addCert(v, domain.CertPersonal) // valid for one year from t0
		req2 := f.storeRequest(v, d.UserRoleID, "HC-11110", t0)
		if _, _, err := f.decide(approver, req2.ID, true, "", t0.AddDate(1, 0, 1)); err != access.ErrApplicantNoCert {
			t.Errorf("expired personal certificate: %v", err)
		}
		// Rejecting needs no certificate check.
		if _, _, err := f.decide(approver, req.ID, false, "개인 인증서로 교체 후 재신청", now); err != nil {
			t.Errorf("reject: %v", err)
		}
	})
}

func TestDecideLockedApplicant(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		d := f.demo
		u := f.newUser("clinic1", "김의사", "91111001", domain.UserActive, domain.CertPersonal)
		req := f.request(u, d.UserRoleID, "HC-11110", "", t0)
		u.Status = domain.UserLocked
		if err := f.st.UpdateUser(f.ctx, &u); err != nil {
			t.Fatal(err)
		}
		_, _, err := f.decide(f.user("approver11110"), req.ID, true, "", t0.Add(time.Hour))
		wantErr(t, "approve a locked user's request", err, access.ErrApplicantLocked)
		if f.get(req.ID).Status != domain.RequestPending {
			t.Error("request changed")
		}
	})
}

// TestDecideRace: two approvers of the same centre decide the same request
// at once, in goroutines on the real store: one decision wins, the other
// is told who decided.
func TestDecideRace(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		d := f.demo
		a := f.user("approver11110")
		b := f.newUser("approver11110b", "김둘째", "HC-11110", domain.UserActive, domain.CertPersonal)
		f.grant(b, d.ApproverRoleID)
		names := map[int64]string{a.ID: a.Name, b.ID: b.Name}
		const rounds = 8
		for i := range rounds {
			u := f.newUser(fmt.Sprintf("clinic%d", i), "신청자", "91111001", domain.UserPending, domain.CertPersonal)
			req := f.request(u, d.UserRoleID, "HC-11110", "", t0)
			now := t0.Add(time.Hour)
			actors := []domain.User{a, b}
			approve := []bool{true, i%2 == 0} // even rounds: both approve
			errs := make([]error, 2)
			var start, wg sync.WaitGroup
			start.Add(1)
			for j := range actors {
				wg.Go(func() {
					start.Wait()
					_, _, errs[j] = f.decide(actors[j], req.ID, approve[j], "동시 처리", now)
				})
			}
			start.Done()
			wg.Wait()

			won := -1
			for j, err := range errs {
				if err == nil {
					if won >= 0 {
						t.Fatalf("round %d: both decisions succeeded", i)
					}
					won = j
				}
			}
			if won < 0 {
				t.Fatalf("round %d: no decision succeeded: %v", i, errs)
			}
			var ad *access.AlreadyDecided
			if !errors.As(errs[1-won], &ad) {
				t.Fatalf("round %d: loser got %v, want AlreadyDecided", i, errs[1-won])
			}
			if ad.By != names[actors[won].ID] {
				t.Errorf("round %d: already decided by %q, want %q", i, ad.By, actors[won].Name)
			}
			s := f.get(req.ID)
			wantStatus := domain.RequestRejected
			if approve[won] {
				wantStatus = domain.RequestApproved
			}
			if s.Status != wantStatus || s.DeciderID != actors[won].ID {
				t.Errorf("round %d: stored %s by %d, want %s by %d", i, s.Status, s.DeciderID, wantStatus, actors[won].ID)
			}
			grants, err := f.st.ListGrants(f.ctx, store.GrantFilter{UserID: u.ID})
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 1, false: 0}[approve[won]]; len(grants) != want {
				t.Errorf("round %d: %d grants, want %d", i, len(grants), want)
			}
			decisions := len(f.events("request.approve", "request", req.ID)) + len(f.events("request.reject", "request", req.ID))
			if decisions != 1 {
				t.Errorf("round %d: %d decision events, want 1", i, decisions)
			}
		}
	})
}

func TestCancel(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		d := f.demo
		u := f.newUser("clinic1", "김의사", "91111001", domain.UserPending, domain.CertPersonal)
		other := f.newUser("clinic2", "이간호", "91111001", domain.UserPending, domain.CertPersonal)
		req := f.request(u, d.UserRoleID, "HC-11110", "", t0)
		cancel := func(actor domain.User, id int64, now time.Time) error {
			return f.st.InTx(f.ctx, func(q store.Queries) error { return access.Cancel(f.ctx, q, actor, clientAddr, id, now) })
		}
		now := t0.Add(time.Hour)
		// Someone else's request, or an unknown one, is "not found".
		wantErr(t, "cancel another's request", cancel(other, req.ID, now), access.ErrRequestNotFound)
		wantErr(t, "cancel an unknown request", cancel(u, 987654, now), access.ErrRequestNotFound)
		if f.get(req.ID).Status != domain.RequestPending {
			t.Fatal("cancelled by another user")
		}
		if err := cancel(u, req.ID, now); err != nil {
			t.Fatal(err)
		}
		if s := f.get(req.ID); s.Status != domain.RequestCancelled || !s.DecidedAt.Equal(now) {
			t.Errorf("cancelled request %+v", s)
		}
		f.wantEvent("request.cancel", "request", req.ID, u, clientAddr, now)
		var ad *access.AlreadyDecided
		if err := cancel(u, req.ID, now); !errors.As(err, &ad) {
			t.Errorf("cancel twice: %v", err)
		}
		// The role may be asked for again after cancelling.
		req2 := f.request(u, d.UserRoleID, "HC-11110", "", now)
		approver := f.user("approver11110")
		if _, _, err := f.decide(approver, req2.ID, false, "서류 미비", now); err != nil {
			t.Fatal(err)
		}
		// A decided request cannot be cancelled; the applicant is told who
		// decided it.
		err := cancel(u, req2.ID, now)
		if !errors.As(err, &ad) || ad.By != approver.Name || ad.Request.Status != domain.RequestRejected {
			t.Errorf("cancel a rejected request: %v", err)
		}
	})
}

func TestRelinquish(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		d := f.demo
		u := f.newUser("clinic1", "김의사", "91111001", domain.UserPending, domain.CertPersonal)
		other := f.newUser("clinic2", "이간호", "91111001", domain.UserActive, domain.CertPersonal)
		req := f.request(u, d.UserRoleID, "HC-11110", "", t0)
		_, g, err := f.decide(f.user("approver11110"), req.ID, true, "", t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		relinquish := func(actor domain.User, id int64, now time.Time) error {
			return f.st.InTx(f.ctx, func(q store.Queries) error { return access.Relinquish(f.ctx, q, actor, clientAddr, id, now) })
		}
		now := t0.Add(2 * time.Hour)
		if err := relinquish(other, g.ID, now); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("relinquish another's grant: %v, want not_found", err)
		}
		if !f.held(u, d.UserRoleID, now) {
			t.Fatal("another user relinquished the grant")
		}
		if err := relinquish(u, g.ID, now); err != nil {
			t.Fatal(err)
		}
		if f.held(u, d.UserRoleID, now) {
			t.Error("role still held")
		}
		f.wantEvent("grant.relinquish", "grant", g.ID, u, clientAddr, now)
		if err := relinquish(u, g.ID, now); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("relinquish twice: %v, want not_found", err)
		}
		// The role is requestable again.
		f.request(u, d.UserRoleID, "HC-11110", "", now)
	})
}
