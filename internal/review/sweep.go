package review

import (
	"context"
	"errors"
	"time"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/notify"
	"github.com/gwanmun/gwanmun/internal/store"
)

// SweepResult counts what a sweep did.
type SweepResult struct {
	Reminded  int // reminder messages queued
	Closed    int // campaigns whose deadline action ran
	Kept      int // items kept by a deadline action
	Revoked   int // items revoked by a deadline action
	Escalated int // items escalated by a deadline action or its guard
}

// AutoRevokeNote is the note of an item the deadline revoked.
const AutoRevokeNote = "점검 마감까지 결정되지 않음"

// Sweep runs the campaigns' periodic rules at now (the janitor calls it
// every minute; tests inject the clock): reminders to reviewers who still
// have open items on a campaign's reminder days, and the deadline action
// of each campaign whose deadline passed. Several processes may sweep at
// once: a reminder day and a deadline are claimed by one conditional
// update, and only the claimer acts.
func Sweep(ctx context.Context, st store.Store, n *Notices, now time.Time) (SweepResult, error) {
	var res SweepResult
	open, _, err := st.ListReviewCampaigns(ctx, store.ReviewCampaignFilter{OpenOnly: true, Page: store.Page{Limit: store.MaxLimit}})
	if err != nil {
		return res, err
	}
	for _, c := range open {
		if c.Overdue(now) {
			if err := deadline(ctx, st, c, n, now, &res); err != nil {
				return res, err
			}
			continue
		}
		if day, ok := reminderDue(c, now); ok {
			sent, err := remind(ctx, st, c, day, n, now)
			if err != nil {
				return res, err
			}
			res.Reminded += sent
		}
	}
	return res, nil
}

// reminderDue returns the reminder day due at now, if one is and was not
// sent: the nearest of the campaign's days whose time has come (a sweep
// that missed D-7 and runs at D-3 sends D-3 only).
func reminderDue(c domain.ReviewCampaign, now time.Time) (int, bool) {
	if !c.Started(now) || c.Overdue(now) {
		return 0, false
	}
	best := 0
	for _, d := range c.ReminderDays {
		if !now.Before(c.Deadline.Add(-time.Duration(d)*24*time.Hour)) && (best == 0 || d < best) {
			best = d
		}
	}
	if best == 0 || (c.RemindedDay != 0 && c.RemindedDay <= best) {
		return 0, false
	}
	return best, true
}

// remind claims the reminder day and queues one message to every
// reviewer who still has open items, with their count, in one
// transaction. It returns how many messages it queued.
func remind(ctx context.Context, st store.Store, c domain.ReviewCampaign, day int, n *Notices, now time.Time) (int, error) {
	sent := 0
	err := st.InTx(ctx, func(q store.Queries) error {
		sent = 0
		ok, err := q.MarkReviewReminded(ctx, c.ID, day)
		if err != nil || !ok {
			return err
		}
		routes, err := q.ReviewRoutes(ctx, c.ID)
		if err != nil {
			return err
		}
		type target struct {
			user domain.User
			open int
			inst int64
		}
		targets := map[int64]*target{}
		var order []int64
		add := func(users []domain.User, open int, inst int64) {
			for _, u := range users {
				t := targets[u.ID]
				if t == nil {
					t = &target{user: u, inst: inst}
					targets[u.ID] = t
					order = append(order, u.ID)
				}
				t.open += open
			}
		}
		for _, r := range routes {
			users, err := holdersAt(ctx, q, r.ReviewerInstitutionID, r.ApproverRoleID, 0, now)
			if err != nil {
				return err
			}
			add(users, r.Open, r.ReviewerInstitutionID)
			if r.Escalated {
				admins, err := adminsAt(ctx, q, r.ProvinceID, now)
				if err != nil {
					return err
				}
				add(admins, r.Open, r.ProvinceID)
			}
		}
		if err := audit.Log(ctx, q, audit.System, "review.remind", "review_campaign", c.ID,
			map[string]any{"day": day, "reviewers": len(order)}, now); err != nil {
			return err
		}
		if n == nil {
			return nil
		}
		for _, id := range order {
			t := targets[id]
			r := notify.Review{Campaign: c.Name, Deadline: c.Deadline, OpenItems: t.open, DaysBefore: day}
			if inst, err := q.GetInstitution(ctx, t.inst); err == nil {
				r.Reviewer = inst.Name
			}
			msgs, err := notify.ReviewReminder(n.Site, []notify.Recipient{{Name: t.user.Name, Email: t.user.Email}}, r)
			if err != nil {
				return err
			}
			if err := enqueue(ctx, q, msgs, now); err != nil {
				return err
			}
			sent += len(msgs)
		}
		return nil
	})
	return sent, err
}

// deadline runs the campaign's deadline action. Closing the campaign
// claims it: one process acts. Keep and escalate are one statement each,
// in the closing transaction; revoke takes each open item in a
// transaction of its own, in order, so that the guard sees the
// revocations before it.
func deadline(ctx context.Context, st store.Store, c domain.ReviewCampaign, n *Notices, now time.Time, res *SweepResult) error {
	claimed := false
	err := st.InTx(ctx, func(q store.Queries) error {
		ok, err := q.CloseReviewCampaign(ctx, c.ID, now)
		if claimed = ok; err != nil || !ok {
			return err
		}
		detail := map[string]any{"deadline_action": string(c.DeadlineAction)}
		switch c.DeadlineAction {
		case domain.ReviewKeep:
			k, err := q.KeepOpenReviewItems(ctx, c.ID, now)
			if err != nil {
				return err
			}
			detail["kept"] = k
			res.Kept += k
		case domain.ReviewEscalate:
			e, err := q.EscalateReviewItems(ctx, c.ID, nil, now)
			if err != nil {
				return err
			}
			detail["escalated"] = e
			res.Escalated += e
		}
		return audit.Log(ctx, q, audit.System, "review.campaign.close", "review_campaign", c.ID, detail, now)
	})
	if err != nil || !claimed {
		return err
	}
	res.Closed++
	if c.DeadlineAction != domain.ReviewRevoke {
		return nil
	}
	// The roles whose last holder at an institution must stay: read once.
	roles, err := st.ListRoles(ctx, 0)
	if err != nil {
		return err
	}
	key := keyRoles(roles)
	skipped := 0
	for {
		items, _, err := st.ListReviewItems(ctx, store.ReviewItemFilter{CampaignID: c.ID, OpenOnly: true,
			Page: store.Page{Offset: skipped, Limit: store.MaxLimit}})
		if err != nil {
			return err
		}
		for _, it := range items {
			escalated := false
			err := st.InTx(ctx, func(q store.Queries) error {
				escalated = false
				last, err := lastKeyHolder(ctx, q, it, key, now)
				if err != nil {
					return err
				}
				if last {
					escalated = true
					if _, err := q.EscalateReviewItems(ctx, c.ID, []int64{it.ID}, now); err != nil {
						return err
					}
					return audit.Log(ctx, q, audit.System, "review.escalate", "review_item", it.ID,
						map[string]any{"campaign": c.ID, "why": "last_holder"}, now)
				}
				decided, err := q.DecideReviewItem(ctx, it.ID, domain.ReviewRevoked, 0, AutoRevokeNote, true, now)
				if err != nil {
					return err
				}
				if err := audit.Log(ctx, q, audit.System, "review.decide", "review_item", it.ID,
					map[string]any{"campaign": c.ID, "decision": "revoke", "automatic": true, "grant": it.GrantID}, now); err != nil {
					return err
				}
				return revoke(ctx, q, audit.System, c, decided, AutoRevokeNote, n, now)
			})
			switch {
			case errors.Is(err, store.ErrConflict):
				// decided by a reviewer meanwhile
			case err != nil:
				return err
			case escalated:
				skipped++
				res.Escalated++
			default:
				res.Revoked++
			}
		}
		if len(items) < store.MaxLimit {
			return nil
		}
	}
}

// keyRoles returns the roles whose holders an institution cannot lose
// all of: administration roles and approver roles (another current role
// names them as its approver role).
func keyRoles(roles []domain.Role) map[int64]bool {
	key := map[int64]bool{}
	for _, r := range roles {
		if r.Admin {
			key[r.ID] = true
		}
		if r.ApproverRoleID != 0 && r.RetiredAt.IsZero() {
			key[r.ApproverRoleID] = true
		}
	}
	return key
}

// lastKeyHolder reports whether revoking the item's grant would leave the
// holder's institution without an active holder of the role, when the
// role is one of key (keyRoles): the lockout the deadline must never
// cause.
func lastKeyHolder(ctx context.Context, q store.Queries, it domain.ReviewItem, key map[int64]bool, now time.Time) (bool, error) {
	if !key[it.RoleID] {
		return false, nil
	}
	holder, err := q.GetUser(ctx, it.UserID)
	if err != nil {
		return false, err
	}
	others, err := holdersAt(ctx, q, holder.InstitutionID, it.RoleID, holder.ID, now)
	return len(others) == 0, err
}

// holdersAt returns the active users of an institution, but except, who
// hold the role at now.
func holdersAt(ctx context.Context, q store.Queries, instID, roleID, except int64, now time.Time) ([]domain.User, error) {
	if instID == 0 || roleID == 0 {
		return nil, nil
	}
	users, _, err := q.ListUsers(ctx, store.UserFilter{InstitutionID: instID, Status: domain.UserActive, Page: store.Page{Limit: store.MaxLimit}})
	if err != nil {
		return nil, err
	}
	var out []domain.User
	for _, u := range users {
		if u.ID == except {
			continue
		}
		g, err := q.ListGrants(ctx, store.GrantFilter{UserID: u.ID, RoleID: roleID, ActiveAt: now, Page: store.Page{Limit: 1}})
		if err != nil {
			return nil, err
		}
		if len(g) > 0 {
			out = append(out, u)
		}
	}
	return out, nil
}

// adminsAt returns the active users of an institution who hold a current
// administration role.
func adminsAt(ctx context.Context, q store.Queries, instID int64, now time.Time) ([]domain.User, error) {
	if instID == 0 {
		return nil, nil
	}
	roles, err := q.ListRoles(ctx, 0)
	if err != nil {
		return nil, err
	}
	var out []domain.User
	seen := map[int64]bool{}
	for _, r := range roles {
		if !r.Admin || !r.RetiredAt.IsZero() {
			continue
		}
		users, err := holdersAt(ctx, q, instID, r.ID, 0, now)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if !seen[u.ID] {
				seen[u.ID] = true
				out = append(out, u)
			}
		}
	}
	return out, nil
}
