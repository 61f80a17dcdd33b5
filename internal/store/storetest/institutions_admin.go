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
		var out []string
		for _, in := range ins {
			out = append(out, in.Code)
		}
		return out, n
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
