package access

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Authority says why an actor may decide a request.
type Authority string

// Authorities, from the narrowest.
const (
	AuthNone     Authority = ""
	AuthApprover Authority = "approver" // holds the role's approver role at the approving institution
	AuthProvince Authority = "province" // province administrator over the approving institution, once escalated
	AuthNational Authority = "national" // national administrator
)

// Held returns the roles a user holds at now, by ID.
func Held(ctx context.Context, q store.Queries, userID int64, now time.Time) (map[int64]domain.Grant, error) {
	grants, err := q.ListGrants(ctx, store.GrantFilter{UserID: userID, ActiveAt: now})
	if err != nil {
		return nil, err
	}
	out := make(map[int64]domain.Grant, len(grants))
	for _, g := range grants {
		out[g.RoleID] = g
	}
	return out, nil
}

// IsNationalAdmin reports whether the user works at the national agency
// and holds an administration role.
func IsNationalAdmin(ctx context.Context, q store.Queries, u domain.User, held map[int64]domain.Grant) (bool, error) {
	if len(held) == 0 || u.Status != domain.UserActive {
		return false, nil
	}
	inst, err := q.GetInstitution(ctx, u.InstitutionID)
	if err != nil || inst.Kind != domain.KindNational {
		return false, err
	}
	for id := range held {
		r, err := q.GetRole(ctx, id)
		if err != nil {
			return false, err
		}
		if r.Admin {
			return true, nil
		}
	}
	return false, nil
}

// AuthorityOver says whether actor may decide req (for role) and why.
// Nobody decides their own request.
func AuthorityOver(ctx context.Context, q store.Queries, actor domain.User, req domain.RoleRequest, role domain.Role, now time.Time) (Authority, error) {
	if actor.ID == req.UserID || actor.Status != domain.UserActive {
		return AuthNone, nil
	}
	held, err := Held(ctx, q, actor.ID, now)
	if err != nil {
		return AuthNone, err
	}
	if role.ApproverRoleID != 0 && actor.InstitutionID == req.ApproverInstitutionID {
		if _, ok := held[role.ApproverRoleID]; ok {
			return AuthApprover, nil
		}
	}
	if !req.EscalatedAt.IsZero() && role.ApproverRoleID != 0 {
		approverRole, err := q.GetRole(ctx, role.ApproverRoleID)
		if err != nil {
			return AuthNone, err
		}
		if _, ok := held[approverRole.ApproverRoleID]; ok && approverRole.ApproverRoleID != 0 {
			appr, err := q.GetInstitution(ctx, req.ApproverInstitutionID)
			if err != nil {
				return AuthNone, err
			}
			if prov, err := ApprovingInstitution(ctx, q, appr, domain.KindProvince); err == nil && prov.ID == actor.InstitutionID {
				return AuthProvince, nil
			} else if err != nil && !errors.Is(err, store.ErrNotFound) {
				return AuthNone, err
			}
		}
	}
	if ok, err := IsNationalAdmin(ctx, q, actor, held); err != nil || ok {
		if ok {
			return AuthNational, nil
		}
		return AuthNone, err
	}
	return AuthNone, nil
}

// Decision is an approver's answer to one request.
type Decision struct {
	RequestID int64
	Approve   bool
	Reason    string
	// Notices, when set, e-mails the applicant in the same transaction.
	Notices *Notices
	// Confirmed says the actor signed a fresh challenge (본인 확인) just
	// before: approving a request for a Privileged role needs it.
	Confirmed bool
}

// Errors of Decide that the approver reads.
var (
	ErrNotYours        = domain.Errorf(domain.EFORBIDDEN, "이 신청을 처리할 권한이 없습니다. 소속 기관으로 접수된 신청만 처리할 수 있습니다.")
	ErrOwnRequest      = domain.Errorf(domain.EFORBIDDEN, "본인의 권한 신청은 직접 처리할 수 없습니다.")
	ErrReasonRequired  = domain.Errorf(domain.EINVALID, "반려 사유를 입력하세요. 신청자에게 그대로 전달됩니다.")
	ErrApplicantNoCert = domain.Errorf(domain.EINVALID, "신청자에게 개인 공동인증서가 없어 승인할 수 없습니다. 이 권한은 개인정보를 다루므로 신청자가 개인 인증서로 교체한 뒤 승인하세요.")
	ErrApplicantLocked = domain.Errorf(domain.ECONFLICT, "잠겼거나 탈퇴한 사용자의 신청입니다.")
	ErrRequestNotFound = domain.Errorf(domain.ENOTFOUND, "신청을 찾을 수 없습니다.")
)

// MaxReason bounds a decision's reason.
const MaxReason = 500

// AlreadyDecided is the error of a request someone else decided first.
type AlreadyDecided struct {
	Request domain.RoleRequest
	By      string // the decider's name, or "시스템"
}

func (e *AlreadyDecided) Error() string {
	return fmt.Sprintf("이미 %s님이 처리한 신청입니다 (%s).", e.By, StatusLabel(e.Request.Status))
}

// StatusLabel is the Korean name of a request status.
func StatusLabel(s domain.RequestStatus) string {
	switch s {
	case domain.RequestPending:
		return "신청중"
	case domain.RequestApproved:
		return "승인"
	case domain.RequestRejected:
		return "반려"
	case domain.RequestCancelled:
		return "취소"
	case domain.RequestExpired:
		return "만료"
	}
	return string(s)
}

// Decide records an approver's decision inside q (call it in a
// transaction): the request changes once, an approval grants the role
// (with its lifetime) and activates a pending account, and both go to the
// audit log. It returns the decided request, and the grant when approved.
func Decide(ctx context.Context, q store.Queries, actor domain.User, clientAddr string, d Decision, now time.Time) (domain.RoleRequest, *domain.Grant, error) {
	req, err := q.GetRequest(ctx, d.RequestID)
	if errors.Is(err, store.ErrNotFound) {
		return req, nil, ErrRequestNotFound
	} else if err != nil {
		return req, nil, err
	}
	if req.UserID == actor.ID {
		return req, nil, ErrOwnRequest
	}
	role, err := q.GetRole(ctx, req.RoleID)
	if err != nil {
		return req, nil, err
	}
	auth, err := AuthorityOver(ctx, q, actor, req, role, now)
	if err != nil {
		return req, nil, err
	}
	if auth == AuthNone {
		// Say nothing of another institution's request beyond "not yours".
		return domain.RoleRequest{}, nil, ErrNotYours
	}
	if req.Status != domain.RequestPending {
		return req, nil, alreadyDecided(ctx, q, req)
	}
	reason := strings.TrimSpace(d.Reason)
	if len([]rune(reason)) > MaxReason {
		return req, nil, domain.Errorf(domain.EINVALID, "사유는 %d자 이내로 입력하세요.", MaxReason)
	}
	if !d.Approve && reason == "" {
		return req, nil, ErrReasonRequired
	}
	applicant, err := q.GetUser(ctx, req.UserID)
	if err != nil {
		return req, nil, err
	}
	if applicant.Status == domain.UserLocked || applicant.Status == domain.UserWithdrawn {
		return req, nil, ErrApplicantLocked
	}
	if d.Approve && !d.Confirmed {
		if priv, err := Privileged(ctx, q, role); err != nil {
			return req, nil, err
		} else if priv {
			return req, nil, ErrConfirmRequired
		}
	}
	if d.Approve && NeedsPersonal(role) {
		ok, err := hasPersonalCert(ctx, q, applicant.ID, now)
		if err != nil {
			return req, nil, err
		}
		if !ok {
			return req, nil, ErrApplicantNoCert
		}
	}
	status := domain.RequestRejected
	if d.Approve {
		status = domain.RequestApproved
	}
	decided, err := q.DecideRequest(ctx, req.ID, status, actor.ID, reason, now)
	if errors.Is(err, store.ErrConflict) {
		return decided, nil, alreadyDecided(ctx, q, decided)
	} else if err != nil {
		return decided, nil, err
	}
	a := audit.Actor{UserID: actor.ID, Pseudonym: actor.Pseudonym, ClientAddr: clientAddr}
	detail := map[string]any{"role": role.Code, "authority": string(auth)}
	if !d.Approve {
		if err := audit.Log(ctx, q, a, "request.reject", "request", req.ID, detail, now); err != nil {
			return decided, nil, err
		}
		return decided, nil, d.Notices.requestDecided(ctx, q, decided, role, now)
	}
	if err := audit.Log(ctx, q, a, "request.approve", "request", req.ID, detail, now); err != nil {
		return decided, nil, err
	}
	// A renewal (renewal.go) extends the grant it renews instead.
	if g, ok, err := approveRenewal(ctx, q, a, decided, role, now); ok || err != nil {
		if err != nil {
			return decided, nil, err
		}
		return decided, g, d.Notices.requestDecided(ctx, q, decided, role, now)
	}
	g := domain.Grant{UserID: applicant.ID, RoleID: role.ID, RequestID: req.ID, GrantedAt: now, GrantedBy: actor.ID}
	if role.GrantLifetime > 0 {
		g.ExpiresAt = now.Add(role.GrantLifetime)
	}
	if err := q.CreateGrant(ctx, &g); err != nil {
		return decided, nil, fmt.Errorf("grant role %d to user %d: %w", role.ID, applicant.ID, err)
	}
	if err := audit.Log(ctx, q, a, "grant.create", "grant", g.ID,
		map[string]any{"role": role.Code, "user": applicant.Pseudonym, "request": req.ID}, now); err != nil {
		return decided, nil, err
	}
	if applicant.Status == domain.UserPending {
		applicant.Status = domain.UserActive
		applicant.UpdatedAt = now
		if err := q.UpdateUser(ctx, &applicant); err != nil {
			return decided, nil, err
		}
	}
	return decided, &g, d.Notices.requestDecided(ctx, q, decided, role, now)
}

func alreadyDecided(ctx context.Context, q store.Queries, req domain.RoleRequest) error {
	by := "시스템"
	if req.DeciderID != 0 {
		if u, err := q.GetUser(ctx, req.DeciderID); err == nil && u.Name != "" {
			by = u.Name
		}
	}
	return &AlreadyDecided{Request: req, By: by}
}

// hasPersonalCert reports whether the user has a current, unexpired
// personal certificate.
func hasPersonalCert(ctx context.Context, q store.Queries, userID int64, now time.Time) (bool, error) {
	certs, err := q.ListCertificates(ctx, userID)
	if err != nil {
		return false, err
	}
	for _, c := range certs {
		if c.Current() && c.Class == domain.CertPersonal && now.Before(c.NotAfter) {
			return true, nil
		}
	}
	return false, nil
}

// Cancel withdraws the applicant's own pending request.
func Cancel(ctx context.Context, q store.Queries, actor domain.User, clientAddr string, requestID int64, now time.Time) error {
	req, err := q.GetRequest(ctx, requestID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && req.UserID != actor.ID) {
		return ErrRequestNotFound
	} else if err != nil {
		return err
	}
	decided, err := q.DecideRequest(ctx, req.ID, domain.RequestCancelled, actor.ID, "신청자 취소", now)
	if errors.Is(err, store.ErrConflict) {
		return alreadyDecided(ctx, q, decided)
	} else if err != nil {
		return err
	}
	return audit.Log(ctx, q, audit.Actor{UserID: actor.ID, Pseudonym: actor.Pseudonym, ClientAddr: clientAddr},
		"request.cancel", "request", req.ID, nil, now)
}

// CancelPendingOf cancels, in q's transaction, the pending requests of a
// user whose account is being locked, deciderID deciding (0: the system),
// and returns how many were pending; one decided meanwhile is passed over.
// The caller's audit event for the lock counts them.
func CancelPendingOf(ctx context.Context, q store.Queries, userID, deciderID int64, reason string, now time.Time) (int, error) {
	// A user has at most one pending request per role.
	pending, _, err := q.ListRequests(ctx, store.RequestFilter{UserID: userID, Status: domain.RequestPending, Page: store.Page{Limit: store.MaxLimit}})
	if err != nil {
		return 0, err
	}
	for _, r := range pending {
		if _, err := q.DecideRequest(ctx, r.ID, domain.RequestCancelled, deciderID, reason, now); err != nil && !errors.Is(err, store.ErrConflict) {
			return 0, err
		}
	}
	return len(pending), nil
}

// Relinquish ends the actor's own grant.
func Relinquish(ctx context.Context, q store.Queries, actor domain.User, clientAddr string, grantID int64, now time.Time) error {
	grants, err := q.ListGrants(ctx, store.GrantFilter{UserID: actor.ID, ActiveAt: now})
	if err != nil {
		return err
	}
	for _, g := range grants {
		if g.ID != grantID {
			continue
		}
		if err := q.RevokeGrant(ctx, g.ID, actor.ID, "본인 반납", now); err != nil {
			return err
		}
		return audit.Log(ctx, q, audit.Actor{UserID: actor.ID, Pseudonym: actor.Pseudonym, ClientAddr: clientAddr},
			"grant.relinquish", "grant", g.ID, nil, now)
	}
	return domain.Errorf(domain.ENOTFOUND, "보유 중인 권한을 찾을 수 없습니다.")
}
