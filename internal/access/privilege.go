package access

import (
	"context"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// CodeConfirmRequired is the error code of an action that widens a
// privilege without a fresh certificate signature (the step-up 본인 확인)
// by the actor.
const CodeConfirmRequired = "confirm_required"

// ErrConfirmRequired refuses such an action.
var ErrConfirmRequired = domain.Errorf(CodeConfirmRequired, "관리자·승인자 권한을 부여하려면 본인 확인이 필요합니다. 공동인증서로 다시 서명한 뒤 5분 안에 처리하세요.")

// Privileged reports whether holding role gives power over others: an
// administration role, or the approver role of some active role (its
// holders decide who gets that role). Granting such a role, directly or
// by approving a request, needs the actor's fresh signature.
func Privileged(ctx context.Context, q store.Queries, role domain.Role) (bool, error) {
	if role.Admin {
		return true, nil
	}
	roles, err := q.ListRoles(ctx, 0)
	if err != nil {
		return false, err
	}
	for _, r := range roles {
		if r.ApproverRoleID == role.ID && r.RetiredAt.IsZero() {
			return true, nil
		}
	}
	return false, nil
}

// NeedsPersonal reports whether holders of role must use a personal
// certificate: roles that handle personal data, and every administration
// role (an administrator reads and changes other people's accounts).
func NeedsPersonal(role domain.Role) bool { return role.NeedsPersonalCert || role.Admin }

// HasPersonalCert reports whether the user has a current, unexpired
// personal certificate: the condition for granting a role that
// NeedsPersonal, on every path that creates a grant.
func HasPersonalCert(ctx context.Context, q store.Queries, userID int64, now time.Time) (bool, error) {
	return hasPersonalCert(ctx, q, userID, now)
}
