package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/gwanmun/gwanmun/internal/edge"
	"github.com/gwanmun/gwanmun/internal/web"
)

// edgeFlags are serve's settings for what sits in front of it and beside
// it: the trusted reverse proxies and the metrics listener
// (docs/deployment.md).
type edgeFlags struct {
	trustedProxies   string
	metricsAddr      string
	metricsTokenFile string
}

func (f *edgeFlags) registerEdge(fs *flag.FlagSet) {
	fs.StringVar(&f.trustedProxies, "trusted-proxies", env("GWANMUN_TRUSTED_PROXIES", ""),
		"comma-separated IP addresses and CIDR prefixes of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (env GWANMUN_TRUSTED_PROXIES; default none: the TCP peer is the client)")
	fs.StringVar(&f.metricsAddr, "metrics-addr", env("GWANMUN_METRICS_ADDR", ""),
		"serve /metrics on this address of its own, e.g. 127.0.0.1:9090 (env GWANMUN_METRICS_ADDR; keep it private); the public listener answers /metrics with 404 unless -metrics-token-file is given")
	fs.StringVar(&f.metricsTokenFile, "metrics-token-file", env("GWANMUN_METRICS_TOKEN_FILE", ""),
		"file holding a bearer token (at least 32 bytes) that /metrics then requires, on the metrics address and on the public listener (env GWANMUN_METRICS_TOKEN_FILE)")
}

// applyEdge sets cfg's edge settings from the flags.
func (f *edgeFlags) applyEdge(cfg *web.Config) error {
	p, err := edge.ParseProxies(f.trustedProxies)
	if err != nil {
		return err
	}
	cfg.TrustedProxies = p
	if f.metricsTokenFile != "" {
		b, err := os.ReadFile(f.metricsTokenFile)
		if err != nil {
			return fmt.Errorf("metrics token file: %w", err)
		}
		b = bytes.TrimSpace(b)
		if len(b) < 32 {
			return fmt.Errorf("metrics token file %s: %d bytes, need at least 32 (e.g. head -c 32 /dev/urandom | base64 > %s)", f.metricsTokenFile, len(b), f.metricsTokenFile)
		}
		cfg.MetricsToken = string(b)
	}
	return nil
}

// listenMetrics opens the metrics address, if one is set (nil otherwise).
func (f *edgeFlags) listenMetrics() (net.Listener, error) {
	if f.metricsAddr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", f.metricsAddr)
	if err != nil {
		return nil, fmt.Errorf("metrics address: %w", err)
	}
	return ln, nil
}

// serveMetrics serves srv's metrics on ln until ctx ends.
func serveMetrics(ctx context.Context, ln net.Listener, srv *web.Server, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", srv.MetricsHandler())
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		hs.Close()
	}()
	log.Info("metrics", "addr", ln.Addr().String())
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("metrics server", "err", err)
	}
}
