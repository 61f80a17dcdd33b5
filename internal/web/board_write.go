package web

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
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

// readPostForm reads title, body, pinned and the files of the editor's
// multipart form, checking each file; it returns the problems to show.
func (s *Server) readPostForm(r *http.Request, p *domain.Post, existing int) ([]upload, []string) {
	var problems []string
	p.Title = strings.TrimSpace(r.PostFormValue("title"))
	p.Body = strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n")
	p.Pinned = r.PostFormValue("pinned") == "1"
	switch n := utf8.RuneCountInString(p.Title); {
	case n == 0:
		problems = append(problems, "board.err_title")
	case n > maxTitle:
		problems = append(problems, "board.err_title_long")
	}
	if !utf8.ValidString(p.Title) || !utf8.ValidString(p.Body) {
		problems = append(problems, "board.err_encoding")
	}
	if utf8.RuneCountInString(p.Body) > maxBody {
		problems = append(problems, "board.err_body_long")
	}
	var files []*multipart.FileHeader
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["files"] {
			if fh.Filename != "" || fh.Size > 0 {
				files = append(files, fh)
			}
		}
	}
	if existing+len(files) > s.cfg.Boards.maxFiles() {
		return nil, append(problems, "board.err_too_many")
	}
	var ups []upload
	for _, fh := range files {
		if fh.Size > s.cfg.Boards.maxBytes() {
			problems = append(problems, "!"+cleanFileName(fh.Filename)+": "+translate(state(r).lang, "board.err_too_large"))
			continue
		}
		f, err := fh.Open()
		if err != nil {
			problems = append(problems, "board.err_upload")
			continue
		}
		data, err := io.ReadAll(io.LimitReader(f, s.cfg.Boards.maxBytes()+1))
		f.Close()
		if err != nil {
			problems = append(problems, "board.err_upload")
			continue
		}
		name, ct, err := checkAttachment(fh.Filename, data, s.cfg.Boards.maxBytes())
		if err != nil {
			problems = append(problems, "!"+err.Error())
			continue
		}
		ups = append(ups, upload{name, ct, data})
	}
	return ups, problems
}

// parseUpload parses the multipart form within the body limit; it reports
// false (having answered 413 or 400) when it cannot.
func (s *Server) parseUpload(w http.ResponseWriter, r *http.Request) bool {
	if !s.limitBody(w, r) {
		return false
	}
	if err := r.ParseMultipartForm(8 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.renderError(w, r, http.StatusRequestEntityTooLarge, domain.EINVALID, translate(state(r).lang, "board.err_too_large"))
		} else {
			s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "")
		}
		return false
	}
	return true
}

// postCreate handles POST /notices and POST /systems/{code}/board: a new
// post with its attachments, audited, in one transaction.
func (s *Server) postCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseUpload(w, r) {
		return
	}
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
	err := s.store.InTx(r.Context(), func(q store.Queries) error {
		if err := q.CreatePost(r.Context(), &p); err != nil {
			return err
		}
		for _, up := range ups {
			a := domain.Attachment{PostID: p.ID, Name: up.name, ContentType: up.contentType, Data: up.data, CreatedAt: now}
			if err := q.AddAttachment(r.Context(), &a); err != nil {
				return err
			}
		}
		return audit.Log(r.Context(), q, audit.ActorOf(*u, clientIP(r)), "board.post.create", "post", p.ID,
			map[string]any{"system_id": p.SystemID, "board": string(p.Board), "attachments": len(ups), "pinned": p.Pinned}, now)
	})
	if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, b.Base+"/"+strconv.FormatInt(p.ID, 10), http.StatusSeeOther)
}

// postUpdate handles POST …/{id}: new title, body and pin, removal of the
// ticked attachments (remove=ID) and new files.
func (s *Server) postUpdate(w http.ResponseWriter, r *http.Request) {
	if !s.parseUpload(w, r) {
		return
	}
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
	kept := 0
	for _, a := range existing {
		if !remove[a.ID] {
			kept++
		}
	}
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
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.UpdatePost(ctx, &p); err != nil {
			return err
		}
		removed := 0
		for _, a := range existing {
			if remove[a.ID] {
				if err := q.DeleteAttachment(ctx, a.ID); err != nil {
					return err
				}
				removed++
			}
		}
		for _, up := range ups {
			a := domain.Attachment{PostID: p.ID, Name: up.name, ContentType: up.contentType, Data: up.data, CreatedAt: now}
			if err := q.AddAttachment(ctx, &a); err != nil {
				return err
			}
		}
		return audit.Log(ctx, q, audit.ActorOf(*u, clientIP(r)), "board.post.update", "post", p.ID,
			map[string]any{"system_id": p.SystemID, "board": string(p.Board), "added": len(ups), "removed": removed, "pinned": p.Pinned}, now)
	})
	if err != nil {
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
	err := s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.DeletePost(ctx, p.ID, now); err != nil {
			return err
		}
		return audit.Log(ctx, q, audit.ActorOf(*u, clientIP(r)), "board.post.delete", "post", p.ID,
			map[string]any{"system_id": p.SystemID, "board": string(p.Board)}, now)
	})
	if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, b.Base+"?board="+string(p.Board), http.StatusSeeOther)
}

// boardRoutes registers the boards' routes.
func (s *Server) boardRoutes(m *http.ServeMux) {
	for _, base := range []string{"/notices", "/systems/{code}/board"} {
		m.HandleFunc("GET "+base, s.boardShow)
		m.HandleFunc("GET "+base+"/{id}", s.postShow)
		m.Handle("GET "+base+"/new", s.requireLogin(http.HandlerFunc(s.postNew)))
		m.Handle("POST "+base, s.requireLogin(http.HandlerFunc(s.postCreate)))
		m.Handle("GET "+base+"/{id}/edit", s.requireLogin(http.HandlerFunc(s.postEdit)))
		m.Handle("POST "+base+"/{id}", s.requireLogin(http.HandlerFunc(s.postUpdate)))
		m.Handle("POST "+base+"/{id}/delete", s.requireLogin(http.HandlerFunc(s.postDelete)))
	}
	m.HandleFunc("GET /board/files/{id}", s.attachmentDownload)
}

// problemText turns readPostForm's problems into messages: message keys
// are translated, "!"-prefixed texts are shown as they are.
func problemText(r *http.Request, problems []string) []string {
	out := make([]string, len(problems))
	for i, p := range problems {
		if t, ok := strings.CutPrefix(p, "!"); ok {
			out[i] = t
		} else {
			out[i] = translate(state(r).lang, p)
		}
	}
	return out
}
