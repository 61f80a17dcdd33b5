package domain

import "time"

// PersonalDataAccess is one entry of the personal-data access log (개인정보
// 열람 기록): an approver or administrator (ActorID) opened the personal
// data of a user (SubjectID) at At, stating Purpose. SubjectInstitutionID
// is the subject's institution at that time, so that a province
// administrator sees the entries of their province.
type PersonalDataAccess struct {
	ID                   int64
	At                   time.Time
	ActorID              int64
	SubjectID            int64
	SubjectInstitutionID int64
	Purpose              string // the reason the viewer stated (열람 사유)
	ClientAddr           string
}

// PersonalDataAccessFilter selects access-log entries, newest first.
type PersonalDataAccessFilter struct {
	ActorID   int64
	SubjectID int64
	// UnderInstitutionID, when set, keeps entries whose subject's
	// institution is that institution or below it in the jurisdiction tree.
	UnderInstitutionID int64
	From, To           time.Time // From inclusive, To exclusive
	Offset             int
	Limit              int // zero means 50; at most 500
}

// UserSearch selects users for the admin console.
type UserSearch struct {
	// Query matches the name or login ID, ignoring case. A query of one
	// or two characters matches the start of the name, of the given name
	// (the name without its first syllable: "민준" finds 김민준) or of the
	// login ID, which indexes answer; three or more characters match
	// anywhere in the name or login ID. See ShortQuery.
	Query            string
	InstitutionQuery string // substring of the institution's name or code
	InstitutionID    int64
	// UnderInstitutionID, when set, keeps users of that institution or of
	// any institution below it (a province administrator's scope).
	UnderInstitutionID int64
	Status             UserStatus
	CertSerial         string // hexadecimal, any case; any certificate the user has or had
	// Sort is one of UserSortKeys (default "name"); Desc reverses it.
	Sort   string
	Desc   bool
	Offset int
	Limit  int // zero means 50; at most 500
}

// ShortQuery is the longest user-search query, in characters, that
// matches only the start of the name, given name or login ID: substring
// indexes (PostgreSQL's trigrams) need three characters, and reading a
// million users for a two-character substring takes seconds.
const ShortQuery = 2

// UserCountCap is where a user search stops counting: beyond it the total
// is reported as "more than UserCountCap" (an exact count reads every
// match, ~50 ms per million users).
const UserCountCap = 10_000

// UserSortKeys are the orders UserSearch accepts.
var UserSortKeys = []string{"name", "login_id", "created_at", "last_login_at", "status"}

// InstitutionStats counts what hangs below an institution: its direct
// children and its users.
type InstitutionStats struct {
	Children int
	Users    int
}
