package audit

import (
	"context"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// DefaultRetention is the least time audit events and personal-data
// access-log entries are kept: two years, what the 개인정보의 안전성
// 확보조치 기준 asks of a system with 50,000 or more data subjects (one year
// otherwise).
const DefaultRetention = 2 * 365 * 24 * time.Hour

// ErrInsideRetention refuses a purge that would delete records younger
// than the retention floor.
var ErrInsideRetention = domain.Errorf(domain.EINVALID, "보관 기간(최소 보존 기간) 안의 기록은 삭제할 수 없습니다. 더 이른 날짜를 지정하세요.")

// PurgeResult is what Purge deleted.
type PurgeResult struct {
	Events    int
	AccessLog int
	Anchor    store.AuditAnchor
}

// MinRetention is the shortest floor Purge accepts: one year, the rule's
// minimum for any system.
const MinRetention = 365 * 24 * time.Hour

// Purge deletes audit events and access-log entries older than before,
// refusing when before is later than now minus floor (zero: the
// DefaultRetention; less than MinRetention counts as MinRetention). The
// audit chain stays verifiable: the store anchors it
// (store.RetentionStore).
func Purge(ctx context.Context, st store.Store, a Actor, before time.Time, floor time.Duration, now time.Time) (PurgeResult, error) {
	if floor == 0 {
		floor = DefaultRetention
	}
	floor = max(floor, MinRetention)
	if before.IsZero() || before.After(now.Add(-floor)) {
		return PurgeResult{}, ErrInsideRetention
	}
	var res PurgeResult
	p, err := st.PurgeAudit(ctx, before, a.UserID, a.Pseudonym, now)
	if err != nil {
		return res, err
	}
	res.Events, res.Anchor = p.Deleted, p.Anchor
	res.AccessLog, err = st.PurgePersonalDataAccess(ctx, before)
	return res, err
}
