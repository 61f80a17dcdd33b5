package web

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// closedPortError returns the real error of database/sql + pgx for a
// PostgreSQL that is not listening: a port that was just free.
func closedPortError(t *testing.T) error {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	db, err := sql.Open("pgx", "postgres://nobody@"+addr+"/none?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.PingContext(context.Background())
	if err == nil {
		t.Fatal("ping of a closed port succeeded")
	}
	return fmt.Errorf("get session: %w", err)
}

func TestIsUnavailable(t *testing.T) {
	down := closedPortError(t)
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{down, true},
		{&pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, true},
		{&pgconn.PgError{Code: "57P03", Message: "the database system is starting up"}, true},
		{fmt.Errorf("x: %w", &pgconn.PgError{Code: "08006"}), true},
		{&pgconn.PgError{Code: "23505"}, false},
		{store.ErrNotFound, false},
		{errors.New("some bug"), false},
		{nil, false},
	} {
		if got := isUnavailable(tc.err); got != tc.want {
			t.Errorf("isUnavailable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// downStore is a real store whose session lookups fail as they do when
// PostgreSQL is down.
type downStore struct {
	store.Store
	err error
}

func (d downStore) GetSession(ctx context.Context, id string) (domain.Session, error) {
	return domain.Session{}, d.err
}

// TestUnavailableAnswer: a request whose database is unreachable gets 503
// with Retry-After, as JSON for fetch calls and as the Korean page, and
// the log records a warning, not an internal error.
func TestUnavailableAnswer(t *testing.T) {
	e := newTestEnv(t, nil)
	e.s.store = downStore{Store: e.s.store, err: closedPortError(t)}
	for _, accept := range []string{"application/json", "text/html"} {
		r := httptest.NewRequest("GET", "/menu", nil)
		r.Header.Set("Accept", accept)
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: "x"})
		w := httptest.NewRecorder()
		e.s.Handler().ServeHTTP(w, r)
		body := w.Body.String()
		if w.Code != 503 || w.Header().Get("Retry-After") == "" {
			t.Errorf("%s: status %d, Retry-After %q, want 503 with Retry-After", accept, w.Code, w.Header().Get("Retry-After"))
		}
		want := `"code":"unavailable"`
		if accept == "text/html" {
			want = "잠시 후 다시 시도하세요"
		}
		if !strings.Contains(body, want) {
			t.Errorf("%s: body lacks %q:\n%.400s", accept, want, body)
		}
	}
	if logs := e.logs.String(); !strings.Contains(logs, "database unavailable") || strings.Contains(logs, "internal error") {
		t.Errorf("log:\n%s", logs)
	}
}
