package review

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The monthly access-log review (접속기록 점검): who viewed or exported
// personal data in a month, with the purposes they stated, and the
// patterns that call for a look (rules in docs/reviews.md).

// ReportConfig holds the report's thresholds (configuration; zero fields
// take the defaults).
type ReportConfig struct {
	// ManyExports flags a viewer with at least this many exports in the
	// month (default 100); ManyViews one with at least this many views
	// (default 1000).
	ManyExports int
	ManyViews   int
	// NightFrom and NightTo bound the night, in KST hours: an access at
	// or after NightFrom or before NightTo is at night (default 22 and 6).
	NightFrom, NightTo int
	// ExportPrefix marks an export: the access log's purpose of an API
	// read starts with it (default "[API 토큰").
	ExportPrefix string
}

// Defaults returns c with its zero fields defaulted.
func (c ReportConfig) Defaults() ReportConfig {
	if c.ManyExports <= 0 {
		c.ManyExports = 100
	}
	if c.ManyViews <= 0 {
		c.ManyViews = 1000
	}
	if c.NightFrom == 0 && c.NightTo == 0 {
		c.NightFrom, c.NightTo = 22, 6
	}
	if c.ExportPrefix == "" {
		c.ExportPrefix = "[API 토큰"
	}
	return c
}

// Flags of a report row.
const (
	FlagManyExports = "many_exports" // 대량 반출
	FlagManyViews   = "many_views"   // 대량 열람
	FlagNight       = "night"        // 야간 접속
	FlagOutside     = "outside"      // 관할 외 열람
)

// FlagLabel is a flag's Korean name.
func FlagLabel(f string) string {
	switch f {
	case FlagManyExports:
		return "대량 반출"
	case FlagManyViews:
		return "대량 열람"
	case FlagNight:
		return "야간 접속"
	case FlagOutside:
		return "관할 외 열람"
	}
	return f
}

// Report is one month of one scope.
type Report struct {
	Month    string             // YYYY-MM
	Scope    domain.Institution // zero: every institution
	From, To time.Time
	Config   ReportConfig
	Rows     []ReportRow
	Total    ReportRow
	Flagged  int // rows with a flag
}

// ReportRow is one viewer's month.
type ReportRow struct {
	Actor    domain.User
	Counts   store.AccessLogActor
	Purposes []store.AccessLogPurpose
	Flags    []string
}

// ParseMonth reads YYYY-MM as the month's bounds in KST.
func ParseMonth(s string) (from, to time.Time, err error) {
	from, err = time.ParseInLocation("2006-01", strings.TrimSpace(s), kst)
	if err != nil {
		return from, to, domain.Errorf(domain.EINVALID, "월은 YYYY-MM 형식으로 입력하세요.")
	}
	return from, from.AddDate(0, 1, 0), nil
}

var kst = time.FixedZone("KST", 9*3600)

// MonthlyReport builds the report of month (YYYY-MM) for the entries
// whose subject is under scope (zero: all).
func MonthlyReport(ctx context.Context, q store.Queries, month string, scope domain.Institution, cfg ReportConfig) (Report, error) {
	cfg = cfg.Defaults()
	from, to, err := ParseMonth(month)
	if err != nil {
		return Report{}, err
	}
	r := Report{Month: from.Format("2006-01"), Scope: scope, From: from, To: to, Config: cfg}
	f := store.AccessLogFilter{From: from, To: to, UnderInstitutionID: scope.ID, ExportPrefix: cfg.ExportPrefix,
		NightFrom: cfg.NightFrom, NightTo: cfg.NightTo}
	actors, err := q.AccessLogSummary(ctx, f)
	if err != nil {
		return r, err
	}
	purposes, err := q.AccessLogPurposes(ctx, f)
	if err != nil {
		return r, err
	}
	ids := make([]int64, 0, len(actors))
	for _, a := range actors {
		ids = append(ids, a.ActorID)
	}
	users, err := q.GetUsers(ctx, ids)
	if err != nil {
		return r, err
	}
	for _, a := range actors {
		row := ReportRow{Actor: users[a.ActorID], Counts: a}
		if row.Actor.ID == 0 {
			row.Actor.ID = a.ActorID
		}
		for _, p := range purposes {
			if p.ActorID == a.ActorID {
				row.Purposes = append(row.Purposes, p)
			}
		}
		if a.Exports >= cfg.ManyExports {
			row.Flags = append(row.Flags, FlagManyExports)
		}
		if a.Views >= cfg.ManyViews {
			row.Flags = append(row.Flags, FlagManyViews)
		}
		if a.Night > 0 {
			row.Flags = append(row.Flags, FlagNight)
		}
		if a.Outside > 0 {
			row.Flags = append(row.Flags, FlagOutside)
		}
		if len(row.Flags) > 0 {
			r.Flagged++
		}
		t := &r.Total.Counts
		t.Views, t.Exports, t.Night, t.Outside, t.Subjects = t.Views+a.Views, t.Exports+a.Exports, t.Night+a.Night, t.Outside+a.Outside, t.Subjects+a.Subjects
		r.Rows = append(r.Rows, row)
	}
	// Flagged viewers first, then by the number of accesses.
	slices.SortStableFunc(r.Rows, func(a, b ReportRow) int {
		if (len(a.Flags) > 0) != (len(b.Flags) > 0) {
			if len(a.Flags) > 0 {
				return -1
			}
			return 1
		}
		return (b.Counts.Views + b.Counts.Exports) - (a.Counts.Views + a.Counts.Exports)
	})
	return r, nil
}

// SignOffTarget is the audit target ID of a month's report of a scope.
func SignOffTarget(month string, scope domain.Institution) string {
	code := "ALL"
	if scope.ID != 0 {
		code = scope.Code
	}
	return month + "/" + code
}

// SignOff records, in the audit chain, that actor reviewed the report,
// with its counts and an optional comment.
func SignOff(ctx context.Context, q store.Queries, actor domain.User, clientAddr string, r Report, comment string, now time.Time) error {
	comment = strings.TrimSpace(comment)
	if len([]rune(comment)) > MaxNote {
		return ErrNoteTooLong
	}
	e, err := audit.Event(audit.ActorOf(actor, clientAddr), "accesslog.signoff", "access_log_report", 0, map[string]any{
		"month": r.Month, "scope": SignOffTarget(r.Month, r.Scope), "viewers": len(r.Rows), "flagged": r.Flagged,
		"views": r.Total.Counts.Views, "exports": r.Total.Counts.Exports, "comment": comment,
	}, now)
	if err != nil {
		return err
	}
	e.TargetID = SignOffTarget(r.Month, r.Scope)
	return q.AppendAudit(ctx, &e)
}

// SignOffs lists the sign-offs of a month's report of a scope.
func SignOffs(ctx context.Context, q store.Queries, month string, scope domain.Institution) ([]domain.AuditEvent, error) {
	return q.ListAudit(ctx, store.AuditFilter{Action: "accesslog.signoff", TargetType: "access_log_report",
		TargetID: SignOffTarget(month, scope), Page: store.Page{Limit: store.MaxLimit}})
}

// String is the report as text (the CLI's output).
func (r Report) String() string {
	var b strings.Builder
	scope := "전체 (all)"
	if r.Scope.ID != 0 {
		scope = r.Scope.Name + " (" + r.Scope.Code + ")"
	}
	fmt.Fprintf(&b, "접속기록 점검 (access-log report) %s, %s\n", r.Month, scope)
	fmt.Fprintf(&b, "viewers %d, flagged %d, views %d, exports %d, night %d, outside %d\n",
		len(r.Rows), r.Flagged, r.Total.Counts.Views, r.Total.Counts.Exports, r.Total.Counts.Night, r.Total.Counts.Outside)
	for _, row := range r.Rows {
		var flags []string
		for _, f := range row.Flags {
			flags = append(flags, FlagLabel(f))
		}
		fmt.Fprintf(&b, "%-16s views %4d exports %4d night %3d outside %3d subjects %4d %s\n", row.Actor.LoginID,
			row.Counts.Views, row.Counts.Exports, row.Counts.Night, row.Counts.Outside, row.Counts.Subjects, strings.Join(flags, ","))
		for _, p := range row.Purposes {
			fmt.Fprintf(&b, "    %4d× %s\n", p.Count, p.Purpose)
		}
	}
	return b.String()
}

// JSON is the report's JSON form (CLI and API): no names, login IDs
// only.
func (r Report) JSON() map[string]any {
	rows := make([]map[string]any, 0, len(r.Rows))
	for _, row := range r.Rows {
		purposes := make([]map[string]any, 0, len(row.Purposes))
		for _, p := range row.Purposes {
			purposes = append(purposes, map[string]any{"purpose": p.Purpose, "count": p.Count})
		}
		flags := row.Flags
		if flags == nil {
			flags = []string{}
		}
		rows = append(rows, map[string]any{"actor_id": row.Actor.ID, "login_id": row.Actor.LoginID, "views": row.Counts.Views,
			"exports": row.Counts.Exports, "night": row.Counts.Night, "outside": row.Counts.Outside, "subjects": row.Counts.Subjects,
			"purposes": purposes, "flags": flags})
	}
	scope := "ALL"
	if r.Scope.ID != 0 {
		scope = r.Scope.Code
	}
	return map[string]any{"month": r.Month, "scope": scope, "viewers": len(r.Rows), "flagged": r.Flagged,
		"views": r.Total.Counts.Views, "exports": r.Total.Counts.Exports, "night": r.Total.Counts.Night,
		"outside": r.Total.Counts.Outside, "rows": rows}
}
