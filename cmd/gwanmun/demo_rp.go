package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/demo"
	"github.com/gwanmun/gwanmun/internal/demorp"
	"github.com/gwanmun/gwanmun/internal/sso"
	"github.com/gwanmun/gwanmun/internal/store"
)

// demoRPName is the demo relying party's title.
const demoRPName = "코로나19예방접종관리 (데모)"

// startDemoRP registers the demo's systems as OpenID Connect clients and
// serves "코로나19예방접종관리 (데모)", a relying party on its own
// loopback port (a second origin, as a real system would be), until ctx
// ends. It returns the relying party's URL.
func startDemoRP(ctx context.Context, st store.Store, baseURL, addr string, log *slog.Logger, stdout io.Writer) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("demo system: %w", err)
	}
	rpURL := "http://" + ln.Addr().String()
	p, err := sso.New(sso.Config{Issuer: baseURL + "/oidc", LoginURL: baseURL + "/sso/login"}, st)
	if err != nil {
		ln.Close()
		return "", err
	}
	by := audit.Actor{Pseudonym: "demo"}
	spec := sso.ClientSpec{ClientID: "covid19-demo", RedirectURIs: []string{rpURL + "/callback"},
		PostLogoutURIs: []string{rpURL + "/?m=out"}, BackchannelLogoutURI: rpURL + "/backchannel", InitiateLoginURI: rpURL + "/login"}
	sys, err := st.GetSystemByCode(ctx, demo.SystemCovid)
	if err != nil {
		ln.Close()
		return "", err
	}
	secret, err := registerDemoClient(ctx, p, st, by, sys.ID, spec)
	if err != nil {
		ln.Close()
		return "", fmt.Errorf("demo system's client: %w", err)
	}
	// The other seeded system is a client too (public, PKCE), without a
	// running system behind it.
	if other, err := st.GetSystemByCode(ctx, demo.SystemAutoReport); err == nil {
		if _, err := st.GetSSOClientOfSystem(ctx, other.ID); errors.Is(err, store.ErrNotFound) {
			if _, _, err := p.Register(ctx, by, other.ID, sso.ClientSpec{ClientID: "auto-report-demo", Public: true,
				RedirectURIs: []string{"http://127.0.0.1:9/callback"}}); err != nil {
				log.Warn("demo: auto-report client", "err", err)
			}
		}
	}
	// The system's menu entries lead to the demo system (its boards stay
	// the portal's).
	menus, err := st.ListMenus(ctx, sys.ID)
	if err != nil {
		ln.Close()
		return "", err
	}
	for _, m := range menus {
		if !strings.Contains(m.URL, "/board") && !strings.HasPrefix(m.URL, rpURL) {
			m.URL = rpURL + "/"
			if err := st.UpdateMenu(ctx, &m); err != nil {
				ln.Close()
				return "", err
			}
		}
	}
	rp := demorp.New(demorp.Config{Issuer: baseURL + "/oidc", ClientID: spec.ClientID, ClientSecret: secret,
		BaseURL: rpURL, Name: demoRPName, Log: log})
	srv := &http.Server{Handler: rp, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("demo system stopped", "err", err)
		}
	}()
	fmt.Fprintf(stdout, "%s: %s\n", demoRPName, rpURL)
	return rpURL, nil
}

// registerDemoClient registers the demo system's client, or, on a kept
// database, points it at this run's port and gives it a new secret.
func registerDemoClient(ctx context.Context, p *sso.Provider, st store.Store, by audit.Actor, systemID int64, spec sso.ClientSpec) (string, error) {
	if _, err := st.GetSSOClientOfSystem(ctx, systemID); errors.Is(err, store.ErrNotFound) {
		secret, _, err := p.Register(ctx, by, systemID, spec)
		return secret, err
	} else if err != nil {
		return "", err
	}
	if _, _, err := p.Update(ctx, by, systemID, spec); err != nil {
		return "", err
	}
	if err := p.SetDisabled(ctx, by, systemID, false); err != nil {
		return "", err
	}
	return p.NewClientSecret(ctx, by, systemID)
}
