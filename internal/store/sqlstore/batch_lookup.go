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

// GetUsers returns the users with the given IDs; missing IDs are absent
// from the map.
func (q *queries) GetUsers(ctx context.Context, ids []int64) (map[int64]domain.User, error) {
	out := make(map[int64]domain.User, len(ids))
	for _, chunk := range padIDs(ids) {
		var w where
		w.in("id", chunk)
		users, err := list(ctx, q, scanUser, "SELECT "+userCols+" FROM users"+w.sql(), w.args...)
		if err != nil {
			return nil, fmt.Errorf("get users: %w", err)
		}
		for _, u := range users {
			out[u.ID] = u
		}
	}
	return out, nil
}

// CurrentCertificates returns each user's current certificate (neither
// replaced nor removed; the newest if there were several); users without
// one are absent from the map.
func (q *queries) CurrentCertificates(ctx context.Context, userIDs []int64) (map[int64]domain.Certificate, error) {
	out := make(map[int64]domain.Certificate, len(userIDs))
	for _, chunk := range padIDs(userIDs) {
		var w where
		w.in("user_id", chunk)
		w.add("replaced_at IS NULL")
		w.add("removed_at IS NULL")
		certs, err := list(ctx, q, scanCert, "SELECT "+certCols+" FROM certificates"+w.sql()+" ORDER BY id", w.args...)
		if err != nil {
			return nil, fmt.Errorf("current certificates: %w", err)
		}
		for _, c := range certs {
			out[c.UserID] = c // ordered by id: the newest wins
		}
	}
	return out, nil
}

// GetInstitutions returns the institutions with the given IDs; missing
// IDs are absent from the map.
func (q *queries) GetInstitutions(ctx context.Context, ids []int64) (map[int64]domain.Institution, error) {
	out := make(map[int64]domain.Institution, len(ids))
	for _, chunk := range padIDs(ids) {
		var w where
		w.in("id", chunk)
		insts, err := list(ctx, q, scanInst, "SELECT "+instCols+" FROM institutions"+w.sql(), w.args...)
		if err != nil {
			return nil, fmt.Errorf("get institutions: %w", err)
		}
		for _, in := range insts {
			out[in.ID] = in
		}
	}
	return out, nil
}
