package domain

import (
	"fmt"
	"time"
)

// BoardKind names one of a system's boards (게시판).
type BoardKind string

// Boards. Every system has both; the portal itself has a notices board,
// shown on the home page.
const (
	BoardNotice  BoardKind = "notice"  // 공지사항
	BoardProgram BoardKind = "program" // 프로그램/매뉴얼
)

// BoardKinds lists the boards in display order.
var BoardKinds = []BoardKind{BoardNotice, BoardProgram}

// Valid reports whether k is a known board.
func (k BoardKind) Valid() bool { return k == BoardNotice || k == BoardProgram }

// Label returns the Korean name of the board, as in the manual.
func (k BoardKind) Label() string {
	switch k {
	case BoardNotice:
		return "공지사항"
	case BoardProgram:
		return "프로그램/매뉴얼"
	}
	return string(k)
}

// Post is one post of a board. SystemID zero is the portal-wide board.
// Body is plain text; pages render it escaped, keeping line breaks.
type Post struct {
	ID        int64
	SystemID  int64
	Board     BoardKind
	Title     string
	Body      string
	AuthorID  int64
	Pinned    bool
	CreatedAt time.Time
	UpdatedAt time.Time
	DeletedAt time.Time
	// Attachments counts the post's attachments (filled by list queries).
	Attachments int
}

// PostFilter selects the live (not deleted) posts of one board, pinned
// first, then newest first.
type PostFilter struct {
	SystemID int64 // zero: the portal board
	Board    BoardKind
	Query    string // substring of the title
	Offset   int
	Limit    int
}

// Attachment is a file attached to a post. Name is the uploader's file
// name, only ever shown and sent in Content-Disposition, never used as a
// path. Data is filled only by GetAttachment.
type Attachment struct {
	ID          int64
	PostID      int64
	Name        string
	ContentType string // the allow-listed type the server decided, not the uploader's claim
	Size        int64
	SHA256      []byte
	Data        []byte
	CreatedAt   time.Time
}

// SizeLabel returns the size for display, e.g. "532 KB" or "4.2 MB".
func (a Attachment) SizeLabel() string {
	switch {
	case a.Size >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(a.Size)/(1<<20))
	case a.Size >= 1<<10:
		return fmt.Sprintf("%d KB", a.Size>>10)
	}
	return fmt.Sprintf("%d B", a.Size)
}
