package access

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Scope is what an actor may decide: the roles whose requests reach their
// own institution, and the roles and institutions of requests escalated to
// them as province administrator.
type Scope struct {
	Institution domain.Institution
	Direct      []int64 // roles decided at the actor's institution
	Escalated   []int64 // roles of escalated requests the actor may decide
	Centres     []int64 // approving institutions under the actor's province (nil: all, for national admins)
	National    bool
}

// Any reports whether the actor decides anything at all.
func (s Scope) Any() bool { return len(s.Direct) > 0 || len(s.Escalated) > 0 || s.National }

// ScopeOf returns the actor's scope at now.
func ScopeOf(ctx context.Context, q store.Queries, actor domain.User, now time.Time) (Scope, error) {
	var sc Scope
	if actor.Status != domain.UserActive {
		return sc, nil
	}
	held, err := Held(ctx, q, actor.ID, now)
	if err != nil || len(held) == 0 {
		return sc, err
	}
	inst, err := q.GetInstitution(ctx, actor.InstitutionID)
	if err != nil {
		return sc, err
	}
	sc.Institution = inst
	roles, err := q.ListRoles(ctx, 0)
	if err != nil {
		return sc, err
	}
	byID := make(map[int64]domain.Role, len(roles))
	for _, r := range roles {
		byID[r.ID] = r
	}
	for _, r := range roles {
		if r.ApproverRoleID == 0 {
			continue
		}
		if _, ok := held[r.ApproverRoleID]; ok && r.ApproverKind == inst.Kind {
			sc.Direct = append(sc.Direct, r.ID)
		}
		if up := byID[r.ApproverRoleID].ApproverRoleID; up != 0 {
			if _, ok := held[up]; ok && inst.Kind == domain.KindProvince {
				sc.Escalated = append(sc.Escalated, r.ID)
			}
		}
	}
	if sc.National, err = IsNationalAdmin(ctx, q, actor, held); err != nil {
		return sc, err
	}
	if len(sc.Escalated) > 0 && !sc.National {
		// Every institution below the province that approves requests.
		list, _, err := q.ListInstitutions(ctx, store.InstitutionFilter{Kind: domain.KindHealthCentre, ParentID: inst.ID, Page: store.Page{Limit: store.MaxLimit}})
		if err != nil {
			return sc, err
		}
		for _, c := range list {
			sc.Centres = append(sc.Centres, c.ID)
		}
	}
	return sc, nil
}

// InboxFilter selects requests in an approver's inbox or history.
type InboxFilter struct {
	Status    domain.RequestStatus // pending for the inbox; any for history
	RoleID    int64
	From, To  time.Time
	Applicant string // part of the applicant's name or login ID, any case
	Escalated bool   // the province / national queue instead of the own institution's
	History   bool   // decided requests only (any status but pending)
	// CountCap, when positive, stops the total at CountCap+1 (see
	// store.RequestFilter).
	CountCap int
	Page     store.Page
}

// InboxItem is a request with what the approver needs to decide it.
type InboxItem struct {
	Request     domain.RoleRequest
	Role        domain.Role
	System      domain.System
	Applicant   domain.User
	Institution domain.Institution // the applicant's
	Approver    domain.Institution
	Cert        *domain.Certificate // the applicant's current certificate
	Waiting     time.Duration
	Decider     string
}

// Inbox lists the requests in the actor's scope, oldest first for pending
// ones and newest first for history, with the applicant's details.
func Inbox(ctx context.Context, q store.Queries, sc Scope, f InboxFilter, now time.Time) ([]InboxItem, int, error) {
	rf := store.RequestFilter{Status: f.Status, RoleID: f.RoleID, CreatedAfter: f.From, CreatedBefore: f.To, Page: f.Page,
		NewestFirst: f.Status != domain.RequestPending, Decided: f.History, CountCap: f.CountCap}
	switch {
	case f.Escalated && sc.National:
		rf.Escalated = true
	case f.Escalated:
		rf.Escalated, rf.RoleIDs, rf.ApproverInstitutionIDs = true, nonNil(sc.Escalated), nonNil(sc.Centres)
	default:
		rf.ApproverInstitutionID, rf.RoleIDs = sc.Institution.ID, nonNil(sc.Direct)
	}
	if rf.ApproverInstitutionID == 0 && !rf.Escalated {
		return nil, 0, nil
	}
	rf.Applicant = f.Applicant
	reqs, total, err := q.ListRequests(ctx, rf)
	if err != nil {
		return nil, 0, err
	}
	items := make([]InboxItem, 0, len(reqs))
	cache := lookups{q: q, roles: map[int64]domain.Role{}, systems: map[int64]domain.System{}, insts: map[int64]domain.Institution{}}
	if err := cache.prefetch(ctx, reqs); err != nil {
		return nil, 0, err
	}
	for _, r := range reqs {
		it, err := cache.item(ctx, r, now)
		if err != nil {
			return nil, 0, err
		}
		items = append(items, it)
	}
	return items, total, nil
}

func nonNil(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

// lookups caches the roles, systems and institutions of a page of
// requests, and holds its applicants, deciders and their current
// certificates, read for the whole page at once (prefetch).
type lookups struct {
	q       store.Queries
	roles   map[int64]domain.Role
	systems map[int64]domain.System
	insts   map[int64]domain.Institution
	users   map[int64]domain.User
	certs   map[int64]domain.Certificate
}

// prefetch reads the users, their current certificates and the
// institutions of reqs in a few statements instead of several per request.
func (l *lookups) prefetch(ctx context.Context, reqs []domain.RoleRequest) error {
	var applicants, people []int64
	for _, r := range reqs {
		applicants = append(applicants, r.UserID)
		people = append(people, r.UserID)
		if r.DeciderID != 0 {
			people = append(people, r.DeciderID)
		}
	}
	var err error
	if l.users, err = l.q.GetUsers(ctx, people); err != nil {
		return err
	}
	if l.certs, err = l.q.CurrentCertificates(ctx, applicants); err != nil {
		return err
	}
	var insts []int64
	for _, r := range reqs {
		insts = append(insts, l.users[r.UserID].InstitutionID, r.ApproverInstitutionID)
	}
	found, err := l.q.GetInstitutions(ctx, insts)
	if err != nil {
		return err
	}
	maps.Copy(l.insts, found)
	return nil
}

func (l *lookups) role(ctx context.Context, id int64) (domain.Role, error) {
	if r, ok := l.roles[id]; ok {
		return r, nil
	}
	r, err := l.q.GetRole(ctx, id)
	l.roles[id] = r
	return r, err
}

func (l *lookups) system(ctx context.Context, id int64) (domain.System, error) {
	if s, ok := l.systems[id]; ok {
		return s, nil
	}
	s, err := l.q.GetSystem(ctx, id)
	l.systems[id] = s
	return s, err
}

func (l *lookups) inst(ctx context.Context, id int64) (domain.Institution, error) {
	if in, ok := l.insts[id]; ok {
		return in, nil
	}
	in, err := l.q.GetInstitution(ctx, id)
	l.insts[id] = in
	return in, err
}

func (l *lookups) item(ctx context.Context, r domain.RoleRequest, now time.Time) (InboxItem, error) {
	it := InboxItem{Request: r, Waiting: now.Sub(r.CreatedAt)}
	var err error
	if it.Role, err = l.role(ctx, r.RoleID); err != nil {
		return it, err
	}
	if it.System, err = l.system(ctx, it.Role.SystemID); err != nil {
		return it, err
	}
	var ok bool
	if it.Applicant, ok = l.users[r.UserID]; !ok {
		return it, fmt.Errorf("applicant %d of request %d: %w", r.UserID, r.ID, store.ErrNotFound)
	}
	if it.Institution, err = l.inst(ctx, it.Applicant.InstitutionID); err != nil {
		return it, err
	}
	if it.Approver, err = l.inst(ctx, r.ApproverInstitutionID); err != nil {
		return it, err
	}
	if c, ok := l.certs[r.UserID]; ok {
		it.Cert = &c
	}
	if r.DeciderID != 0 {
		it.Decider = l.users[r.DeciderID].Name
	}
	return it, nil
}
