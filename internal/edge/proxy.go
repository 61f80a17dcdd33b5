package edge

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Proxies is the set of peers whose X-Forwarded-For and X-Forwarded-Proto
// headers are believed: the reverse proxies or load balancers in front of
// gwanmun. The zero value trusts no one: the TCP peer is the client.
type Proxies struct {
	nets []netip.Prefix
}

// ParseProxies parses a comma-separated list of IP addresses and CIDR
// prefixes ("10.0.0.1, 192.168.0.0/24, ::1"); an empty list trusts no one.
func ParseProxies(list string) (Proxies, error) {
	var p Proxies
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			pf, err := netip.ParsePrefix(f)
			if err != nil {
				return Proxies{}, fmt.Errorf("trusted proxies: %q is not an IP address or CIDR prefix", f)
			}
			p.nets = append(p.nets, pf.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return Proxies{}, fmt.Errorf("trusted proxies: %q is not an IP address or CIDR prefix", f)
		}
		a = a.Unmap()
		p.nets = append(p.nets, netip.PrefixFrom(a, a.BitLen()))
	}
	return p, nil
}

// String lists the trusted prefixes, comma-separated.
func (p Proxies) String() string {
	s := make([]string, len(p.nets))
	for i, n := range p.nets {
		s[i] = n.String()
	}
	return strings.Join(s, ",")
}

// Empty reports whether no proxy is trusted.
func (p Proxies) Empty() bool { return len(p.nets) == 0 }

// Trusted reports whether a is a trusted proxy.
func (p Proxies) Trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, n := range p.nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// Client is what the edge knows of a request's client.
type Client struct {
	// Addr is the client's address: the TCP peer, or when the peer is a
	// trusted proxy the rightmost address of X-Forwarded-For that is not
	// a trusted proxy (addresses left of it may be made up by the client).
	Addr string
	// HTTPS reports whether the client used https: a TLS connection, or a
	// trusted proxy's X-Forwarded-Proto of its own hop.
	HTTPS bool
	// Proxied reports whether Addr came from a trusted proxy's header.
	Proxied bool
}

// ClientOf returns the client of a request from the peer remoteAddr
// (host:port or a bare address) with the X-Forwarded-For and
// X-Forwarded-Proto header values given (each may be repeated), over TLS
// or not.
func (p Proxies) ClientOf(remoteAddr string, forwardedFor, forwardedProto []string, tls bool) Client {
	peer, ok := parseHost(remoteAddr)
	c := Client{Addr: hostOnly(remoteAddr), HTTPS: tls}
	if !ok || !p.Trusted(peer) {
		return c
	}
	c.Addr = peer.String()
	// Every hop appends; read from the right, skipping trusted proxies.
	var hops []string
	for _, v := range forwardedFor {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHost(strings.TrimSpace(hops[i]))
		if !ok {
			break // not an address: nothing left of it can be believed
		}
		c.Addr, c.Proxied = a.String(), true
		if !p.Trusted(a) {
			break
		}
	}
	// The proxy that talks to gwanmun says how its client reached it.
	if len(forwardedProto) > 0 {
		protos := strings.Split(forwardedProto[len(forwardedProto)-1], ",")
		c.HTTPS = strings.EqualFold(strings.TrimSpace(protos[len(protos)-1]), "https")
	}
	return c
}

// parseHost parses an address with or without port or brackets.
func parseHost(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return a.Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}

// hostOnly returns the host of a host:port peer address, unchanged when
// it has no port.
func hostOnly(remoteAddr string) string {
	if a, ok := parseHost(remoteAddr); ok {
		return a.String()
	}
	if h, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return h
	}
	return remoteAddr
}
