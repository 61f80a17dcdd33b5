// Package policy publishes the privacy policy (개인정보 처리방침): its
// versions, every one kept and readable, the newest in force. The text
// comes from the server's configuration (a file, Sync at start) or from a
// national administrator (Add); the demo ships a realistic one.
package policy

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// MaxText bounds a version's text, in characters.
const MaxText = 100_000

// Errors of a new version.
var (
	ErrEmpty   = domain.Errorf(domain.EINVALID, "개인정보 처리방침 내용을 입력하세요.")
	ErrTooLong = domain.Errorf(domain.EINVALID, "개인정보 처리방침은 100,000자 이내입니다.")
	ErrSame    = domain.Errorf(domain.ECONFLICT, "현재 시행 중인 개인정보 처리방침과 내용이 같습니다.")
)

// Normalize returns the text as stored: line breaks as \n, trimmed.
func Normalize(text string) string {
	return strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
}

// Add stores text as a new version inside q (call it in a transaction),
// with its audit event; the same text as the newest is refused.
func Add(ctx context.Context, q store.Queries, a audit.Actor, text, source string, now time.Time) (domain.PrivacyPolicy, error) {
	text = Normalize(text)
	switch {
	case text == "":
		return domain.PrivacyPolicy{}, ErrEmpty
	case !utf8.ValidString(text) || utf8.RuneCountInString(text) > MaxText:
		return domain.PrivacyPolicy{}, ErrTooLong
	}
	cur, err := q.PrivacyPolicy(ctx, 0)
	if err == nil && cur.Text == text {
		return cur, ErrSame
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return cur, err
	}
	p := domain.PrivacyPolicy{Text: text, Source: source, CreatedAt: now, CreatedBy: a.UserID}
	if err := q.AddPrivacyPolicy(ctx, &p); err != nil {
		return p, err
	}
	return p, audit.Log(ctx, q, a, "privacy_policy.add", "privacy_policy", int64(p.Version), map[string]any{"source": source}, now)
}

// Sync makes text (from the configuration file) the policy in force:
// a new version when it differs from the newest, else nothing. It
// reports whether it added one.
func Sync(ctx context.Context, st store.Store, text string, now time.Time) (bool, error) {
	added := false
	err := st.InTx(ctx, func(q store.Queries) error {
		_, err := Add(ctx, q, audit.System, text, "file", now)
		added = err == nil
		if errors.Is(err, ErrSame) {
			return nil
		}
		return err
	})
	return added, err
}
