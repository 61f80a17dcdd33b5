package lifecycle

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/notify"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Change of institution (기관 변경). A user who moves to another
// institution asks for the change; the health centre with jurisdiction
// over the new institution confirms it, as it confirms certificate
// re-registrations. Until then nothing about the account changes, and the
// user may withdraw the request. Once confirmed, in one transaction: the
// user's institution changes; every grant in force that was approved under
// the old institution's jurisdiction (its request went to another
// approving institution than the one with jurisdiction over the new
// institution for its role) is revoked with the reason "기관 변경" through
// store.RevokeGrant, the path of every revocation; pending requests to
// the old jurisdiction are cancelled; the user is told and offered to
// request the same roles at the new jurisdiction in one step
// (RerequestRoles).

// RevokeReason is the revoke and cancel reason of a change of institution.
const RevokeReason = "기관 변경"

// Errors of a change of institution that the user or the approver reads.
var (
	ErrSameInstitution    = domain.Errorf(domain.EINVALID, "현재 소속 기관과 같은 기관입니다. 옮겨 가는 기관을 선택하세요.")
	ErrNoInstitution      = domain.Errorf(domain.EINVALID, "옮겨 가는 기관을 검색하여 선택하세요.")
	ErrNoCentre           = domain.Errorf(domain.ECONFLICT, "선택한 기관의 관할 보건소가 없어 기관 변경을 요청할 수 없습니다. 고객센터에 문의하세요.")
	ErrChangePending      = domain.Errorf(domain.ECONFLICT, "이미 확인을 기다리는 기관 변경 요청이 있습니다. 요청을 취소한 뒤 다시 요청하세요.")
	ErrChangeNotFound     = domain.Errorf(domain.ENOTFOUND, "기관 변경 요청을 찾을 수 없습니다.")
	ErrChangeDecided      = domain.Errorf(domain.ECONFLICT, "이미 처리된 기관 변경 요청입니다.")
	ErrChangeOwn          = domain.Errorf(domain.EFORBIDDEN, "본인의 기관 변경 요청은 처리할 수 없습니다.")
	ErrChangeReason       = domain.Errorf(domain.EINVALID, "반려 사유를 입력하세요. 요청자에게 그대로 전달됩니다.")
	ErrChangeMovedAlready = domain.Errorf(domain.ECONFLICT, "요청 이후 사용자의 소속 기관이 바뀌었습니다. 반려하세요.")
	ErrChangeInactive     = domain.Errorf(domain.EFORBIDDEN, "잠겼거나 탈퇴한 계정입니다.")
)

// RequestChange records the user's request to move to toInstitutionID,
// inside q (call it in a transaction), with its audit event and the
// confirming centre's e-mail.
func RequestChange(ctx context.Context, q store.Queries, u domain.User, toInstitutionID int64, clientAddr string, mail *Mail, now time.Time) (domain.InstitutionChange, domain.Institution, error) {
	if u.Status != domain.UserActive && u.Status != domain.UserPending {
		return domain.InstitutionChange{}, domain.Institution{}, ErrChangeInactive
	}
	to, err := q.GetInstitution(ctx, toInstitutionID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !to.RetiredAt.IsZero()) {
		return domain.InstitutionChange{}, domain.Institution{}, ErrNoInstitution
	} else if err != nil {
		return domain.InstitutionChange{}, domain.Institution{}, err
	}
	if to.ID == u.InstitutionID {
		return domain.InstitutionChange{}, domain.Institution{}, ErrSameInstitution
	}
	centre, err := q.JurisdictionCentre(ctx, to.ID)
	if errors.Is(err, store.ErrNotFound) {
		return domain.InstitutionChange{}, domain.Institution{}, ErrNoCentre
	} else if err != nil {
		return domain.InstitutionChange{}, domain.Institution{}, err
	}
	c := domain.InstitutionChange{UserID: u.ID, FromInstitutionID: u.InstitutionID, ToInstitutionID: to.ID,
		ApproverInstitutionID: centre.ID, CreatedAt: now}
	if err := q.CreateInstitutionChange(ctx, &c); errors.Is(err, store.ErrAlreadyExists) {
		return c, centre, ErrChangePending
	} else if err != nil {
		return c, centre, err
	}
	if err := audit.Log(ctx, q, audit.ActorOf(u, clientAddr), "institution_change.request", "institution_change", c.ID,
		map[string]any{"from": u.InstitutionID, "to": to.Code, "approver_institution": centre.Code}, now); err != nil {
		return c, centre, err
	}
	if mail == nil {
		return c, centre, nil
	}
	from, err := q.GetInstitution(ctx, u.InstitutionID)
	if err != nil {
		return c, centre, err
	}
	approvers, err := centreApprovers(ctx, q, centre.ID, now)
	if err != nil {
		return c, centre, err
	}
	return c, centre, mail.enqueue(ctx, q, func(site notify.Site) ([]domain.OutboxMessage, error) {
		return notify.InstitutionChangeRequested(site, approvers, notify.InstitutionChange{
			UserName: u.Name, From: from.Name, To: to.Name, Centre: centre.Name, RequestedAt: now})
	}, now)
}

// centreApprovers returns the active users of the centre who hold an
// approver role of any role approved there, as e-mail recipients.
func centreApprovers(ctx context.Context, q store.Queries, centreID int64, now time.Time) ([]notify.Recipient, error) {
	users, _, err := q.ListUsers(ctx, store.UserFilter{InstitutionID: centreID, Status: domain.UserActive, Page: store.Page{Limit: store.MaxLimit}})
	if err != nil {
		return nil, err
	}
	var out []notify.Recipient
	for _, u := range users {
		ok, err := ConfirmsChanges(ctx, q, u, centreID, now)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, recipient(u))
		}
	}
	return out, nil
}

// ConfirmsChanges reports whether actor confirms changes of institution
// addressed to the centre: an approver at that health centre.
func ConfirmsChanges(ctx context.Context, q store.Queries, actor domain.User, centreID int64, now time.Time) (bool, error) {
	if actor.InstitutionID != centreID {
		return false, nil
	}
	sc, err := access.ScopeOf(ctx, q, actor, now)
	if err != nil {
		return false, err
	}
	return len(sc.Direct) > 0 && sc.Institution.Kind == domain.KindHealthCentre, nil
}

// WithdrawChange cancels the user's own pending change.
func WithdrawChange(ctx context.Context, q store.Queries, u domain.User, id int64, clientAddr string, now time.Time) error {
	c, err := q.GetInstitutionChange(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.UserID != u.ID) {
		return ErrChangeNotFound
	} else if err != nil {
		return err
	}
	if _, err := q.DecideInstitutionChange(ctx, id, domain.InstChangeCancelled, u.ID, "요청자 취소", now); errors.Is(err, store.ErrConflict) {
		return ErrChangeDecided
	} else if err != nil {
		return err
	}
	return audit.Log(ctx, q, audit.ActorOf(u, clientAddr), "institution_change.withdraw", "institution_change", id, nil, now)
}

// ChangeOutcome is what a confirmed change did.
type ChangeOutcome struct {
	Change    domain.InstitutionChange
	Revoked   []domain.Grant       // grants revoked with RevokeReason
	Cancelled []domain.RoleRequest // pending requests cancelled
}

// DecideChange confirms or rejects a pending change addressed to the
// actor's centre, inside q (call it in a transaction). A change of another
// centre is reported as not found.
func DecideChange(ctx context.Context, q store.Queries, actor domain.User, id int64, approve bool, reason, clientAddr string, mail *Mail, now time.Time) (ChangeOutcome, error) {
	var out ChangeOutcome
	c, err := q.GetInstitutionChange(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return out, ErrChangeNotFound
	} else if err != nil {
		return out, err
	}
	ok, err := ConfirmsChanges(ctx, q, actor, c.ApproverInstitutionID, now)
	if err != nil {
		return out, err
	}
	if !ok {
		return out, ErrChangeNotFound
	}
	if c.UserID == actor.ID {
		return out, ErrChangeOwn
	}
	if c.Status != domain.InstChangePending {
		return out, ErrChangeDecided
	}
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) > access.MaxReason {
		return out, domain.Errorf(domain.EINVALID, "사유는 %d자 이내로 입력하세요.", access.MaxReason)
	}
	if !approve && reason == "" {
		return out, ErrChangeReason
	}
	u, err := q.GetUser(ctx, c.UserID)
	if err != nil {
		return out, err
	}
	status := domain.InstChangeRejected
	if approve {
		status = domain.InstChangeApproved
		if u.Status != domain.UserActive && u.Status != domain.UserPending {
			return out, ErrChangeInactive
		}
		if u.InstitutionID != c.FromInstitutionID {
			return out, ErrChangeMovedAlready
		}
	}
	if out.Change, err = q.DecideInstitutionChange(ctx, id, status, actor.ID, reason, now); errors.Is(err, store.ErrConflict) {
		return out, ErrChangeDecided
	} else if err != nil {
		return out, err
	}
	a := audit.ActorOf(actor, clientAddr)
	from, err := q.GetInstitution(ctx, c.FromInstitutionID)
	if err != nil {
		return out, err
	}
	to, err := q.GetInstitution(ctx, c.ToInstitutionID)
	if err != nil {
		return out, err
	}
	if !approve {
		if err := audit.Log(ctx, q, a, "institution_change.reject", "institution_change", id, map[string]any{"user": u.ID}, now); err != nil {
			return out, err
		}
		return out, mail.enqueue(ctx, q, func(site notify.Site) ([]domain.OutboxMessage, error) {
			return notify.InstitutionChangeDecided(site, recipient(u), notify.InstitutionChange{From: from.Name, To: to.Name,
				RequestedAt: c.CreatedAt}, false, reason, 0)
		}, now)
	}

	u.InstitutionID, u.UpdatedAt = to.ID, now
	if err := q.UpdateUser(ctx, &u); err != nil {
		return out, err
	}
	grants, err := q.ListGrants(ctx, store.GrantFilter{UserID: u.ID, ActiveAt: now})
	if err != nil {
		return out, err
	}
	for _, g := range grants {
		role, err := q.GetRole(ctx, g.RoleID)
		if err != nil {
			return out, err
		}
		keep, err := sameJurisdiction(ctx, q, g.RequestID, from, to, role)
		if err != nil {
			return out, err
		}
		if keep {
			continue
		}
		if err := q.RevokeGrant(ctx, g.ID, actor.ID, RevokeReason, now); err != nil {
			return out, err
		}
		if err := audit.Log(ctx, q, a, "grant.revoke", "grant", g.ID,
			map[string]any{"role": role.Code, "user": u.Pseudonym, "reason": RevokeReason, "institution_change": id}, now); err != nil {
			return out, err
		}
		g.RevokedAt, g.RevokedBy, g.RevokeReason = now, actor.ID, RevokeReason
		out.Revoked = append(out.Revoked, g)
	}
	pending, _, err := q.ListRequests(ctx, store.RequestFilter{UserID: u.ID, Status: domain.RequestPending, Page: store.Page{Limit: store.MaxLimit}})
	if err != nil {
		return out, err
	}
	for _, r := range pending {
		role, err := q.GetRole(ctx, r.RoleID)
		if err != nil {
			return out, err
		}
		newAppr, err := access.ApprovingInstitution(ctx, q, to, role.ApproverKind)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return out, err
		}
		if err == nil && newAppr.ID == r.ApproverInstitutionID {
			continue
		}
		dec, err := q.DecideRequest(ctx, r.ID, domain.RequestCancelled, 0, RevokeReason, now)
		if errors.Is(err, store.ErrConflict) {
			continue
		} else if err != nil {
			return out, err
		}
		if err := audit.Log(ctx, q, audit.System, "request.cancel", "request", r.ID, map[string]any{"why": "institution_change", "institution_change": id}, now); err != nil {
			return out, err
		}
		out.Cancelled = append(out.Cancelled, dec)
	}
	if err := audit.Log(ctx, q, a, "institution_change.approve", "institution_change", id,
		map[string]any{"user": u.ID, "from": from.Code, "to": to.Code, "revoked": len(out.Revoked), "cancelled": len(out.Cancelled)}, now); err != nil {
		return out, err
	}
	return out, mail.enqueue(ctx, q, func(site notify.Site) ([]domain.OutboxMessage, error) {
		return notify.InstitutionChangeDecided(site, recipient(u), notify.InstitutionChange{From: from.Name, To: to.Name,
			RequestedAt: c.CreatedAt}, true, "", len(out.Revoked))
	}, now)
}

// sameJurisdiction reports whether a grant of role (from request reqID,
// or made directly when zero) stays with a move from one institution to
// another: the institution that approved it is the one with jurisdiction
// over the new institution for the role.
func sameJurisdiction(ctx context.Context, q store.Queries, reqID int64, from, to domain.Institution, role domain.Role) (bool, error) {
	newAppr, err := access.ApprovingInstitution(ctx, q, to, role.ApproverKind)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	var oldApprID int64
	if reqID != 0 {
		req, err := q.GetRequest(ctx, reqID)
		if err != nil {
			return false, err
		}
		oldApprID = req.ApproverInstitutionID
	} else {
		old, err := access.ApprovingInstitution(ctx, q, from, role.ApproverKind)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		} else if err != nil {
			return false, err
		}
		oldApprID = old.ID
	}
	return oldApprID == newAppr.ID, nil
}

// LastChange returns the user's most recent change of institution, or nil.
func LastChange(ctx context.Context, q store.Queries, userID int64) (*domain.InstitutionChange, error) {
	list, _, err := q.ListInstitutionChanges(ctx, domain.InstChangeFilter{UserID: userID, NewestFirst: true, Limit: 1})
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &list[0], nil
}

// RevokedByChange returns the grants the confirmed change c revoked whose
// roles the user neither holds nor has requested since: what the user is
// offered to request again at the new jurisdiction.
func RevokedByChange(ctx context.Context, q store.Queries, c domain.InstitutionChange, now time.Time) ([]domain.Grant, error) {
	if c.Status != domain.InstChangeApproved {
		return nil, nil
	}
	all, err := q.ListGrants(ctx, store.GrantFilter{UserID: c.UserID})
	if err != nil {
		return nil, err
	}
	held, err := access.Held(ctx, q, c.UserID, now)
	if err != nil {
		return nil, err
	}
	pending, _, err := q.ListRequests(ctx, store.RequestFilter{UserID: c.UserID, Status: domain.RequestPending, Page: store.Page{Limit: store.MaxLimit}})
	if err != nil {
		return nil, err
	}
	skip := map[int64]bool{}
	for id := range held {
		skip[id] = true
	}
	for _, r := range pending {
		skip[r.RoleID] = true
	}
	var out []domain.Grant
	for _, g := range all {
		if g.RevokeReason == RevokeReason && g.RevokedAt.Equal(c.DecidedAt) && !skip[g.RoleID] {
			skip[g.RoleID] = true
			out = append(out, g)
		}
	}
	return out, nil
}

// RerequestRoles requests the given roles again, each at the approving
// institution with jurisdiction over the user's (new) institution, in q's
// transaction: all or none. Only roles that the confirmed change c
// revoked may be asked this way.
func RerequestRoles(ctx context.Context, q store.Queries, u domain.User, class domain.CertClass, c domain.InstitutionChange, roleIDs []int64, clientAddr string, notices *access.Notices, now time.Time) ([]domain.RoleRequest, error) {
	offered, err := RevokedByChange(ctx, q, c, now)
	if err != nil {
		return nil, err
	}
	ok := map[int64]bool{}
	for _, g := range offered {
		ok[g.RoleID] = true
	}
	inst, err := q.GetInstitution(ctx, u.InstitutionID)
	if err != nil {
		return nil, err
	}
	var out []domain.RoleRequest
	for _, id := range roleIDs {
		if !ok[id] {
			return nil, domain.Errorf(domain.EINVALID, "다시 신청할 수 있는 권한이 아닙니다. 목록에서 선택하세요.")
		}
		ok[id] = false // once
		role, err := q.GetRole(ctx, id)
		if err != nil {
			return nil, err
		}
		appr, err := access.ApprovingInstitution(ctx, q, inst, role.ApproverKind)
		if errors.Is(err, store.ErrNotFound) {
			return nil, ErrNoCentre
		} else if err != nil {
			return nil, err
		}
		req, _, err := access.CreateRequest(ctx, q, audit.ActorOf(u, clientAddr), access.NewRequest{
			Applicant: u, CertClass: class, RoleID: id, ApproverInstitutionID: appr.ID,
			Justification: "기관 변경에 따른 재신청", Notices: notices}, now)
		if err != nil {
			return nil, err
		}
		out = append(out, req)
	}
	if len(out) == 0 {
		return nil, domain.Errorf(domain.EINVALID, "다시 신청할 권한을 선택하세요.")
	}
	return out, nil
}
