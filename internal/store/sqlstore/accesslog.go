package sqlstore

import (
	"context"
	"fmt"

	"github.com/gwanmun/gwanmun/internal/store"
)

// ---- The monthly access-log report ----

// kstHour is the KST hour (0-23) of the at column: times are Unix
// microseconds, KST is UTC+9 without daylight saving.
const kstHour = "(((p.at / 1000000) + 32400) % 86400) / 3600"

func accessLogWhere(f store.AccessLogFilter) where {
	var w where
	w.add("p.at >= ?", f.From.UnixMicro())
	w.add("p.at < ?", f.To.UnixMicro())
	if f.UnderInstitutionID != 0 {
		w.under("p.subject_institution_id", f.UnderInstitutionID)
	}
	return w
}

func (q *queries) AccessLogSummary(ctx context.Context, f store.AccessLogFilter) ([]store.AccessLogActor, error) {
	w := accessLogWhere(f)
	n := len(w.args)
	prefix := "\x00" // matches no purpose
	if f.ExportPrefix != "" {
		prefix = prefixArg(f.ExportPrefix)
	}
	args := append(w.args, prefix, f.NightFrom, f.NightTo)
	query := fmt.Sprintf(`SELECT p.actor_id,
		SUM(CASE WHEN p.purpose LIKE $%[1]d ESCAPE '\' THEN 0 ELSE 1 END),
		SUM(CASE WHEN p.purpose LIKE $%[1]d ESCAPE '\' THEN 1 ELSE 0 END),
		SUM(CASE WHEN %[4]s >= $%[2]d OR %[4]s < $%[3]d THEN 1 ELSE 0 END),
		SUM(CASE WHEN p.subject_institution_id IS NULL OR NOT EXISTS (SELECT 1 FROM institution_tree t
			WHERE t.ancestor_id = u.institution_id AND t.descendant_id = p.subject_institution_id) THEN 1 ELSE 0 END),
		COUNT(DISTINCT p.subject_id)
		FROM personal_data_access p JOIN users u ON u.id = p.actor_id%[5]s
		GROUP BY p.actor_id ORDER BY p.actor_id`, n+1, n+2, n+3, kstHour, w.sql())
	out, err := list(ctx, q, func(sc scanner) (store.AccessLogActor, error) {
		var a store.AccessLogActor
		err := sc.Scan(&a.ActorID, &a.Views, &a.Exports, &a.Night, &a.Outside, &a.Subjects)
		return a, err
	}, query, q.valuePlan(w.perValue, args)...)
	if err != nil {
		return nil, fmt.Errorf("access-log summary: %w", err)
	}
	return out, nil
}

func (q *queries) AccessLogPurposes(ctx context.Context, f store.AccessLogFilter) ([]store.AccessLogPurpose, error) {
	w := accessLogWhere(f)
	out, err := list(ctx, q, func(sc scanner) (store.AccessLogPurpose, error) {
		var a store.AccessLogPurpose
		err := sc.Scan(&a.ActorID, &a.Purpose, &a.Count)
		return a, err
	}, `SELECT p.actor_id, p.purpose, COUNT(*) FROM personal_data_access p`+w.sql()+`
		GROUP BY p.actor_id, p.purpose ORDER BY p.actor_id, COUNT(*) DESC, p.purpose`, q.valuePlan(w.perValue, w.args)...)
	if err != nil {
		return nil, fmt.Errorf("access-log purposes: %w", err)
	}
	return out, nil
}
