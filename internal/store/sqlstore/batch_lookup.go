package sqlstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// Lookups of many rows by ID in one statement per chunk, for list pages
// that would otherwise read one row per listed item.

// lookupChunk bounds an IN list; lists are padded to a few fixed lengths
// (repeating an ID changes nothing) so that they make a handful of
// distinct statements, not one per length, for the prepared-statement
// cache (stmtcache.go).
const lookupChunk = 500

var lookupSizes = []int{8, 32, 128, lookupChunk}

// padIDs returns ids deduplicated, in chunks padded to lookupSizes.
func padIDs(ids []int64) [][]int64 {
	u := slices.Clone(ids)
	slices.Sort(u)
	u = slices.Compact(u)
	var out [][]int64
	for c := range slices.Chunk(u, lookupChunk) {
		n := lookupChunk
		for _, s := range lookupSizes {
			if len(c) <= s {
				n = s
				break
			}
		}
		p := make([]int64, n)
		copy(p, c)
		for i := len(c); i < n; i++ {
			p[i] = c[len(c)-1]
		}
		out = append(out, p)
	}
	return out
}

// byIDs runs "SELECT cols FROM table WHERE col IN (…) [AND cond…]" for
// ids, one statement per chunk, and maps the rows by key (a later row
// replaces an earlier one with the same key).
func byIDs[T any](ctx context.Context, q *queries, what, cols, table, col string, ids []int64, scan func(sc scanner) (T, error), key func(T) int64, conds ...string) (map[int64]T, error) {
	out := make(map[int64]T, len(ids))
	for _, chunk := range padIDs(ids) {
		var w where
		w.in(col, chunk)
		for _, c := range conds {
			w.add(c)
		}
		rows, err := list(ctx, q, scan, "SELECT "+cols+" FROM "+table+w.sql()+" ORDER BY id", w.args...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		for _, r := range rows {
			out[key(r)] = r
		}
	}
	return out, nil
}

// GetUsers returns the users with the given IDs; missing IDs are absent
// from the map.
func (q *queries) GetUsers(ctx context.Context, ids []int64) (map[int64]domain.User, error) {
	return byIDs(ctx, q, "get users", userCols, "users", "id", ids, scanUser, func(u domain.User) int64 { return u.ID })
}

// GetInstitutions returns the institutions with the given IDs; missing
// IDs are absent from the map.
func (q *queries) GetInstitutions(ctx context.Context, ids []int64) (map[int64]domain.Institution, error) {
	return byIDs(ctx, q, "get institutions", instCols, "institutions", "id", ids, scanInst,
		func(in domain.Institution) int64 { return in.ID })
}

// CurrentCertificates returns each user's current certificate (neither
// replaced nor removed; the newest if there were several: rows come by
// id); users without one are absent from the map.
func (q *queries) CurrentCertificates(ctx context.Context, userIDs []int64) (map[int64]domain.Certificate, error) {
	return byIDs(ctx, q, "current certificates", certCols, "certificates", "user_id", userIDs, scanCert,
		func(c domain.Certificate) int64 { return c.UserID }, "replaced_at IS NULL", "removed_at IS NULL")
}
