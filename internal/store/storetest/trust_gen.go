package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/gwanmun/gwanmun/internal/store"
)

// testTrustGeneration covers the trust reload generation: zero before the
// first bump, one more per bump with its author, distinct values under
// concurrent bumps (several processes pressing [다시 읽기]), and nothing
// kept of a bump in a rolled-back transaction.
func testTrustGeneration(t *testing.T, s store.Store) {
	gen, by, err := s.TrustGeneration(ctx(t))
	if err != nil || gen != 0 || by != "" {
		t.Fatalf("TrustGeneration of a new store = %d, %q, %v; want 0, \"\"", gen, by, err)
	}
	g, err := s.BumpTrustGeneration(ctx(t), "admin-p1 @ host-a:101", t0)
	if err != nil || g != 1 {
		t.Fatalf("first BumpTrustGeneration = %d, %v; want 1", g, err)
	}
	gen, by, err = s.TrustGeneration(ctx(t))
	if err != nil || gen != 1 || by != "admin-p1 @ host-a:101" {
		t.Fatalf("TrustGeneration after a bump = %d, %q, %v", gen, by, err)
	}

	const n = 8
	got := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			g, err := s.BumpTrustGeneration(ctx(t), fmt.Sprintf("p%d", i), t0)
			if err != nil {
				t.Errorf("concurrent bump %d: %v", i, err)
			}
			got[i] = g
		})
	}
	wg.Wait()
	slices.Sort(got)
	for i, g := range got {
		if g != int64(i+2) {
			t.Fatalf("concurrent bumps returned %v, want 2..%d once each", got, n+1)
		}
	}

	err = s.InTx(ctx(t), func(q store.Queries) error {
		if g, err := q.BumpTrustGeneration(ctx(t), "rolled back", t0); err != nil || g != n+2 {
			t.Errorf("bump in a transaction = %d, %v; want %d", g, err, n+2)
		}
		if g, _, err := q.TrustGeneration(ctx(t)); err != nil || g != n+2 { // reads its own write
			t.Errorf("generation inside the transaction = %d, %v", g, err)
		}
		return errBoom
	})
	wantErr(t, err, errBoom, "InTx with a failing fn")
	if gen, _, err := s.TrustGeneration(ctx(t)); err != nil || gen != n+1 {
		t.Errorf("generation after a rolled-back bump = %d, %v; want %d", gen, err, n+1)
	}
}
