package store

import (
	"context"
	"time"
)

// AccessLogStore summarises the personal-data access log for the monthly
// access-log review (접속기록 점검, package review, docs/reviews.md).
//
// AccessLogSummary counts, per viewer (actor), the entries of f: views
// and exports (entries whose purpose starts with f.ExportPrefix: made
// through the API, the data left the portal), those at night (KST hour
// at or after f.NightFrom or before f.NightTo), those whose subject's
// institution is outside the viewer's institution's subtree (their
// jurisdiction), and the distinct subjects. AccessLogPurposes counts the
// stated purposes per viewer.
type AccessLogStore interface {
	AccessLogSummary(ctx context.Context, f AccessLogFilter) ([]AccessLogActor, error)
	AccessLogPurposes(ctx context.Context, f AccessLogFilter) ([]AccessLogPurpose, error)
}

// AccessLogFilter selects access-log entries for a report.
type AccessLogFilter struct {
	From, To           time.Time // From inclusive, To exclusive
	UnderInstitutionID int64     // subjects under this institution; 0: all
	ExportPrefix       string
	NightFrom, NightTo int // hours, KST
}

// AccessLogActor is one viewer's month.
type AccessLogActor struct {
	ActorID                  int64
	Views, Exports           int
	Night, Outside, Subjects int
}

// AccessLogPurpose is how often a viewer stated a purpose.
type AccessLogPurpose struct {
	ActorID int64
	Purpose string
	Count   int
}
