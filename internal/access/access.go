// Package access holds the rules of permissions (권한): which roles a user
// may request, which institution approves a request, who may decide it,
// and what a decision does. Every change is written to the audit log in the
// same transaction. It knows nothing of HTTP.
package access

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// MaxJustification bounds the applicant's note to the approver.
const MaxJustification = 500

// ApprovingInstitution returns the institution of kind that has
// jurisdiction over inst: inst itself when it is of that kind, else the
// nearest ancestor that is. For a medical institution and kind
// health_centre this is its 관할 보건소.
func ApprovingInstitution(ctx context.Context, q store.Queries, inst domain.Institution, kind domain.InstitutionKind) (domain.Institution, error) {
	cur := inst
	for depth := 0; depth < 16; depth++ {
		if cur.Kind == kind {
			return cur, nil
		}
		if cur.ParentID == 0 {
			break
		}
		next, err := q.GetInstitution(ctx, cur.ParentID)
		if err != nil {
			return domain.Institution{}, fmt.Errorf("parent of institution %d: %w", cur.ID, err)
		}
		cur = next
	}
	return domain.Institution{}, store.ErrNotFound
}

// RoleOption is a role as offered to an applicant.
type RoleOption struct {
	Role   domain.Role
	System domain.System
	// Blocked, when not empty, says why the applicant cannot request it
	// (e.g. it needs a personal certificate).
	Blocked string
}

// RequestableRoles lists the roles of every current system that staff of
// an institution of kind may request, with those that need a personal
// certificate blocked when the applicant's certificate is not personal.
// Roles in skip (held or pending) are left out.
func RequestableRoles(ctx context.Context, q store.Queries, kind domain.InstitutionKind, class domain.CertClass, skip map[int64]bool) ([]RoleOption, error) {
	systems, err := q.ListSystems(ctx)
	if err != nil {
		return nil, err
	}
	var out []RoleOption
	for _, s := range systems {
		if !s.RetiredAt.IsZero() {
			continue
		}
		roles, err := q.ListRoles(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		for _, r := range roles {
			if !r.RetiredAt.IsZero() || !r.RequestableByKind(kind) || skip[r.ID] {
				continue
			}
			o := RoleOption{Role: r, System: s}
			if NeedsPersonal(r) && class != domain.CertPersonal {
				o.Blocked = "개인정보를 다루는 권한이므로 개인 공동인증서로 가입(인증서 교체)한 뒤 신청할 수 있습니다."
			}
			out = append(out, o)
		}
	}
	return out, nil
}

// NewRequest is what an applicant asks for.
type NewRequest struct {
	Applicant domain.User
	// CertClass is the class of the applicant's current certificate.
	CertClass             domain.CertClass
	RoleID                int64
	ApproverInstitutionID int64
	Justification         string
	// ConfirmedOutsideJurisdiction must be set when the chosen approving
	// institution is not the one with jurisdiction (the user was warned).
	ConfirmedOutsideJurisdiction bool
	// Notices, when set, e-mails the approvers in the same transaction.
	Notices *Notices
}

// Errors of CreateRequest that the UI words for the user.
var (
	ErrNotRequestable      = domain.Errorf(domain.EFORBIDDEN, "이 권한은 소속 기관에서 신청할 수 없습니다.")
	ErrNeedsPersonalCert   = domain.Errorf(domain.EFORBIDDEN, "개인정보를 다루는 권한입니다. 개인 공동인증서를 등록한 뒤 신청하세요.")
	ErrWrongApproverKind   = domain.Errorf(domain.EINVALID, "이 권한의 승인기관으로 선택할 수 없는 기관입니다. 승인기관을 다시 선택하세요.")
	ErrOutsideJurisdiction = domain.Errorf(domain.EINVALID, "선택한 승인기관은 소속 기관의 관할 기관이 아닙니다. 관할 기관이 아닌 곳을 선택하면 승인이 늦어질 수 있습니다. 그래도 신청하려면 확인에 체크하세요.")
	ErrAlreadyPending      = domain.Errorf(domain.ECONFLICT, "이미 신청 중인 권한입니다. 승인기관의 결정을 기다리세요.")
	ErrAlreadyHeld         = domain.Errorf(domain.ECONFLICT, "이미 보유한 권한입니다.")
)

// CreateRequest checks and records a role request inside q (call it in a
// transaction), with its audit event. It returns the request and the
// approving institution.
func CreateRequest(ctx context.Context, q store.Queries, a audit.Actor, nr NewRequest, now time.Time) (domain.RoleRequest, domain.Institution, error) {
	role, err := q.GetRole(ctx, nr.RoleID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !role.RetiredAt.IsZero()) {
		return domain.RoleRequest{}, domain.Institution{}, domain.Errorf(domain.ENOTFOUND, "신청할 권한을 찾을 수 없습니다. 권한을 다시 선택하세요.")
	} else if err != nil {
		return domain.RoleRequest{}, domain.Institution{}, err
	}
	inst, err := q.GetInstitution(ctx, nr.Applicant.InstitutionID)
	if err != nil {
		return domain.RoleRequest{}, domain.Institution{}, err
	}
	if !role.RequestableByKind(inst.Kind) {
		return domain.RoleRequest{}, domain.Institution{}, ErrNotRequestable
	}
	if NeedsPersonal(role) && nr.CertClass != domain.CertPersonal {
		return domain.RoleRequest{}, domain.Institution{}, ErrNeedsPersonalCert
	}
	approver, err := q.GetInstitution(ctx, nr.ApproverInstitutionID)
	if errors.Is(err, store.ErrNotFound) {
		return domain.RoleRequest{}, domain.Institution{}, domain.Errorf(domain.EINVALID, "승인기관을 선택하세요.")
	} else if err != nil {
		return domain.RoleRequest{}, domain.Institution{}, err
	}
	if approver.Kind != role.ApproverKind || !approver.RetiredAt.IsZero() {
		return domain.RoleRequest{}, domain.Institution{}, ErrWrongApproverKind
	}
	outside := false
	if j, err := ApprovingInstitution(ctx, q, inst, role.ApproverKind); err == nil {
		outside = j.ID != approver.ID
	} else if !errors.Is(err, store.ErrNotFound) {
		return domain.RoleRequest{}, domain.Institution{}, err
	}
	if outside && !nr.ConfirmedOutsideJurisdiction {
		return domain.RoleRequest{}, domain.Institution{}, ErrOutsideJurisdiction
	}
	held, err := q.ListGrants(ctx, store.GrantFilter{UserID: nr.Applicant.ID, RoleID: role.ID, ActiveAt: now})
	if err != nil {
		return domain.RoleRequest{}, domain.Institution{}, err
	}
	if len(held) > 0 {
		return domain.RoleRequest{}, domain.Institution{}, ErrAlreadyHeld
	}
	just := []rune(nr.Justification)
	if len(just) > MaxJustification {
		return domain.RoleRequest{}, domain.Institution{}, domain.Errorf(domain.EINVALID, "신청 사유는 %d자 이내로 입력하세요.", MaxJustification)
	}
	req := domain.RoleRequest{
		UserID:                nr.Applicant.ID,
		RoleID:                role.ID,
		ApproverInstitutionID: approver.ID,
		Status:                domain.RequestPending,
		Justification:         string(just),
		CreatedAt:             now,
	}
	if err := q.CreateRequest(ctx, &req); errors.Is(err, store.ErrAlreadyExists) {
		return domain.RoleRequest{}, domain.Institution{}, ErrAlreadyPending
	} else if err != nil {
		return domain.RoleRequest{}, domain.Institution{}, err
	}
	detail := map[string]any{"role": role.Code, "approver_institution": approver.Code}
	if outside {
		detail["outside_jurisdiction"] = true
	}
	if err := audit.Log(ctx, q, a, "request.create", "request", req.ID, detail, now); err != nil {
		return domain.RoleRequest{}, domain.Institution{}, err
	}
	if err := nr.Notices.requestCreated(ctx, q, req, role, now); err != nil {
		return domain.RoleRequest{}, domain.Institution{}, err
	}
	return req, approver, nil
}
