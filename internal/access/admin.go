package access

import (
	"context"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// AdminScope is what an administrator administers: everything (national
// administrators) or one province's institutions and users.
type AdminScope struct {
	National bool
	// Province is the province institution of a province administrator.
	Province domain.Institution
}

// Any reports whether the user administers anything.
func (a AdminScope) Any() bool { return a.National || a.Province.ID != 0 }

// AdminScopeOf returns the user's administration scope at now: national
// for an administrator at the national agency, a province for one at a
// province institution; an administrator is an active user holding a role
// marked Admin.
func AdminScopeOf(ctx context.Context, q store.Queries, u domain.User, now time.Time) (AdminScope, error) {
	var sc AdminScope
	if u.Status != domain.UserActive {
		return sc, nil
	}
	held, err := Held(ctx, q, u.ID, now)
	if err != nil || len(held) == 0 {
		return sc, err
	}
	admin := false
	for id := range held {
		r, err := q.GetRole(ctx, id)
		if err != nil {
			return sc, err
		}
		if r.Admin && r.RetiredAt.IsZero() {
			admin = true
			break
		}
	}
	if !admin {
		return sc, nil
	}
	inst, err := q.GetInstitution(ctx, u.InstitutionID)
	if err != nil {
		return sc, err
	}
	switch inst.Kind {
	case domain.KindNational:
		sc.National = true
	case domain.KindProvince:
		sc.Province = inst
	}
	return sc, nil
}

// Covers reports whether the scope includes the institution: every one for
// national administrators, the province and everything below it for a
// province administrator.
func (a AdminScope) Covers(ctx context.Context, q store.Queries, inst domain.Institution) (bool, error) {
	if a.National {
		return true, nil
	}
	if a.Province.ID == 0 {
		return false, nil
	}
	cur := inst
	for depth := 0; depth < 16; depth++ {
		if cur.ID == a.Province.ID {
			return true, nil
		}
		if cur.ParentID == 0 {
			return false, nil
		}
		next, err := q.GetInstitution(ctx, cur.ParentID)
		if err != nil {
			return false, err
		}
		cur = next
	}
	return false, nil
}
