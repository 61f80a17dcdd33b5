package main

import (
	"flag"

	"github.com/gwanmun/gwanmun/internal/edge"
	"github.com/gwanmun/gwanmun/internal/web"
)

// edgeFlags are serve's settings for what sits in front of it: the
// trusted reverse proxies (docs/deployment.md).
type edgeFlags struct {
	trustedProxies string
}

func (f *edgeFlags) registerEdge(fs *flag.FlagSet) {
	fs.StringVar(&f.trustedProxies, "trusted-proxies", env("GWANMUN_TRUSTED_PROXIES", ""),
		"comma-separated IP addresses and CIDR prefixes of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (env GWANMUN_TRUSTED_PROXIES; default none: the TCP peer is the client)")
}

// applyEdge sets cfg's edge settings from the flags.
func (f *edgeFlags) applyEdge(cfg *web.Config) error {
	p, err := edge.ParseProxies(f.trustedProxies)
	if err != nil {
		return err
	}
	cfg.TrustedProxies = p
	return nil
}
