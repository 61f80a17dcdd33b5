package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ---- the trust store's reload generation (migration 00014) ----

// BumpTrustGeneration adds one to the generation in one statement (the
// row is created at 1 by the first bump), so concurrent bumps from
// several processes each get their own value.
func (q *queries) BumpTrustGeneration(ctx context.Context, by string, t time.Time) (int64, error) {
	var gen int64
	err := q.row(ctx, `INSERT INTO trust_generation (id, generation, changed_at, changed_by) VALUES (1, 1, $1, $2)
		ON CONFLICT (id) DO UPDATE SET generation = trust_generation.generation + 1,
			changed_at = excluded.changed_at, changed_by = excluded.changed_by
		RETURNING generation`, tv(nowOr(t)), by).Scan(&gen)
	if err != nil {
		return 0, fmt.Errorf("bump trust generation: %w", mapErr(err))
	}
	return gen, nil
}

// TrustGeneration returns the current generation and who set it; 0 and ""
// before the first bump.
func (q *queries) TrustGeneration(ctx context.Context) (int64, string, error) {
	var gen int64
	var by string
	err := q.row(ctx, "SELECT generation, changed_by FROM trust_generation WHERE id = 1").Scan(&gen, &by)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("trust generation: %w", err)
	}
	return gen, by, nil
}
