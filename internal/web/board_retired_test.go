package web

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/gwanmun/gwanmun/internal/api"
	"github.com/gwanmun/gwanmun/internal/domain"
)

// TestRetiredSystemFilesGone: a retired system's board and posts answered
// 404 while their attachments stayed downloadable at /board/files/{id}.
// A file is now exactly as visible as its post, on the page and the API.
func TestRetiredSystemFilesGone(t *testing.T) {
	t.Parallel()
	e := newSeededEnv(t, nil)
	const base = "/systems/covid19-vaccination/board"
	province, pid := e.demoAccount("admin11")
	pc := e.signedIn(province, pid)
	res, body := pc.postMultipart(base, url.Values{"title": {"폐지 전 매뉴얼"}, "board": {"program"}}, file{"매뉴얼.pdf", pdfData})
	wantStatus(t, "province admin writes", res, body, http.StatusSeeOther)
	post := res.Header.Get("Location")
	posts, _, err := e.s.store.ListPosts(e.ctx, domain.PostFilter{SystemID: e.demo.CovidSystemID, Board: domain.BoardProgram, Query: "폐지 전 매뉴얼"})
	if err != nil || len(posts) != 1 {
		t.Fatalf("posts: %v %v", posts, err)
	}
	atts, _ := e.s.store.ListAttachments(e.ctx, posts[0].ID)
	fileURL := fmt.Sprintf("/board/files/%d", atts[0].ID)
	apiFile := fmt.Sprintf("/api/v1/systems/covid19-vaccination/boards/program/posts/%d/attachments/%d", posts[0].ID, atts[0].ID)

	holder, hid := e.accountAt("holderretired", "김철수", "91111002", domain.UserActive, domain.CertPersonal)
	e.grantRole(holder, e.demo.UserRoleID)
	hc := e.signedIn(holder, hid)
	res, body = hc.getPage(fileURL)
	wantStatus(t, "holder downloads before retirement", res, body, http.StatusOK)
	res, body = hc.getPage(apiFile)
	wantStatus(t, "holder downloads through the API before retirement", res, body, http.StatusOK)

	sys, err := e.s.store.GetSystem(e.ctx, e.demo.CovidSystemID)
	if err != nil {
		t.Fatal(err)
	}
	sys.RetiredAt = e.clock.Now()
	if err := e.s.store.UpdateSystem(e.ctx, &sys); err != nil {
		t.Fatal(err)
	}
	for what, path := range map[string]string{"board": base, "post": post, "file": fileURL, "API file": apiFile} {
		res, body = hc.getPage(path)
		wantStatus(t, "holder, retired system: "+what, res, body, http.StatusNotFound)
	}
	res, body = e.client().getPage(fileURL)
	wantStatus(t, "anonymous, retired system: file", res, body, http.StatusNotFound)
	// Its writers still reach the board, the post and the file.
	for what, path := range map[string]string{"post": post, "file": fileURL} {
		res, body = pc.getPage(path)
		wantStatus(t, "writer, retired system: "+what, res, body, http.StatusOK)
	}
	// A board-reading token (national scope) reads as a writer does: as the API's board routes.
	admin, aid := e.demoAccount("admin")
	ac := e.signedIn(admin, aid)
	e.confirmSessions(admin) // issuing a token is a step-up action
	reader := issueToken(t, ac, "게시판 읽기", 30, api.ScopeBoardsRead)
	res, body = e.bearer("GET", apiFile, reader, nil)
	wantStatus(t, "token, retired system: API file", res, body, http.StatusOK)
}
