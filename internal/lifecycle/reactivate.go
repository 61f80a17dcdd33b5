package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/notify"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Reactivation (휴면 해제). The privacy sweep locks accounts unused for
// long (package privacy); such an account is dormant (store.DormantSince)
// and its owner may reopen it with a fresh signature of its registered,
// valid certificate: the caller verifies the signature and the
// certificate (chain, validity, revocation) and gives its key hash. The
// account becomes active again (pending if it never held a role), with
// the reopening as its last login; grants that lapsed meanwhile stay
// lapsed. An account an administrator locked is not dormant: its owner is
// told whom to call.

// Errors of Reactivate that the owner reads.
var (
	ErrReactivateNotRegistered = domain.Errorf(domain.EFORBIDDEN, "이 인증서는 계정에 등록된 인증서가 아닙니다. 가입할 때(또는 [인증서 변경]으로) 등록한 본인의 인증서로 서명하세요.")
	ErrReactivateReplaced      = domain.Errorf(domain.EFORBIDDEN, "교체되어 더 이상 쓰이지 않는 인증서입니다. 현재 등록된 인증서로 서명하세요.")
	ErrReactivateNotLocked     = domain.Errorf(domain.ECONFLICT, "잠긴 계정이 아닙니다. 공동인증서로 로그인하세요.")
)

// AdminLocked is the refusal of an account locked by an administrator:
// whom to call.
type AdminLocked struct {
	Centre domain.Institution // the health centre with jurisdiction, if any
}

func (e *AdminLocked) Error() string {
	if e.Centre.ID != 0 {
		phone := e.Centre.Phone
		if phone == "" {
			phone = "대표 전화"
		}
		return fmt.Sprintf("관리자가 잠근 계정은 직접 해제할 수 없습니다. 소속 기관의 관할 보건소(%s, %s) 또는 고객센터에 잠금 해제를 요청하세요.", e.Centre.Name, phone)
	}
	return "관리자가 잠근 계정은 직접 해제할 수 없습니다. 고객센터에 잠금 해제를 요청하세요."
}

// Reactivated is what Reactivate did.
type Reactivated struct {
	User domain.User
	Cert domain.Certificate
	// Lapsed counts the grants that lapsed while the account was locked
	// (they stay lapsed; the owner requests them again).
	Lapsed int
}

// Reactivate reopens the dormant account whose registered certificate has
// keyHash, in one transaction with its audit event and e-mail. The
// signature and certificate must be verified by the caller.
func Reactivate(ctx context.Context, st store.Store, keyHash []byte, clientAddr string, mail *Mail, now time.Time) (Reactivated, error) {
	var out Reactivated
	cert, err := st.GetCertificateByKeyHash(ctx, keyHash)
	if errors.Is(err, store.ErrNotFound) {
		return out, ErrReactivateNotRegistered
	} else if err != nil {
		return out, err
	}
	if !cert.RemovedAt.IsZero() {
		return out, ErrReactivateNotRegistered
	}
	if !cert.Current() {
		return out, ErrReactivateReplaced
	}
	err = st.InTx(ctx, func(q store.Queries) error {
		u, err := q.GetUser(ctx, cert.UserID)
		if err != nil {
			return err
		}
		switch u.Status {
		case domain.UserWithdrawn:
			return ErrReactivateNotRegistered
		case domain.UserLocked:
		default:
			return ErrReactivateNotLocked
		}
		since, err := q.DormantSince(ctx, u.ID)
		if errors.Is(err, store.ErrNotFound) {
			al := &AdminLocked{}
			if c, err := q.JurisdictionCentre(ctx, u.InstitutionID); err == nil {
				al.Centre = c
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			return al
		} else if err != nil {
			return err
		}
		all, err := q.ListGrants(ctx, store.GrantFilter{UserID: u.ID})
		if err != nil {
			return err
		}
		status := domain.UserPending
		lapsed := 0
		for _, g := range all {
			status = domain.UserActive // held a role once
			if !g.ExpiresAt.IsZero() && !g.ExpiresAt.Before(since) && !g.ExpiresAt.After(now) {
				lapsed++
			}
		}
		ok, err := q.ReopenDormant(ctx, u.ID, status, now)
		if err != nil {
			return err
		}
		if !ok {
			return ErrReactivateNotLocked // reopened meanwhile
		}
		if u, err = q.GetUser(ctx, u.ID); err != nil {
			return err
		}
		out = Reactivated{User: u, Cert: cert, Lapsed: lapsed}
		if err := audit.Log(ctx, q, audit.Actor{UserID: u.ID, Pseudonym: u.Pseudonym, ClientAddr: clientAddr}, "user.reactivate", "user", u.ID,
			map[string]any{"dormant_since": since.UTC().Format(time.RFC3339), "cert_serial": cert.Serial, "lapsed_grants": lapsed}, now); err != nil {
			return err
		}
		return mail.enqueue(ctx, q, func(site notify.Site) ([]domain.OutboxMessage, error) {
			return notify.Reactivated(site, recipient(u), since, now)
		}, now)
	})
	return out, err
}
