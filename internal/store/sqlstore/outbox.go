package sqlstore

import (
	"context"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// ---- Mail outbox ----

const outboxCols = "id, kind, recipient, subject, body, created_at, next_attempt_at, attempts, last_error, sent_at, dead_at"

// maxMailError bounds the stored last_error, in bytes.
const maxMailError = 1000

func scanOutbox(sc scanner) (domain.OutboxMessage, error) {
	var m domain.OutboxMessage
	err := sc.Scan(&m.ID, &m.Kind, &m.Recipient, &m.Subject, &m.Body, timeCol{&m.CreatedAt}, timeCol{&m.NextAttemptAt},
		&m.Attempts, &m.LastError, timeCol{&m.SentAt}, timeCol{&m.DeadAt})
	return m, err
}

// checkMail validates a message before it is enqueued: a kind, a bare
// address as the recipient, and a subject without line breaks (it becomes
// a header).
func checkMail(m *domain.OutboxMessage) error {
	if m.Kind == "" {
		return domain.Errorf(domain.EINVALID, "outbox message needs a kind")
	}
	if strings.HasPrefix(m.Kind, domain.OutboxHTTPPrefix) { // an HTTP POST to a URL (sso back-channel logout)
		if u, err := url.Parse(m.Recipient); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return domain.Errorf(domain.EINVALID, "outbox message recipient is not an http(s) URL")
		}
	} else if a, err := mail.ParseAddress(m.Recipient); err != nil || a.Address != m.Recipient || a.Name != "" {
		return domain.Errorf(domain.EINVALID, "outbox message recipient is not a bare e-mail address")
	}
	if m.Subject == "" || strings.ContainsAny(m.Subject, "\r\n") {
		return domain.Errorf(domain.EINVALID, "outbox message needs a one-line subject")
	}
	if !utf8.ValidString(m.Subject) || !utf8.ValidString(m.Body) {
		return domain.Errorf(domain.EINVALID, "outbox message is not valid UTF-8")
	}
	return nil
}

// EnqueueMail inserts a pending message, due at NextAttemptAt (default: its
// CreatedAt, default now), with no attempts yet.
func (q *queries) EnqueueMail(ctx context.Context, m *domain.OutboxMessage) error {
	if err := checkMail(m); err != nil {
		return err
	}
	m.CreatedAt = nowOr(m.CreatedAt)
	if m.NextAttemptAt.IsZero() {
		m.NextAttemptAt = m.CreatedAt
	}
	m.NextAttemptAt = norm(m.NextAttemptAt)
	m.Attempts, m.LastError, m.SentAt, m.DeadAt = 0, "", time.Time{}, time.Time{}
	err := q.row(ctx, `INSERT INTO outbox (kind, recipient, subject, body, created_at, next_attempt_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		m.Kind, m.Recipient, m.Subject, m.Body, tv(m.CreatedAt), tv(m.NextAttemptAt)).Scan(&m.ID)
	if err != nil {
		return fmt.Errorf("enqueue mail: %w", mapErr(err))
	}
	return nil
}

// ClaimDueMail is one UPDATE over a sub-select of the due messages. On
// PostgreSQL the sub-select locks its rows FOR UPDATE SKIP LOCKED, so a
// concurrent claimer skips them instead of waiting and then re-claiming;
// on SQLite the statement runs under the database's write lock.
func (q *queries) ClaimDueMail(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]domain.OutboxMessage, error) {
	if limit <= 0 || lease <= 0 {
		return nil, domain.Errorf(domain.EINVALID, "claim mail: limit and lease must be positive")
	}
	limit = min(limit, store.MaxLimit)
	lock := ""
	if q.s.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	query := `UPDATE outbox SET next_attempt_at = $2, attempts = attempts + 1
		WHERE id IN (SELECT id FROM outbox
			WHERE sent_at IS NULL AND dead_at IS NULL AND next_attempt_at <= $1
			ORDER BY next_attempt_at, id LIMIT $3` + lock + `)
		RETURNING ` + outboxCols
	store.ForgetReads(ctx)
	rows, err := q.w.QueryContext(ctx, query, now.UnixMicro(), now.Add(lease).UnixMicro(), limit)
	if err != nil {
		return nil, fmt.Errorf("claim mail: %w", mapErr(err))
	}
	defer rows.Close()
	var out []domain.OutboxMessage
	for rows.Next() {
		m, err := scanOutbox(rows)
		if err != nil {
			return nil, fmt.Errorf("claim mail: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim mail: %w", mapErr(err))
	}
	// RETURNING has no order; hand them out oldest first.
	slices.SortFunc(out, func(a, b domain.OutboxMessage) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return out, nil
}

func (q *queries) MarkMailSent(ctx context.Context, id int64, t time.Time) error {
	return q.markMail(ctx, "sent", `UPDATE outbox SET sent_at = $2, last_error = ''
		WHERE id = $1 AND sent_at IS NULL AND dead_at IS NULL`, id, tv(nowOr(t)))
}

func (q *queries) MarkMailFailed(ctx context.Context, id int64, errText string, next time.Time) error {
	return q.markMail(ctx, "failed", `UPDATE outbox SET last_error = $2, next_attempt_at = $3
		WHERE id = $1 AND sent_at IS NULL AND dead_at IS NULL`, id, clipError(errText), nowOr(next).UnixMicro())
}

func (q *queries) MarkMailDead(ctx context.Context, id int64, errText string, t time.Time) error {
	return q.markMail(ctx, "dead", `UPDATE outbox SET last_error = $2, dead_at = $3
		WHERE id = $1 AND sent_at IS NULL AND dead_at IS NULL`, id, clipError(errText), tv(nowOr(t)))
}

// markMail runs a conditional update of a pending message; when it
// changes nothing, it tells a missing message (ErrNotFound) from a
// finished one (ErrConflict).
func (q *queries) markMail(ctx context.Context, what, query string, id int64, args ...any) error {
	n, err := q.exec(ctx, query, append([]any{id}, args...)...)
	if err != nil {
		return fmt.Errorf("mark mail %d %s: %w", id, what, err)
	}
	if n == 1 {
		return nil
	}
	var one int
	if err := q.row(ctx, "SELECT 1 FROM outbox WHERE id = $1", id).Scan(&one); err != nil {
		return notFound(err, "mark mail %d %s", id, what)
	}
	return fmt.Errorf("mark mail %d %s: already sent or dead: %w", id, what, store.ErrConflict)
}

// clipError cuts an error text to maxMailError bytes on a rune boundary.
func clipError(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxMailError {
		return s
	}
	cut := maxMailError
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// ListOutbox returns matching messages, newest first, and their count.
func (q *queries) ListOutbox(ctx context.Context, f domain.OutboxFilter) ([]domain.OutboxMessage, int, error) {
	var w where
	switch f.Status {
	case "":
	case domain.OutboxPending:
		w.add("sent_at IS NULL AND dead_at IS NULL")
	case domain.OutboxSent:
		w.add("sent_at IS NOT NULL")
	case domain.OutboxDead:
		w.add("dead_at IS NOT NULL")
	default:
		return nil, 0, domain.Errorf(domain.EINVALID, "unknown outbox status %q", f.Status)
	}
	if f.Kind != "" {
		w.add("kind = ?", f.Kind)
	}
	if f.Recipient != "" {
		w.add("recipient = ?", f.Recipient)
	}
	total, err := q.count(ctx, "SELECT COUNT(*) FROM outbox"+w.sql(), w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list outbox: %w", err)
	}
	off, lim := store.Page{Offset: f.Offset, Limit: f.Limit}.Window()
	query := "SELECT " + outboxCols + " FROM outbox" + w.sql() + " ORDER BY id DESC" + w.page(off, lim)
	out, err := list(ctx, q, scanOutbox, query, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list outbox: %w", err)
	}
	return out, total, nil
}

// PurgeOutbox deletes the messages sent, or given up, before before.
// Pending messages stay whatever their age.
func (q *queries) PurgeOutbox(ctx context.Context, before time.Time) (int, error) {
	n, err := q.exec(ctx, "DELETE FROM outbox WHERE sent_at < $1 OR dead_at < $1", before.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("purge outbox: %w", err)
	}
	return int(n), nil
}
