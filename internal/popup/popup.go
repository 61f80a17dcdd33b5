// Package popup holds the rules of pop-up notices (팝업 공지): what an
// administrator may publish, and which notices a visitor sees. Showing
// them once per version and the [오늘 하루 보지 않기] choice are the
// browser's (static/js/popup.js).
package popup

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Bounds of a notice.
const (
	MaxTitle = 100
	MaxBody  = 5000
	MaxSpan  = 366 * 24 * time.Hour
)

// Check validates a notice an administrator publishes.
func Check(ctx context.Context, q store.Queries, p *domain.Popup) error {
	p.Title, p.Body = strings.TrimSpace(p.Title), strings.TrimSpace(strings.ReplaceAll(p.Body, "\r\n", "\n"))
	switch {
	case p.Title == "" || p.Body == "":
		return domain.Errorf(domain.EINVALID, "제목과 내용을 입력하세요.")
	case utf8.RuneCountInString(p.Title) > MaxTitle || utf8.RuneCountInString(p.Body) > MaxBody:
		return domain.Errorf(domain.EINVALID, "제목은 %d자, 내용은 %d자 이내로 입력하세요.", MaxTitle, MaxBody)
	case p.StartsAt.IsZero() || p.EndsAt.IsZero() || !p.EndsAt.After(p.StartsAt):
		return domain.Errorf(domain.EINVALID, "게시 기간을 확인하세요. 종료일은 시작일보다 뒤여야 합니다.")
	case p.EndsAt.Sub(p.StartsAt) > MaxSpan:
		return domain.Errorf(domain.EINVALID, "게시 기간은 1년 이내로 정하세요.")
	}
	switch p.Audience {
	case domain.PopupEveryone, domain.PopupLoggedIn:
		p.RoleID = 0
	case domain.PopupRole:
		r, err := q.GetRole(ctx, p.RoleID)
		if err != nil || !r.RetiredAt.IsZero() {
			return domain.Errorf(domain.EINVALID, "대상 권한을 선택하세요.")
		}
	default:
		return domain.Errorf(domain.EINVALID, "게시 대상을 선택하세요.")
	}
	return nil
}

// Publish checks and stores a new notice inside q, with its audit event.
func Publish(ctx context.Context, q store.Queries, a audit.Actor, p *domain.Popup, now time.Time) error {
	if err := Check(ctx, q, p); err != nil {
		return err
	}
	p.CreatedAt, p.CreatedBy = now, a.UserID
	if err := q.CreatePopup(ctx, p); err != nil {
		return err
	}
	return audit.Log(ctx, q, a, "popup.create", "popup", p.ID, map[string]any{"audience": string(p.Audience), "role": p.RoleID}, now)
}

// End stops showing notice id now (its period ends), with an audit event.
func End(ctx context.Context, q store.Queries, a audit.Actor, id int64, now time.Time) error {
	p, err := q.GetPopup(ctx, id)
	if err != nil {
		return err
	}
	if !p.EndsAt.After(now) {
		return domain.Errorf(domain.ECONFLICT, "이미 게시가 끝난 팝업 공지입니다.")
	}
	p.EndsAt, p.UpdatedAt = now, now
	if !p.EndsAt.After(p.StartsAt) {
		p.StartsAt = now.Add(-time.Microsecond)
	}
	if err := q.UpdatePopup(ctx, &p); err != nil {
		return err
	}
	return audit.Log(ctx, q, a, "popup.end", "popup", p.ID, nil, now)
}

// For returns the notices shown at now to a visitor: anonymous (u nil),
// or a logged-in user holding held (role IDs).
func For(ctx context.Context, q store.Queries, u *domain.User, held map[int64]domain.Grant, now time.Time) ([]domain.Popup, error) {
	all, err := q.ListPopups(ctx, now)
	if err != nil {
		return nil, err
	}
	var out []domain.Popup
	for _, p := range all {
		switch p.Audience {
		case domain.PopupEveryone:
		case domain.PopupLoggedIn:
			if u == nil {
				continue
			}
		case domain.PopupRole:
			if _, ok := held[p.RoleID]; u == nil || !ok {
				continue
			}
		default:
			continue
		}
		out = append(out, p)
	}
	return out, nil
}
