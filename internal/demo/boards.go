package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// demoPost is a seeded board post; SystemCode empty is the portal board.
type demoPost struct {
	SystemCode string
	Board      domain.BoardKind
	Title      string
	Body       string
	Pinned     bool
	Age        time.Duration // before the seeding time
	File       string        // name of a text attachment, with FileBody
	FileBody   string
}

var demoPosts = []demoPost{
	{Board: domain.BoardNotice, Pinned: true, Age: 72 * time.Hour,
		Title: "[데모] 이 사이트는 데모입니다 (this site is a demonstration)",
		Body:  "이 포털은 gwanmun의 데모입니다. 실제 질병관리청 시스템이 아니며, 모든 기관·사용자 정보는 가상입니다.\nThis portal is a gwanmun demonstration: not an official site; all institutions and people are fictional."},
	{Board: domain.BoardNotice, Age: 48 * time.Hour,
		Title: "공동인증서 로그인 안내 (플러그인 설치 불필요)",
		Body:  "공동인증서 로그인에 별도 프로그램 설치가 필요 없습니다. 브라우저에서 인증서 폴더(NPKI) 또는 .p12 파일을 선택하고 인증서 암호를 입력하세요.\n인증서 암호는 서버로 전송되지 않습니다."},
	{Board: domain.BoardNotice, Age: 24 * time.Hour,
		Title: "권한 신청 후 관할 보건소에 문의하시면 빠르게 승인됩니다",
		Body:  "권한 신청 후 [권한/부가정보]에서 승인기관 전화번호를 확인할 수 있습니다."},
	{SystemCode: SystemCovid, Board: domain.BoardNotice, Age: 36 * time.Hour,
		Title: "[데모] 코로나19 예방접종관리 시스템 점검 안내",
		Body:  "데모 공지입니다. 매주 일요일 02:00~04:00 시스템 점검이 있습니다 (fictional)."},
	{SystemCode: SystemCovid, Board: domain.BoardProgram, Pinned: true, Age: 30 * time.Hour,
		Title:    "코로나19 예방접종관리 사용자 매뉴얼 (데모)",
		Body:     "의료기관 사용자용 매뉴얼입니다. 첨부파일을 내려받으세요.\nA demonstration manual for medical-institution users.",
		File:     "코로나19_예방접종관리_사용자매뉴얼(데모).txt",
		FileBody: "코로나19 예방접종관리 사용자 매뉴얼 (데모)\n\n1. 로그인: 공동인증서 로그인\n2. 메뉴보기 → 코로나19예방접종관리\n3. 예방접종 등록\n\n이 문서는 데모용입니다.\n"},
}

// seedBoards writes the demo's portal notices and the covid system's
// board posts, written by the national administrator, unless the portal
// board already has posts.
func seedBoards(ctx context.Context, q store.Queries, now time.Time, res *Result) error {
	_, n, err := q.ListPosts(ctx, domain.PostFilter{Board: domain.BoardNotice, Limit: 1})
	if err != nil || n > 0 {
		return err
	}
	var author int64
	for _, a := range res.Accounts {
		if a.Institution.Kind == domain.KindNational {
			author = a.UserID
			break
		}
	}
	if author == 0 {
		return nil
	}
	for _, dp := range demoPosts {
		p := domain.Post{Board: dp.Board, Title: dp.Title, Body: dp.Body, Pinned: dp.Pinned, AuthorID: author,
			CreatedAt: now.Add(-dp.Age)}
		if dp.SystemCode != "" {
			p.SystemID = res.Systems[dp.SystemCode]
		}
		if err := q.CreatePost(ctx, &p); err != nil {
			return fmt.Errorf("demo post %q: %w", dp.Title, err)
		}
		res.Created++
		if dp.File != "" {
			a := domain.Attachment{PostID: p.ID, Name: dp.File, ContentType: "text/plain; charset=utf-8", Data: []byte(dp.FileBody), CreatedAt: p.CreatedAt}
			if err := q.AddAttachment(ctx, &a); err != nil {
				return fmt.Errorf("demo attachment %q: %w", dp.File, err)
			}
		}
	}
	return nil
}
