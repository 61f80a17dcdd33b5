// Package privacy holds the portal's personal-data rules: withdrawal
// (탈퇴), which deletes a user's personal data at once, as the consent text
// promises; the personal-data export, everything the portal holds about a
// user as JSON; and the inactivity rules, which warn and then lock
// accounts left unused. It knows nothing of HTTP. See docs/privacy.md.
package privacy

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

// Day is 24 hours, the unit of the configuration.
const Day = 24 * time.Hour

// Config sets the retention and inactivity periods.
type Config struct {
	// LoginIDHold is how long the login ID of a withdrawn account stays
	// taken (default 365 days); then the janitor frees it.
	LoginIDHold time.Duration
	// InactiveAfter locks an account without a login for this long
	// (default 365 days; negative turns the inactivity rules off).
	// InactiveWarn is how long before the lock the user is warned by
	// e-mail (default 30 days); the lock comes no sooner than InactiveWarn
	// after the warning.
	InactiveAfter time.Duration
	InactiveWarn  time.Duration
	// Mail, when set, e-mails the warnings through the outbox; without it
	// warnings are only recorded and audited.
	Mail *notify.Site
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.LoginIDHold <= 0 {
		c.LoginIDHold = 365 * Day
	}
	if c.InactiveAfter == 0 {
		c.InactiveAfter = 365 * Day
	}
	if c.InactiveWarn <= 0 {
		c.InactiveWarn = 30 * Day
	}
	if c.InactiveAfter > 0 && c.InactiveWarn >= c.InactiveAfter {
		c.InactiveWarn = c.InactiveAfter / 2
	}
	return c
}

// WithdrawReason is the reason recorded on the grants a withdrawal ends
// and the requests it cancels.
const WithdrawReason = "탈퇴"

// Refusals of a withdrawal.
var (
	ErrWithdrawn  = domain.Errorf(domain.ECONFLICT, "이미 탈퇴한 계정입니다.")
	ErrNotOwnCert = domain.Errorf(domain.EFORBIDDEN,
		"이 계정에 등록된 현재 인증서로 서명해야 탈퇴할 수 있습니다. 로그인에 사용하는 인증서를 선택하세요.")
)

// Withdrawal counts what a withdrawal ended.
type Withdrawal struct {
	GrantsEnded           int `json:"grants_ended"`
	RequestsCancelled     int `json:"requests_cancelled"`
	CertRequestsCancelled int `json:"cert_requests_cancelled"`
}

// Withdraw withdraws user userID, who confirmed by signing with the
// certificate whose key hash is keyHash; it must be one of the account's
// current certificates. Run it inside store.InTx: in the caller's one
// transaction it ends every grant and cancels every pending request
// (reason 탈퇴), deletes the sessions and certificate rows, blanks the
// name, phones and e-mail on the account and the personal data kept
// elsewhere (store.Queries.EraseUserData), marks the account withdrawn,
// and writes the audit event, which names the user by ID and pseudonym
// only. The account row stays, with its login ID, until the janitor frees
// the ID after Config.LoginIDHold.
func Withdraw(ctx context.Context, q store.Queries, userID int64, keyHash []byte, actor audit.Actor, now time.Time) (Withdrawal, error) {
	var w Withdrawal
	u, err := q.GetUser(ctx, userID)
	if err != nil {
		return w, err
	}
	if u.Status == domain.UserWithdrawn {
		return w, ErrWithdrawn
	}
	c, err := q.GetCertificateByKeyHash(ctx, keyHash)
	if errors.Is(err, store.ErrNotFound) || err == nil && (c.UserID != u.ID || !c.Current()) {
		return w, ErrNotOwnCert
	} else if err != nil {
		return w, err
	}

	grants, err := allGrants(ctx, q, u.ID)
	if err != nil {
		return w, err
	}
	for _, g := range grants {
		if !g.RevokedAt.IsZero() {
			continue
		}
		if err := q.RevokeGrant(ctx, g.ID, u.ID, WithdrawReason, now); err != nil {
			return w, fmt.Errorf("withdraw: end grant %d: %w", g.ID, err)
		}
		if err := audit.Log(ctx, q, actor, "grant.revoke", "grant", g.ID,
			map[string]any{"role": g.RoleID, "why": "withdrawal"}, now); err != nil {
			return w, err
		}
		w.GrantsEnded++
	}
	for {
		reqs, _, err := q.ListRequests(ctx, store.RequestFilter{UserID: u.ID, Status: domain.RequestPending, Page: store.Page{Limit: store.MaxLimit}})
		if err != nil {
			return w, err
		}
		for _, r := range reqs {
			if _, err := q.DecideRequest(ctx, r.ID, domain.RequestCancelled, u.ID, WithdrawReason, now); err != nil {
				return w, fmt.Errorf("withdraw: cancel request %d: %w", r.ID, err)
			}
			if err := audit.Log(ctx, q, actor, "request.cancel", "request", r.ID, map[string]any{"why": "withdrawal"}, now); err != nil {
				return w, err
			}
			w.RequestsCancelled++
		}
		if len(reqs) < store.MaxLimit {
			break
		}
	}
	crs, _, err := q.ListCertRequests(ctx, domain.CertRequestFilter{UserID: u.ID, Status: domain.CertRequestPending})
	if err != nil {
		return w, err
	}
	for _, r := range crs {
		if _, err := q.DecideCertRequest(ctx, r.ID, domain.CertRequestCancelled, u.ID, WithdrawReason, now); err != nil {
			return w, fmt.Errorf("withdraw: cancel certificate request %d: %w", r.ID, err)
		}
		if err := audit.Log(ctx, q, actor, "cert_request.cancel", "cert_request", r.ID, map[string]any{"why": "withdrawal"}, now); err != nil {
			return w, err
		}
		w.CertRequestsCancelled++
	}

	if err := q.EraseUserData(ctx, u.ID, u.Email); err != nil {
		return w, err
	}
	u.Name, u.Mobile, u.OfficePhone, u.Email = "", "", "", ""
	u.Status, u.WithdrawnAt, u.UpdatedAt, u.MustReregisterCert = domain.UserWithdrawn, now, now, false
	if err := q.UpdateUser(ctx, &u); err != nil {
		return w, err
	}
	err = audit.Log(ctx, q, actor, "user.withdraw", "user", u.ID, map[string]any{
		"grants_ended": w.GrantsEnded, "requests_cancelled": w.RequestsCancelled,
		"cert_requests_cancelled": w.CertRequestsCancelled,
	}, now)
	return w, err
}

// allGrants returns every grant of a user, revoked ones included.
func allGrants(ctx context.Context, q store.Queries, userID int64) ([]domain.Grant, error) {
	var out []domain.Grant
	for off := 0; ; off += store.MaxLimit {
		gs, err := q.ListGrants(ctx, store.GrantFilter{UserID: userID, Page: store.Page{Offset: off, Limit: store.MaxLimit}})
		if err != nil {
			return nil, err
		}
		out = append(out, gs...)
		if len(gs) < store.MaxLimit {
			return out, nil
		}
	}
}
