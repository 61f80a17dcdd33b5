package web

import (
	"archive/zip"
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// file is an upload of a multipart test form.
type file struct {
	name string
	data []byte
}

// postMultipart posts fields and files (as "files") with the client's CSRF
// token, the way the post editor's form does.
func (c *client) postMultipart(path string, fields url.Values, files ...file) (*http.Response, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField(csrfField, c.token)
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
	return c.send("POST", path, &buf, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

// grantRole gives u an active grant of roleID directly.
func (e *seededEnv) grantRole(u domain.User, roleID int64) {
	e.t.Helper()
	g := domain.Grant{UserID: u.ID, RoleID: roleID, GrantedAt: e.clock.Now()}
	if err := e.s.store.CreateGrant(e.ctx, &g); err != nil {
		e.t.Fatal(err)
	}
}

var (
	pdfData = []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	pngData = append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
)

func docxData(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("[Content_Types].xml")
	w.Write([]byte(`<?xml version="1.0"?><Types/>`))
	zw.Close()
	return buf.Bytes()
}

func TestPortalNotices(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	anon := e.client()
	res, body := anon.getPage("/notices")
	wantStatus(t, "anonymous /notices", res, body, http.StatusOK)
	if !strings.Contains(body, "공동인증서 로그인 안내") {
		t.Errorf("the demo's portal notices are not listed")
	}

	// Only national administrators write the portal board.
	approver, cid := e.demoAccount("approver11110")
	ap := e.signedIn(approver, cid)
	res, body = ap.postMultipart("/notices", url.Values{"title": {"x"}})
	wantStatus(t, "approver posts a portal notice", res, body, http.StatusForbidden)
	province, pid := e.demoAccount("admin11")
	res, body = e.signedIn(province, pid).postMultipart("/notices", url.Values{"title": {"x"}})
	wantStatus(t, "province admin posts a portal notice", res, body, http.StatusForbidden)

	admin, aid := e.demoAccount("admin")
	ad := e.signedIn(admin, aid)
	res, body = ad.getPage("/notices/new")
	wantStatus(t, "editor", res, body, http.StatusOK)
	res, body = ad.postMultipart("/notices", url.Values{"title": {"시스템 점검 안내"}, "body": {"3월 2일 02:00~04:00\r\n<script>alert(1)</script>"}},
		file{"점검 일정 (최종).pdf", pdfData})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/notices/") {
		t.Fatalf("create notice: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	loc := res.Header.Get("Location")
	if n := e.auditCount("board.post.create"); n != 1 {
		t.Errorf("board.post.create events = %d, want 1", n)
	}

	// Everyone reads it; the body is escaped text with its line break.
	res, body = anon.getPage(loc)
	wantStatus(t, "anonymous reads the notice", res, body, http.StatusOK)
	if !strings.Contains(body, "3월 2일 02:00~04:00\n&lt;script&gt;alert(1)&lt;/script&gt;") || strings.Contains(body, "<script>alert") {
		t.Errorf("post body not shown as escaped text:\n%s", body)
	}
	if !strings.Contains(body, esc("점검 일정 (최종).pdf")) {
		t.Errorf("attachment not listed")
	}
	// The home page lists it, linked.
	_, home := e.client().getPage("/")
	if !strings.Contains(home, "시스템 점검 안내") || !strings.Contains(home, `href="`+loc+`"`) {
		t.Errorf("home page does not list the new notice")
	}
	// Search by title, and a search that finds nothing.
	_, body = anon.getPage("/notices?q=" + url.QueryEscape("점검"))
	if !strings.Contains(body, "시스템 점검 안내") {
		t.Errorf("search 점검 misses the notice")
	}
	_, body = anon.getPage("/notices?q=zzz")
	if strings.Contains(body, "시스템 점검 안내") {
		t.Errorf("search zzz finds the notice")
	}
	// The portal board has no programs board.
	res, body = anon.getPage("/notices?board=program")
	wantStatus(t, "portal programs board", res, body, http.StatusNotFound)
}

func TestAttachmentDownload(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	admin, aid := e.demoAccount("admin")
	ad := e.signedIn(admin, aid)
	name := `매뉴얼 "v2"; 100%.pdf`
	res, body := ad.postMultipart("/notices", url.Values{"title": {"매뉴얼"}}, file{`C:\Users\kim\` + name, pdfData}, file{"그림.png", pngData})
	wantStatus(t, "create", res, body, http.StatusSeeOther)
	posts, _, err := e.s.store.ListPosts(e.ctx, domain.PostFilter{Board: domain.BoardNotice, Query: "매뉴얼"})
	if err != nil || len(posts) != 1 {
		t.Fatalf("posts: %v %v", posts, err)
	}
	atts, err := e.s.store.ListAttachments(e.ctx, posts[0].ID)
	if err != nil || len(atts) != 2 {
		t.Fatalf("attachments: %v %v", atts, err)
	}
	if atts[0].Name != name {
		t.Errorf("stored name %q, want %q (path dropped)", atts[0].Name, name)
	}
	res, body = e.client().getPage(fmt.Sprintf("/board/files/%d", atts[0].ID))
	wantStatus(t, "download", res, body, http.StatusOK)
	h := res.Header
	for k, want := range map[string]string{
		"Content-Type":           "application/octet-stream",
		"X-Content-Type-Options": "nosniff",
		"Content-Disposition":    `attachment; filename="___ _v2__ 100_.pdf"; filename*=UTF-8''%EB%A7%A4%EB%89%B4%EC%96%BC%20%22v2%22%3B%20100%25.pdf`,
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP = %q", csp)
	}
	if body != string(pdfData) {
		t.Errorf("downloaded %d bytes, want the upload", len(body))
	}
	res, _ = e.client().getPage(fmt.Sprintf("/board/files/%d", atts[1].ID))
	if ct := res.Header.Get("Content-Type"); ct != "image/png" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") {
		t.Errorf("png served as %q, %q", ct, res.Header.Get("Content-Disposition"))
	}
	res, body = e.client().getPage("/board/files/99999")
	wantStatus(t, "missing file", res, body, http.StatusNotFound)
}

func TestAttachmentRefused(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	e.s.cfg.Boards = BoardConfig{MaxAttachmentBytes: 4096, MaxAttachments: 2}
	admin, aid := e.demoAccount("admin")
	ad := e.signedIn(admin, aid)
	for _, tc := range []struct {
		what string
		f    file
	}{
		{"HTML page", file{"page.html", []byte("<html><script>alert(1)</script></html>")}},
		{"HTML named .pdf", file{"manual.pdf", []byte("<html><body>x</body></html>")}},
		{"HTML named .txt", file{"notes.txt", []byte("<!DOCTYPE html><script>alert(1)</script>")}},
		{"SVG named .png", file{"logo.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)}},
		{"executable", file{"setup.exe", []byte("MZ\x90\x00")}},
		{"zip named .docx", file{"report.docx", func() []byte {
			var b bytes.Buffer
			zw := zip.NewWriter(&b)
			zw.Create("a.txt")
			zw.Close()
			return b.Bytes()
		}()}},
		{"too large", file{"big.pdf", append(append([]byte{}, pdfData...), make([]byte, 5000)...)}},
		{"empty", file{"empty.pdf", nil}},
	} {
		res, body := ad.postMultipart("/notices", url.Values{"title": {"refused-xyz"}}, tc.f)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert"`) {
			t.Errorf("%s: status %d, want 422 with an error", tc.what, res.StatusCode)
		}
	}
	res, body := ad.postMultipart("/notices", url.Values{"title": {"refused-xyz"}}, file{"a.pdf", pdfData}, file{"b.pdf", pdfData}, file{"c.pdf", pdfData})
	wantStatus(t, "three files, two allowed", res, body, http.StatusUnprocessableEntity)
	if _, n, _ := e.s.store.ListPosts(e.ctx, domain.PostFilter{Board: domain.BoardNotice, Query: "refused-xyz"}); n != 0 {
		t.Errorf("%d posts stored from refused forms", n)
	}
	// A body declared larger than the limit is refused before parsing.
	big := bytes.Repeat([]byte("a"), 3*4096+2<<20)
	res, body = ad.postMultipart("/notices", url.Values{"title": {"t"}}, file{"x.txt", big})
	wantStatus(t, "oversized body", res, body, http.StatusRequestEntityTooLarge)
	// Accepted kinds.
	res, body = ad.postMultipart("/notices", url.Values{"title": {"ok"}}, file{"r.docx", docxData(t)}, file{"readme.txt", []byte("안내\n")})
	wantStatus(t, "docx and txt", res, body, http.StatusSeeOther)
}

func TestSystemBoards(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	const base = "/systems/covid19-vaccination/board"

	res, body := e.client().getPage(base)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/?msg=login_required") {
		t.Errorf("anonymous system board: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// A user without a role of the system may not read.
	stranger, sid := e.accountAt("stranger1", "홍길동", "91111001", domain.UserActive, domain.CertPersonal)
	res, body = e.signedIn(stranger, sid).getPage(base)
	wantStatus(t, "user without role", res, body, http.StatusForbidden)
	// A holder of 코로나19 예방접종대응팀 User(의료기관) reads both boards.
	holder, hid := e.accountAt("holder1", "김철수", "91111002", domain.UserActive, domain.CertPersonal)
	e.grantRole(holder, e.demo.UserRoleID)
	hc := e.signedIn(holder, hid)
	res, body = hc.getPage(base + "?board=program")
	wantStatus(t, "holder reads programs", res, body, http.StatusOK)
	if !strings.Contains(body, "프로그램/매뉴얼") || !strings.Contains(body, "공지사항") {
		t.Errorf("board tabs missing")
	}
	if strings.Contains(body, "/new?board=") {
		t.Errorf("holder is offered 글쓰기")
	}
	// ... but does not write.
	res, body = hc.postMultipart(base, url.Values{"title": {"x"}, "board": {"program"}})
	wantStatus(t, "holder writes", res, body, http.StatusForbidden)

	// The province administrator of the system writes its programs board.
	province, pid := e.demoAccount("admin11")
	pc := e.signedIn(province, pid)
	res, body = pc.postMultipart(base, url.Values{"title": {"예방접종 등록 매뉴얼"}, "board": {"program"}, "pinned": {"1"}},
		file{"매뉴얼.pdf", pdfData})
	wantStatus(t, "province admin writes", res, body, http.StatusSeeOther)
	loc := res.Header.Get("Location")
	if !strings.HasPrefix(loc, base+"/") {
		t.Fatalf("redirect to %q", loc)
	}
	res, body = hc.getPage(base + "?board=program")
	if !strings.Contains(body, "예방접종 등록 매뉴얼") {
		t.Errorf("holder does not see the new manual")
	}
	_, body = hc.getPage(base)
	if strings.Contains(body, "예방접종 등록 매뉴얼") {
		t.Errorf("the manual shows on the notices board")
	}
	res, body = hc.getPage(loc)
	wantStatus(t, "holder reads the post", res, body, http.StatusOK)
	// The stranger can neither open the post nor download its file.
	posts, _, err := e.s.store.ListPosts(e.ctx, domain.PostFilter{SystemID: e.demo.CovidSystemID, Board: domain.BoardProgram, Query: "예방접종 등록 매뉴얼"})
	if err != nil || len(posts) != 1 {
		t.Fatalf("programs: %v %v", posts, err)
	}
	atts, _ := e.s.store.ListAttachments(e.ctx, posts[0].ID)
	sc := e.signedIn(stranger, sid)
	res, body = sc.getPage(loc)
	wantStatus(t, "stranger opens the post", res, body, http.StatusForbidden)
	res, body = sc.getPage(fmt.Sprintf("/board/files/%d", atts[0].ID))
	wantStatus(t, "stranger downloads", res, body, http.StatusForbidden)
	res, body = e.client().getPage(fmt.Sprintf("/board/files/%d", atts[0].ID))
	wantStatus(t, "anonymous downloads", res, body, http.StatusUnauthorized)
	res, body = hc.getPage(fmt.Sprintf("/board/files/%d", atts[0].ID))
	wantStatus(t, "holder downloads", res, body, http.StatusOK)
	// The post is not reachable through another system's board.
	res, body = pc.getPage(strings.Replace(loc, "covid19-vaccination", "infectious-disease-auto-report", 1))
	wantStatus(t, "post under another system", res, body, http.StatusNotFound)

	// Edit: remove the file, change the title; then delete.
	id := posts[0].ID
	res, body = pc.postMultipart(fmt.Sprintf("%s/%d", base, id), url.Values{"title": {"매뉴얼 v2"}, "remove": {fmt.Sprint(atts[0].ID)}})
	wantStatus(t, "update", res, body, http.StatusSeeOther)
	p, err := e.s.store.GetPost(e.ctx, id)
	if err != nil || p.Title != "매뉴얼 v2" || p.Attachments != 0 || p.Pinned {
		t.Errorf("after update: %+v %v", p, err)
	}
	res, body = pc.postForm(fmt.Sprintf("%s/%d/delete", base, id), nil)
	wantStatus(t, "delete", res, body, http.StatusSeeOther)
	if _, err := e.s.store.GetPost(e.ctx, id); err == nil || !isNotFound(err) {
		t.Errorf("deleted post still there: %v", err)
	}
	for _, a := range []string{"board.post.create", "board.post.update", "board.post.delete"} {
		if e.auditCount(a) != 1 {
			t.Errorf("%s events = %d, want 1", a, e.auditCount(a))
		}
	}
	res, body = pc.getPage("/systems/no-such-system/board")
	wantStatus(t, "unknown system", res, body, http.StatusNotFound)
}

func isNotFound(err error) bool { return errorCode(err) == domain.ENOTFOUND }
