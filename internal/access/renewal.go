package access

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/notify"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Grant renewal (권한 연장, issue 18). A grant with a lifetime tells its
// holder, by e-mail and on 메뉴보기 and 권한/부가정보, some days before it
// lapses (RenewalConfig). The holder's [연장 신청] is a role request for
// the same role, routed to the institution that approved the grant and
// linked to it (store.CreateRenewal); it appears in that institution's
// inbox marked as a renewal, with the grant's history. Approved before the
// grant lapses, the grant's expiry moves on by the role's lifetime from
// the old expiry (no gap, no new grant); rejected, or undecided when the
// grant lapses, the grant lapses as any other and the sweep tells the
// holder why. One pending renewal per grant: the store's one pending
// request per user and role.

// RenewalConfig sets when holders are told that a grant lapses.
type RenewalConfig struct {
	// NoticeDays are the days before the expiry on which the holder is
	// told (default 30 and 7). The largest is also how early a renewal
	// may be asked for.
	NoticeDays []int
	// RoleNoticeDays overrides NoticeDays for the roles with these codes.
	RoleNoticeDays map[string][]int
}

// DaysFor returns the notice days of a role, largest first.
func (c RenewalConfig) DaysFor(role domain.Role) []int {
	days := c.NoticeDays
	if d, ok := c.RoleNoticeDays[role.Code]; ok {
		days = d
	}
	if len(days) == 0 {
		days = []int{30, 7}
	}
	out := slices.Clone(days)
	slices.Sort(out)
	slices.Reverse(out)
	return slices.DeleteFunc(slices.Compact(out), func(d int) bool { return d <= 0 })
}

// window is the longest notice period of any role.
func (c RenewalConfig) window() int {
	w := 30
	for _, d := range c.NoticeDays {
		w = max(w, d)
	}
	for _, ds := range c.RoleNoticeDays {
		for _, d := range ds {
			w = max(w, d)
		}
	}
	return w
}

const day = 24 * time.Hour

// DaysLeft is the whole days from now until t, rounded up.
func DaysLeft(t, now time.Time) int {
	return int((t.Sub(now) + day - 1) / day)
}

// Errors of renewal that the holder reads.
var (
	ErrRenewalNotFound   = domain.Errorf(domain.ENOTFOUND, "연장할 권한을 찾을 수 없습니다. 본인이 보유한 권한만 연장 신청할 수 있습니다.")
	ErrRenewalLapsed     = domain.Errorf(domain.ECONFLICT, "이미 만료되었거나 회수된 권한은 연장할 수 없습니다. 권한/부가정보에서 다시 신청하세요.")
	ErrRenewalNoLifetime = domain.Errorf(domain.EINVALID, "사용 기간이 정해지지 않은 권한이므로 연장할 필요가 없습니다.")
	ErrRenewalPending    = domain.Errorf(domain.ECONFLICT, "이미 연장 신청 중인 권한입니다. 승인기관의 결정을 기다리세요.")
	ErrRenewalInactive   = domain.Errorf(domain.EFORBIDDEN, "잠겼거나 탈퇴한 계정은 연장 신청을 할 수 없습니다.")
)

// errRenewalTooEarly says from when a renewal may be asked.
func errRenewalTooEarly(from time.Time) error {
	return domain.Errorf(domain.EINVALID, "연장 신청은 만료 %s부터 할 수 있습니다.", from.In(kst).Format("2006-01-02"))
}

var kst = time.FixedZone("KST", 9*3600)

// RenewalApprover returns the institution that decides a renewal of g:
// the one that approved the grant's request, or, for a grant made without
// one (by an administrator, or seeded), the one with jurisdiction over the
// holder's institution.
func RenewalApprover(ctx context.Context, q store.Queries, g domain.Grant, holder domain.User, role domain.Role) (domain.Institution, error) {
	if g.RequestID != 0 {
		orig, err := q.GetRequest(ctx, g.RequestID)
		if err != nil {
			return domain.Institution{}, err
		}
		return q.GetInstitution(ctx, orig.ApproverInstitutionID)
	}
	inst, err := q.GetInstitution(ctx, holder.InstitutionID)
	if err != nil {
		return domain.Institution{}, err
	}
	return ApprovingInstitution(ctx, q, inst, role.ApproverKind)
}

// RequestRenewal records the holder's renewal request of their grant
// inside q (call it in a transaction), with its audit event and the
// approvers' e-mail.
func RequestRenewal(ctx context.Context, q store.Queries, actor domain.User, clientAddr string, grantID int64, cfg RenewalConfig, n *Notices, now time.Time) (domain.RoleRequest, error) {
	g, err := q.GetGrant(ctx, grantID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && g.UserID != actor.ID) {
		return domain.RoleRequest{}, ErrRenewalNotFound
	} else if err != nil {
		return domain.RoleRequest{}, err
	}
	if actor.Status != domain.UserActive && actor.Status != domain.UserPending {
		return domain.RoleRequest{}, ErrRenewalInactive
	}
	if !g.Active(now) {
		return domain.RoleRequest{}, ErrRenewalLapsed
	}
	if g.ExpiresAt.IsZero() {
		return domain.RoleRequest{}, ErrRenewalNoLifetime
	}
	role, err := q.GetRole(ctx, g.RoleID)
	if err != nil {
		return domain.RoleRequest{}, err
	}
	if !role.RetiredAt.IsZero() {
		return domain.RoleRequest{}, ErrRenewalNotFound
	}
	days := cfg.DaysFor(role)
	if len(days) > 0 {
		if from := g.ExpiresAt.Add(-time.Duration(days[0]) * day); now.Before(from) {
			return domain.RoleRequest{}, errRenewalTooEarly(from)
		}
	}
	approver, err := RenewalApprover(ctx, q, g, actor, role)
	if errors.Is(err, store.ErrNotFound) {
		return domain.RoleRequest{}, domain.Errorf(domain.ECONFLICT, "이 권한을 승인할 기관을 찾을 수 없습니다. 고객센터에 문의하세요.")
	} else if err != nil {
		return domain.RoleRequest{}, err
	}
	req := domain.RoleRequest{
		UserID: actor.ID, RoleID: role.ID, ApproverInstitutionID: approver.ID, Status: domain.RequestPending,
		Justification: "권한 연장 신청", CreatedAt: now,
	}
	if err := q.CreateRequest(ctx, &req); errors.Is(err, store.ErrAlreadyExists) {
		return domain.RoleRequest{}, ErrRenewalPending
	} else if err != nil {
		return domain.RoleRequest{}, err
	}
	if err := q.CreateRenewal(ctx, &domain.Renewal{RequestID: req.ID, GrantID: g.ID, GrantExpiresAt: g.ExpiresAt, CreatedAt: now}); err != nil {
		return domain.RoleRequest{}, err
	}
	if err := audit.Log(ctx, q, audit.Actor{UserID: actor.ID, Pseudonym: actor.Pseudonym, ClientAddr: clientAddr},
		"grant.renew_request", "request", req.ID,
		map[string]any{"grant": g.ID, "role": role.Code, "approver_institution": approver.Code}, now); err != nil {
		return domain.RoleRequest{}, err
	}
	return req, n.requestCreated(ctx, q, req, role, now)
}

// approveRenewal extends the grant a renewal request renews, when req is
// one (ok). The grant must still be in force and expire when the renewal
// was asked: a renewal decided after the grant lapsed is refused.
func approveRenewal(ctx context.Context, q store.Queries, a audit.Actor, req domain.RoleRequest, role domain.Role, now time.Time) (*domain.Grant, bool, error) {
	links, err := q.RenewalsOf(ctx, []int64{req.ID})
	if err != nil {
		return nil, false, err
	}
	rn, ok := links[req.ID]
	if !ok {
		return nil, false, nil
	}
	g, err := q.GetGrant(ctx, rn.GrantID)
	if err != nil {
		return nil, true, err
	}
	if !g.Active(now) || !g.ExpiresAt.Equal(rn.GrantExpiresAt) {
		return nil, true, domain.Errorf(domain.ECONFLICT, "연장하려는 권한이 이미 만료되었거나 회수되어 연장할 수 없습니다.")
	}
	life := role.GrantLifetime
	if life <= 0 {
		life = g.ExpiresAt.Sub(g.GrantedAt)
	}
	to := g.ExpiresAt.Add(life)
	if err := q.ExtendGrant(ctx, g.ID, g.ExpiresAt, to); err != nil {
		return nil, true, err
	}
	if err := audit.Log(ctx, q, a, "grant.renew", "grant", g.ID,
		map[string]any{"role": role.Code, "request": req.ID, "from": g.ExpiresAt.UTC().Format(time.RFC3339), "to": to.UTC().Format(time.RFC3339)}, now); err != nil {
		return nil, true, err
	}
	g.ExpiresAt = to
	return &g, true, nil
}

// renewalLapsed runs in the transaction that revokes a lapsed grant: a
// renewal still pending expires, and the holder is told why the grant
// lapsed.
func renewalLapsed(ctx context.Context, q store.Queries, n *Notices, g domain.Grant, now time.Time) error {
	rns, err := q.GrantRenewals(ctx, g.ID)
	if err != nil {
		return err
	}
	why := "사용 기간이 끝났습니다. 만료일까지 연장 신청이 없었습니다."
	var approver string
	for _, rn := range rns {
		if !rn.GrantExpiresAt.Equal(g.ExpiresAt) {
			continue
		}
		req, err := q.GetRequest(ctx, rn.RequestID)
		if err != nil {
			return err
		}
		if inst, err := q.GetInstitution(ctx, req.ApproverInstitutionID); err == nil {
			approver = inst.Name
		}
		switch req.Status {
		case domain.RequestPending:
			if _, err := q.DecideRequest(ctx, req.ID, domain.RequestExpired, 0, "권한 만료일까지 처리되지 않음", now); err != nil {
				return err
			}
			if err := audit.Log(ctx, q, audit.System, "request.expire", "request", req.ID, map[string]any{"renewal_of": g.ID}, now); err != nil {
				return err
			}
			why = fmt.Sprintf("연장 신청이 만료일까지 승인기관(%s)에서 처리되지 않았습니다.", approver)
		case domain.RequestRejected:
			why = fmt.Sprintf("연장 신청이 승인기관(%s)에서 반려되었습니다. 반려 사유: %s", approver, req.Reason)
		case domain.RequestCancelled:
			why = "연장 신청을 취소하셨습니다."
		case domain.RequestExpired:
			why = "연장 신청이 만료일까지 처리되지 않았습니다."
		}
		break
	}
	if n == nil {
		return nil
	}
	holder, role, sys, err := grantParts(ctx, q, g)
	if err != nil {
		return err
	}
	if holder.Status != domain.UserActive && holder.Status != domain.UserPending {
		return nil
	}
	msgs, err := notify.GrantLapsed(n.Site, notify.Recipient{Name: holder.Name, Email: holder.Email},
		notify.Grant{SystemName: sys.Name, RoleName: role.Name, ApproverInstitution: approver, ExpiresAt: g.ExpiresAt}, why)
	if err != nil {
		return err
	}
	return enqueue(ctx, q, msgs, now)
}

func grantParts(ctx context.Context, q store.Queries, g domain.Grant) (domain.User, domain.Role, domain.System, error) {
	holder, err := q.GetUser(ctx, g.UserID)
	if err != nil {
		return holder, domain.Role{}, domain.System{}, err
	}
	role, err := q.GetRole(ctx, g.RoleID)
	if err != nil {
		return holder, role, domain.System{}, err
	}
	sys, err := q.GetSystem(ctx, role.SystemID)
	return holder, role, sys, err
}

// ExpiringGrant is a grant of the user that lapses within its role's
// notice period, as 메뉴보기 and 권한/부가정보 show it.
type ExpiringGrant struct {
	Grant    domain.Grant
	Role     domain.Role
	System   domain.System
	DaysLeft int
	// Pending is the renewal request waiting for a decision, if any.
	Pending *domain.RoleRequest
	// Approver decides the renewal.
	Approver domain.Institution
}

// ExpiringGrants returns the user's grants in force at now that lapse
// within their role's notice period, soonest first.
func ExpiringGrants(ctx context.Context, q store.Queries, u domain.User, cfg RenewalConfig, now time.Time) ([]ExpiringGrant, error) {
	grants, err := q.ListGrants(ctx, store.GrantFilter{UserID: u.ID, ActiveAt: now})
	if err != nil {
		return nil, err
	}
	var out []ExpiringGrant
	for _, g := range grants {
		if g.ExpiresAt.IsZero() {
			continue
		}
		role, err := q.GetRole(ctx, g.RoleID)
		if err != nil {
			return nil, err
		}
		days := cfg.DaysFor(role)
		if len(days) == 0 || g.ExpiresAt.After(now.Add(time.Duration(days[0])*day)) {
			continue
		}
		sys, err := q.GetSystem(ctx, role.SystemID)
		if err != nil {
			return nil, err
		}
		e := ExpiringGrant{Grant: g, Role: role, System: sys, DaysLeft: DaysLeft(g.ExpiresAt, now)}
		if e.Pending, err = pendingRenewal(ctx, q, g); err != nil {
			return nil, err
		}
		if e.Approver, err = RenewalApprover(ctx, q, g, u, role); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b ExpiringGrant) int { return a.Grant.ExpiresAt.Compare(b.Grant.ExpiresAt) })
	return out, nil
}

// pendingRenewal returns the pending renewal request of g's current
// expiry, or nil.
func pendingRenewal(ctx context.Context, q store.Queries, g domain.Grant) (*domain.RoleRequest, error) {
	rns, err := q.GrantRenewals(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	for _, rn := range rns {
		if !rn.GrantExpiresAt.Equal(g.ExpiresAt) {
			continue
		}
		req, err := q.GetRequest(ctx, rn.RequestID)
		if err != nil {
			return nil, err
		}
		if req.Status == domain.RequestPending {
			return &req, nil
		}
	}
	return nil, nil
}

// RenewalInfo is what the approver's inbox shows of a renewal request:
// the grant it renews and its history.
type RenewalInfo struct {
	Grant domain.Grant
	// Renewed counts the earlier approved renewals of the grant.
	Renewed int
}

// RenewalsInfo returns, for the renewal requests among reqIDs, the grant
// they renew and how often it was renewed before.
func RenewalsInfo(ctx context.Context, q store.Queries, reqIDs []int64) (map[int64]RenewalInfo, error) {
	links, err := q.RenewalsOf(ctx, reqIDs)
	if err != nil || len(links) == 0 {
		return nil, err
	}
	out := make(map[int64]RenewalInfo, len(links))
	for id, rn := range links {
		g, err := q.GetGrant(ctx, rn.GrantID)
		if err != nil {
			return nil, err
		}
		all, err := q.GrantRenewals(ctx, g.ID)
		if err != nil {
			return nil, err
		}
		info := RenewalInfo{Grant: g}
		for _, other := range all {
			if other.RequestID == id || !other.CreatedAt.Before(rn.CreatedAt) {
				continue
			}
			if r, err := q.GetRequest(ctx, other.RequestID); err == nil && r.Status == domain.RequestApproved {
				info.Renewed++
			} else if err != nil {
				return nil, err
			}
		}
		out[id] = info
	}
	return out, nil
}

// RenewalNotices e-mails the holders of grants that lapse within their
// role's notice period, once per grant, expiry and notice day (the
// smallest notice day reached), skipping grants with a renewal pending.
// It returns how many notices it recorded.
func RenewalNotices(ctx context.Context, st store.Store, cfg RenewalConfig, n *Notices, now time.Time) (int, error) {
	by := now.Add(time.Duration(cfg.window()) * day)
	roles := map[int64]domain.Role{}
	sent := 0
	after, afterID := now, int64(0)
	for range sweepBatches {
		grants, err := st.ListGrantsExpiring(ctx, after, by, afterID, store.MaxLimit)
		if err != nil {
			return sent, err
		}
		for _, g := range grants {
			after, afterID = g.ExpiresAt, g.ID
			role, ok := roles[g.RoleID]
			if !ok {
				if role, err = st.GetRole(ctx, g.RoleID); err != nil {
					return sent, err
				}
				roles[g.RoleID] = role
			}
			d := noticeDay(cfg.DaysFor(role), g.ExpiresAt, now)
			if d == 0 {
				continue
			}
			did := false
			err := st.InTx(ctx, func(q store.Queries) error {
				did = false
				if p, err := pendingRenewal(ctx, q, g); err != nil || p != nil {
					return err
				}
				holder, role, sys, err := grantParts(ctx, q, g)
				if err != nil || (holder.Status != domain.UserActive && holder.Status != domain.UserPending) {
					return err
				}
				fresh, err := q.MarkExpiryNotice(ctx, domain.NoticeGrantExpiry, g.ID, g.ExpiresAt, d, now)
				if err != nil || !fresh {
					return err
				}
				did = true
				if err := audit.Log(ctx, q, audit.System, "grant.expiry_notice", "grant", g.ID,
					map[string]any{"role": role.Code, "days": d}, now); err != nil {
					return err
				}
				if n == nil {
					return nil
				}
				appr, err := RenewalApprover(ctx, q, g, holder, role)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				msgs, err := notify.GrantExpiring(n.Site, notify.Recipient{Name: holder.Name, Email: holder.Email},
					notify.Grant{SystemName: sys.Name, RoleName: role.Name, ApproverInstitution: appr.Name, ExpiresAt: g.ExpiresAt},
					DaysLeft(g.ExpiresAt, now))
				if err != nil {
					return err
				}
				return enqueue(ctx, q, msgs, now)
			})
			if err != nil {
				return sent, err
			}
			if did {
				sent++
			}
		}
		if len(grants) < store.MaxLimit {
			break
		}
	}
	return sent, nil
}

// noticeDay returns the smallest of days (largest first) whose notice
// period the expiry at is within at now, or 0.
func noticeDay(days []int, at, now time.Time) int {
	d := 0
	for _, x := range days {
		if !at.After(now.Add(time.Duration(x) * day)) {
			d = x
		}
	}
	return d
}
