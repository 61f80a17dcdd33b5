package domain

import "time"

// PopupAudience says to whom a pop-up notice shows.
type PopupAudience string

// Pop-up audiences.
const (
	PopupEveryone PopupAudience = "all"       // every visitor
	PopupLoggedIn PopupAudience = "logged_in" // logged-in users
	PopupRole     PopupAudience = "role"      // holders of RoleID
)

// Popup is a pop-up notice (팝업 공지): shown on the home page and after
// login (메뉴보기) to its audience between StartsAt and EndsAt, once per
// Version per browser session unless dismissed for the day.
type Popup struct {
	ID        int64
	Title     string
	Body      string
	StartsAt  time.Time
	EndsAt    time.Time
	Audience  PopupAudience
	RoleID    int64 // for PopupRole
	Version   int   // 1, then one more on every change
	CreatedAt time.Time
	CreatedBy int64
	UpdatedAt time.Time
}

// ShownAt reports whether the notice's display period includes t.
func (p Popup) ShownAt(t time.Time) bool { return !t.Before(p.StartsAt) && t.Before(p.EndsAt) }
