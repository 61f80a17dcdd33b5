package sqlstore

import (
	"context"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// RecordLogin sets last_login_at and reads the user back in one UPDATE …
// RETURNING. Writing only that column leaves the users indexes alone
// (UpdateUser rewrites every column, and with them every index entry).
func (q *queries) RecordLogin(ctx context.Context, id int64, at time.Time) (domain.User, error) {
	u, err := scanUser(q.row(ctx, "UPDATE users SET last_login_at = $2 WHERE id = $1 RETURNING "+userCols, id, tv(at)))
	if err != nil {
		return u, notFound(err, "record login of user %d", id)
	}
	return u, nil
}
