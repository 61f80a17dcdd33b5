package storetest

import (
	"crypto/sha256"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// testAPITokens covers API tokens: fields as stored, lookup by hash only,
// unique hashes, newest-first listing, a single revocation under
// concurrency, and last-use times that never go back.
func testAPITokens(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	hash := func(secret string) []byte { h := sha256.Sum256([]byte(secret)); return h[:] }

	bad := domain.APIToken{Name: "short", Hash: []byte{1, 2, 3}}
	if err := s.CreateAPIToken(ctx(t), &bad); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("CreateAPIToken with a 3-byte hash = %v, want invalid", err)
	}

	tok := domain.APIToken{Name: "예방접종 시스템 연계", Scopes: []string{"grants:read", "users:read"}, Hash: hash("secret-1"),
		Prefix: "gwm_abcd", CreatedAt: t0, CreatedBy: b.approver.ID, ExpiresAt: t0.AddDate(1, 0, 0),
		RevokedAt: t0, LastUsedAt: t0} // Create ignores RevokedAt and LastUsedAt
	must(t, s.CreateAPIToken(ctx(t), &tok))
	if tok.ID == 0 || !tok.RevokedAt.IsZero() || !tok.LastUsedAt.IsZero() {
		t.Fatalf("CreateAPIToken left %+v", tok)
	}
	got, err := s.GetAPITokenByHash(ctx(t), hash("secret-1"))
	must(t, err)
	if !reflect.DeepEqual(got, tok) {
		t.Errorf("GetAPITokenByHash = %+v\nwant %+v", got, tok)
	}
	wantTime(t, got.CreatedAt, us(t0), "CreatedAt")
	wantTime(t, got.ExpiresAt, us(t0.AddDate(1, 0, 0)), "ExpiresAt")
	if !got.HasScope("users:read") || got.HasScope("users:write") || !got.Active(t0) || got.Active(t0.AddDate(2, 0, 0)) {
		t.Errorf("scopes or activity wrong: %+v", got)
	}
	_, err = s.GetAPITokenByHash(ctx(t), hash("secret-2"))
	wantErr(t, err, store.ErrNotFound, "GetAPITokenByHash of an unknown secret")
	_, err = s.GetAPIToken(ctx(t), 99999)
	wantErr(t, err, store.ErrNotFound, "GetAPIToken of a missing ID")

	dup := domain.APIToken{Name: "dup", Hash: hash("secret-1"), CreatedAt: t0}
	wantErr(t, s.CreateAPIToken(ctx(t), &dup), store.ErrAlreadyExists, "CreateAPIToken with a stored hash")
	ghost := domain.APIToken{Name: "ghost", Hash: hash("ghost"), CreatedBy: 99999, CreatedAt: t0}
	wantErr(t, s.CreateAPIToken(ctx(t), &ghost), store.ErrNotFound, "CreateAPIToken by a missing user")

	// No scopes and no expiry are stored as such.
	bare := domain.APIToken{Name: "bare", Hash: hash("secret-3"), CreatedAt: t0.Add(time.Hour)}
	must(t, s.CreateAPIToken(ctx(t), &bare))
	got, err = s.GetAPIToken(ctx(t), bare.ID)
	must(t, err)
	if len(got.Scopes) != 0 || !got.ExpiresAt.IsZero() || got.CreatedBy != 0 {
		t.Errorf("bare token came back %+v", got)
	}

	// Listing: newest first, paginated, with the total.
	list, total, err := s.ListAPITokens(ctx(t), store.Page{Limit: 1})
	must(t, err)
	if total != 2 || len(list) != 1 || list[0].ID != bare.ID {
		t.Errorf("ListAPITokens(limit 1) = %d tokens (first %v), total %d", len(list), list, total)
	}
	list, _, err = s.ListAPITokens(ctx(t), store.Page{Offset: 1})
	must(t, err)
	if len(list) != 1 || list[0].ID != tok.ID {
		t.Errorf("ListAPITokens(offset 1) = %v", list)
	}

	// Last use moves forward only.
	must(t, s.TouchAPIToken(ctx(t), tok.ID, t0.Add(2*time.Hour)))
	must(t, s.TouchAPIToken(ctx(t), tok.ID, t0.Add(time.Hour)))
	got, _ = s.GetAPIToken(ctx(t), tok.ID)
	wantTime(t, got.LastUsedAt, us(t0.Add(2*time.Hour)), "LastUsedAt")
	wantErr(t, s.TouchAPIToken(ctx(t), 99999, t0), store.ErrNotFound, "TouchAPIToken of a missing ID")

	// Revocation: once, also when several revoke at the same moment.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.RevokeAPIToken(ctx(t), tok.ID, b.approver.ID, t0.Add(3*time.Hour))
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			wantErr(t, err, store.ErrConflict, "a second RevokeAPIToken")
		}
	}
	if won != 1 {
		t.Errorf("%d revocations succeeded, want 1", won)
	}
	got, _ = s.GetAPIToken(ctx(t), tok.ID)
	wantTime(t, got.RevokedAt, us(t0.Add(3*time.Hour)), "RevokedAt")
	if got.RevokedBy != b.approver.ID || got.Active(t0.Add(4*time.Hour)) {
		t.Errorf("revoked token %+v", got)
	}
	wantErr(t, s.RevokeAPIToken(ctx(t), 99999, 0, t0), store.ErrNotFound, "RevokeAPIToken of a missing ID")

	// Inside a failed transaction nothing is stored.
	err = s.InTx(ctx(t), func(q store.Queries) error {
		in := domain.APIToken{Name: "rolled back", Hash: hash("secret-4"), CreatedAt: t0}
		must(t, q.CreateAPIToken(ctx(t), &in))
		return store.ErrConflict
	})
	wantErr(t, err, store.ErrConflict, "InTx")
	_, err = s.GetAPITokenByHash(ctx(t), hash("secret-4"))
	wantErr(t, err, store.ErrNotFound, "token of a rolled back transaction")
}
