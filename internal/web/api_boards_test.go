package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/api"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// multipartBody encodes fields and files (as "files").
func multipartBody(fields url.Values, files ...file) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		w, _ := mw.CreateFormFile("files", f.name)
		w.Write(f.data)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// apiMultipart sends a multipart API call with the session's CSRF header.
func (c *client) apiMultipart(method, path string, fields url.Values, files ...file) (*http.Response, string) {
	body, ct := multipartBody(fields, files...)
	return c.send(method, path, body, http.Header{"Content-Type": {ct}, csrfHeader: {c.token}})
}

// apiCall sends v (nil: no body) as JSON with the session's CSRF header.
func (c *client) apiCall(method, path string, v any) (*http.Response, string) {
	var b []byte
	if v != nil {
		b, _ = json.Marshal(v)
	}
	return c.send(method, path, bytes.NewReader(b), http.Header{"Content-Type": {"application/json"}, csrfHeader: {c.token}})
}

// bearerMultipart sends a multipart API call with a token.
func (e *seededEnv) bearerMultipart(method, path, token string, fields url.Values, files ...file) (*http.Response, string) {
	body, ct := multipartBody(fields, files...)
	r := httptest.NewRequest(method, path, body)
	r.RemoteAddr = "203.0.113.9:5000"
	r.Header.Set("Authorization", "Bearer "+token)
	r.Header.Set("Content-Type", ct)
	w := httptest.NewRecorder()
	e.s.Handler().ServeHTTP(w, r)
	return w.Result(), w.Body.String()
}

// apiPostResult is the part of a PostDetail the tests read.
type apiPostResult struct {
	ID          int64
	Board       string
	Title       string
	Body        string
	Pinned      bool
	URL         string
	CanWrite    bool
	Attachments []struct {
		ID          int64
		Name        string
		ContentType string
		Size        int64
		URL         string
	}
}

func decodePost(t *testing.T, body string) apiPostResult {
	t.Helper()
	var p apiPostResult
	if err := json.Unmarshal([]byte(body), &p); err != nil || p.ID == 0 || p.URL == "" {
		t.Fatalf("not a post: %v %s", err, body)
	}
	return p
}

// postTitles returns the titles of a PostPage.
func postTitles(t *testing.T, body string) []string {
	t.Helper()
	var page struct {
		Items []struct{ Title string }
		Total int
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatalf("not a page: %v %s", err, body)
	}
	var out []string
	for _, it := range page.Items {
		out = append(out, it.Title)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// wantFieldError checks a 422 whose fields include field.
func wantFieldError(t *testing.T, what string, res *http.Response, body, field string) {
	t.Helper()
	wantCode(t, what, res, body, http.StatusUnprocessableEntity, domain.EINVALID)
	var v struct {
		Error struct{ Fields map[string]string }
	}
	json.Unmarshal([]byte(body), &v)
	if v.Error.Fields[field] == "" {
		t.Errorf("%s: no message for %q: %s", what, field, body)
	}
}

// TestAPISystemBoards: a system's boards over the API follow the pages'
// rules: holders of the system's roles read, its administrators write,
// everyone else sees 404 (401 without a session).
func TestAPISystemBoards(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	const sys = "/api/v1/systems/covid19-vaccination/boards"
	const programs = sys + "/program/posts"

	res, body := e.client().getPage(sys)
	wantCode(t, "anonymous boards", res, body, http.StatusUnauthorized, domain.EUNAUTH)

	stranger, sid := e.accountAt("stranger1", "홍길동", "91111001", domain.UserActive, domain.CertPersonal)
	sc := e.signedIn(stranger, sid)
	for _, p := range []string{sys, programs, sys + "/notice/posts"} {
		res, body = sc.getPage(p)
		wantCode(t, "non-reader GET "+p, res, body, http.StatusNotFound, domain.ENOTFOUND)
	}
	res, body = sc.apiCall("POST", programs, map[string]any{"title": "x"})
	wantCode(t, "non-reader writes", res, body, http.StatusNotFound, domain.ENOTFOUND)

	holder, hid := e.accountAt("holder1", "김철수", "91111002", domain.UserActive, domain.CertPersonal)
	e.grantRole(holder, e.demo.UserRoleID)
	hc := e.signedIn(holder, hid)
	res, body = hc.getPage(sys)
	wantStatus(t, "reader boards", res, body, http.StatusOK)
	var boards struct {
		System   struct{ Code string }
		CanWrite bool
		Boards   []struct {
			Board, Name string
			Total       int
		}
	}
	if err := json.Unmarshal([]byte(body), &boards); err != nil || boards.System.Code != "covid19-vaccination" || boards.CanWrite ||
		len(boards.Boards) != 2 || boards.Boards[0].Board != "notice" || boards.Boards[1].Name != "프로그램/매뉴얼" {
		t.Fatalf("boards %s (%v)", body, err)
	}
	res, body = hc.getPage(sys + "/nope/posts")
	wantCode(t, "unknown board", res, body, http.StatusNotFound, domain.ENOTFOUND)
	res, body = hc.getPage("/api/v1/systems/no-such-system/boards")
	wantCode(t, "unknown system", res, body, http.StatusNotFound, domain.ENOTFOUND)
	res, body = hc.apiMultipart("POST", programs, url.Values{"title": {"x"}}, file{"a.pdf", pdfData})
	wantCode(t, "reader writes", res, body, http.StatusForbidden, domain.EFORBIDDEN)

	// The system's (province) administrator writes; a session write needs
	// the CSRF header.
	province, pid := e.demoAccount("admin11")
	pc := e.signedIn(province, pid)
	mb, ct := multipartBody(url.Values{"title": {"x"}})
	res, body = pc.send("POST", programs, mb, http.Header{"Content-Type": {ct}})
	wantCode(t, "write without CSRF", res, body, http.StatusForbidden, "csrf")
	res, body = pc.apiMultipart("POST", programs, url.Values{"title": {"예방접종 등록 매뉴얼"}, "body": {"1단계\r\n2단계"}, "pinned": {"true"}},
		file{`C:\docs\매뉴얼 "v1".pdf`, pdfData}, file{"화면.png", pngData})
	wantStatus(t, "writer creates", res, body, http.StatusCreated)
	post := decodePost(t, body)
	if res.Header.Get("Location") != post.URL || !strings.HasPrefix(post.URL, programs+"/") || post.Board != "program" ||
		!post.Pinned || post.Body != "1단계\n2단계" || !post.CanWrite || len(post.Attachments) != 2 {
		t.Fatalf("created %+v (Location %q)", post, res.Header.Get("Location"))
	}
	if a := post.Attachments[0]; a.Name != `매뉴얼 "v1".pdf` || a.ContentType != "application/pdf" || a.Size != int64(len(pdfData)) ||
		a.URL != fmt.Sprintf("%s/attachments/%d", post.URL, a.ID) {
		t.Errorf("attachment %+v", a)
	}
	ev, _ := e.s.store.ListAudit(e.ctx, store.AuditFilter{Action: "board.post.create"})
	if len(ev) != 1 || ev[0].ActorID != province.ID || ev[0].TargetID != fmt.Sprint(post.ID) {
		t.Errorf("create audit %+v", ev)
	}

	// The reader lists, searches and reads it, and downloads its files
	// with the page's download headers.
	res, body = hc.getPage(programs)
	wantStatus(t, "reader lists", res, body, http.StatusOK)
	if !contains(postTitles(t, body), "예방접종 등록 매뉴얼") || !strings.Contains(body, `"canWrite":false`) {
		t.Errorf("list %s", body)
	}
	_, body = hc.getPage(programs + "?q=" + url.QueryEscape("등록"))
	if !contains(postTitles(t, body), "예방접종 등록 매뉴얼") {
		t.Errorf("search 등록 misses the post: %s", body)
	}
	_, body = hc.getPage(programs + "?q=zzz")
	if len(postTitles(t, body)) != 0 {
		t.Errorf("search zzz: %s", body)
	}
	_, body = hc.getPage(sys + "/notice/posts")
	if contains(postTitles(t, body), "예방접종 등록 매뉴얼") {
		t.Errorf("the manual is on the notices board")
	}
	res, body = hc.getPage(post.URL)
	wantStatus(t, "reader reads", res, body, http.StatusOK)
	if p := decodePost(t, body); p.CanWrite || len(p.Attachments) != 2 || !strings.Contains(body, `"authorInstitution"`) || strings.Contains(body, province.Name) {
		t.Errorf("reader's post %s", body)
	}
	res, body = hc.getPage(post.Attachments[0].URL)
	wantStatus(t, "reader downloads", res, body, http.StatusOK)
	for k, want := range map[string]string{
		"Content-Type":            "application/octet-stream",
		"X-Content-Type-Options":  "nosniff",
		"Content-Disposition":     `attachment; filename="___ _v1_.pdf"; filename*=UTF-8''%EB%A7%A4%EB%89%B4%EC%96%BC%20%22v1%22.pdf`,
		"Content-Security-Policy": "default-src 'none'; sandbox",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("download %s = %q, want %q", k, got, want)
		}
	}
	if body != string(pdfData) {
		t.Errorf("downloaded %d bytes, want the upload", len(body))
	}
	res, _ = hc.getPage(post.Attachments[1].URL)
	if res.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") {
		t.Errorf("png served as %q %q", res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}

	// Not reachable by strangers, nor through another board, system or
	// post.
	for what, p := range map[string]string{
		"stranger reads":     post.URL,
		"stranger downloads": post.Attachments[0].URL,
	} {
		res, body = sc.getPage(p)
		wantCode(t, what, res, body, http.StatusNotFound, domain.ENOTFOUND)
	}
	res, body = e.client().getPage(post.Attachments[0].URL)
	wantCode(t, "anonymous downloads", res, body, http.StatusUnauthorized, domain.EUNAUTH)
	for what, p := range map[string]string{
		"under the notices board": strings.Replace(post.URL, "/program/", "/notice/", 1),
		"under another system":    strings.Replace(post.URL, "covid19-vaccination", "infectious-disease-auto-report", 1),
		"as a portal notice":      fmt.Sprintf("/api/v1/notices/%d", post.ID),
		"file of another post":    fmt.Sprintf("%s/%d/attachments/%d", programs, post.ID+1000, post.Attachments[0].ID),
		"unknown file":            post.URL + "/attachments/999999",
	} {
		res, body = pc.getPage(p)
		wantCode(t, what, res, body, http.StatusNotFound, domain.ENOTFOUND)
	}

	// Edits: the reader may not; the writer changes the title, refused
	// fields answer 422 with the field.
	res, body = hc.apiCall("PATCH", post.URL, map[string]any{"title": "x"})
	wantCode(t, "reader edits", res, body, http.StatusForbidden, domain.EFORBIDDEN)
	res, body = hc.apiCall("DELETE", post.Attachments[0].URL, nil)
	wantCode(t, "reader removes a file", res, body, http.StatusForbidden, domain.EFORBIDDEN)
	res, body = pc.apiCall("PATCH", post.URL, map[string]any{"title": "  "})
	wantFieldError(t, "empty title", res, body, "title")
	res, body = pc.apiCall("PATCH", post.URL, map[string]any{"body": strings.Repeat("가", maxBody+1)})
	wantFieldError(t, "long body", res, body, "body")
	res, body = pc.apiCall("PATCH", post.URL, map[string]any{"title": "x", "author": 1})
	wantCode(t, "unknown field", res, body, http.StatusBadRequest, domain.EINVALID)
	res, body = pc.apiCall("PATCH", post.URL, map[string]any{"title": "매뉴얼 v2", "pinned": false})
	wantStatus(t, "writer edits", res, body, http.StatusOK)
	if p := decodePost(t, body); p.Title != "매뉴얼 v2" || p.Pinned || p.Body != "1단계\n2단계" || len(p.Attachments) != 2 {
		t.Errorf("after PATCH %+v", p)
	}
	res, body = pc.apiCall("DELETE", post.Attachments[0].URL, nil)
	wantStatus(t, "writer removes a file", res, body, http.StatusNoContent)
	if atts, _ := e.s.store.ListAttachments(e.ctx, post.ID); len(atts) != 1 || atts[0].ID != post.Attachments[1].ID {
		t.Errorf("attachments after removal %+v", atts)
	}
	res, body = pc.getPage(post.Attachments[0].URL)
	wantCode(t, "removed file", res, body, http.StatusNotFound, domain.ENOTFOUND)

	res, body = hc.apiCall("DELETE", post.URL, nil)
	wantCode(t, "reader deletes", res, body, http.StatusForbidden, domain.EFORBIDDEN)
	res, body = pc.apiCall("DELETE", post.URL, nil)
	wantStatus(t, "writer deletes", res, body, http.StatusNoContent)
	res, body = hc.getPage(post.URL)
	wantCode(t, "deleted post", res, body, http.StatusNotFound, domain.ENOTFOUND)
	res, body = pc.apiCall("DELETE", post.URL, nil)
	wantCode(t, "delete twice", res, body, http.StatusNotFound, domain.ENOTFOUND)
	for a, want := range map[string]int{"board.post.create": 1, "board.post.update": 2, "board.post.delete": 1} {
		if n := e.auditCount(a); n != want {
			t.Errorf("%s events = %d, want %d", a, n, want)
		}
	}
}

// TestAPIPortalNotices: everyone reads the portal's notices; only
// national administrators write them; tokens need boards:read or
// boards:write, and their writes are audited under the token.
func TestAPIPortalNotices(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	anon := e.client()
	res, body := anon.getPage("/api/v1/notices")
	wantStatus(t, "anonymous notices", res, body, http.StatusOK)
	if !strings.Contains(body, "공동인증서 로그인 안내") || len(postTitles(t, body)) == 0 {
		t.Errorf("demo notices missing: %s", body)
	}
	res, body = anon.apiCall("POST", "/api/v1/notices", map[string]any{"title": "x"})
	wantCode(t, "anonymous writes", res, body, http.StatusUnauthorized, domain.EUNAUTH)
	province, pid := e.demoAccount("admin11")
	res, body = e.signedIn(province, pid).apiCall("POST", "/api/v1/notices", map[string]any{"title": "x"})
	wantCode(t, "province admin writes a portal notice", res, body, http.StatusForbidden, domain.EFORBIDDEN)

	admin, aid := e.demoAccount("admin")
	ac := e.signedIn(admin, aid)
	e.confirmSessions(admin)
	reader := issueToken(t, ac, "게시판 읽기", 30, api.ScopeBoardsRead)
	writer := issueToken(t, ac, "게시판 쓰기", 30, api.ScopeBoardsWrite)
	other := issueToken(t, ac, "시스템 목록", 30, api.ScopeSystemsRead)

	res, body = e.bearer("GET", "/api/v1/notices", other, nil)
	wantCode(t, "notices without boards:read", res, body, http.StatusForbidden, "insufficient_scope")
	res, body = e.bearer("POST", "/api/v1/notices", reader, map[string]any{"title": "x"})
	wantCode(t, "write with boards:read", res, body, http.StatusForbidden, "insufficient_scope")
	res, body = e.bearer("POST", "/api/v1/notices", writer, map[string]any{"title": "시스템 점검 안내", "body": "3월 2일 02:00~04:00", "pinned": true})
	wantStatus(t, "token writes", res, body, http.StatusCreated)
	post := decodePost(t, body)
	if post.URL != fmt.Sprintf("/api/v1/notices/%d", post.ID) || post.Board != "notice" || !post.Pinned {
		t.Errorf("created %+v", post)
	}
	if p, err := e.s.store.GetPost(e.ctx, post.ID); err != nil || p.AuthorID != admin.ID || p.SystemID != 0 {
		t.Errorf("stored %+v %v (author should be the token's issuer)", p, err)
	}
	ev, _ := e.s.store.ListAudit(e.ctx, store.AuditFilter{Action: "board.post.create"})
	if len(ev) != 1 || !strings.HasPrefix(ev[0].Actor, "api-token:") || ev[0].ActorID != 0 {
		t.Errorf("token create audit %+v", ev)
	}
	res, body = e.bearerMultipart("POST", post.URL+"/attachments", writer, nil, file{"일정.pdf", pdfData})
	wantStatus(t, "token attaches", res, body, http.StatusCreated)
	post = decodePost(t, body)
	if len(post.Attachments) != 1 {
		t.Fatalf("attachments %+v", post.Attachments)
	}

	// Everyone reads and downloads it; the home page lists it.
	res, body = anon.getPage(post.URL)
	wantStatus(t, "anonymous reads", res, body, http.StatusOK)
	res, body = anon.getPage(post.Attachments[0].URL)
	wantStatus(t, "anonymous downloads", res, body, http.StatusOK)
	if res.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") {
		t.Errorf("download headers %v", res.Header)
	}
	res, body = e.bearer("GET", post.Attachments[0].URL, reader, nil)
	wantStatus(t, "token downloads", res, body, http.StatusOK)
	res, body = e.bearer("GET", post.Attachments[0].URL, other, nil)
	wantCode(t, "download without boards:read", res, body, http.StatusForbidden, "insufficient_scope")
	if _, home := anon.getPage("/"); !strings.Contains(home, "시스템 점검 안내") {
		t.Errorf("home page lacks the notice")
	}

	// A token reads every system's boards (national scope).
	res, body = e.bearer("GET", "/api/v1/systems/covid19-vaccination/boards", reader, nil)
	wantStatus(t, "token reads a system's boards", res, body, http.StatusOK)
	if !strings.Contains(body, `"canWrite":true`) {
		t.Errorf("token boards %s", body)
	}
	res, body = e.bearer("GET", "/api/v1/systems/covid19-vaccination/boards", writer, nil)
	wantCode(t, "boards with boards:write only", res, body, http.StatusForbidden, "insufficient_scope")

	res, body = e.bearer("DELETE", post.URL, reader, nil)
	wantCode(t, "delete with boards:read", res, body, http.StatusForbidden, "insufficient_scope")
	res, body = e.bearer("DELETE", post.URL, writer, nil)
	wantStatus(t, "token deletes", res, body, http.StatusNoContent)
	for a, want := range map[string]int{"board.post.create": 1, "board.post.update": 1, "board.post.delete": 1} {
		if n := e.auditCount(a); n != want {
			t.Errorf("%s events = %d, want %d", a, n, want)
		}
	}
}

// TestAPIBoardUploadsRefused: the pages' size, count and type limits hold
// over the API, and a refused request stores nothing, not even the files
// that passed.
func TestAPIBoardUploadsRefused(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	e.s.cfg.Boards = BoardConfig{MaxAttachmentBytes: 4096, MaxAttachments: 2}
	admin, aid := e.demoAccount("admin")
	ac := e.signedIn(admin, aid)
	e.confirmSessions(admin)
	writer := issueToken(t, ac, "게시판 쓰기", 30, api.ScopeBoardsWrite)
	const notices = "/api/v1/notices"
	count := func() int {
		t.Helper()
		_, n, err := e.s.store.ListPosts(e.ctx, domain.PostFilter{Board: domain.BoardNotice, Query: "refused-xyz"})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tc := range []struct {
		what  string
		files []file
	}{
		{"HTML named .pdf", []file{{"manual.pdf", []byte("<html><body>x</body></html>")}}},
		{"executable", []file{{"setup.exe", []byte("MZ\x90\x00")}}},
		{"HTML named .txt", []file{{"notes.txt", []byte("<!DOCTYPE html><script>alert(1)</script>")}}},
		{"too large", []file{{"big.pdf", append(append([]byte{}, pdfData...), make([]byte, 5000)...)}}},
		{"good and bad", []file{{"ok.pdf", pdfData}, {"bad.png", []byte("GIF89a")}}},
		{"three files, two allowed", []file{{"a.pdf", pdfData}, {"b.pdf", pdfData}, {"c.pdf", pdfData}}},
	} {
		res, body := ac.apiMultipart("POST", notices, url.Values{"title": {"refused-xyz"}}, tc.files...)
		wantFieldError(t, "session: "+tc.what, res, body, "files")
		res, body = e.bearerMultipart("POST", notices, writer, url.Values{"title": {"refused-xyz"}}, tc.files...)
		wantFieldError(t, "token: "+tc.what, res, body, "files")
	}
	// A body declared larger than the limit is refused before parsing.
	big := bytes.Repeat([]byte("a"), 3*4096+2<<20)
	res, body := ac.apiMultipart("POST", notices, url.Values{"title": {"refused-xyz"}}, file{"x.txt", big})
	wantCode(t, "session: oversized body", res, body, http.StatusRequestEntityTooLarge, domain.EINVALID)
	res, body = e.bearerMultipart("POST", notices, writer, url.Values{"title": {"refused-xyz"}}, file{"x.txt", big})
	wantCode(t, "token: oversized body", res, body, http.StatusRequestEntityTooLarge, domain.EINVALID)
	if n := count(); n != 0 {
		t.Fatalf("%d posts stored from refused requests", n)
	}

	// Adding files to a post: a refused file refuses the others, and the
	// post keeps at most two.
	res, body = ac.apiCall("POST", notices, map[string]any{"title": "안내"})
	wantStatus(t, "create", res, body, http.StatusCreated)
	post := decodePost(t, body)
	updates := e.auditCount("board.post.update")
	for _, tc := range []struct {
		what  string
		files []file
	}{
		{"good and bad", []file{{"ok.pdf", pdfData}, {"page.html", []byte("<html></html>")}}},
		{"over the count", []file{{"a.pdf", pdfData}, {"b.pdf", pdfData}, {"c.pdf", pdfData}}},
		{"none", nil},
	} {
		res, body = ac.apiMultipart("POST", post.URL+"/attachments", nil, tc.files...)
		wantFieldError(t, "attach: "+tc.what, res, body, "files")
	}
	res, body = ac.apiCall("POST", post.URL+"/attachments", map[string]any{"files": []string{"x"}})
	wantCode(t, "attach as JSON", res, body, http.StatusBadRequest, domain.EINVALID)
	res, body = e.bearerMultipart("POST", post.URL+"/attachments", writer, nil, file{"x.txt", big})
	wantCode(t, "attach an oversized body", res, body, http.StatusRequestEntityTooLarge, domain.EINVALID)
	if atts, _ := e.s.store.ListAttachments(e.ctx, post.ID); len(atts) != 0 {
		t.Errorf("%d attachments after refused uploads, want none", len(atts))
	}
	if n := e.auditCount("board.post.update"); n != updates {
		t.Errorf("refused uploads wrote %d update events", n-updates)
	}
	res, body = ac.apiMultipart("POST", post.URL+"/attachments", nil, file{"a.pdf", pdfData}, file{"r.docx", docxData(t)})
	wantStatus(t, "attach a pdf and a docx", res, body, http.StatusCreated)
	if p := decodePost(t, body); len(p.Attachments) != 2 || p.Attachments[1].ContentType != allowedFiles[".docx"].ContentType {
		t.Errorf("after attaching %+v", p.Attachments)
	}
	res, body = ac.apiMultipart("POST", post.URL+"/attachments", nil, file{"b.pdf", pdfData})
	wantFieldError(t, "a third file", res, body, "files")
}
