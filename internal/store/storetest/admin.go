package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// testAdmin covers the admin console's queries: the personal-data access
// log, user search within an institution subtree with sort orders,
// institution counts and the audit log newest first.
func testAdmin(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	// A second province with a centre and a clinic, and its users.
	busan := domain.Institution{Code: "26", Name: "부산광역시", Kind: domain.KindProvince, ParentID: b.national.ID, RegionCode: "26", CreatedAt: t0}
	must(t, s.CreateInstitution(ctx(t), &busan))
	bcentre := domain.Institution{Code: "HC26110", Name: "부산중구보건소", Kind: domain.KindHealthCentre, ParentID: busan.ID, RegionCode: "26110", CreatedAt: t0}
	must(t, s.CreateInstitution(ctx(t), &bcentre))
	bclinic := domain.Institution{Code: "26110001", Name: "부산치과의원", Kind: domain.KindMedical, ParentID: bcentre.ID, RegionCode: "26110", CreatedAt: t0}
	must(t, s.CreateInstitution(ctx(t), &bclinic))
	carol := newUser(t, s, bclinic.ID, "carol03", "가나다")
	carol.LastLoginAt = t0.Add(time.Hour)
	must(t, s.UpdateUser(ctx(t), &carol))
	alice := b.alice
	alice.LastLoginAt, alice.Status = t0.Add(2*time.Hour), domain.UserLocked
	must(t, s.UpdateUser(ctx(t), &alice))
	cert := domain.Certificate{UserID: b.bob.ID, SubjectDN: "CN=이밥", Serial: "0AbC12", KeyHash: hashOf("bob"), Class: domain.CertPersonal, RegisteredAt: t0}
	must(t, s.AddCertificate(ctx(t), &cert))

	t.Run("SearchUsers", func(t *testing.T) {
		logins := func(f domain.UserSearch) ([]string, int) {
			t.Helper()
			us, n, capped, err := s.SearchUsers(ctx(t), f)
			must(t, err)
			if capped {
				t.Errorf("SearchUsers(%+v): capped at %d", f, n)
			}
			return loginIDs(us), n
		}
		for _, tc := range []struct {
			name  string
			f     domain.UserSearch
			want  []string
			total int
		}{
			{"all by name", domain.UserSearch{}, []string{"carol03", "alice01", "approver", "bob02"}, 4},
			{"seoul subtree", domain.UserSearch{UnderInstitutionID: b.province.ID}, []string{"alice01", "approver", "bob02"}, 3},
			{"busan subtree", domain.UserSearch{UnderInstitutionID: busan.ID}, []string{"carol03"}, 1},
			{"centre subtree", domain.UserSearch{UnderInstitutionID: b.centre.ID}, []string{"alice01", "approver", "bob02"}, 3},
			{"clinic subtree", domain.UserSearch{UnderInstitutionID: b.clinic.ID}, []string{"alice01", "bob02"}, 2},
			{"national subtree", domain.UserSearch{UnderInstitutionID: b.national.ID}, []string{"carol03", "alice01", "approver", "bob02"}, 4},
			{"institution name", domain.UserSearch{InstitutionQuery: "치과"}, []string{"carol03"}, 1},
			{"institution code", domain.UserSearch{InstitutionQuery: "hc11110"}, []string{"approver"}, 1},
			{"cert serial any case", domain.UserSearch{CertSerial: " 0abc12 "}, []string{"bob02"}, 1},
			{"status", domain.UserSearch{Status: domain.UserLocked}, []string{"alice01"}, 1},
			{"query and scope", domain.UserSearch{Query: "ROV", UnderInstitutionID: b.province.ID}, []string{"approver"}, 1},
			{"login desc", domain.UserSearch{Sort: "login_id", Desc: true}, []string{"carol03", "bob02", "approver", "alice01"}, 4},
			{"last login, never first", domain.UserSearch{Sort: "last_login_at"}, []string{"approver", "bob02", "carol03", "alice01"}, 4},
			{"last login desc, never last", domain.UserSearch{Sort: "last_login_at", Desc: true}, []string{"alice01", "carol03", "bob02", "approver"}, 4},
			{"page", domain.UserSearch{Sort: "login_id", Offset: 1, Limit: 2}, []string{"approver", "bob02"}, 4},
		} {
			got, n := logins(tc.f)
			// Users who never logged in tie; only their place matters.
			switch {
			case tc.name == "last login, never first" && len(got) == 4:
				slices.Sort(got[:2])
				slices.Sort(tc.want[:2])
			case tc.name == "last login desc, never last" && len(got) == 4:
				slices.Sort(got[2:])
				slices.Sort(tc.want[2:])
			}
			if !slices.Equal(got, tc.want) || n != tc.total {
				t.Errorf("%s: got %v (%d), want %v (%d)", tc.name, got, n, tc.want, tc.total)
			}
		}
		if _, _, _, err := s.SearchUsers(ctx(t), domain.UserSearch{Sort: "mobile"}); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("unknown sort: %v, want invalid", err)
		}
	})

	t.Run("InstitutionStats", func(t *testing.T) {
		st, err := s.InstitutionStats(ctx(t), []int64{b.national.ID, b.province.ID, b.centre.ID, b.clinic.ID, bclinic.ID, 99999})
		must(t, err)
		want := map[int64]domain.InstitutionStats{
			b.national.ID: {Children: 2}, b.province.ID: {Children: 1}, b.centre.ID: {Children: 1, Users: 1},
			b.clinic.ID: {Users: 2}, bclinic.ID: {Users: 1},
		}
		for id, w := range want {
			if st[id] != w {
				t.Errorf("stats of %d = %+v, want %+v", id, st[id], w)
			}
		}
		if st[99999] != (domain.InstitutionStats{}) {
			t.Errorf("stats of a missing institution = %+v", st[99999])
		}
		if empty, err := s.InstitutionStats(ctx(t), nil); err != nil || len(empty) != 0 {
			t.Errorf("stats of none = %v, %v", empty, err)
		}
	})

	t.Run("PersonalDataAccess", func(t *testing.T) {
		bad := domain.PersonalDataAccess{ActorID: b.approver.ID, SubjectID: b.alice.ID, Purpose: "  "}
		if err := s.LogPersonalDataAccess(ctx(t), &bad); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("blank purpose: %v, want invalid", err)
		}
		ghost := domain.PersonalDataAccess{ActorID: b.approver.ID, SubjectID: 99999, Purpose: "확인"}
		wantErr(t, s.LogPersonalDataAccess(ctx(t), &ghost), store.ErrNotFound, "access to a missing user")

		var logged []domain.PersonalDataAccess
		for i, x := range []struct {
			actor, subject domain.User
			inst           int64
		}{{b.approver, b.alice, b.clinic.ID}, {b.approver, carol, bclinic.ID}, {b.bob, b.alice, b.clinic.ID}} {
			a := domain.PersonalDataAccess{At: t0.Add(time.Duration(i) * time.Minute), ActorID: x.actor.ID, SubjectID: x.subject.ID,
				SubjectInstitutionID: x.inst, Purpose: " 권한 승인 확인 ", ClientAddr: "192.0.2.7"}
			must(t, s.LogPersonalDataAccess(ctx(t), &a))
			if a.ID == 0 || a.Purpose != "권한 승인 확인" {
				t.Fatalf("LogPersonalDataAccess left %+v", a)
			}
			logged = append(logged, a)
		}
		ids := func(f domain.PersonalDataAccessFilter) ([]int64, int) {
			t.Helper()
			as, n, err := s.ListPersonalDataAccess(ctx(t), f)
			must(t, err)
			return pluck(as, func(a domain.PersonalDataAccess) int64 { return a.ID }), n
		}
		l0, l1, l2 := logged[0].ID, logged[1].ID, logged[2].ID
		for _, tc := range []struct {
			name  string
			f     domain.PersonalDataAccessFilter
			want  []int64
			total int
		}{
			{"all newest first", domain.PersonalDataAccessFilter{}, []int64{l2, l1, l0}, 3},
			{"actor", domain.PersonalDataAccessFilter{ActorID: b.approver.ID}, []int64{l1, l0}, 2},
			{"subject", domain.PersonalDataAccessFilter{SubjectID: b.alice.ID}, []int64{l2, l0}, 2},
			{"seoul", domain.PersonalDataAccessFilter{UnderInstitutionID: b.province.ID}, []int64{l2, l0}, 2},
			{"busan", domain.PersonalDataAccessFilter{UnderInstitutionID: busan.ID}, []int64{l1}, 1},
			{"window", domain.PersonalDataAccessFilter{From: t0.Add(time.Minute), To: t0.Add(2 * time.Minute)}, []int64{l1}, 1},
			{"page", domain.PersonalDataAccessFilter{Offset: 1, Limit: 1}, []int64{l1}, 3},
		} {
			got, n := ids(tc.f)
			if !slices.Equal(got, tc.want) || n != tc.total {
				t.Errorf("%s: got %v (%d), want %v (%d)", tc.name, got, n, tc.want, tc.total)
			}
		}
		as, _, err := s.ListPersonalDataAccess(ctx(t), domain.PersonalDataAccessFilter{Limit: 1})
		must(t, err)
		if len(as) != 1 || as[0] != logged[2] {
			t.Errorf("entry = %+v, want %+v", as, logged[2])
		}
		wantTime(t, as[0].At, us(t0.Add(2*time.Minute)), "At")
	})

	t.Run("ListAuditDesc", func(t *testing.T) {
		for i, action := range []string{"a.one", "a.two", "a.one"} {
			e := domain.AuditEvent{At: t0.Add(time.Duration(i) * time.Second), Action: action}
			must(t, s.AppendAudit(ctx(t), &e))
		}
		evs, err := s.ListAuditDesc(ctx(t), store.AuditFilter{})
		must(t, err)
		if len(evs) != 3 || evs[0].Seq != 3 || evs[2].Seq != 1 {
			t.Errorf("ListAuditDesc = %v", evs)
		}
		evs, err = s.ListAuditDesc(ctx(t), store.AuditFilter{Action: "a.one", Page: store.Page{Limit: 1}})
		must(t, err)
		if len(evs) != 1 || evs[0].Seq != 3 {
			t.Errorf("ListAuditDesc(a.one, limit 1) = %v", evs)
		}
	})
}
