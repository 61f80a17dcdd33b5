// Command reviews measures access review campaigns on a large database
// (bench/gen's): it opens a campaign over every role of every system,
// nationwide, as the demo's national administrator, and times the
// creation (one INSERT … SELECT), the progress page's query and the first
// page of a health-centre reviewer's items. See docs/reviews.md.
//
//	go run ./bench/reviews -db URL [-reviewer approver11110]
//
// It writes a campaign (with its audit event) to the database.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

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
