package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// ---- Periodic access reviews (docs/reviews.md) ----

const reviewCampaignCols = `id, name, created_by, created_at, starts_at, deadline, role_ids, jurisdiction_ids, reminder_days,
	deadline_action, keep_needs_note, reminded_day, closed_at, items`

func scanReviewCampaign(sc scanner) (domain.ReviewCampaign, error) {
	var c domain.ReviewCampaign
	var roles, juris, days, action string
	err := sc.Scan(&c.ID, &c.Name, idCol{&c.CreatedBy}, timeCol{&c.CreatedAt}, timeCol{&c.StartsAt}, timeCol{&c.Deadline},
		&roles, &juris, &days, &action, &c.KeepNeedsNote, &c.RemindedDay, timeCol{&c.ClosedAt}, &c.Items)
	c.RoleIDs, c.JurisdictionIDs, c.DeadlineAction = splitIDs(roles), splitIDs(juris), domain.ReviewAction(action)
	for _, d := range splitIDs(days) {
		c.ReminderDays = append(c.ReminderDays, int(d))
	}
	return c, err
}

func joinIDs[T int | int64](ids []T) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(int64(id), 10)
	}
	return strings.Join(parts, ",")
}

func splitIDs(s string) []int64 {
	var out []int64
	for _, p := range strings.Split(s, ",") {
		if n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// reviewRoute is, for every institution and institution kind, the
// nearest institution of that kind at or above it: of the ancestors of a
// kind, the one with the most ancestors of its own. Institutions are tens
// of thousands, not millions, so this is computed once per campaign and
// joined (hash join on PostgreSQL, an automatic index on SQLite).
const reviewRoute = `anc AS (
	SELECT t.descendant_id AS inst, a.kind AS kind, t.ancestor_id AS anc,
	       (SELECT COUNT(*) FROM institution_tree x WHERE x.descendant_id = t.ancestor_id) AS depth
	FROM institution_tree t JOIN institutions a ON a.id = t.ancestor_id
), route AS (
	SELECT inst, kind, anc FROM (
		SELECT inst, kind, anc, ROW_NUMBER() OVER (PARTITION BY inst, kind ORDER BY depth DESC, anc) AS n FROM anc
	) z WHERE n = 1
)`

// CreateReviewCampaign inserts the campaign and its items in one
// transaction: one INSERT … SELECT for the items, one UPDATE for those to
// escalate, whatever the number of grants.
func (q *queries) CreateReviewCampaign(ctx context.Context, c *domain.ReviewCampaign) error {
	if len(c.RoleIDs) == 0 {
		return domain.Errorf(domain.EINVALID, "a review campaign needs at least one role")
	}
	if !c.DeadlineAction.Valid() {
		return domain.Errorf(domain.EINVALID, "unknown deadline action %q", c.DeadlineAction)
	}
	c.CreatedAt, c.StartsAt, c.Deadline = nowOr(c.CreatedAt), norm(c.StartsAt), norm(c.Deadline)
	if c.StartsAt.IsZero() {
		c.StartsAt = c.CreatedAt
	}
	c.RemindedDay, c.ClosedAt = 0, time.Time{}
	return q.atomically(ctx, func(q *queries) error {
		err := q.row(ctx, `INSERT INTO review_campaigns (name, created_by, created_at, starts_at, deadline, role_ids, jurisdiction_ids,
			reminder_days, deadline_action, keep_needs_note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			c.Name, idv(c.CreatedBy), tv(c.CreatedAt), tv(c.StartsAt), tv(c.Deadline), joinIDs(c.RoleIDs), joinIDs(c.JurisdictionIDs),
			joinIDs(c.ReminderDays), string(c.DeadlineAction), c.KeepNeedsNote).Scan(&c.ID)
		if err != nil {
			return fmt.Errorf("create review campaign: %w", mapErr(err))
		}
		at := c.CreatedAt.UnixMicro()
		var w where
		w.add("g.revoked_at IS NULL AND g.granted_at <= ? AND (g.expires_at IS NULL OR g.expires_at > ?)", at, at)
		w.add("u.status <> 'withdrawn'")
		w.in("g.role_id", c.RoleIDs)
		if len(c.JurisdictionIDs) > 0 {
			var j where
			j.in("ancestor_id", c.JurisdictionIDs)
			w.add("u.institution_id IN (SELECT descendant_id FROM institution_tree" + renumber(j.sql(), len(w.args)) + ")")
			w.args = append(w.args, j.args...)
		}
		n := len(w.args)
		args := append(w.args, c.ID, tv(c.CreatedAt))
		items, err := q.exec(ctx, fmt.Sprintf(`INSERT INTO review_items (campaign_id, grant_id, user_id, role_id, institution_id,
			reviewer_institution_id, province_id, approver_role_id, created_at)
			WITH %s
			SELECT $%d, g.id, g.user_id, g.role_id, u.institution_id, rc.anc, rp.anc, r.approver_role_id, $%d
			FROM role_grants g
			JOIN users u ON u.id = g.user_id
			JOIN roles r ON r.id = g.role_id
			LEFT JOIN route rc ON rc.inst = u.institution_id AND rc.kind = r.approver_kind
			LEFT JOIN route rp ON rp.inst = u.institution_id AND rp.kind = 'province'%s`, reviewRoute, n+1, n+2, w.sql()), args...)
		if err != nil {
			return fmt.Errorf("create review items: %w", err)
		}
		c.Items = int(items)
		// Items whose reviewing institution has no active holder of the
		// approver role go to the province at once: one anti-join against
		// the (institution, role) pairs that have one, which are few (the
		// holders of approver roles).
		if _, err := q.exec(ctx, `UPDATE review_items SET escalated_at = $2
			WHERE campaign_id = $1 AND (reviewer_institution_id IS NULL OR approver_role_id IS NULL
			OR (reviewer_institution_id, approver_role_id) NOT IN (
				SELECT u.institution_id, g.role_id FROM role_grants g JOIN users u ON u.id = g.user_id
				WHERE g.role_id IN (SELECT approver_role_id FROM roles WHERE approver_role_id IS NOT NULL)
				AND u.institution_id IS NOT NULL AND u.status = 'active' AND g.revoked_at IS NULL AND g.granted_at <= $3
				AND (g.expires_at IS NULL OR g.expires_at > $3)))`, c.ID, tv(c.CreatedAt), at); err != nil {
			return fmt.Errorf("escalate review items: %w", err)
		}
		_, err = q.exec(ctx, "UPDATE review_campaigns SET items = $2 WHERE id = $1", c.ID, c.Items)
		return err
	})
}

// renumber shifts the $n placeholders of a condition built on its own by
// by.
func renumber(cond string, by int) string {
	var b strings.Builder
	for i := 0; i < len(cond); i++ {
		if cond[i] != '$' {
			b.WriteByte(cond[i])
			continue
		}
		j := i + 1
		for j < len(cond) && cond[j] >= '0' && cond[j] <= '9' {
			j++
		}
		n, _ := strconv.Atoi(cond[i+1 : j])
		fmt.Fprintf(&b, "$%d", n+by)
		i = j - 1
	}
	return b.String()
}

func (q *queries) GetReviewCampaign(ctx context.Context, id int64) (domain.ReviewCampaign, error) {
	c, err := scanReviewCampaign(q.row(ctx, "SELECT "+reviewCampaignCols+" FROM review_campaigns WHERE id = $1", id))
	if err != nil {
		return c, notFound(err, "review campaign %d", id)
	}
	return c, nil
}

// ListReviewCampaigns returns matching campaigns, newest first, and how
// many match.
func (q *queries) ListReviewCampaigns(ctx context.Context, f store.ReviewCampaignFilter) ([]domain.ReviewCampaign, int, error) {
	var w where
	if f.OpenOnly || !f.DueBy.IsZero() {
		w.add("closed_at IS NULL")
	}
	if !f.DueBy.IsZero() {
		w.add("deadline <= ?", f.DueBy.UnixMicro())
	}
	total, err := q.count(ctx, "SELECT COUNT(*) FROM review_campaigns"+w.sql(), w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list review campaigns: %w", err)
	}
	off, lim := f.Page.Window()
	out, err := list(ctx, q, scanReviewCampaign, "SELECT "+reviewCampaignCols+" FROM review_campaigns"+w.sql()+
		" ORDER BY created_at DESC, id DESC"+w.page(off, lim), w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list review campaigns: %w", err)
	}
	return out, total, nil
}

const reviewItemCols = `i.id, i.campaign_id, i.grant_id, i.user_id, i.role_id, i.institution_id, i.reviewer_institution_id,
	i.province_id, i.approver_role_id, i.created_at, i.escalated_at, i.decision, i.decided_by, i.decided_at, i.note,
	i.automatic, g.granted_at, g.granted_by`

const reviewItemFrom = " FROM review_items i JOIN role_grants g ON g.id = i.grant_id"

func scanReviewItem(sc scanner) (domain.ReviewItem, error) {
	var it domain.ReviewItem
	var dec string
	err := sc.Scan(&it.ID, &it.CampaignID, &it.GrantID, &it.UserID, &it.RoleID, idCol{&it.InstitutionID},
		idCol{&it.ReviewerInstitutionID}, idCol{&it.ProvinceID}, idCol{&it.ApproverRoleID}, timeCol{&it.CreatedAt},
		timeCol{&it.EscalatedAt}, &dec, idCol{&it.DecidedBy}, timeCol{&it.DecidedAt}, &it.Note, &it.Automatic,
		timeCol{&it.GrantedAt}, idCol{&it.GrantedBy})
	it.Decision = domain.ReviewDecision(dec)
	return it, err
}

func (q *queries) GetReviewItem(ctx context.Context, id int64) (domain.ReviewItem, error) {
	it, err := scanReviewItem(q.row(ctx, "SELECT "+reviewItemCols+reviewItemFrom+" WHERE i.id = $1", id))
	if err != nil {
		return it, notFound(err, "review item %d", id)
	}
	return it, nil
}

// routeCond is the condition of one ReviewRouteFilter on column col.
func routeCond(col string, r *store.ReviewRouteFilter, escalated bool) (string, []any) {
	var w where
	if escalated {
		w.add("i.escalated_at IS NOT NULL")
	}
	if r.InstitutionID != 0 || !escalated {
		w.add(col+" = ?", r.InstitutionID)
	}
	if r.RoleIDs != nil || !escalated {
		w.in("i.role_id", r.RoleIDs)
	}
	return "(" + strings.Join(w.conds, " AND ") + ")", w.args
}

// ListReviewItems returns matching items by holder institution, then
// ID, and how many match.
func (q *queries) ListReviewItems(ctx context.Context, f store.ReviewItemFilter) ([]domain.ReviewItem, int, error) {
	var w where
	if f.CampaignID != 0 {
		w.add("i.campaign_id = ?", f.CampaignID)
	}
	var alts []string
	for _, alt := range []struct {
		r         *store.ReviewRouteFilter
		col       string
		escalated bool
	}{{f.Direct, "i.reviewer_institution_id", false}, {f.Escalated, "i.province_id", true}} {
		if alt.r == nil {
			continue
		}
		cond, args := routeCond(alt.col, alt.r, alt.escalated)
		alts = append(alts, renumber(cond, len(w.args)))
		w.args = append(w.args, args...)
	}
	if f.Direct != nil || f.Escalated != nil {
		w.conds = append(w.conds, "("+strings.Join(alts, " OR ")+")")
	}
	if f.NotUserID != 0 {
		w.add("i.user_id <> ?", f.NotUserID)
	}
	if f.ReviewerInstitutionID != 0 {
		w.add("i.reviewer_institution_id = ?", f.ReviewerInstitutionID)
	}
	if f.OpenOnly {
		w.add("i.decision = ''")
	}
	if f.DecidedOnly {
		w.add("i.decision <> ''")
	}
	if f.EscalatedOnly {
		w.add("i.escalated_at IS NOT NULL")
	}
	total, err := q.count(ctx, "SELECT COUNT(*) FROM review_items i"+w.sql(), w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list review items: %w", err)
	}
	off, lim := f.Page.Window()
	out, err := list(ctx, q, scanReviewItem, "SELECT "+reviewItemCols+reviewItemFrom+w.sql()+
		" ORDER BY i.institution_id, i.id"+w.page(off, lim), w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list review items: %w", err)
	}
	return out, total, nil
}

// DecideReviewItem decides an open item in one conditional UPDATE: of
// concurrent deciders exactly one wins.
func (q *queries) DecideReviewItem(ctx context.Context, id int64, d domain.ReviewDecision, by int64, note string, automatic bool, t time.Time) (domain.ReviewItem, error) {
	if d != domain.ReviewKept && d != domain.ReviewRevoked {
		return domain.ReviewItem{}, domain.Errorf(domain.EINVALID, "a review item cannot be decided as %q", d)
	}
	n, err := q.exec(ctx, `UPDATE review_items SET decision = $2, decided_by = $3, note = $4, automatic = $5, decided_at = $6
		WHERE id = $1 AND decision = ''`, id, string(d), idv(by), note, automatic, tv(nowOr(t)))
	if err != nil {
		return domain.ReviewItem{}, fmt.Errorf("decide review item %d: %w", id, err)
	}
	cur, gerr := q.GetReviewItem(ctx, id)
	if gerr != nil {
		return cur, fmt.Errorf("decide: %w", gerr)
	}
	if n == 0 {
		return cur, fmt.Errorf("decide review item %d: already decided: %w", id, store.ErrConflict)
	}
	return cur, nil
}

func (q *queries) EscalateReviewItems(ctx context.Context, campaignID int64, ids []int64, t time.Time) (int, error) {
	var w where
	w.add("campaign_id = ?", campaignID)
	w.add("decision = '' AND escalated_at IS NULL")
	if ids != nil {
		w.in("id", ids)
	}
	args := append(w.args, tv(nowOr(t)))
	n, err := q.exec(ctx, fmt.Sprintf("UPDATE review_items SET escalated_at = $%d", len(args))+w.sql(), args...)
	if err != nil {
		return 0, fmt.Errorf("escalate review items: %w", err)
	}
	return int(n), nil
}

func (q *queries) KeepOpenReviewItems(ctx context.Context, campaignID int64, t time.Time) (int, error) {
	n, err := q.exec(ctx, `UPDATE review_items SET decision = 'keep', automatic = $2, decided_at = $3
		WHERE campaign_id = $1 AND decision = ''`, campaignID, true, tv(nowOr(t)))
	if err != nil {
		return 0, fmt.Errorf("keep review items: %w", err)
	}
	return int(n), nil
}

func (q *queries) MarkReviewReminded(ctx context.Context, campaignID int64, day int) (bool, error) {
	n, err := q.exec(ctx, `UPDATE review_campaigns SET reminded_day = $2
		WHERE id = $1 AND closed_at IS NULL AND (reminded_day = 0 OR reminded_day > $2)`, campaignID, day)
	if err != nil {
		return false, fmt.Errorf("mark review campaign %d reminded: %w", campaignID, err)
	}
	return n == 1, nil
}

func (q *queries) CloseReviewCampaign(ctx context.Context, campaignID int64, t time.Time) (bool, error) {
	n, err := q.exec(ctx, "UPDATE review_campaigns SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL", campaignID, tv(nowOr(t)))
	if err != nil {
		return false, fmt.Errorf("close review campaign %d: %w", campaignID, err)
	}
	return n == 1, nil
}

func (q *queries) ReviewProgress(ctx context.Context, campaignID int64) ([]store.ReviewProgressRow, error) {
	return list(ctx, q, func(sc scanner) (store.ReviewProgressRow, error) {
		var r store.ReviewProgressRow
		err := sc.Scan(idCol{&r.ReviewerInstitutionID}, &r.Kept, &r.Revoked, &r.Open, &r.Escalated)
		return r, err
	}, `SELECT reviewer_institution_id,
		SUM(CASE WHEN decision = 'keep' THEN 1 ELSE 0 END), SUM(CASE WHEN decision = 'revoke' THEN 1 ELSE 0 END),
		SUM(CASE WHEN decision = '' THEN 1 ELSE 0 END), SUM(CASE WHEN decision = '' AND escalated_at IS NOT NULL THEN 1 ELSE 0 END)
		FROM review_items WHERE campaign_id = $1 GROUP BY reviewer_institution_id ORDER BY reviewer_institution_id`, campaignID)
}

func (q *queries) ReviewRoutes(ctx context.Context, campaignID int64) ([]store.ReviewRoute, error) {
	return list(ctx, q, func(sc scanner) (store.ReviewRoute, error) {
		var r store.ReviewRoute
		var esc int
		err := sc.Scan(idCol{&r.ReviewerInstitutionID}, idCol{&r.ApproverRoleID}, idCol{&r.ProvinceID}, &esc, &r.Open)
		r.Escalated = esc == 1
		return r, err
	}, `SELECT reviewer_institution_id, approver_role_id, province_id, CASE WHEN escalated_at IS NULL THEN 0 ELSE 1 END, COUNT(*)
		FROM review_items WHERE campaign_id = $1 AND decision = ''
		GROUP BY reviewer_institution_id, approver_role_id, province_id, CASE WHEN escalated_at IS NULL THEN 0 ELSE 1 END
		ORDER BY 1, 2, 3, 4`, campaignID)
}
