// Command reviews measures access review campaigns on a large database
// (bench/gen's): it opens a campaign over every role of every system,
// nationwide, as the demo's national administrator, and times the
// creation (one INSERT … SELECT), the progress page's query and the first
// page of a health-centre reviewer's items. See docs/reviews.md.
//
//	go run ./bench/reviews -db URL [-reviewer approver11110]
//	go run ./bench/reviews -db URL -populate 1000000   # on an empty database
//
// It writes a campaign (with its audit event) to the database. -populate
// first seeds the demo data and adds N users with one grant each of
// 코로나19 예방접종대응팀 User(의료기관), spread over N/25 medical
// institutions under the demo health centres, with set-based SQL (a quick
// stand-in for bench/gen's population when only grants matter).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gwanmun/gwanmun/internal/demo"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/review"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "reviews:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("reviews", flag.ContinueOnError)
	fl.SetOutput(stderr)
	db := fl.String("db", "", "database: postgres://… or an SQLite path (required)")
	admin := fl.String("admin", "admin", "login ID of the national administrator who opens the campaign")
	reviewer := fl.String("reviewer", "approver11110", "login ID of a reviewer whose first page is timed")
	populate := fl.Int("populate", 0, "first add this many users with one grant each (set-based SQL)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *db == "" {
		return errors.New("-db is required")
	}
	st, err := sqlstore.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if *populate > 0 {
		start := time.Now()
		if err := populateGrants(ctx, st, *populate); err != nil {
			return fmt.Errorf("populate: %w", err)
		}
		fmt.Fprintf(stdout, "populate: %d users with a grant in %s\n", *populate, time.Since(start).Round(time.Millisecond))
	}
	a, err := st.GetUserByLoginID(ctx, *admin)
	if err != nil {
		return fmt.Errorf("administrator %s: %w", *admin, err)
	}
	systems, err := st.ListSystems(ctx)
	if err != nil {
		return err
	}
	var ids []int64
	for _, s := range systems {
		ids = append(ids, s.ID)
	}
	now := time.Now()
	start := time.Now()
	c, err := review.Open(ctx, st, a, "127.0.0.1", review.NewCampaign{Name: "bench " + now.Format(time.RFC3339), SystemIDs: ids,
		Deadline: now.AddDate(0, 0, 14), DeadlineAction: domain.ReviewRevoke}, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "create: %d items in %s (%s)\n", c.Items, time.Since(start).Round(time.Millisecond), st.Dialect())

	start = time.Now()
	rows, total, err := review.Progress(ctx, st, c, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "progress: %d reviewing institutions, %d open, in %s\n", len(rows), total.Open, time.Since(start).Round(time.Millisecond))

	u, err := st.GetUserByLoginID(ctx, *reviewer)
	if err != nil {
		return fmt.Errorf("reviewer %s: %w", *reviewer, err)
	}
	start = time.Now()
	rv, err := review.ReviewerOf(ctx, st, u, now)
	if err != nil {
		return err
	}
	f := rv.Filter(c.ID)
	f.OpenOnly, f.Page = true, store.Page{Limit: 50}
	items, n, err := st.ListReviewItems(ctx, f)
	if err != nil {
		return err
	}
	if _, err := review.Rows(ctx, st, c, items, now); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "reviewer %s: first page of %d open items in %s\n", *reviewer, n, time.Since(start).Round(time.Millisecond))
	return nil
}

// populateGrants seeds the demo data and adds n users, each with one
// grant of the demo's medical user role, at n/25 new medical institutions
// under the demo health centres.
func populateGrants(ctx context.Context, st *sqlstore.Store, n int) error {
	res, err := demo.Seed(ctx, st, time.Now().Add(-time.Hour))
	if err != nil {
		return err
	}
	db := st.DB()
	var maxInst, maxUser, maxGrant int64
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM institutions").Scan(&maxInst); err != nil {
		return err
	}
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM users").Scan(&maxUser); err != nil {
		return err
	}
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM role_grants").Scan(&maxGrant); err != nil {
		return err
	}
	insts := max(n/25, 1)
	centres := len(res.HealthCentres)
	series := "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $1) SELECT i FROM s"
	if st.Dialect() == sqlstore.Postgres {
		series = "SELECT i FROM generate_series(1, $1::bigint) AS s(i)"
	}
	now := time.Now().Add(-time.Hour).UnixMicro()
	var centreIDs []string
	for _, c := range res.HealthCentres {
		centreIDs = append(centreIDs, fmt.Sprint(c.ID))
	}
	// The i-th institution's parent is centre i mod len(centres), by a
	// CASE over the demo centres' IDs.
	parent := "CASE (i % " + fmt.Sprint(centres) + ")"
	for k, id := range centreIDs {
		parent += fmt.Sprintf(" WHEN %d THEN %s", k, id)
	}
	parent += " END"
	stmts := []struct {
		what  string
		query string
		count int
	}{
		{"institutions", fmt.Sprintf(`INSERT INTO institutions (id, code, name, kind, parent_id, region_code, created_at, updated_at)
			SELECT %d + i, 'BENCH-' || i, '벤치의원' || i, 'medical', %s, '', %d, %d FROM (%s) x`, maxInst, parent, now, now, series), insts},
		{"users", fmt.Sprintf(`INSERT INTO users (id, login_id, name, institution_id, status, created_at, updated_at, last_login_at, pseudonym)
			SELECT %d + i, 'bench' || i, '벤치' || i, %d + 1 + (i %% %d), 'active', %d, %d, %d, 'p-bench' || i FROM (%s) x`,
			maxUser, maxInst, insts, now, now, now, series), n},
		{"grants", fmt.Sprintf(`INSERT INTO role_grants (id, user_id, role_id, granted_at)
			SELECT %d + i, %d + i, %d, %d FROM (%s) x`, maxGrant, maxUser, res.UserRoleID, now, series), n},
	}
	for _, s := range stmts {
		start := time.Now()
		if _, err := db.ExecContext(ctx, s.query, s.count); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
		fmt.Printf("  %s: %d rows in %s\n", s.what, s.count, time.Since(start).Round(time.Millisecond))
	}
	if st.Dialect() == sqlstore.Postgres {
		for _, t := range []string{"institutions", "users", "role_grants"} {
			if _, err := db.ExecContext(ctx, fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT MAX(id) FROM %s))", t, t)); err != nil {
				return err
			}
		}
		_, err = db.ExecContext(ctx, "ANALYZE")
	} else {
		_, err = db.ExecContext(ctx, "ANALYZE")
	}
	return err
}
