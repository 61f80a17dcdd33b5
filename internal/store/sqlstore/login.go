package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Login makes a certificate login's writes (store.LoginAttempt). On
// PostgreSQL that is one statement, so one round trip: a login used to
// take seven (consume, certificate, user, session, audit head and event,
// commit), and under load the time between them, not the database's work,
// bounded the rate. SQLite has no writing WITH clauses; there the same
// steps run as statements of one transaction, which costs no round trips.
func (q *queries) Login(ctx context.Context, a store.LoginAttempt) (store.LoginResult, error) {
	if a.Session.ID == "" || a.Session.ExpiresAt.IsZero() || a.Audit.Action == "" {
		return store.LoginResult{}, domain.Errorf(domain.EINVALID, "login needs a session ID, a session expiry and an audit action")
	}
	a.At = nowOr(a.At)
	a.Session.ExpiresAt, a.Session.ConfirmedAt = norm(a.Session.ExpiresAt), norm(a.Session.ConfirmedAt)
	var (
		r   store.LoginResult
		err error
	)
	if q.s.dialect == Postgres {
		r, err = q.loginStatement(ctx, a)
	} else {
		err = q.atomically(ctx, func(q *queries) (err error) {
			r, err = q.loginSteps(ctx, a)
			return err
		})
	}
	if err != nil {
		return store.LoginResult{}, fmt.Errorf("login: %w", err)
	}
	if r.LoggedIn {
		r.User.LastLoginAt = a.At
		if q.tx {
			q.audited = true // the commit wakes the sealer
		} else {
			q.s.sealer.wake()
		}
	}
	return r, nil
}

// loginWhere is the condition of a login, on the consumed challenge ch,
// the certificate c and the user (users): $1 is At, $4 Purpose, $5 Origin.
const loginWhere = `ch.purpose = $4 AND ch.origin = $5 AND ch.expires_at > $1
	AND c.replaced_at IS NULL AND c.removed_at IS NULL
	AND users.status NOT IN ('locked', 'withdrawn')`

// loginCertCols are certCols without the certificate itself (DER, NULL
// here): a login needs the registration, not the certificate it has just
// parsed from the request.
var loginCertCols = strings.Replace(certCols, " der,", " NULL AS der,", 1)

// loginSQL is the PostgreSQL login. Its parts see one snapshot and run as
// one: the challenge is consumed in any case; the user row's update
// decides the rest (under READ COMMITTED it re-checks the status against
// a concurrent lock), and the session and the audit event are made from
// its output. The last SELECT reports what was found, one row always.
var loginSQL = `WITH ch AS (
	UPDATE challenges SET used_at = $1 WHERE nonce = $2 AND used_at IS NULL
	RETURNING ` + challengeCols + `
), c AS (
	SELECT ` + loginCertCols + ` FROM certificates WHERE key_hash = $3
), u AS (
	UPDATE users SET last_login_at = $1 FROM ch, c
	WHERE users.id = c.user_id AND ` + loginWhere + `
	RETURNING users.id, users.pseudonym, c.id AS cert_id
), old AS (
	DELETE FROM sessions WHERE id = $6 AND EXISTS (SELECT 1 FROM u)
), s AS (
	INSERT INTO sessions (` + sessionCols + `)
	SELECT $7, u.id, $8, u.cert_id, $1, $1, $9, $10, $11, $12 FROM u
), a AS (
	INSERT INTO audit_pending (` + pendingCols + `)
	SELECT $1, u.id, u.pseudonym, $13, $14, CAST(u.id AS TEXT), $15, $16 FROM u
)
SELECT ` + prefixed("ch", challengeCols) + `,
	EXISTS (SELECT 1 FROM challenges WHERE nonce = $2), EXISTS (SELECT 1 FROM u),
	` + prefixed("c", certCols) + `, ` + prefixed("usr", userCols) + `
FROM (SELECT 1) AS one LEFT JOIN ch ON TRUE LEFT JOIN c ON TRUE LEFT JOIN users usr ON usr.id = c.user_id`

func (q *queries) loginStatement(ctx context.Context, a store.LoginAttempt) (store.LoginResult, error) {
	se := a.Session
	store.ForgetReads(ctx)
	rows, err := q.w.QueryContext(ctx, loginSQL, tv(a.At), a.Nonce, a.KeyHash, a.Purpose, a.Origin, a.OldSession,
		se.ID, se.CSRFToken, tv(se.ExpiresAt), se.ClientAddr, se.UserAgent, tv(se.ConfirmedAt),
		a.Audit.Action, a.Audit.TargetType, a.Audit.ClientAddr, a.Audit.Detail)
	if err != nil {
		return store.LoginResult{}, mapErr(err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return store.LoginResult{}, mapErr(err)
		}
		return store.LoginResult{}, errors.New("no result row")
	}
	// The challenge's, the certificate's and the user's columns may all
	// be NULL (outer joins): read the row as values, then let each scan
	// function take its share.
	cols, err := rows.Columns()
	if err != nil {
		return store.LoginResult{}, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return store.LoginResult{}, err
	}
	var r store.LoginResult
	var known bool
	rest := &values{v: vals}
	if r.Challenge, err = scanChallenge(rest); err != nil {
		return r, err
	}
	if err := rest.Scan(&known, &r.LoggedIn); err != nil {
		return r, err
	}
	if r.Cert, err = scanCert(rest); err != nil {
		return r, err
	}
	if r.User, err = scanUser(rest); err != nil {
		return r, err
	}
	if r.User.ID == 0 {
		r.User = domain.User{}
	}
	r.Consumed = r.Challenge.Nonce != ""
	r.Replayed = !r.Consumed && known
	return r, rows.Close()
}

// values hands out a row's values, read beforehand, to scan functions in
// turn; a NULL leaves its destination at its zero value.
type values struct{ v []any }

func (s *values) Scan(dest ...any) error {
	if len(dest) > len(s.v) {
		return fmt.Errorf("scan %d values of %d", len(dest), len(s.v))
	}
	for i, d := range dest {
		if err := scanValue(d, s.v[i]); err != nil {
			return fmt.Errorf("column %d: %w", i, err)
		}
	}
	s.v = s.v[len(dest):]
	return nil
}

// scanValue stores the driver value v in d (a pointer, or an sql.Scanner).
func scanValue(d, v any) error {
	if sc, ok := d.(sql.Scanner); ok {
		return sc.Scan(v)
	}
	if v == nil {
		return nil
	}
	dv := reflect.ValueOf(d).Elem()
	sv := reflect.ValueOf(v)
	if !sv.Type().ConvertibleTo(dv.Type()) {
		return fmt.Errorf("cannot store %T in %s", v, dv.Type())
	}
	dv.Set(sv.Convert(dv.Type()))
	return nil
}

// loginSteps is the SQLite login, in q's transaction.
func (q *queries) loginSteps(ctx context.Context, a store.LoginAttempt) (store.LoginResult, error) {
	var r store.LoginResult
	ch, err := q.ConsumeChallenge(ctx, a.Nonce, a.At)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case errors.Is(err, store.ErrConflict):
		r.Replayed = true
	case err != nil:
		return r, err
	default:
		r.Consumed, r.Challenge = true, ch
	}
	r.Cert, err = scanCert(q.row(ctx, "SELECT "+loginCertCols+" FROM certificates WHERE key_hash = $1", a.KeyHash))
	if errors.Is(err, sql.ErrNoRows) {
		return r, nil
	} else if err != nil {
		return r, err
	}
	refused := func() (store.LoginResult, error) {
		r.User, err = q.GetUser(ctx, r.Cert.UserID)
		return r, err
	}
	if !r.Consumed || ch.Purpose != a.Purpose || ch.Origin != a.Origin || !a.At.Before(ch.ExpiresAt) || !r.Cert.Current() {
		return refused()
	}
	r.User, err = scanUser(q.row(ctx, "UPDATE users SET last_login_at = $2 WHERE id = $1 AND status NOT IN ('locked', 'withdrawn') RETURNING "+userCols,
		r.Cert.UserID, tv(a.At)))
	if errors.Is(err, sql.ErrNoRows) {
		return refused()
	} else if err != nil {
		return r, err
	}
	if a.OldSession != "" {
		if _, err := q.exec(ctx, "DELETE FROM sessions WHERE id = $1", a.OldSession); err != nil {
			return r, err
		}
	}
	se := a.Session
	se.UserID, se.CertID, se.CreatedAt, se.LastSeenAt = r.User.ID, r.Cert.ID, a.At, a.At
	if err := q.CreateSession(ctx, &se); err != nil {
		return r, err
	}
	ev := a.Audit
	ev.At, ev.ActorID, ev.Actor, ev.TargetID = a.At, r.User.ID, r.User.Pseudonym, fmt.Sprint(r.User.ID)
	if err := q.AppendAudit(ctx, &ev); err != nil {
		return r, err
	}
	r.LoggedIn = true
	return r, nil
}

// prefixed qualifies each of the comma-separated columns cols with alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}
