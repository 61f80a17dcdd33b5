package domain

import "testing"

func TestInstitutionDisplayName(t *testing.T) {
	for _, tc := range []struct {
		in   Institution
		want string
	}{
		{Institution{Name: "중구보건소", Kind: KindHealthCentre, RegionCode: "11140"}, "서울 중구보건소"},
		{Institution{Name: "중구보건소", Kind: KindHealthCentre, RegionCode: "30140"}, "대전 중구보건소"},
		{Institution{Name: "세종특별자치시보건소", Kind: KindHealthCentre, RegionCode: "36110"}, "세종특별자치시보건소"},
		{Institution{Name: "어느보건소", Kind: KindHealthCentre, RegionCode: ""}, "어느보건소"},
		{Institution{Name: "행복내과의원", Kind: KindMedical, RegionCode: "11110"}, "행복내과의원"},
	} {
		if got := tc.in.DisplayName(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.in, got, tc.want)
		}
	}
}
