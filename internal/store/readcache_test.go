package store

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestCachedRead(t *testing.T) {
	reads := 0
	read := func(v []int, err error) func() ([]int, error) {
		return func() ([]int, error) { reads++; return v, err }
	}
	clone := func(v []int) []int { return slices.Clone(v) }

	// No cache in the context: every call reads.
	bg := context.Background()
	for range 2 {
		if _, err := CachedRead(bg, "role", 1, clone, read([]int{1}, nil)); err != nil {
			t.Fatal(err)
		}
	}
	if reads != 2 {
		t.Errorf("without a cache: %d reads, want 2", reads)
	}

	ctx := WithReadCache(bg)
	reads = 0
	a, _ := CachedRead(ctx, "role", 1, clone, read([]int{1}, nil))
	a[0] = 99 // the caller's copy
	b, _ := CachedRead(ctx, "role", 1, clone, read([]int{2}, nil))
	if reads != 1 || b[0] != 1 {
		t.Errorf("second read: %v after %d reads, want [1] after 1", b, reads)
	}
	// Same id, another kind: read.
	if c, _ := CachedRead(ctx, "system", 1, clone, read([]int{3}, nil)); c[0] != 3 || reads != 2 {
		t.Errorf("another kind: %v after %d reads", c, reads)
	}
	// Errors are not kept.
	boom := errors.New("boom")
	if _, err := CachedRead(ctx, "role", 2, clone, read(nil, boom)); !errors.Is(err, boom) {
		t.Errorf("error: %v", err)
	}
	if d, err := CachedRead(ctx, "role", 2, clone, read([]int{4}, nil)); err != nil || d[0] != 4 {
		t.Errorf("after an error: %v, %v", d, err)
	}
	// Forgotten: read again.
	ForgetReads(ctx)
	ForgetReads(bg) // no cache: nothing to do
	reads = 0
	if e, _ := CachedRead(ctx, "role", 1, clone, read([]int{5}, nil)); e[0] != 5 || reads != 1 {
		t.Errorf("after ForgetReads: %v after %d reads", e, reads)
	}
}
