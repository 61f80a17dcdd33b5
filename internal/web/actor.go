package web

import (
	"context"
	"net/http"
	"time"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/store"
)

// actorOf is the audit actor of a request: the logged-in user and the
// client address.
func actorOf(r *http.Request) audit.Actor {
	if u := userFrom(r.Context()); u != nil {
		return audit.ActorOf(*u, clientIP(r))
	}
	return audit.Actor{ClientAddr: clientIP(r)}
}

// logAudit writes an audit event for the request's actor.
func logAudit(ctx context.Context, q store.Queries, r *http.Request, action, targetType string, targetID int64, detail map[string]any, at time.Time) error {
	return audit.Log(ctx, q, actorOf(r), action, targetType, targetID, detail, at)
}
