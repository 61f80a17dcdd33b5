package store

import (
	"context"
	"time"
)

// RetentionStore purges the audit log and the personal-data access log
// past their retention (package audit's Purge checks the floor;
// docs/reviews.md).
//
// PurgeAudit deletes, in one transaction, the oldest audit events: every
// event before the first one at or after before, in sequence order (so
// the kept log is a contiguous tail of the chain). It records the last
// deleted event's seq and hash as the chain's anchor, where
// VerifyAuditChain starts, and appends an "audit.purge" event naming the
// anchor, which seals it: an edited anchor no longer matches that chained
// event. The newest event is never deleted. PurgePersonalDataAccess
// deletes access-log entries before before. AuditAnchor returns the
// anchor (zero before any purge).
type RetentionStore interface {
	PurgeAudit(ctx context.Context, before time.Time, actorID int64, actor string, now time.Time) (AuditPurge, error)
	PurgePersonalDataAccess(ctx context.Context, before time.Time) (int, error)
	AuditAnchor(ctx context.Context) (AuditAnchor, error)
}

// AuditAnchor is where the kept audit chain starts: the seq and hash of
// the last purged event (the first kept event's predecessor).
type AuditAnchor struct {
	Seq  int64
	Hash []byte
}

// AuditPurge is what PurgeAudit did.
type AuditPurge struct {
	Deleted int
	Anchor  AuditAnchor
}

// AuditPurgeAction is the action of the event a purge appends.
const AuditPurgeAction = "audit.purge"
