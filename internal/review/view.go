package review

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Row is an item with what a reviewer sees of it: the holder, their
// institution, the role and its system, who granted it, the holder's
// certificate class, the reviewing institution and the decider.
// Department and position are not kept by the portal yet (issue 18 adds
// them to users); the page shows them when the holder's User has them.
type Row struct {
	Item        domain.ReviewItem
	Holder      domain.User
	Institution domain.Institution
	Reviewer    domain.Institution
	Role        domain.Role
	System      domain.System
	GrantedBy   domain.User // zero when seeded or granted by the system
	DecidedBy   domain.User
	CertClass   domain.CertClass // "" when the holder has no current certificate
	Overdue     bool             // open past the deadline
}

// Rows fills in the rows of items with one batch lookup per kind of row
// (users, institutions, certificates), not one per item.
func Rows(ctx context.Context, q store.Queries, c domain.ReviewCampaign, items []domain.ReviewItem, now time.Time) ([]Row, error) {
	var userIDs, instIDs []int64
	for _, it := range items {
		userIDs = append(userIDs, it.UserID)
		if it.GrantedBy != 0 {
			userIDs = append(userIDs, it.GrantedBy)
		}
		if it.DecidedBy != 0 {
			userIDs = append(userIDs, it.DecidedBy)
		}
		instIDs = append(instIDs, it.InstitutionID, it.ReviewerInstitutionID)
	}
	users, err := q.GetUsers(ctx, userIDs)
	if err != nil {
		return nil, err
	}
	insts, err := q.GetInstitutions(ctx, instIDs)
	if err != nil {
		return nil, err
	}
	holders := make([]int64, 0, len(items))
	for _, it := range items {
		holders = append(holders, it.UserID)
	}
	certs, err := q.CurrentCertificates(ctx, holders)
	if err != nil {
		return nil, err
	}
	roles := map[int64]domain.Role{}
	systems := map[int64]domain.System{}
	out := make([]Row, 0, len(items))
	for _, it := range items {
		role, ok := roles[it.RoleID]
		if !ok {
			if role, err = q.GetRole(ctx, it.RoleID); err != nil {
				return nil, err
			}
			roles[it.RoleID] = role
		}
		sys, ok := systems[role.SystemID]
		if !ok {
			if sys, err = q.GetSystem(ctx, role.SystemID); err != nil {
				return nil, err
			}
			systems[role.SystemID] = sys
		}
		out = append(out, Row{
			Item: it, Holder: users[it.UserID], Institution: insts[it.InstitutionID], Reviewer: insts[it.ReviewerInstitutionID],
			Role: role, System: sys, GrantedBy: users[it.GrantedBy], DecidedBy: users[it.DecidedBy],
			CertClass: certs[it.UserID].Class, Overdue: it.Open() && c.Overdue(now),
		})
	}
	return out, nil
}

// ProgressRow counts one reviewing institution's items.
type ProgressRow struct {
	Institution                             domain.Institution // zero: no institution has jurisdiction
	Kept, Revoked, Open, Escalated, Overdue int
}

// Decided is Kept + Revoked.
func (p ProgressRow) Decided() int { return p.Kept + p.Revoked }

// Total is every item of the row.
func (p ProgressRow) Total() int { return p.Kept + p.Revoked + p.Open }

// Progress counts the campaign's items per reviewing institution, and in
// all (the last row's Institution is zero and its Name "합계").
func Progress(ctx context.Context, q store.Queries, c domain.ReviewCampaign, now time.Time) ([]ProgressRow, ProgressRow, error) {
	rows, err := q.ReviewProgress(ctx, c.ID)
	if err != nil {
		return nil, ProgressRow{}, err
	}
	var ids []int64
	for _, r := range rows {
		ids = append(ids, r.ReviewerInstitutionID)
	}
	insts, err := q.GetInstitutions(ctx, ids)
	if err != nil {
		return nil, ProgressRow{}, err
	}
	var total ProgressRow
	out := make([]ProgressRow, 0, len(rows))
	for _, r := range rows {
		p := ProgressRow{Institution: insts[r.ReviewerInstitutionID], Kept: r.Kept, Revoked: r.Revoked, Open: r.Open, Escalated: r.Escalated}
		if c.Overdue(now) {
			p.Overdue = p.Open
		}
		out = append(out, p)
		total.Kept, total.Revoked, total.Open, total.Escalated, total.Overdue =
			total.Kept+p.Kept, total.Revoked+p.Revoked, total.Open+p.Open, total.Escalated+p.Escalated, total.Overdue+p.Overdue
	}
	total.Institution.Name = "합계"
	return out, total, nil
}

// CSVHeader is the first line of a campaign's outcome export.
var CSVHeader = []string{"item_id", "grant_id", "holder_login_id", "institution_code", "institution", "system", "role_code", "role",
	"granted_at", "reviewer_institution", "decision", "decided_by_login_id", "decided_at", "automatic", "escalated_at", "note"}

// WriteCSV writes the campaign's outcome, every item, as CSV (UTF-8 with
// a byte-order mark, for spreadsheets): evidence of the review. Holders
// are named by login ID, not by name. Cells that a spreadsheet would run
// as a formula are quoted with a leading apostrophe.
func WriteCSV(ctx context.Context, q store.Queries, w io.Writer, c domain.ReviewCampaign, now time.Time) (int, error) {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return 0, err
	}
	n := 0
	for off := 0; ; off += store.MaxLimit {
		items, _, err := q.ListReviewItems(ctx, store.ReviewItemFilter{CampaignID: c.ID, Page: store.Page{Offset: off, Limit: store.MaxLimit}})
		if err != nil {
			return n, err
		}
		rows, err := Rows(ctx, q, c, items, now)
		if err != nil {
			return n, err
		}
		for _, r := range rows {
			it := r.Item
			rec := []string{
				strconv.FormatInt(it.ID, 10), strconv.FormatInt(it.GrantID, 10), r.Holder.LoginID, r.Institution.Code, r.Institution.Name,
				r.System.Name, r.Role.Code, r.Role.Name, stamp(it.GrantedAt), r.Reviewer.Name, string(it.Decision), r.DecidedBy.LoginID,
				stamp(it.DecidedAt), strconv.FormatBool(it.Automatic), stamp(it.EscalatedAt), it.Note,
			}
			for i := range rec {
				rec[i] = cell(rec[i])
			}
			if err := cw.Write(rec); err != nil {
				return n, err
			}
			n++
		}
		if len(items) < store.MaxLimit {
			break
		}
	}
	cw.Flush()
	return n, cw.Error()
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// cell defuses a value a spreadsheet would read as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
