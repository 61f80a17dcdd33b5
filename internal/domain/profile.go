package domain

// UserProfile holds the optional work details of a user: department
// (부서) and position (직책). They are personal data listed in the consent
// text (from version 2 of the demo's), shown to the approvers of the
// user's requests and to administrators, exported, and deleted on
// withdrawal.
type UserProfile struct {
	UserID     int64
	Department string
	Position   string
}

// MaxProfileField bounds department and position, in characters.
const MaxProfileField = 50
