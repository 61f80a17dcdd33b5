package store

import "github.com/gwanmun/gwanmun/internal/domain"

// InstitutionSearch selects institutions for the admin console: the
// filters of InstitutionFilter, an institution subtree (an
// administrator's scope) and a sort order.
type InstitutionSearch struct {
	Query    string // substring of name or code, any case
	Kind     domain.InstitutionKind
	Region   string // region code prefix
	ParentID int64  // direct children of this institution only
	// UnderInstitutionID, when set, keeps that institution and those below
	// it in the jurisdiction tree (a province administrator's scope).
	UnderInstitutionID int64
	// Sort is one of InstitutionSortKeys (default "name"); Desc reverses it.
	Sort string
	Desc bool
	Page
}

// InstitutionSortKeys are the orders InstitutionSearch accepts. "kind"
// orders by the jurisdiction chain (national first), then by name.
var InstitutionSortKeys = []string{"name", "code", "kind", "region_code", "updated_at"}
