package main

import (
	"log/slog"

	"github.com/gwanmun/gwanmun/internal/notify"
	"github.com/gwanmun/gwanmun/internal/sso"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/web"
)

// ssoDispatcher makes the outbox dispatcher also deliver the OpenID
// Connect provider's back-channel logouts (docs/sso.md), and makes one
// when no mail server is configured: systems are told whether or not
// e-mail is on. It returns nil only when the store keeps no outbox.
func ssoDispatcher(d *notify.Dispatcher, st store.Store, srv *web.Server, log *slog.Logger) *notify.Dispatcher {
	routes := map[string]notify.Mailer{sso.LogoutKind: srv.SSO().Backchannel(nil)}
	if d == nil {
		outbox, ok := st.(notify.Outbox)
		if !ok {
			return nil
		}
		d = notify.NewDispatcher(outbox, notify.ByKind{Routes: routes}, log)
	} else {
		d.Mailer = notify.ByKind{Default: d.Mailer, Routes: routes}
	}
	srv.SSO().Wake = d.Wake
	return d
}
