package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// ---- Retention: purging the audit log and the access log ----

// PurgeAudit deletes the events before the first one at or after before
// (never the newest), moves the anchor to the last deleted event and
// appends the audit.purge event, all in one transaction that holds the
// chain head's lock (the sealer waits).
func (q *queries) PurgeAudit(ctx context.Context, before time.Time, actorID int64, actor string, now time.Time) (store.AuditPurge, error) {
	var res store.AuditPurge
	err := q.atomically(ctx, func(q *queries) error {
		// Chains the queued events, locking the head first.
		if err := q.sealPending(ctx); err != nil {
			return err
		}
		if q.s.dialect == Postgres {
			// sealPending locks the head only when events were queued.
			if _, err := q.exec(ctx, "SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE"); err != nil {
				return err
			}
		}
		anchor, err := q.AuditAnchor(ctx)
		if err != nil {
			return err
		}
		var first, last sql.NullInt64
		if err := q.row(ctx, "SELECT MIN(seq) FROM audit_events WHERE at >= $1", before.UnixMicro()).Scan(&first); err != nil {
			return err
		}
		if err := q.row(ctx, "SELECT MAX(seq) FROM audit_events").Scan(&last); err != nil {
			return err
		}
		if !last.Valid {
			return nil // an empty log
		}
		cut := last.Int64 - 1 // the newest is kept
		if first.Valid {
			cut = min(cut, first.Int64-1)
		}
		if cut <= anchor.Seq {
			res.Anchor = anchor
			return nil
		}
		var hash []byte
		if err := q.row(ctx, "SELECT hash FROM audit_events WHERE seq = $1", cut).Scan(bytesCol{&hash}); err != nil {
			return fmt.Errorf("anchor event %d: %w", cut, mapErr(err))
		}
		n, err := q.exec(ctx, "DELETE FROM audit_events WHERE seq <= $1", cut)
		if err != nil {
			return err
		}
		if _, err := q.exec(ctx, "UPDATE audit_anchor SET seq = $1, hash = $2, purged_at = $3 WHERE id = 1", cut, hash, tv(nowOr(now))); err != nil {
			return err
		}
		res = store.AuditPurge{Deleted: int(n), Anchor: store.AuditAnchor{Seq: cut, Hash: hash}}
		detail, _ := json.Marshal(map[string]any{"anchor_seq": cut, "anchor_hash": hex.EncodeToString(hash),
			"before": before.UTC().Format(time.RFC3339), "deleted": n})
		return q.AppendAudit(ctx, &domain.AuditEvent{At: now, ActorID: actorID, Actor: actor, Action: store.AuditPurgeAction,
			TargetType: "audit_log", Detail: string(detail)})
	})
	if err != nil {
		return store.AuditPurge{}, fmt.Errorf("purge audit events: %w", err)
	}
	return res, nil
}

func (q *queries) PurgePersonalDataAccess(ctx context.Context, before time.Time) (int, error) {
	n, err := q.exec(ctx, "DELETE FROM personal_data_access WHERE at < $1", before.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("purge personal-data access log: %w", err)
	}
	return int(n), nil
}

func (q *queries) AuditAnchor(ctx context.Context) (store.AuditAnchor, error) {
	var a store.AuditAnchor
	err := q.row(ctx, "SELECT seq, hash FROM audit_anchor WHERE id = 1").Scan(&a.Seq, bytesCol{&a.Hash})
	if errors.Is(err, sql.ErrNoRows) {
		return store.AuditAnchor{}, nil
	}
	if err != nil {
		return a, fmt.Errorf("read audit anchor: %w", err)
	}
	return a, nil
}
