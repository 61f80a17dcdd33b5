package web

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The boards (게시판, docs/boards.md) in the JSON API. Two collections of
// posts share the handlers: the portal's notices at /api/v1/notices and a
// system's board at /api/v1/systems/{code}/boards/{board}/posts. Who may
// read and write is decided by the pages' own code (findBoard,
// boardRights); a board or post the caller may not read answers 404. An
// API token acts with national scope, within boards:read and
// boards:write: it reads and writes every board. Writes go through the
// pages' createPost, savePost and deletePost, with the same audit events;
// files are checked by the same readUploads and checkAttachment, all of
// them before anything is stored.

// jsonBoard is one board of a system.
type jsonBoard struct {
	Board string `json:"board"`
	Name  string `json:"name"`
	Total int    `json:"total"`
}

// jsonPost is a post in a list; jsonPostDetail adds body and files.
type jsonPost struct {
	ID              int64     `json:"id"`
	SystemCode      string    `json:"systemCode,omitempty"`
	Board           string    `json:"board"`
	Title           string    `json:"title"`
	Pinned          bool      `json:"pinned"`
	AttachmentCount int       `json:"attachmentCount"`
	CreatedAt       time.Time `json:"createdAt"`
	UpdatedAt       time.Time `json:"updatedAt"`
	URL             string    `json:"url"`
}

type jsonPostDetail struct {
	jsonPost
	Body              string           `json:"body"`
	AuthorInstitution string           `json:"authorInstitution,omitempty"`
	Attachments       []jsonAttachment `json:"attachments"`
	CanWrite          bool             `json:"canWrite"`
}

type jsonAttachment struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"createdAt"`
	URL         string    `json:"url"`
}

// jsonPostPage is a page of a board's posts.
type jsonPostPage struct {
	jsonList[jsonPost]
	CanWrite bool `json:"canWrite"`
}

// apiBase is the API path of b's posts.
func (b board) apiBase() string {
	if b.System == nil {
		return "/api/v1/notices"
	}
	return "/api/v1/systems/" + url.PathEscape(b.System.Code) + "/boards/" + string(b.Kind) + "/posts"
}

func (b board) postJSON(p domain.Post) jsonPost {
	out := jsonPost{ID: p.ID, Board: string(p.Board), Title: p.Title, Pinned: p.Pinned, AttachmentCount: p.Attachments,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, URL: b.apiBase() + "/" + strconv.FormatInt(p.ID, 10)}
	if b.System != nil {
		out.SystemCode = b.System.Code
	}
	return out
}

// apiBoard finds the board of the request (path values "code" and
// "board"; neither for the portal's notices) with the caller's rights;
// it answers 404 itself when the board is unknown or the caller may not
// read it.
func (s *Server) apiBoard(w http.ResponseWriter, r *http.Request) (board, bool) {
	ctx := r.Context()
	c := callerOf(ctx)
	code, kind := r.PathValue("code"), domain.BoardKind(r.PathValue("board"))
	if code != "" && kind == "" {
		kind = domain.BoardNotice // GET /systems/{code}/boards: reading any board is reading all
	}
	b, err := s.findBoard(ctx, code, kind, func(systemID int64) (bool, bool, error) {
		if c.token != nil {
			return true, true, nil // national scope, within the route's scope
		}
		return s.boardRights(ctx, c.user, systemID)
	})
	if err == nil && !b.Read {
		err = store.ErrNotFound
	}
	if err != nil {
		s.apiError(w, r, err)
		return b, false
	}
	return b, true
}

// apiWritableBoard is apiBoard for writes: a reader who may not write
// gets 403.
func (s *Server) apiWritableBoard(w http.ResponseWriter, r *http.Request) (board, bool) {
	b, ok := s.apiBoard(w, r)
	if ok && !b.Write {
		s.renderError(w, r, http.StatusForbidden, domain.EFORBIDDEN, translate(state(r).lang, "board.not_writer"))
		return b, false
	}
	return b, ok
}

// apiPostOf reads the post {id} of board b (404 when it is on another
// board or system, or deleted).
func (s *Server) apiPostOf(w http.ResponseWriter, r *http.Request, b board) (domain.Post, bool) {
	id, ok := s.pathID(w, r)
	if !ok {
		return domain.Post{}, false
	}
	p, err := s.boardPost(r.Context(), b, id)
	if err == nil && p.Board != b.Kind {
		err = store.ErrNotFound
	}
	if err != nil {
		s.apiError(w, r, err)
		return p, false
	}
	return p, true
}

// apiPostDetail answers status with post p of board b and its files.
func (s *Server) apiPostDetail(w http.ResponseWriter, r *http.Request, status int, b board, p domain.Post) {
	ctx := r.Context()
	atts, err := s.store.ListAttachments(ctx, p.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Attachments = len(atts)
	out := jsonPostDetail{jsonPost: b.postJSON(p), Body: p.Body, AuthorInstitution: s.postAuthorOrg(ctx, p),
		Attachments: []jsonAttachment{}, CanWrite: b.Write}
	for _, a := range atts {
		out.Attachments = append(out.Attachments, jsonAttachment{ID: a.ID, Name: a.Name, ContentType: a.ContentType,
			Size: a.Size, SHA256: hex.EncodeToString(a.SHA256), CreatedAt: a.CreatedAt,
			URL: out.URL + "/attachments/" + strconv.FormatInt(a.ID, 10)})
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", out.URL)
	}
	writeJSON(w, status, out)
}

// apiBoards handles GET /api/v1/systems/{code}/boards: the system's
// boards with their post counts, and whether the caller may write them.
func (s *Server) apiBoards(w http.ResponseWriter, r *http.Request) {
	b, ok := s.apiBoard(w, r)
	if !ok {
		return
	}
	boards := []jsonBoard{}
	for _, k := range b.Kinds() {
		_, total, err := s.store.ListPosts(r.Context(), domain.PostFilter{SystemID: b.SystemID(), Board: k, Limit: 1})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		boards = append(boards, jsonBoard{Board: string(k), Name: k.Label(), Total: total})
	}
	writeJSON(w, http.StatusOK, map[string]any{"system": systemJSON(*b.System), "canWrite": b.Write, "boards": boards})
}

// apiPosts handles GET /api/v1/notices and GET …/boards/{board}/posts: a
// page of the board's posts, pinned first, then newest first; q searches
// the titles.
func (s *Server) apiPosts(w http.ResponseWriter, r *http.Request) {
	b, ok := s.apiBoard(w, r)
	if !ok {
		return
	}
	page := pageOf(r)
	off, lim := page.Window()
	posts, total, err := s.store.ListPosts(r.Context(), domain.PostFilter{SystemID: b.SystemID(), Board: b.Kind,
		Query: boardQuery(r.URL.Query().Get("q")), Offset: off, Limit: lim})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	items := make([]jsonPost, 0, len(posts))
	for _, p := range posts {
		items = append(items, b.postJSON(p))
	}
	writeJSON(w, http.StatusOK, jsonPostPage{jsonList: listJSON(items, total, page), CanWrite: b.Write})
}

// apiPost handles GET …/{id}: a post with its attachments' metadata.
func (s *Server) apiPost(w http.ResponseWriter, r *http.Request) {
	b, ok := s.apiBoard(w, r)
	if !ok {
		return
	}
	p, ok := s.apiPostOf(w, r, b)
	if !ok {
		return
	}
	s.apiPostDetail(w, r, http.StatusOK, b, p)
}

// postInput is the JSON of a new or changed post; absent fields keep
// their value (on create: empty, not pinned).
type postInput struct {
	Title  *string `json:"title"`
	Body   *string `json:"body"`
	Pinned *bool   `json:"pinned"`
}

func (in postInput) apply(p *domain.Post) {
	if in.Title != nil {
		p.Title = *in.Title
	}
	if in.Body != nil {
		p.Body = *in.Body
	}
	if in.Pinned != nil {
		p.Pinned = *in.Pinned
	}
}

// maxPostJSON bounds a post's JSON: a body of maxBody characters fits
// even with every character written as a six-byte \u escape.
const maxPostJSON = 256 << 10

// readPostInput decodes a post's JSON (no unknown fields); on failure it
// answers 400 and returns false. An empty body decodes as {}.
func (s *Server) readPostInput(w http.ResponseWriter, r *http.Request, in *postInput) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxPostJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(in); err != nil && !errors.Is(err, io.EOF) {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "요청 본문이 올바른 JSON이 아닙니다: "+err.Error())
		return false
	}
	return true
}

// isMultipart reports whether r carries a multipart form.
func isMultipart(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data")
}

// postProblems answers 422 with the problems by field (several of a
// field joined by "; ").
func postProblems(w http.ResponseWriter, r *http.Request, problems []postProblem) {
	fields := map[string]string{}
	for _, p := range problems {
		if m := fields[p.field]; m != "" {
			fields[p.field] = m + "; " + p.message(state(r).lang)
		} else {
			fields[p.field] = p.message(state(r).lang)
		}
	}
	fieldErrors(w, "게시글을 저장할 수 없습니다. 항목을 확인하세요.", fields)
}

// authorID is the author of a post the caller writes: the user, or for
// a token the administrator who issued it (posts name a user; the audit
// event names the token).
func (c apiCaller) authorID() int64 {
	if c.token != nil {
		return c.token.CreatedBy
	}
	return c.user.ID
}

// apiPostCreate handles POST /api/v1/notices and POST …/posts: a new post
// from JSON {title, body, pinned}, or from a multipart form with the
// fields title, body, pinned (1 or true) and files "files".
func (s *Server) apiPostCreate(w http.ResponseWriter, r *http.Request) {
	b, ok := s.apiWritableBoard(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	c := callerOf(ctx)
	now := s.now()
	p := domain.Post{SystemID: b.SystemID(), Board: b.Kind, AuthorID: c.authorID(), CreatedAt: now, UpdatedAt: now}
	var ups []upload
	var problems []postProblem
	if isMultipart(r) {
		p.Title, p.Body = r.PostFormValue("title"), r.PostFormValue("body")
		p.Pinned = formBool(r.PostFormValue("pinned"))
		problems = cleanPost(&p)
		var fp []postProblem
		ups, fp = s.readUploads(r, 0)
		problems = append(problems, fp...)
	} else {
		var in postInput
		if !s.readPostInput(w, r, &in) {
			return
		}
		in.apply(&p)
		problems = cleanPost(&p)
	}
	if len(problems) > 0 {
		postProblems(w, r, problems)
		return
	}
	if err := s.createPost(ctx, c.actor(r), &p, ups, now); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiPostDetail(w, r, http.StatusCreated, b, p)
}

// formBool reads a form's checkbox: "1", "true" or "on".
func formBool(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "on":
		return true
	}
	return false
}

// apiPostUpdate handles PATCH …/{id}: JSON {title, body, pinned}, each
// optional. Files are added and removed under …/{id}/attachments.
func (s *Server) apiPostUpdate(w http.ResponseWriter, r *http.Request) {
	b, ok := s.apiWritableBoard(w, r)
	if !ok {
		return
	}
	p, ok := s.apiPostOf(w, r, b)
	if !ok {
		return
	}
	var in postInput
	if !s.readPostInput(w, r, &in) {
		return
	}
	in.apply(&p)
	if problems := cleanPost(&p); len(problems) > 0 {
		postProblems(w, r, problems)
		return
	}
	ctx := r.Context()
	now := s.now()
	p.UpdatedAt = now
	if err := s.savePost(ctx, callerOf(ctx).actor(r), &p, nil, nil, now); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiPostDetail(w, r, http.StatusOK, b, p)
}

// apiPostDelete handles DELETE …/{id}.
func (s *Server) apiPostDelete(w http.ResponseWriter, r *http.Request) {
	b, ok := s.apiWritableBoard(w, r)
	if !ok {
		return
	}
	p, ok := s.apiPostOf(w, r, b)
	if !ok {
		return
	}
	ctx := r.Context()
	if err := s.deletePost(ctx, callerOf(ctx).actor(r), p, s.now()); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiAttachmentsAdd handles POST …/{id}/attachments: a multipart form
// with one or more files "files". Every file is checked before any is
// stored; one refused file refuses them all.
func (s *Server) apiAttachmentsAdd(w http.ResponseWriter, r *http.Request) {
	b, ok := s.apiWritableBoard(w, r)
	if !ok {
		return
	}
	p, ok := s.apiPostOf(w, r, b)
	if !ok {
		return
	}
	if !isMultipart(r) {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "첨부파일은 multipart/form-data의 files 항목으로 보내세요.")
		return
	}
	ctx := r.Context()
	existing, err := s.store.ListAttachments(ctx, p.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	ups, problems := s.readUploads(r, len(existing))
	if len(problems) == 0 && len(ups) == 0 {
		problems = []postProblem{{field: "files", text: "첨부할 파일이 없습니다 (no file)."}}
	}
	if len(problems) > 0 {
		postProblems(w, r, problems)
		return
	}
	now := s.now()
	p.UpdatedAt = now
	if err := s.savePost(ctx, callerOf(ctx).actor(r), &p, nil, ups, now); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiPostDetail(w, r, http.StatusCreated, b, p)
}

// apiAttachmentOf finds the attachment {attachmentId} among post p's.
func (s *Server) apiAttachmentOf(w http.ResponseWriter, r *http.Request, p domain.Post) (domain.Attachment, bool) {
	id, err := strconv.ParseInt(r.PathValue("attachmentId"), 10, 64)
	if err != nil || id <= 0 {
		s.renderError(w, r, http.StatusNotFound, domain.ENOTFOUND, "")
		return domain.Attachment{}, false
	}
	a, err := s.store.GetAttachment(r.Context(), id)
	if err == nil && a.PostID != p.ID {
		err = store.ErrNotFound
	}
	if err != nil {
		s.apiError(w, r, err)
		return a, false
	}
	return a, true
}

// apiAttachment handles GET …/{id}/attachments/{attachmentId}: the file,
// with the same headers as the page's download (serveAttachment).
func (s *Server) apiAttachment(w http.ResponseWriter, r *http.Request) {
	b, ok := s.apiBoard(w, r)
	if !ok {
		return
	}
	p, ok := s.apiPostOf(w, r, b)
	if !ok {
		return
	}
	a, ok := s.apiAttachmentOf(w, r, p)
	if !ok {
		return
	}
	serveAttachment(w, r, a)
}

// apiAttachmentDelete handles DELETE …/{id}/attachments/{attachmentId}.
func (s *Server) apiAttachmentDelete(w http.ResponseWriter, r *http.Request) {
	b, ok := s.apiWritableBoard(w, r)
	if !ok {
		return
	}
	p, ok := s.apiPostOf(w, r, b)
	if !ok {
		return
	}
	a, ok := s.apiAttachmentOf(w, r, p)
	if !ok {
		return
	}
	ctx := r.Context()
	now := s.now()
	p.UpdatedAt = now
	if err := s.savePost(ctx, callerOf(ctx).actor(r), &p, []int64{a.ID}, nil, now); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
