package storetest

import (
	"slices"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// testInstitutionSearch covers SearchInstitutions: filters, the subtree of
// an administrator's scope, sort orders both ways and pages.
func testInstitutionSearch(t *testing.T, s store.Store) {
	c := seedChain(t, s)
	busan := domain.Institution{Code: "26", Name: "부산광역시", Kind: domain.KindProvince, ParentID: c.national.ID, RegionCode: "26", CreatedAt: t0}
	must(t, s.CreateInstitution(ctx(t), &busan))
	bcentre := domain.Institution{Code: "HC26110", Name: "부산중구보건소", Kind: domain.KindHealthCentre, ParentID: busan.ID, RegionCode: "26110", CreatedAt: t0}
	must(t, s.CreateInstitution(ctx(t), &bcentre))
	bclinic := domain.Institution{Code: "26110001", Name: "가나치과의원", Kind: domain.KindMedical, ParentID: bcentre.ID, RegionCode: "26110", CreatedAt: t0}
	must(t, s.CreateInstitution(ctx(t), &bclinic))
	other := domain.Institution{Code: "ZZ_1", Name: "서울기타기관", Kind: domain.KindOther, ParentID: c.centre.ID, CreatedAt: t0}
	must(t, s.CreateInstitution(ctx(t), &other))

	codes := func(f store.InstitutionSearch) ([]string, int) {
		t.Helper()
		ins, n, err := s.SearchInstitutions(ctx(t), f)
		must(t, err)
		return pluck(ins, func(in domain.Institution) string { return in.Code }), n
	}
	for _, tc := range []struct {
		name  string
		f     store.InstitutionSearch
		want  []string
		total int
	}{
		{"all by name", store.InstitutionSearch{}, []string{"26110001", "26", "HC26110", "ZZ_1", "12345678", "11", "HC11110", "KDCA"}, 8},
		{"seoul subtree", store.InstitutionSearch{UnderInstitutionID: c.province.ID}, []string{"ZZ_1", "12345678", "11", "HC11110"}, 4},
		{"busan subtree", store.InstitutionSearch{UnderInstitutionID: busan.ID, Sort: "code"}, []string{"26", "26110001", "HC26110"}, 3},
		{"leaf subtree", store.InstitutionSearch{UnderInstitutionID: c.clinic.ID}, []string{"12345678"}, 1},
		{"query name", store.InstitutionSearch{Query: "치과"}, []string{"26110001"}, 1},
		{"query code any case", store.InstitutionSearch{Query: "hc26"}, []string{"HC26110"}, 1},
		{"query is not a pattern", store.InstitutionSearch{Query: "_"}, []string{"ZZ_1"}, 1},
		{"kind", store.InstitutionSearch{Kind: domain.KindHealthCentre}, []string{"HC26110", "HC11110"}, 2},
		{"region prefix", store.InstitutionSearch{Region: "261"}, []string{"26110001", "HC26110"}, 2},
		{"parent", store.InstitutionSearch{ParentID: c.centre.ID}, []string{"ZZ_1", "12345678"}, 2},
		{"kind order", store.InstitutionSearch{Sort: "kind"}, []string{"KDCA", "26", "11", "HC26110", "HC11110", "26110001", "12345678", "ZZ_1"}, 8},
		{"kind order desc", store.InstitutionSearch{Sort: "kind", Desc: true, Page: store.Page{Limit: 3}}, []string{"ZZ_1", "12345678", "26110001"}, 8},
		{"code desc scoped", store.InstitutionSearch{Sort: "code", Desc: true, UnderInstitutionID: c.province.ID}, []string{"ZZ_1", "HC11110", "12345678", "11"}, 4},
		{"page", store.InstitutionSearch{Sort: "code", Page: store.Page{Offset: 2, Limit: 2}}, []string{"26", "26110001"}, 8},
		{"scope and query", store.InstitutionSearch{UnderInstitutionID: busan.ID, Query: "서울"}, nil, 0},
	} {
		got, n := codes(tc.f)
		if !slices.Equal(got, tc.want) || n != tc.total {
			t.Errorf("%s: got %v (total %d), want %v (total %d)", tc.name, got, n, tc.want, tc.total)
		}
	}
	if _, _, err := s.SearchInstitutions(ctx(t), store.InstitutionSearch{Sort: "name; DROP TABLE institutions"}); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("unknown sort: err = %v, want invalid", err)
	}
	// updated_at follows UpdateInstitution.
	c.centre.UpdatedAt = t0.Add(3600e9)
	must(t, s.UpdateInstitution(ctx(t), &c.centre))
	if got, _ := codes(store.InstitutionSearch{Sort: "updated_at", Desc: true, Page: store.Page{Limit: 1}}); !slices.Equal(got, []string{"HC11110"}) {
		t.Errorf("updated_at desc = %v", got)
	}
}

// testInstitutionMove covers the subtree filters after institutions move
// (the closure table of migration 00018 follows parent_id) and the refusal
// of a move that would make a cycle, which leaves the tree as it was.
func testInstitutionMove(t *testing.T, s store.Store) {
	c := seedChain(t, s)
	busan := domain.Institution{Code: "26", Name: "부산광역시", Kind: domain.KindProvince, ParentID: c.national.ID, RegionCode: "26", CreatedAt: t0}
	must(t, s.CreateInstitution(ctx(t), &busan))
	// A second clinic under the centre, and a department under it.
	clinic2 := domain.Institution{Code: "11110002", Name: "나다의원", Kind: domain.KindMedical, ParentID: c.centre.ID, CreatedAt: t0}
	must(t, s.CreateInstitution(ctx(t), &clinic2))
	dept := domain.Institution{Code: "11110002-1", Name: "나다의원 내과", Kind: domain.KindOther, ParentID: clinic2.ID, CreatedAt: t0}
	must(t, s.CreateInstitution(ctx(t), &dept))
	u := domain.User{LoginID: "deptuser", Name: "부서사용자", InstitutionID: dept.ID, Status: domain.UserActive, CreatedAt: t0}
	must(t, s.CreateUser(ctx(t), &u))

	under := func(id int64) []string {
		t.Helper()
		ins, _, err := s.SearchInstitutions(ctx(t), store.InstitutionSearch{UnderInstitutionID: id, Sort: "code"})
		must(t, err)
		return pluck(ins, func(in domain.Institution) string { return in.Code })
	}
	usersUnder := func(id int64) []string {
		t.Helper()
		us, _, _, err := s.SearchUsers(ctx(t), domain.UserSearch{UnderInstitutionID: id, Sort: "login_id"})
		must(t, err)
		return loginIDs(us)
	}
	check := func(step string, id int64, want []string) {
		t.Helper()
		if got := under(id); !slices.Equal(got, want) {
			t.Errorf("%s: under %d = %v, want %v", step, id, got, want)
		}
	}
	check("before", busan.ID, []string{"26"})
	check("before", c.province.ID, []string{"11", "11110002", "11110002-1", "12345678", "HC11110"})

	// Move the clinic with its department from 서울 to 부산.
	clinic2.ParentID = busan.ID
	must(t, s.UpdateInstitution(ctx(t), &clinic2))
	check("moved", busan.ID, []string{"11110002", "11110002-1", "26"})
	check("moved", c.province.ID, []string{"11", "12345678", "HC11110"})
	check("moved", c.centre.ID, []string{"12345678", "HC11110"})
	check("moved", c.national.ID, []string{"11", "11110002", "11110002-1", "12345678", "26", "HC11110", "KDCA"})
	check("moved", clinic2.ID, []string{"11110002", "11110002-1"})
	if got := usersUnder(busan.ID); !slices.Equal(got, []string{"deptuser"}) {
		t.Errorf("users under 부산 after the move = %v", got)
	}
	if got := usersUnder(c.province.ID); slices.Contains(got, "deptuser") {
		t.Errorf("users under 서울 after the move = %v, still has deptuser", got)
	}

	// Under itself, or under its own department: refused, nothing changes.
	for _, parent := range []int64{clinic2.ID, dept.ID} {
		moved := clinic2
		moved.ParentID = parent
		if err := s.UpdateInstitution(ctx(t), &moved); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("move under %d: err = %v, want invalid", parent, err)
		}
		if in, err := s.GetInstitution(ctx(t), clinic2.ID); err != nil || in.ParentID != busan.ID {
			t.Errorf("after the refused move: parent %d, %v; want %d", in.ParentID, err, busan.ID)
		}
		check("refused", busan.ID, []string{"11110002", "11110002-1", "26"})
		check("refused", clinic2.ID, []string{"11110002", "11110002-1"})
	}

	// To the top (no parent) and back under the centre.
	clinic2.ParentID = 0
	must(t, s.UpdateInstitution(ctx(t), &clinic2))
	check("top", busan.ID, []string{"26"})
	check("top", c.national.ID, []string{"11", "12345678", "26", "HC11110", "KDCA"})
	check("top", clinic2.ID, []string{"11110002", "11110002-1"})
	clinic2.ParentID = c.centre.ID
	must(t, s.UpdateInstitution(ctx(t), &clinic2))
	check("back", c.province.ID, []string{"11", "11110002", "11110002-1", "12345678", "HC11110"})
	if got := usersUnder(c.national.ID); !slices.Contains(got, "deptuser") {
		t.Errorf("users under the national institution = %v, want deptuser among them", got)
	}
}
