package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Boards (게시판, docs/boards.md). The portal's notices board (/notices)
// is public and written by national administrators; its newest posts are
// on the home page. Each system has 공지사항 and 프로그램/매뉴얼 at
// /systems/{code}/board, read by holders of one of the system's roles and
// by administrators, written by national administrators and by the
// system's own administrators (holders of one of its admin roles).

// BoardConfig limits board attachments.
type BoardConfig struct {
	// MaxAttachmentBytes is the largest attachment accepted (default 20 MB).
	MaxAttachmentBytes int64
	// MaxAttachments is how many files a post may carry (default 5).
	MaxAttachments int
}

func (c BoardConfig) maxBytes() int64 {
	if c.MaxAttachmentBytes <= 0 {
		return 20 << 20
	}
	return c.MaxAttachmentBytes
}

func (c BoardConfig) maxFiles() int {
	if c.MaxAttachments <= 0 {
		return 5
	}
	return c.MaxAttachments
}

// uploadLimit bounds the body of a post with its files: every file at
// its largest, and a megabyte for the fields.
func (c BoardConfig) uploadLimit() int64 {
	return c.maxBytes()*int64(c.maxFiles()) + 1<<20
}

// boardUploadLimit is the upload limit of the board routes (body.go).
func (s *Server) boardUploadLimit() int64 { return s.cfg.Boards.uploadLimit() }

const (
	postsPerPage = 20
	maxTitle     = 200
	maxBody      = 20000
)

// board is the board a request addresses.
type board struct {
	System *domain.System // nil: the portal's notices board
	Kind   domain.BoardKind
	Base   string // URL of the board: /notices or /systems/{code}/board
	Read   bool
	Write  bool
}

// SystemID is the board's system, zero for the portal.
func (b board) SystemID() int64 {
	if b.System == nil {
		return 0
	}
	return b.System.ID
}

// Kinds lists the board's tabs.
func (b board) Kinds() []domain.BoardKind {
	if b.System == nil {
		return []domain.BoardKind{domain.BoardNotice}
	}
	return domain.BoardKinds
}

// boardRights returns what u may do on the boards of systemID (zero: the
// portal board).
func (s *Server) boardRights(ctx context.Context, u *domain.User, systemID int64) (read, write bool, err error) {
	if systemID == 0 {
		read = true
	}
	if u == nil {
		return read, false, nil
	}
	now := s.now()
	sc, err := access.AdminScopeOf(ctx, s.store, *u, now)
	if err != nil {
		return false, false, err
	}
	if sc.National {
		return true, true, nil
	}
	if systemID == 0 {
		return true, false, nil
	}
	read = sc.Any()
	held, err := access.Held(ctx, s.store, u.ID, now)
	if err != nil {
		return false, false, err
	}
	for id := range held {
		role, err := s.store.GetRole(ctx, id)
		if err != nil {
			return false, false, err
		}
		if role.SystemID != systemID || !role.RetiredAt.IsZero() {
			continue
		}
		read = true
		if role.Admin && sc.Any() {
			write = true
		}
	}
	return read, write, nil
}

// findBoard returns the board of system code (empty: the portal's) and
// kind (empty: notice), with the rights that rights gives on it. It
// returns store.ErrNotFound for an unknown system or board, and for the
// boards of a retired system to those who may not write them. Whether
// the caller may read is left to the caller (b.Read): the pages send
// strangers to the login or a 403 page, the API answers 404.
func (s *Server) findBoard(ctx context.Context, code string, kind domain.BoardKind, rights func(systemID int64) (read, write bool, err error)) (board, error) {
	var b board
	b.Kind = kind
	if b.Kind == "" {
		b.Kind = domain.BoardNotice
	}
	if code != "" {
		sys, err := s.store.GetSystemByCode(ctx, code)
		if err != nil {
			return b, err
		}
		b.System, b.Base = &sys, "/systems/"+sys.Code+"/board"
	} else {
		b.Base = "/notices"
		if b.Kind != domain.BoardNotice {
			return b, store.ErrNotFound
		}
	}
	if !b.Kind.Valid() {
		return b, store.ErrNotFound
	}
	var err error
	if b.Read, b.Write, err = rights(b.SystemID()); err != nil {
		return b, err
	}
	if b.System != nil && !b.System.RetiredAt.IsZero() && !b.Write {
		return b, store.ErrNotFound
	}
	return b, nil
}

// resolveBoard finds the board of the request (path value "code", query
// "board") and the user's rights on it; it answers the request itself and
// returns false when the board does not exist or the user may not read it.
func (s *Server) resolveBoard(w http.ResponseWriter, r *http.Request, kind string) (board, bool) {
	ctx := r.Context()
	b, err := s.findBoard(ctx, r.PathValue("code"), domain.BoardKind(kind), func(systemID int64) (bool, bool, error) {
		return s.boardRights(ctx, userFrom(ctx), systemID)
	})
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r)
		return b, false
	} else if err != nil {
		s.serverError(w, r, err)
		return b, false
	}
	if !b.Read {
		if userFrom(ctx) == nil {
			http.Redirect(w, r, "/?msg=login_required&next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		} else {
			s.renderError(w, r, http.StatusForbidden, domain.EFORBIDDEN, translate(state(r).lang, "board.forbidden"))
		}
		return b, false
	}
	return b, true
}

// boardQuery is the title search q of a board's list: trimmed, and cut
// to at most 100 bytes at a character boundary.
func boardQuery(q string) string {
	q = strings.TrimSpace(q)
	if len(q) <= 100 {
		return q
	}
	n := 100
	for n > 0 && !utf8.RuneStart(q[n]) {
		n--
	}
	return q[:n]
}

// boardPage is the data of a board's list.
type boardPage struct {
	Board        board
	Rows         []boardRow
	Total, Pages int
	Page         int
	Query        string
}

// boardRow is a post in the list with its number (newest highest).
type boardRow struct {
	domain.Post
	No int
}

// boardShow handles GET /notices and GET /systems/{code}/board: a page of
// the board's posts (board=notice|program), pinned first, searchable by
// title (q).
func (s *Server) boardShow(w http.ResponseWriter, r *http.Request) {
	b, ok := s.resolveBoard(w, r, r.URL.Query().Get("board"))
	if !ok {
		return
	}
	p := boardPage{Board: b, Query: boardQuery(r.URL.Query().Get("q"))}
	p.Page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	p.Page = max(p.Page, 1)
	posts, total, err := s.store.ListPosts(r.Context(), domain.PostFilter{SystemID: b.SystemID(), Board: b.Kind,
		Query: p.Query, Offset: (p.Page - 1) * postsPerPage, Limit: postsPerPage})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Total = total
	for i, post := range posts {
		p.Rows = append(p.Rows, boardRow{Post: post, No: p.Total - (p.Page-1)*postsPerPage - i})
	}
	p.Pages = (p.Total + postsPerPage - 1) / postsPerPage
	s.render(w, r, http.StatusOK, "board", p)
}

// postPage is the data of one post.
type postPage struct {
	Board       board
	Post        domain.Post
	AuthorOrg   string // the author's institution, not the person
	Attachments []domain.Attachment
}

// boardPost reads post id and checks that it belongs to board b's
// system; it returns store.ErrNotFound otherwise.
func (s *Server) boardPost(ctx context.Context, b board, id int64) (domain.Post, error) {
	p, err := s.store.GetPost(ctx, id)
	if err == nil && p.SystemID != b.SystemID() {
		return p, store.ErrNotFound
	}
	return p, err
}

// loadPost reads the post named by the path value "id" and checks that it
// belongs to board b.
func (s *Server) loadPost(w http.ResponseWriter, r *http.Request, b board) (domain.Post, bool) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	p, err := s.boardPost(r.Context(), b, id)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r)
		return p, false
	} else if err != nil {
		s.serverError(w, r, err)
		return p, false
	}
	return p, true
}

// postAuthorOrg returns the name of the institution of p's author (not
// the person), or "" when it cannot be read.
func (s *Server) postAuthorOrg(ctx context.Context, p domain.Post) string {
	if u, err := s.store.GetUser(ctx, p.AuthorID); err == nil {
		if in, err := s.store.GetInstitution(ctx, u.InstitutionID); err == nil {
			return in.Name
		}
	}
	return ""
}

// postShow handles GET /notices/{id} and GET /systems/{code}/board/{id}.
func (s *Server) postShow(w http.ResponseWriter, r *http.Request) {
	b, ok := s.resolveBoard(w, r, "")
	if !ok {
		return
	}
	post, ok := s.loadPost(w, r, b)
	if !ok {
		return
	}
	b.Kind = post.Board
	pp := postPage{Board: b, Post: post}
	ctx := r.Context()
	var err error
	if pp.Attachments, err = s.store.ListAttachments(ctx, post.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	pp.AuthorOrg = s.postAuthorOrg(ctx, post)
	s.render(w, r, http.StatusOK, "board_post", pp)
}

// attachmentDownload handles GET /board/files/{id}: an attachment, to
// those who may read its board, always as a download: Content-Disposition
// attachment, an image type or application/octet-stream, nosniff, and a
// sandboxing CSP, so that nothing uploaded is ever rendered as a page of
// the portal.
func (s *Server) attachmentDownload(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	a, err := s.store.GetAttachment(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r)
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	post, err := s.store.GetPost(ctx, a.PostID)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r)
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	// The file is as visible as its post: the board's rules (findBoard:
	// a retired system's boards are gone for all but their writers).
	code := ""
	if post.SystemID != 0 {
		sys, err := s.store.GetSystem(ctx, post.SystemID)
		if errors.Is(err, store.ErrNotFound) {
			s.notFound(w, r)
			return
		} else if err != nil {
			s.serverError(w, r, err)
			return
		}
		code = sys.Code
	}
	b, err := s.findBoard(ctx, code, post.Board, func(systemID int64) (bool, bool, error) {
		return s.boardRights(ctx, userFrom(ctx), systemID)
	})
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r)
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !b.Read {
		if userFrom(ctx) == nil {
			s.renderError(w, r, http.StatusUnauthorized, domain.EUNAUTH, "")
		} else {
			s.renderError(w, r, http.StatusForbidden, domain.EFORBIDDEN, translate(state(r).lang, "board.forbidden"))
		}
		return
	}
	serveAttachment(w, r, a)
}

// serveAttachment sends a as a download: Content-Disposition attachment,
// the allow-listed image type or application/octet-stream, nosniff and a
// sandboxing CSP (the page's and the API's downloads alike).
func serveAttachment(w http.ResponseWriter, r *http.Request, a domain.Attachment) {
	h := w.Header()
	h.Set("Content-Type", servedType(a.ContentType))
	h.Set("Content-Disposition", contentDisposition(a.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Content-Length", strconv.Itoa(len(a.Data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(a.Data)
	}
}

// homeNotice is a portal notice on the home page.
type homeNotice struct {
	Title string
	Date  string
	Body  string
	URL   string
}

// homeNotices returns the newest portal notices for the home page, or
// Config.Notices when the board is empty.
func (s *Server) homeNotices(ctx context.Context) []homeNotice {
	posts, _, err := s.store.ListPosts(ctx, domain.PostFilter{Board: domain.BoardNotice, Limit: 5})
	if err != nil {
		s.log.Error("home notices", "err", err)
	}
	var out []homeNotice
	for _, p := range posts {
		out = append(out, homeNotice{Title: p.Title, Date: p.CreatedAt.In(kst).Format("2006-01-02"), URL: "/notices/" + strconv.FormatInt(p.ID, 10)})
	}
	if len(out) == 0 {
		for _, n := range s.cfg.Notices {
			d := ""
			if !n.Date.IsZero() {
				d = n.Date.Format("2006-01-02")
			}
			out = append(out, homeNotice{Title: n.Title, Date: d, Body: n.Body})
		}
	}
	return out
}
