package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// ---- Certificate re-registration requests ----

const certRequestCols = `id, user_id, approver_institution_id, status, subject_dn, issuer_dn, serial, key_hash, not_before,
	not_after, policy_oid, class, der, created_at, decided_at, decider_id, reason`

func scanCertRequest(sc scanner) (domain.CertRequest, error) {
	var r domain.CertRequest
	var status, class string
	err := sc.Scan(&r.ID, &r.UserID, &r.ApproverInstitutionID, &status, &r.SubjectDN, &r.IssuerDN, &r.Serial,
		bytesCol{&r.KeyHash}, timeCol{&r.NotBefore}, timeCol{&r.NotAfter}, &r.PolicyOID, &class, bytesCol{&r.DER},
		timeCol{&r.CreatedAt}, timeCol{&r.DecidedAt}, idCol{&r.DeciderID}, &r.Reason)
	r.Status, r.Class = domain.CertRequestStatus(status), domain.CertClass(class)
	return r, err
}

// CreateCertRequest inserts a pending request. The serial is stored in
// lower case; an empty class is stored as unknown.
func (q *queries) CreateCertRequest(ctx context.Context, r *domain.CertRequest) error {
	if len(r.KeyHash) == 0 {
		return domain.Errorf(domain.EINVALID, "certificate request without a key hash")
	}
	r.Status = domain.CertRequestPending
	r.CreatedAt = nowOr(r.CreatedAt)
	r.NotBefore, r.NotAfter = norm(r.NotBefore), norm(r.NotAfter)
	r.DecidedAt, r.DeciderID, r.Reason = time.Time{}, 0, ""
	r.Serial = strings.ToLower(r.Serial)
	if r.Class == "" {
		r.Class = domain.CertUnknown
	}
	err := q.row(ctx, `INSERT INTO cert_requests (user_id, approver_institution_id, status, subject_dn, issuer_dn, serial,
		key_hash, not_before, not_after, policy_oid, class, der, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
		r.UserID, r.ApproverInstitutionID, string(r.Status), r.SubjectDN, r.IssuerDN, r.Serial, r.KeyHash,
		tv(r.NotBefore), tv(r.NotAfter), r.PolicyOID, string(r.Class), r.DER, tv(r.CreatedAt)).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("create certificate request for user %d: %w", r.UserID, mapErr(err))
	}
	return nil
}

func (q *queries) GetCertRequest(ctx context.Context, id int64) (domain.CertRequest, error) {
	r, err := scanCertRequest(q.row(ctx, "SELECT "+certRequestCols+" FROM cert_requests WHERE id = $1", id))
	if err != nil {
		return r, notFound(err, "certificate request %d", id)
	}
	return r, nil
}

// ListCertRequests returns matching requests, oldest first unless
// f.NewestFirst, and how many match in all.
func (q *queries) ListCertRequests(ctx context.Context, f domain.CertRequestFilter) ([]domain.CertRequest, int, error) {
	var w where
	if f.UserID != 0 {
		w.add("user_id = ?", f.UserID)
	}
	if f.ApproverInstitutionID != 0 {
		w.add("approver_institution_id = ?", f.ApproverInstitutionID)
	}
	if f.Status != "" {
		w.add("status = ?", string(f.Status))
	}
	if f.KeyHash != nil {
		w.add("key_hash = ?", f.KeyHash)
	}
	total, err := q.count(ctx, "SELECT COUNT(*) FROM cert_requests"+w.sql(), w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list certificate requests: %w", err)
	}
	off, lim := store.Page{Offset: f.Offset, Limit: f.Limit}.Window()
	desc := ""
	if f.NewestFirst {
		desc = " DESC"
	}
	query := "SELECT " + certRequestCols + " FROM cert_requests" + w.sql() +
		" ORDER BY created_at" + desc + ", id" + desc + w.page(off, lim)
	out, err := list(ctx, q, scanCertRequest, query, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list certificate requests: %w", err)
	}
	return out, total, nil
}

// DecideCertRequest updates the request only while it is pending, in one
// conditional UPDATE, so of concurrent deciders exactly one wins; the
// others get the winner's decision with store.ErrConflict.
func (q *queries) DecideCertRequest(ctx context.Context, id int64, status domain.CertRequestStatus, deciderID int64, reason string, t time.Time) (domain.CertRequest, error) {
	switch status {
	case domain.CertRequestApproved, domain.CertRequestRejected, domain.CertRequestCancelled:
	default:
		return domain.CertRequest{}, domain.Errorf(domain.EINVALID, "a certificate request cannot be decided as %q", status)
	}
	r, err := scanCertRequest(q.row(ctx, `UPDATE cert_requests SET status = $2, decider_id = $3, reason = $4, decided_at = $5
		WHERE id = $1 AND status = 'pending' RETURNING `+certRequestCols,
		id, string(status), idv(deciderID), reason, tv(nowOr(t))))
	if err == nil {
		return r, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("decide certificate request %d: %w", id, mapErr(err))
	}
	cur, err := q.GetCertRequest(ctx, id)
	if err != nil {
		return cur, fmt.Errorf("decide: %w", err)
	}
	return cur, fmt.Errorf("decide certificate request %d: already %s: %w", id, cur.Status, store.ErrConflict)
}
