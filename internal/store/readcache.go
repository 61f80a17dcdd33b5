package store

import (
	"context"
	"sync"
)

// A read cache keeps, for the length of one request, the catalogue rows a
// store has read by ID (roles, systems, institutions), so that the
// navigation, the access checks and the page's own lookups do not each
// read them again: the approver inbox read single roles seven times and
// single institutions four times per page (docs/performance.md, fifth
// run). It lives in a context made by WithReadCache; a store answers
// from it only outside transactions, and forgets everything in it when it
// writes anything through that context, so a request sees its own writes.
// What another request or process writes meanwhile shows from the next
// request on.
type readCache struct {
	mu sync.Mutex
	m  map[readKey]any
}

type readKey struct {
	kind string
	id   int64
}

type readCacheKey struct{}

// WithReadCache returns ctx with an empty read cache.
func WithReadCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, readCacheKey{}, &readCache{})
}

// CachedRead returns the value kept in ctx's read cache for the row of
// the given kind and id, or calls read and keeps what it returns (not an
// error). Without a read cache in ctx it calls read. clone copies a value
// on its way in and out, so that callers changing what they got (a slice
// field, say) do not change the cache; nil when the value holds no
// references.
func CachedRead[T any](ctx context.Context, kind string, id int64, clone func(T) T, read func() (T, error)) (T, error) {
	c, _ := ctx.Value(readCacheKey{}).(*readCache)
	if c == nil {
		return read()
	}
	k := readKey{kind, id}
	c.mu.Lock()
	v, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return cloned(v.(T), clone), nil
	}
	t, err := read()
	if err != nil {
		return t, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[readKey]any{}
	}
	c.m[k] = cloned(t, clone)
	c.mu.Unlock()
	return t, nil
}

func cloned[T any](t T, clone func(T) T) T {
	if clone == nil {
		return t
	}
	return clone(t)
}

// ForgetReads empties ctx's read cache, if it has one: a store calls it
// for each write made with ctx.
func ForgetReads(ctx context.Context) {
	if c, _ := ctx.Value(readCacheKey{}).(*readCache); c != nil {
		c.mu.Lock()
		clear(c.m)
		c.mu.Unlock()
	}
}
