package web

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
)

// testStore opens the real store on a fresh SQLite file.
func testStore(t testing.TB) store.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "web.db"))
	if err != nil {
		t.Fatalf("open sqlstore: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var userSeq atomic.Int64

// newTestUser stores an active user named 홍길동 with a unique login ID.
func newTestUser(t testing.TB, st store.Store) domain.User {
	t.Helper()
	n := userSeq.Add(1)
	u := domain.User{LoginID: fmt.Sprintf("hong%d", n), Name: "홍길동", Status: domain.UserActive,
		Mobile: "01012345678", Pseudonym: fmt.Sprintf("p-%d", n)}
	if err := st.CreateUser(context.Background(), &u); err != nil {
		t.Fatalf("create user: %v", err)
	}
	return u
}

// rawSQLStore returns the SQL store under the server's store (which the
// sso package wraps with its revocation hooks).
func rawSQLStore(st store.Store) *sqlstore.Store {
	for {
		if s, ok := st.(*sqlstore.Store); ok {
			return s
		}
		st = st.(interface{ Unwrap() store.Store }).Unwrap()
	}
}
