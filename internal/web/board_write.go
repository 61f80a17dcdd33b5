package web

import (
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// postForm is the data of the post editor.
type postForm struct {
	Board       board
	Post        domain.Post
	Attachments []domain.Attachment
	Errors      []string
	MaxFiles    int
	MaxMB       int64
	Accept      string
}

func (s *Server) newPostForm(b board, p domain.Post) postForm {
	return postForm{Board: b, Post: p, MaxFiles: s.cfg.Boards.maxFiles(), MaxMB: s.cfg.Boards.maxBytes() >> 20, Accept: allowedExtensions}
}

// writableBoard resolves the board and refuses users who may not write.
func (s *Server) writableBoard(w http.ResponseWriter, r *http.Request, kind string) (board, bool) {
	b, ok := s.resolveBoard(w, r, kind)
	if !ok {
		return b, false
	}
	if !b.Write {
		s.renderError(w, r, http.StatusForbidden, domain.EFORBIDDEN, translate(state(r).lang, "board.not_writer"))
		return b, false
	}
	return b, true
}

// postNew handles GET …/new: an empty editor.
func (s *Server) postNew(w http.ResponseWriter, r *http.Request) {
	b, ok := s.writableBoard(w, r, r.URL.Query().Get("board"))
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "board_form", s.newPostForm(b, domain.Post{Board: b.Kind}))
}

// postEdit handles GET …/{id}/edit.
func (s *Server) postEdit(w http.ResponseWriter, r *http.Request) {
	b, ok := s.writableBoard(w, r, "")
	if !ok {
		return
	}
	p, ok := s.loadPost(w, r, b)
	if !ok {
		return
	}
	b.Kind = p.Board
	f := s.newPostForm(b, p)
	var err error
	if f.Attachments, err = s.store.ListAttachments(r.Context(), p.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "board_form", f)
}

// upload is a checked attachment waiting to be stored.
type upload struct {
	name, contentType string
	data              []byte
}

// postProblem is a refused field of a post: the field (title, body or
// files) and a message key, or a text to show as it is.
type postProblem struct {
	field, key, text string
}

// message returns the problem's message in lang.
func (p postProblem) message(lang string) string {
	if p.text != "" {
		return p.text
	}
	return translate(lang, p.key)
}

// cleanPost normalises the title (trimmed) and body (LF line ends) of p
// and checks them.
func cleanPost(p *domain.Post) []postProblem {
	var problems []postProblem
	p.Title = strings.TrimSpace(p.Title)
	p.Body = strings.ReplaceAll(p.Body, "\r\n", "\n")
	switch n := utf8.RuneCountInString(p.Title); {
	case n == 0:
		problems = append(problems, postProblem{field: "title", key: "board.err_title"})
	case n > maxTitle:
		problems = append(problems, postProblem{field: "title", key: "board.err_title_long"})
	}
	if !utf8.ValidString(p.Title) || !utf8.ValidString(p.Body) {
		problems = append(problems, postProblem{field: "body", key: "board.err_encoding"})
	}
	if utf8.RuneCountInString(p.Body) > maxBody {
		problems = append(problems, postProblem{field: "body", key: "board.err_body_long"})
	}
	return problems
}

// readPostForm reads title, body, pinned and the files of the editor's
// multipart form, checking each file; it returns the problems to show.
func (s *Server) readPostForm(r *http.Request, p *domain.Post, existing int) ([]upload, []postProblem) {
	p.Title = r.PostFormValue("title")
	p.Body = r.PostFormValue("body")
	p.Pinned = r.PostFormValue("pinned") == "1"
	problems := cleanPost(p)
	ups, fp := s.readUploads(r, existing)
	return ups, append(problems, fp...)
}

// readUploads reads and checks the files ("files") of a parsed multipart
// form for a post that keeps existing attachments. Nothing is stored: a
// caller stores the uploads only when there is no problem at all.
func (s *Server) readUploads(r *http.Request, existing int) ([]upload, []postProblem) {
	var problems []postProblem
	var files []*multipart.FileHeader
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["files"] {
			if fh.Filename != "" || fh.Size > 0 {
				files = append(files, fh)
			}
		}
	}
	if existing+len(files) > s.cfg.Boards.maxFiles() {
		return nil, []postProblem{{field: "files", key: "board.err_too_many"}}
	}
	var ups []upload
	for _, fh := range files {
		if fh.Size > s.cfg.Boards.maxBytes() {
			problems = append(problems, postProblem{field: "files", text: cleanFileName(fh.Filename) + ": " + translate(state(r).lang, "board.err_too_large")})
			continue
		}
		f, err := fh.Open()
		if err != nil {
			problems = append(problems, postProblem{field: "files", key: "board.err_upload"})
			continue
		}
		data, err := io.ReadAll(io.LimitReader(f, s.cfg.Boards.maxBytes()+1))
		f.Close()
		if err != nil {
			problems = append(problems, postProblem{field: "files", key: "board.err_upload"})
			continue
		}
		name, ct, err := checkAttachment(fh.Filename, data, s.cfg.Boards.maxBytes())
		if err != nil {
			problems = append(problems, postProblem{field: "files", text: err.Error()})
			continue
		}
		ups = append(ups, upload{name, ct, data})
	}
	return ups, problems
}

// postCreate handles POST /notices and POST /systems/{code}/board: a new
// post with its attachments, audited, in one transaction.
func (s *Server) postCreate(w http.ResponseWriter, r *http.Request) {
	b, ok := s.writableBoard(w, r, r.PostFormValue("board"))
	if !ok {
		return
	}
	u := userFrom(r.Context())
	now := s.now()
	p := domain.Post{SystemID: b.SystemID(), Board: b.Kind, AuthorID: u.ID, CreatedAt: now, UpdatedAt: now}
	ups, problems := s.readPostForm(r, &p, 0)
	if len(problems) > 0 {
		f := s.newPostForm(b, p)
		f.Errors = problemText(r, problems)
		s.render(w, r, http.StatusUnprocessableEntity, "board_form", f)
		return
	}
	if err := s.createPost(r.Context(), audit.ActorOf(*u, clientIP(r)), &p, ups, now); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, b.Base+"/"+strconv.FormatInt(p.ID, 10), http.StatusSeeOther)
}

// postUpdate handles POST …/{id}: new title, body and pin, removal of the
// ticked attachments (remove=ID) and new files.
func (s *Server) postUpdate(w http.ResponseWriter, r *http.Request) {
	b, ok := s.writableBoard(w, r, "")
	if !ok {
		return
	}
	p, ok := s.loadPost(w, r, b)
	if !ok {
		return
	}
	b.Kind = p.Board
	ctx := r.Context()
	existing, err := s.store.ListAttachments(ctx, p.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	remove := map[int64]bool{}
	for _, v := range r.PostForm["remove"] {
		id, _ := strconv.ParseInt(v, 10, 64)
		remove[id] = true
	}
	var removeIDs []int64
	for _, a := range existing {
		if remove[a.ID] {
			removeIDs = append(removeIDs, a.ID)
		}
	}
	kept := len(existing) - len(removeIDs)
	now := s.now()
	p.UpdatedAt = now
	ups, problems := s.readPostForm(r, &p, kept)
	if len(problems) > 0 {
		f := s.newPostForm(b, p)
		f.Attachments, f.Errors = existing, problemText(r, problems)
		s.render(w, r, http.StatusUnprocessableEntity, "board_form", f)
		return
	}
	u := userFrom(ctx)
	if err := s.savePost(ctx, audit.ActorOf(*u, clientIP(r)), &p, removeIDs, ups, now); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, b.Base+"/"+strconv.FormatInt(p.ID, 10), http.StatusSeeOther)
}

// postDelete handles POST …/{id}/delete.
func (s *Server) postDelete(w http.ResponseWriter, r *http.Request) {
	b, ok := s.writableBoard(w, r, "")
	if !ok {
		return
	}
	p, ok := s.loadPost(w, r, b)
	if !ok {
		return
	}
	ctx := r.Context()
	u := userFrom(ctx)
	now := s.now()
	if err := s.deletePost(ctx, audit.ActorOf(*u, clientIP(r)), p, now); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, b.Base+"?board="+string(p.Board), http.StatusSeeOther)
}

// createPost stores the new post p (setting its ID) with its uploads and
// the audit event board.post.create, in one transaction.
func (s *Server) createPost(ctx context.Context, actor audit.Actor, p *domain.Post, ups []upload, now time.Time) error {
	return s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.CreatePost(ctx, p); err != nil {
			return err
		}
		if err := addUploads(ctx, q, p.ID, ups, now); err != nil {
			return err
		}
		return audit.Log(ctx, q, actor, "board.post.create", "post", p.ID,
			map[string]any{"system_id": p.SystemID, "board": string(p.Board), "attachments": len(ups), "pinned": p.Pinned}, now)
	})
}

// savePost stores p's title, body, pin and UpdatedAt, removes the
// attachments removeIDs (which the caller found on p), adds the uploads
// and writes the audit event board.post.update, in one transaction.
func (s *Server) savePost(ctx context.Context, actor audit.Actor, p *domain.Post, removeIDs []int64, ups []upload, now time.Time) error {
	return s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.UpdatePost(ctx, p); err != nil {
			return err
		}
		for _, id := range removeIDs {
			if err := q.DeleteAttachment(ctx, id); err != nil {
				return err
			}
		}
		if err := addUploads(ctx, q, p.ID, ups, now); err != nil {
			return err
		}
		return audit.Log(ctx, q, actor, "board.post.update", "post", p.ID,
			map[string]any{"system_id": p.SystemID, "board": string(p.Board), "added": len(ups), "removed": len(removeIDs), "pinned": p.Pinned}, now)
	})
}

// deletePost deletes p (softly; its attachments go) with the audit event
// board.post.delete, in one transaction.
func (s *Server) deletePost(ctx context.Context, actor audit.Actor, p domain.Post, now time.Time) error {
	return s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.DeletePost(ctx, p.ID, now); err != nil {
			return err
		}
		return audit.Log(ctx, q, actor, "board.post.delete", "post", p.ID,
			map[string]any{"system_id": p.SystemID, "board": string(p.Board)}, now)
	})
}

// addUploads stores ups as attachments of post postID.
func addUploads(ctx context.Context, q store.Queries, postID int64, ups []upload, now time.Time) error {
	for _, up := range ups {
		a := domain.Attachment{PostID: postID, Name: up.name, ContentType: up.contentType, Data: up.data, CreatedAt: now}
		if err := q.AddAttachment(ctx, &a); err != nil {
			return err
		}
	}
	return nil
}

// boardRoutes registers the boards' routes.
func (s *Server) boardRoutes(m *http.ServeMux) {
	for _, base := range []string{"/notices", "/systems/{code}/board"} {
		m.HandleFunc("GET "+base, s.boardShow)
		m.HandleFunc("GET "+base+"/{id}", s.postShow)
		m.Handle("GET "+base+"/new", s.requireLogin(http.HandlerFunc(s.postNew)))
		m.Handle("POST "+base, s.requireLogin(s.upload("POST "+base, s.boardUploadLimit, http.HandlerFunc(s.postCreate))))
		m.Handle("GET "+base+"/{id}/edit", s.requireLogin(http.HandlerFunc(s.postEdit)))
		m.Handle("POST "+base+"/{id}", s.requireLogin(s.upload("POST "+base+"/{id}", s.boardUploadLimit, http.HandlerFunc(s.postUpdate))))
		m.Handle("POST "+base+"/{id}/delete", s.requireLogin(http.HandlerFunc(s.postDelete)))
	}
	m.HandleFunc("GET /board/files/{id}", s.attachmentDownload)
}

// problemText turns readPostForm's problems into messages in the UI
// language.
func problemText(r *http.Request, problems []postProblem) []string {
	out := make([]string, len(problems))
	for i, p := range problems {
		out[i] = p.message(state(r).lang)
	}
	return out
}
