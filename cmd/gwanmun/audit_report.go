package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/review"
)

// runAuditReport implements "gwanmun audit report --month YYYY-MM
// [--scope CODE] [--json]": the monthly access-log report, the same
// counts as /admin/access-log/report (docs/reviews.md).
func runAuditReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gwanmun audit report --month YYYY-MM [--scope INSTITUTION-CODE] [--db URL] [--json]\n\n"+
			"Prints the monthly access-log report (접속기록 점검): per viewer of personal\n"+
			"data, views, exports, night and out-of-jurisdiction accesses, stated purposes\n"+
			"and flags. --scope keeps subjects under that institution (default: all).")
		fs.PrintDefaults()
	}
	db := addDBFlag(fs)
	month := fs.String("month", "", "the month, YYYY-MM (KST)")
	scopeCode := fs.String("scope", "", "institution code of the administrator's scope, e.g. PR-11 (default: all)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	var cfg review.ReportConfig
	fs.IntVar(&cfg.ManyExports, "many-exports", 0, "flag viewers with at least this many exports (default 100)")
	fs.IntVar(&cfg.ManyViews, "many-views", 0, "flag viewers with at least this many views (default 1000)")
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 || *month == "" {
		fs.Usage()
		return &exitError{code: 2, err: fmt.Errorf("audit report: --month YYYY-MM is required")}
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	var scope domain.Institution
	if *scopeCode != "" {
		if scope, err = st.GetInstitutionByCode(ctx, *scopeCode); err != nil {
			return &exitError{code: 2, err: fmt.Errorf("audit report: --scope %s: %w", *scopeCode, err)}
		}
	}
	r, err := review.MonthlyReport(ctx, st, *month, scope, cfg)
	if domain.ErrorCode(err) == domain.EINVALID {
		return &exitError{code: 2, err: fmt.Errorf("audit report: %w", err)}
	} else if err != nil {
		return err
	}
	if !*asJSON {
		fmt.Fprint(stdout, r.String())
		return nil
	}
	b, _ := json.MarshalIndent(r.JSON(), "", "  ")
	fmt.Fprintln(stdout, string(b))
	return nil
}
