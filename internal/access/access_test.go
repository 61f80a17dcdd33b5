package access_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

func TestApprovingInstitution(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		clinic := f.inst("91111001") // 행복내과의원, under 종로구보건소
		for _, c := range []struct {
			kind domain.InstitutionKind
			want string
		}{
			{domain.KindMedical, "91111001"},
			{domain.KindHealthCentre, "HC-11110"},
			{domain.KindProvince, "PR-11"},
			{domain.KindNational, "KDCA"},
		} {
			got, err := access.ApprovingInstitution(f.ctx, f.st, clinic, c.kind)
			if err != nil || got.Code != c.want {
				t.Errorf("ApprovingInstitution(%s, %s) = %q, %v; want %q", clinic.Code, c.kind, got.Code, err, c.want)
			}
		}
		if _, err := access.ApprovingInstitution(f.ctx, f.st, f.inst("PR-11"), domain.KindHealthCentre); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("health centre over a province: %v, want ErrNotFound", err)
		}
	})
}

func TestRequestableRoles(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		d := f.demo
		names := func(opts []access.RoleOption) map[int64]string {
			m := map[int64]string{}
			for _, o := range opts {
				m[o.Role.ID] = o.Blocked
			}
			return m
		}
		// A medical institution with a personal certificate: both systems'
		// medical roles, nothing blocked, no administration roles.
		opts, err := access.RequestableRoles(f.ctx, f.st, domain.KindMedical, domain.CertPersonal, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := names(opts)
		if len(got) != 2 || got[d.UserRoleID] != "" || got[d.AutoReportRoleID] != "" {
			t.Errorf("medical, personal: %v; want user-medical and auto-report, unblocked", got)
		}
		for _, o := range opts {
			if o.System.ID != o.Role.SystemID || o.System.Name == "" {
				t.Errorf("option %s has system %+v", o.Role.Code, o.System)
			}
		}
		// An institution certificate: the personal-data role is offered but
		// blocked, with the reason; the auto-report role is not.
		opts, err = access.RequestableRoles(f.ctx, f.st, domain.KindMedical, domain.CertInstitution, nil)
		if err != nil {
			t.Fatal(err)
		}
		got = names(opts)
		if !strings.Contains(got[d.UserRoleID], "개인 공동인증서") || got[d.AutoReportRoleID] != "" {
			t.Errorf("medical, institution certificate: %v; want user-medical blocked and auto-report open", got)
		}
		// Held or pending roles are skipped.
		opts, _ = access.RequestableRoles(f.ctx, f.st, domain.KindMedical, domain.CertPersonal, map[int64]bool{d.UserRoleID: true})
		if got = names(opts); len(got) != 1 || !hasKey(got, d.AutoReportRoleID) {
			t.Errorf("with user-medical skipped: %v", got)
		}
		// Health centres may ask for the approver role only; provinces for
		// the province administrator role; the national role is never offered.
		opts, _ = access.RequestableRoles(f.ctx, f.st, domain.KindHealthCentre, domain.CertPersonal, nil)
		if got = names(opts); len(got) != 1 || !hasKey(got, d.ApproverRoleID) {
			t.Errorf("health centre: %v, want only approver-hc", got)
		}
		opts, _ = access.RequestableRoles(f.ctx, f.st, domain.KindProvince, domain.CertPersonal, nil)
		if got = names(opts); len(got) != 1 || !hasKey(got, d.ProvinceAdminRoleID) {
			t.Errorf("province: %v, want only province-admin", got)
		}
		opts, _ = access.RequestableRoles(f.ctx, f.st, domain.KindNational, domain.CertPersonal, nil)
		if len(opts) != 0 {
			t.Errorf("national: %v, want none", names(opts))
		}
		// A retired system's roles are not offered.
		sys, err := f.st.GetSystem(f.ctx, f.demo.Systems["infectious-disease-auto-report"])
		if err != nil {
			t.Fatal(err)
		}
		sys.RetiredAt = t0
		if err := f.st.UpdateSystem(f.ctx, &sys); err != nil {
			t.Fatal(err)
		}
		opts, _ = access.RequestableRoles(f.ctx, f.st, domain.KindMedical, domain.CertPersonal, nil)
		if got = names(opts); hasKey(got, d.AutoReportRoleID) {
			t.Errorf("retired system's role still offered: %v", got)
		}
	})
}

func hasKey[K comparable, V any](m map[K]V, k K) bool { _, ok := m[k]; return ok }

func TestCreateRequest(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		d := f.demo
		now := t0.Add(time.Hour)
		u := f.newUser("clinic1", "김의사", "91111001", domain.UserPending, domain.CertPersonal)

		req, appr, err := f.tryRequest(u, domain.CertPersonal, d.UserRoleID, "HC-11110", "접종 등록 담당", false, now)
		if err != nil {
			t.Fatal(err)
		}
		if appr.Code != "HC-11110" || req.Status != domain.RequestPending || req.Justification != "접종 등록 담당" ||
			req.UserID != u.ID || req.RoleID != d.UserRoleID || !req.CreatedAt.Equal(now) {
			t.Errorf("request %+v, approver %s", req, appr.Code)
		}
		e := f.wantEvent("request.create", "request", req.ID, u, clientAddr, now)
		var detail map[string]any
		if err := json.Unmarshal([]byte(e.Detail), &detail); err != nil || detail["role"] != "user-medical" ||
			detail["approver_institution"] != "HC-11110" || detail["outside_jurisdiction"] != nil {
			t.Errorf("request.create detail %s (%v)", e.Detail, err)
		}
		if strings.Contains(e.Detail, u.Name) || strings.Contains(e.Detail, "접종 등록") {
			t.Errorf("audit detail holds personal data or the note: %s", e.Detail)
		}

		// The same role again while pending.
		_, _, err = f.tryRequest(u, domain.CertPersonal, d.UserRoleID, "HC-11110", "", false, now)
		wantErr(t, "second pending request", err, access.ErrAlreadyPending)

		// A centre without jurisdiction needs the confirmation.
		_, _, err = f.tryRequest(u, domain.CertPersonal, d.AutoReportRoleID, "HC-11140", "", false, now)
		wantErr(t, "outside jurisdiction, unconfirmed", err, access.ErrOutsideJurisdiction)
		out, _, err := f.tryRequest(u, domain.CertPersonal, d.AutoReportRoleID, "HC-11140", "", true, now)
		if err != nil {
			t.Fatalf("outside jurisdiction, confirmed: %v", err)
		}
		if e := f.wantEvent("request.create", "request", out.ID, u, clientAddr, now); !strings.Contains(e.Detail, `"outside_jurisdiction":true`) {
			t.Errorf("outside request's audit detail %s", e.Detail)
		}

		// Wrong kind of approving institution, a role the institution kind may
		// not ask for, an unknown role.
		v := f.newUser("clinic2", "이간호", "91111002", domain.UserActive, domain.CertPersonal)
		_, _, err = f.tryRequest(v, domain.CertPersonal, d.UserRoleID, "PR-11", "", true, now)
		wantErr(t, "province as approver of user-medical", err, access.ErrWrongApproverKind)
		_, _, err = f.tryRequest(v, domain.CertPersonal, d.ApproverRoleID, "PR-11", "", false, now)
		wantErr(t, "approver role from a clinic", err, access.ErrNotRequestable)
		_, _, err = f.tryRequest(v, domain.CertPersonal, 999999, "HC-11110", "", false, now)
		if domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("unknown role: %v, want not_found", err)
		}

		// The personal-data role needs a personal certificate; the
		// auto-report role does not.
		_, _, err = f.tryRequest(v, domain.CertInstitution, d.UserRoleID, "HC-11110", "", false, now)
		wantErr(t, "user-medical with an institution certificate", err, access.ErrNeedsPersonalCert)
		if _, _, err = f.tryRequest(v, domain.CertInstitution, d.AutoReportRoleID, "HC-11110", "", false, now); err != nil {
			t.Errorf("auto-report with an institution certificate: %v", err)
		}

		// A held role cannot be asked for again.
		f.grant(v, d.UserRoleID)
		_, _, err = f.tryRequest(v, domain.CertPersonal, d.UserRoleID, "HC-11110", "", false, now)
		wantErr(t, "held role", err, access.ErrAlreadyHeld)

		// The note is bounded.
		w := f.newUser("clinic3", "박약사", "91111002", domain.UserActive, domain.CertPersonal)
		_, _, err = f.tryRequest(w, domain.CertPersonal, d.UserRoleID, "HC-11110", strings.Repeat("가", access.MaxJustification+1), false, now)
		if domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("long justification: %v, want invalid", err)
		}
		if _, _, err = f.tryRequest(w, domain.CertPersonal, d.UserRoleID, "HC-11110", strings.Repeat("가", access.MaxJustification), false, now); err != nil {
			t.Errorf("justification of exactly %d characters: %v", access.MaxJustification, err)
		}

		// Refused requests left nothing behind: 4 requests in all.
		if _, n, err := f.st.ListRequests(f.ctx, store.RequestFilter{}); err != nil || n != 4 {
			t.Errorf("%d requests stored (%v), want 4", n, err)
		}
	})
}
