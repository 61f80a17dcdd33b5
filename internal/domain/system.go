package domain

import (
	"slices"
	"time"
)

// System is one sub-system of the portal, such as 코로나19예방접종관리.
type System struct {
	ID          int64
	Code        string // stable identifier, e.g. "covid19-vaccination"
	Name        string
	Description string
	CreatedAt   time.Time
	RetiredAt   time.Time
}

// Menu is an entry of a system's menu, shown in 메뉴보기 to holders of any of
// the system's roles.
type Menu struct {
	ID        int64
	SystemID  int64
	Name      string
	URL       string
	SortOrder int
	RetiredAt time.Time
}

// Role (권한) is a permission of a system. The rule fields say who may
// request it and who approves it.
type Role struct {
	ID          int64
	SystemID    int64
	Code        string // unique within the system
	Name        string // e.g. "코로나19 예방접종대응팀 User(의료기관)"
	Description string
	// RequestableBy lists the institution kinds whose staff may request it.
	RequestableBy []InstitutionKind
	// ApproverKind is the kind of institution that decides requests for it.
	ApproverKind InstitutionKind
	// ApproverRoleID is the role an approver at that institution must hold.
	// Zero means only national administrators decide.
	ApproverRoleID int64
	// NeedsPersonalCert is set when the role handles personal data: holders
	// must log in with a personal certificate.
	NeedsPersonalCert bool
	// GrantLifetime, when non-zero, makes grants lapse after that long.
	GrantLifetime time.Duration
	// Admin marks administration roles (province / national administrators).
	Admin     bool
	CreatedAt time.Time
	RetiredAt time.Time
}

// RequestableByKind reports whether staff of an institution of kind k may
// request the role.
func (r Role) RequestableByKind(k InstitutionKind) bool {
	return slices.Contains(r.RequestableBy, k)
}
