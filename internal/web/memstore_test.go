package web

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// memStore is a temporary stand-in for the sessions and users of
// store.Store, used until internal/store/sqlstore exists; then the tests run
// on a real SQLite file instead and this file goes away.
type memStore struct {
	store.Store
	mu       sync.Mutex
	users    map[int64]domain.User
	sessions map[string]domain.Session
}

func newMemStore() *memStore {
	return &memStore{users: map[int64]domain.User{}, sessions: map[string]domain.Session{}}
}
func (m *memStore) Ping(ctx context.Context) error { return nil }
func (m *memStore) CreateUser(ctx context.Context, u *domain.User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u.ID = int64(len(m.users) + 1)
	m.users[u.ID] = *u
	return nil
}
func (m *memStore) GetUser(ctx context.Context, id int64) (domain.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[id]
	if !ok {
		return u, store.ErrNotFound
	}
	return u, nil
}
func (m *memStore) CreateSession(ctx context.Context, s *domain.Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[s.ID] = *s
	return nil
}
func (m *memStore) GetSession(ctx context.Context, id string) (domain.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return s, store.ErrNotFound
	}
	return s, nil
}
func (m *memStore) TouchSession(ctx context.Context, id string, t time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return store.ErrNotFound
	}
	s.LastSeenAt = t
	m.sessions[id] = s
	return nil
}
func (m *memStore) DeleteSession(ctx context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sessions[id]; !ok {
		return store.ErrNotFound
	}
	delete(m.sessions, id)
	return nil
}

func testStore(t testing.TB) store.Store { return newMemStore() }

func newTestUser(t testing.TB, st store.Store) domain.User {
	u := domain.User{LoginID: "hong", Name: "홍길동", Status: domain.UserActive}
	if err := st.CreateUser(context.Background(), &u); err != nil {
		t.Fatal(err)
	}
	return u
}
