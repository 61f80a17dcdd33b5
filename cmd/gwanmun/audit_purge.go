package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
)

// runAuditPurge implements "gwanmun audit purge --before DATE [--floor
// 2y] [--db URL] [--json]": audit events and personal-data access-log
// entries older than DATE are deleted, unless DATE is inside the
// retention floor; the audit chain is anchored so that "audit verify"
// still passes (docs/reviews.md).
func runAuditPurge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit purge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gwanmun audit purge --before YYYY-MM-DD [--floor 2y] [--db URL] [--json]\n\n"+
			"Deletes audit events and personal-data access-log entries older than the date\n"+
			"(KST). Refuses a date inside the retention floor (default 2 years, at least 1).\n"+
			"The audit chain keeps verifying from an anchor the purge records.")
		fs.PrintDefaults()
	}
	db := addDBFlag(fs)
	beforeS := fs.String("before", "", "delete records older than this date, YYYY-MM-DD (KST)")
	floorS := fs.String("floor", "2y", "retention floor: e.g. 2y, 1y, 730d or a Go duration")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &exitError{code: 2, err: fmt.Errorf("audit purge: unexpected argument %q", fs.Arg(0))}
	}
	before, err := time.ParseInLocation("2006-01-02", *beforeS, kst)
	if err != nil {
		fs.Usage()
		return &exitError{code: 2, err: fmt.Errorf("audit purge: --before must be a date YYYY-MM-DD, not %q", *beforeS)}
	}
	floor, err := parseRetention(*floorS)
	if err == nil && floor < audit.MinRetention {
		err = fmt.Errorf("%s is below the minimum of one year", *floorS)
	}
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("audit purge: --floor: %w", err)}
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := audit.Purge(ctx, st, audit.Actor{Pseudonym: "operator"}, before, floor, time.Now())
	if errors.Is(err, audit.ErrInsideRetention) {
		return &exitError{code: 1, err: fmt.Errorf("audit purge: %s (--before %s, floor %s)", domain.ErrorCode(err), *beforeS, *floorS)}
	} else if err != nil {
		return err
	}
	if *asJSON {
		b, _ := json.MarshalIndent(map[string]any{"events": res.Events, "access_log": res.AccessLog, "anchor_seq": res.Anchor.Seq}, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return nil
	}
	fmt.Fprintf(stdout, "purged: %d audit events, %d access-log entries before %s; chain anchored at event %d\n",
		res.Events, res.AccessLog, *beforeS, res.Anchor.Seq)
	return nil
}

// kst is Korea Standard Time, in which operators give dates.
var kst = time.FixedZone("KST", 9*3600)

// parseRetention reads "2y", "365d" or a Go duration.
func parseRetention(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	for suffix, unit := range map[string]time.Duration{"y": 365 * 24 * time.Hour, "d": 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.Atoi(n)
			if err != nil || v <= 0 {
				return 0, fmt.Errorf("bad retention %q", s)
			}
			return time.Duration(v) * unit, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("bad retention %q", s)
	}
	return d, nil
}
