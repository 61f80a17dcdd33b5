package storetest

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// testBoards covers board posts and attachments: fields round-trip, the
// portal board apart from system boards, order (pinned, then newest),
// title search and paging, soft deletion taking the attachments along,
// and attachment data kept byte for byte.
func testBoards(t *testing.T, s store.Store) {
	t.Run("ConsentVersionList", func(t *testing.T) { testConsentVersionList(t, s) })
	c := seedChain(t, s)
	author := newUser(t, s, c.national.ID, "admin", "관리자")
	sys := domain.System{Code: "covid19", Name: "코로나19예방접종관리", CreatedAt: t0}
	must(t, s.CreateSystem(ctx(t), &sys))

	// Validation and references.
	if err := s.CreatePost(ctx(t), &domain.Post{Board: "chat", Title: "x", AuthorID: author.ID}); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("CreatePost on an unknown board = %v, want invalid", err)
	}
	if err := s.CreatePost(ctx(t), &domain.Post{Board: domain.BoardNotice, AuthorID: author.ID}); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("CreatePost without title = %v, want invalid", err)
	}
	wantErr(t, s.CreatePost(ctx(t), &domain.Post{Board: domain.BoardNotice, Title: "x", AuthorID: 99999}), store.ErrNotFound, "post by a missing user")
	wantErr(t, s.CreatePost(ctx(t), &domain.Post{SystemID: 99999, Board: domain.BoardNotice, Title: "x", AuthorID: author.ID}), store.ErrNotFound, "post on a missing system")

	// A post comes back as stored.
	p := domain.Post{SystemID: sys.ID, Board: domain.BoardProgram, Title: "예방접종 등록 매뉴얼 v2", Body: "첫 줄\n<b>둘째</b> 줄",
		AuthorID: author.ID, Pinned: true, CreatedAt: t0}
	must(t, s.CreatePost(ctx(t), &p))
	if p.ID == 0 || !p.UpdatedAt.Equal(us(t0)) {
		t.Fatalf("CreatePost left %+v", p)
	}
	got, err := s.GetPost(ctx(t), p.ID)
	must(t, err)
	if !reflect.DeepEqual(got, p) {
		t.Errorf("GetPost = %+v\nwant %+v", got, p)
	}
	wantTime(t, got.CreatedAt, us(t0), "CreatedAt")
	_, err = s.GetPost(ctx(t), 99999)
	wantErr(t, err, store.ErrNotFound, "GetPost(missing)")

	// Update changes title, body and pin only.
	p.Title, p.Body, p.Pinned, p.UpdatedAt = "매뉴얼 v3", "본문", false, t0.Add(time.Hour)
	must(t, s.UpdatePost(ctx(t), &p))
	got, err = s.GetPost(ctx(t), p.ID)
	must(t, err)
	if got.Title != "매뉴얼 v3" || got.Body != "본문" || got.Pinned || got.Board != domain.BoardProgram || got.SystemID != sys.ID {
		t.Errorf("after UpdatePost: %+v", got)
	}
	wantTime(t, got.UpdatedAt, us(t0.Add(time.Hour)), "UpdatedAt")
	wantErr(t, s.UpdatePost(ctx(t), &domain.Post{ID: 99999, Title: "x"}), store.ErrNotFound, "UpdatePost(missing)")

	// Attachments: data byte for byte, the hash and size set, a listing
	// without data.
	data := bytes.Repeat([]byte{0, 1, 2, 0xff}, 3000)
	a := domain.Attachment{PostID: p.ID, Name: "매뉴얼 (최종).pdf", ContentType: "application/pdf", Data: data, CreatedAt: t0}
	must(t, s.AddAttachment(ctx(t), &a))
	sum := sha256.Sum256(data)
	if a.ID == 0 || a.Size != int64(len(data)) || !bytes.Equal(a.SHA256, sum[:]) {
		t.Fatalf("AddAttachment left id %d size %d", a.ID, a.Size)
	}
	b := domain.Attachment{PostID: p.ID, Name: "readme.txt", ContentType: "text/plain", Data: []byte("hello")}
	must(t, s.AddAttachment(ctx(t), &b))
	if err := s.AddAttachment(ctx(t), &domain.Attachment{PostID: p.ID, Name: "", ContentType: "x", Data: []byte("x")}); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("AddAttachment without a name = %v, want invalid", err)
	}
	wantErr(t, s.AddAttachment(ctx(t), &domain.Attachment{PostID: 99999, Name: "x", ContentType: "x", Data: []byte("x")}), store.ErrNotFound, "attachment of a missing post")
	ga, err := s.GetAttachment(ctx(t), a.ID)
	must(t, err)
	if !bytes.Equal(ga.Data, data) || ga.Name != a.Name || ga.ContentType != "application/pdf" || ga.PostID != p.ID {
		t.Errorf("GetAttachment = %s %s %d bytes", ga.Name, ga.ContentType, len(ga.Data))
	}
	wantTime(t, ga.CreatedAt, us(t0), "attachment CreatedAt")
	list, err := s.ListAttachments(ctx(t), p.ID)
	must(t, err)
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID || list[0].Data != nil || list[0].Size != a.Size {
		t.Errorf("ListAttachments = %+v", list)
	}
	got, err = s.GetPost(ctx(t), p.ID)
	must(t, err)
	if got.Attachments != 2 {
		t.Errorf("GetPost.Attachments = %d, want 2", got.Attachments)
	}
	must(t, s.DeleteAttachment(ctx(t), b.ID))
	wantErr(t, s.DeleteAttachment(ctx(t), b.ID), store.ErrNotFound, "DeleteAttachment twice")
	_, err = s.GetAttachment(ctx(t), b.ID)
	wantErr(t, err, store.ErrNotFound, "GetAttachment(deleted)")

	// Boards are apart: the portal board (SystemID 0) and each system's
	// notices and programs.
	for i := range 7 {
		pp := domain.Post{Board: domain.BoardNotice, Title: fmt.Sprintf("포털 공지 %d", i), AuthorID: author.ID,
			CreatedAt: t0.Add(time.Duration(i) * time.Minute), Pinned: i == 2}
		must(t, s.CreatePost(ctx(t), &pp))
	}
	sn := domain.Post{SystemID: sys.ID, Board: domain.BoardNotice, Title: "시스템 공지 100%_완료", AuthorID: author.ID, CreatedAt: t0}
	must(t, s.CreatePost(ctx(t), &sn))

	titles := func(ps []domain.Post) []string {
		return pluck(ps, func(p domain.Post) string { return p.Title })
	}
	portal, total, err := s.ListPosts(ctx(t), domain.PostFilter{Board: domain.BoardNotice, Limit: 3})
	must(t, err)
	if want := []string{"포털 공지 2", "포털 공지 6", "포털 공지 5"}; total != 7 || !reflect.DeepEqual(titles(portal), want) {
		t.Errorf("portal notices page 1 = %v (total %d), want %v (7)", titles(portal), total, want)
	}
	portal, _, err = s.ListPosts(ctx(t), domain.PostFilter{Board: domain.BoardNotice, Offset: 6, Limit: 3})
	must(t, err)
	if want := []string{"포털 공지 0"}; !reflect.DeepEqual(titles(portal), want) {
		t.Errorf("portal notices page 3 = %v, want %v", titles(portal), want)
	}
	progs, total, err := s.ListPosts(ctx(t), domain.PostFilter{SystemID: sys.ID, Board: domain.BoardProgram})
	must(t, err)
	if total != 1 || len(progs) != 1 || progs[0].ID != p.ID || progs[0].Attachments != 1 {
		t.Errorf("system programs = %+v (total %d)", progs, total)
	}
	// Title search is a case-insensitive substring; % and _ are literal.
	found, total, err := s.ListPosts(ctx(t), domain.PostFilter{SystemID: sys.ID, Board: domain.BoardNotice, Query: "100%_"})
	must(t, err)
	if total != 1 || len(found) != 1 || found[0].ID != sn.ID {
		t.Errorf("search 100%%_ = %v", titles(found))
	}
	_, total, err = s.ListPosts(ctx(t), domain.PostFilter{SystemID: sys.ID, Board: domain.BoardNotice, Query: "1%0"})
	must(t, err)
	if total != 0 {
		t.Errorf("search 1%%0 matched %d posts; %% must be literal", total)
	}
	_, total, err = s.ListPosts(ctx(t), domain.PostFilter{Board: domain.BoardProgram})
	must(t, err)
	if total != 0 {
		t.Errorf("portal programs board holds %d posts, want 0", total)
	}

	// Deletion is soft for the post and takes its attachments.
	must(t, s.DeletePost(ctx(t), p.ID, t0.Add(2*time.Hour)))
	wantErr(t, s.DeletePost(ctx(t), p.ID, t0), store.ErrNotFound, "DeletePost twice")
	_, err = s.GetPost(ctx(t), p.ID)
	wantErr(t, err, store.ErrNotFound, "GetPost(deleted)")
	_, err = s.GetAttachment(ctx(t), a.ID)
	wantErr(t, err, store.ErrNotFound, "attachment of a deleted post")
	wantErr(t, s.UpdatePost(ctx(t), &p), store.ErrNotFound, "UpdatePost(deleted)")
	wantErr(t, s.AddAttachment(ctx(t), &domain.Attachment{PostID: p.ID, Name: "x", ContentType: "x", Data: []byte("x")}), store.ErrNotFound, "attachment of a deleted post")
	_, total, err = s.ListPosts(ctx(t), domain.PostFilter{SystemID: sys.ID, Board: domain.BoardProgram})
	must(t, err)
	if total != 0 {
		t.Errorf("deleted post still listed (%d)", total)
	}
}

// testConsentVersionList: versions newest first, paged, with the total.
func testConsentVersionList(t *testing.T, s store.Store) {
	list, total, err := s.ListConsentVersions(ctx(t), store.Page{})
	must(t, err)
	if total != 0 || len(list) != 0 {
		t.Fatalf("empty store lists %d versions", total)
	}
	for i := range 3 {
		must(t, s.AddConsentVersion(ctx(t), &domain.ConsentVersion{Text: fmt.Sprintf("동의서 %d", i+1), CreatedAt: t0.Add(time.Duration(i) * time.Hour)}))
	}
	list, total, err = s.ListConsentVersions(ctx(t), store.Page{Limit: 2})
	must(t, err)
	if total != 3 || len(list) != 2 || list[0].Version != 3 || list[0].Text != "동의서 3" || list[1].Version != 2 {
		t.Errorf("page 1 = %+v (total %d)", list, total)
	}
	wantTime(t, list[0].CreatedAt, us(t0.Add(2*time.Hour)), "CreatedAt")
	list, _, err = s.ListConsentVersions(ctx(t), store.Page{Offset: 2, Limit: 2})
	must(t, err)
	if len(list) != 1 || list[0].Version != 1 {
		t.Errorf("page 2 = %+v", list)
	}
}
