package domain

import "time"

// InstitutionKind says where an institution stands in the jurisdiction chain.
type InstitutionKind string

// Institution kinds, from the top of the jurisdiction chain down.
const (
	KindNational     InstitutionKind = "national"      // 질병관리청 (national agency)
	KindProvince     InstitutionKind = "province"      // 시도 (province / metropolitan city)
	KindHealthCentre InstitutionKind = "health_centre" // 보건소 (public health centre)
	KindMedical      InstitutionKind = "medical"       // 의료기관 (medical institution)
	KindOther        InstitutionKind = "other"         // 기타
)

// InstitutionKinds lists every kind in jurisdiction order.
var InstitutionKinds = []InstitutionKind{KindNational, KindProvince, KindHealthCentre, KindMedical, KindOther}

// Valid reports whether k is one of the known kinds.
func (k InstitutionKind) Valid() bool {
	for _, v := range InstitutionKinds {
		if k == v {
			return true
		}
	}
	return false
}

// Label returns the Korean name of the kind.
func (k InstitutionKind) Label() string {
	switch k {
	case KindNational:
		return "질병관리청"
	case KindProvince:
		return "시도"
	case KindHealthCentre:
		return "보건소"
	case KindMedical:
		return "의료기관"
	case KindOther:
		return "기타"
	}
	return string(k)
}

// Institution is an organisation whose staff use the portal. ParentID links it
// to the next institution up its jurisdiction chain: a medical institution to
// its health centre, a health centre to its province, a province to the
// national agency. ParentID is 0 at the top.
type Institution struct {
	ID         int64
	Code       string // stable external code (요양기관기호, 기관코드); unique
	Name       string
	Kind       InstitutionKind
	ParentID   int64
	RegionCode string // 시군구 administrative region code (5 digits) or 시도 code (2 digits)
	Address    string
	Phone      string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	RetiredAt  time.Time // zero while in use
}
