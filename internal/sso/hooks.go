package sso

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Revocation reaches the systems. Hooked wraps the portal's store so that
// the writes that end a user's access — a grant revoked (by an
// administrator, the expiry sweep, the user relinquishing it, withdrawal),
// an account locked or withdrawn, a portal session deleted — also revoke,
// in the same transaction, that user's tokens of the systems concerned and
// queue a back-channel logout (OpenID Back-Channel Logout 1.0) for each
// system that had live tokens and registered a back-channel URI. The
// packages that make those writes (access, privacy, web) need not know.
//
// Sessions that merely time out are deleted in bulk by the janitor; their
// tokens keep working until they expire or the user's access ends (each
// use checks the user and the grants again).

// LogoutKind is the outbox kind of back-channel logout messages.
const LogoutKind = domain.OutboxHTTPPrefix + "sso.backchannel_logout"

// logoutBody is an outbox message's body: whom to log out of which client.
type logoutBody struct {
	ClientID string `json:"client_id"`
	UserID   int64  `json:"user_id"`
}

// Hooked returns st with the revocation hooks. Use it for everything but
// the provider itself.
func (p *Provider) Hooked(st store.Store) store.Store { return &hookedStore{Store: st, p: p} }

type hookedStore struct {
	store.Store
	p *Provider
}

func (h *hookedStore) InTx(ctx context.Context, fn func(tx store.Queries) error) error {
	queued := false
	err := h.Store.InTx(ctx, func(tx store.Queries) error {
		return fn(&hookedQueries{Queries: tx, p: h.p, queued: &queued})
	})
	if err == nil && queued {
		h.p.wake()
	}
	return err
}

// direct runs one hooked write outside a caller's transaction.
func (h *hookedStore) direct(ctx context.Context, fn func(q *hookedQueries) error) error {
	return h.InTx(ctx, func(tx store.Queries) error { return fn(tx.(*hookedQueries)) })
}

func (h *hookedStore) RevokeGrant(ctx context.Context, id, by int64, reason string, t time.Time) error {
	return h.direct(ctx, func(q *hookedQueries) error { return q.RevokeGrant(ctx, id, by, reason, t) })
}
func (h *hookedStore) UpdateUser(ctx context.Context, u *domain.User) error {
	return h.direct(ctx, func(q *hookedQueries) error { return q.UpdateUser(ctx, u) })
}
func (h *hookedStore) DeleteSession(ctx context.Context, id string) error {
	return h.direct(ctx, func(q *hookedQueries) error { return q.DeleteSession(ctx, id) })
}
func (h *hookedStore) DeleteUserSessions(ctx context.Context, userID int64) (n int, err error) {
	err = h.direct(ctx, func(q *hookedQueries) error { n, err = q.DeleteUserSessions(ctx, userID); return err })
	return n, err
}
func (h *hookedStore) DeleteOtherSessions(ctx context.Context, userID int64, keep string) (n int, err error) {
	err = h.direct(ctx, func(q *hookedQueries) error { n, err = q.DeleteOtherSessions(ctx, userID, keep); return err })
	return n, err
}
func (h *hookedStore) LockInactiveUser(ctx context.Context, userID int64, idleSince, t time.Time) (ok bool, err error) {
	err = h.direct(ctx, func(q *hookedQueries) error { ok, err = q.LockInactiveUser(ctx, userID, idleSince, t); return err })
	return ok, err
}
func (h *hookedStore) EraseUserData(ctx context.Context, userID int64, email string) error {
	return h.direct(ctx, func(q *hookedQueries) error { return q.EraseUserData(ctx, userID, email) })
}

type hookedQueries struct {
	store.Queries
	p      *Provider
	queued *bool
}

func (q *hookedQueries) RevokeGrant(ctx context.Context, id, by int64, reason string, t time.Time) error {
	if err := q.Queries.RevokeGrant(ctx, id, by, reason, t); err != nil {
		return err
	}
	userID, systemID, err := q.Queries.GrantOwner(ctx, id)
	if err != nil {
		return err
	}
	return q.p.endAccess(ctx, q, userID, systemID, "")
}

func (q *hookedQueries) UpdateUser(ctx context.Context, u *domain.User) error {
	if err := q.Queries.UpdateUser(ctx, u); err != nil {
		return err
	}
	if u.Status == domain.UserLocked || u.Status == domain.UserWithdrawn {
		return q.p.endAccess(ctx, q, u.ID, 0, "")
	}
	return nil
}

func (q *hookedQueries) DeleteSession(ctx context.Context, id string) error {
	se, err := q.Queries.GetSession(ctx, id)
	if err := q.Queries.DeleteSession(ctx, id); err != nil {
		return err
	}
	if err == nil {
		return q.p.endAccess(ctx, q, se.UserID, 0, id)
	}
	return nil
}

func (q *hookedQueries) DeleteUserSessions(ctx context.Context, userID int64) (int, error) {
	n, err := q.Queries.DeleteUserSessions(ctx, userID)
	if err != nil {
		return n, err
	}
	return n, q.p.endAccess(ctx, q, userID, 0, "")
}

// DeleteOtherSessions ends the tokens issued in each session it deletes
// (a certificate change, "end other sessions"); the kept session's stay.
func (q *hookedQueries) DeleteOtherSessions(ctx context.Context, userID int64, keep string) (int, error) {
	ss, err := q.Queries.ListUserSessions(ctx, userID)
	if err != nil {
		return 0, err
	}
	n, err := q.Queries.DeleteOtherSessions(ctx, userID, keep)
	if err != nil {
		return n, err
	}
	for _, se := range ss {
		if se.ID == keep {
			continue
		}
		if err := q.p.endAccess(ctx, q, userID, 0, se.ID); err != nil {
			return n, err
		}
	}
	return n, nil
}

func (q *hookedQueries) LockInactiveUser(ctx context.Context, userID int64, idleSince, t time.Time) (bool, error) {
	ok, err := q.Queries.LockInactiveUser(ctx, userID, idleSince, t)
	if err != nil || !ok {
		return ok, err
	}
	return ok, q.p.endAccess(ctx, q, userID, 0, "")
}

func (q *hookedQueries) EraseUserData(ctx context.Context, userID int64, email string) error {
	if err := q.Queries.EraseUserData(ctx, userID, email); err != nil {
		return err
	}
	return q.p.endAccess(ctx, q, userID, 0, "")
}

// endAccess revokes, through q, the live tokens of userID — those of
// systemID's client (0: every client) or of portal session sessionID ("":
// any) — unless, for a grant, the user still may enter that system, and
// queues a back-channel logout for each client that had some.
func (p *Provider) endAccess(ctx context.Context, q *hookedQueries, userID, systemID int64, sessionID string) error {
	now := p.now()
	live, err := q.Queries.ListSSOTokens(ctx, domain.SSOTokenFilter{UserID: userID, SessionID: sessionID}, now)
	if err != nil || len(live) == 0 {
		return err
	}
	done := map[string]bool{}
	for _, t := range live {
		if done[t.ClientID] {
			continue
		}
		done[t.ClientID] = true
		c, err := q.Queries.GetSSOClient(ctx, t.ClientID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		if systemID != 0 {
			if c.SystemID != systemID {
				continue
			}
			if p.mayEnterIn(ctx, q.Queries, userID, systemID, t.CertClass) {
				continue // another role of the system remains
			}
		}
		if _, err := q.Queries.RevokeSSOTokens(ctx, domain.SSOTokenFilter{UserID: userID, ClientID: c.ClientID, SessionID: sessionID}, now); err != nil {
			return err
		}
		if c.BackchannelLogoutURI == "" {
			continue
		}
		body, _ := json.Marshal(logoutBody{ClientID: c.ClientID, UserID: userID})
		m := domain.OutboxMessage{Kind: LogoutKind, Recipient: c.BackchannelLogoutURI, Subject: c.ClientID,
			Body: string(body), CreatedAt: now, NextAttemptAt: now}
		if err := q.Queries.EnqueueMail(ctx, &m); err != nil {
			return err
		}
		*q.queued = true
	}
	return nil
}

// mayEnterIn is mayEnter read through q.
func (p *Provider) mayEnterIn(ctx context.Context, q store.Queries, userID, systemID int64, class domain.CertClass) bool {
	u, err := q.GetUser(ctx, userID)
	if err != nil || u.Status == domain.UserLocked || u.Status == domain.UserWithdrawn {
		return false
	}
	roles, err := p.rolesIn(ctx, q, userID, systemID, class)
	return err == nil && len(roles) > 0
}

// wake tells the outbox dispatcher that logouts are queued.
func (p *Provider) wake() {
	if p.Wake != nil {
		p.Wake()
	}
}

// VerifyAuditChain passes the store's own audit verification through.
func (h *hookedStore) VerifyAuditChain(ctx context.Context) (int64, error) {
	if v, ok := h.Store.(interface {
		VerifyAuditChain(context.Context) (int64, error)
	}); ok {
		return v.VerifyAuditChain(ctx)
	}
	return store.VerifyAuditChain(ctx, h.Store)
}

// Unwrap returns the store without the hooks.
func (h *hookedStore) Unwrap() store.Store { return h.Store }
