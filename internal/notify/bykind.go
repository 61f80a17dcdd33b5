package notify

import (
	"context"
	"errors"
	"strings"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// ByKind delivers each outbox message through the Mailer of the longest
// Routes prefix of its Kind (e.g. "sso." for the back-channel logouts the
// sso package POSTs to systems), else through Default. Without a Default,
// unrouted messages fail permanently.
type ByKind struct {
	Default Mailer
	Routes  map[string]Mailer
}

func (b ByKind) Send(ctx context.Context, m domain.OutboxMessage) error {
	var best string
	var to Mailer
	for p, r := range b.Routes {
		if strings.HasPrefix(m.Kind, p) && len(p) >= len(best) {
			best, to = p, r
		}
	}
	if to == nil {
		to = b.Default
	}
	if to == nil {
		return &PermanentError{Err: errors.New("no sender for kind " + m.Kind)}
	}
	return to.Send(ctx, m)
}
