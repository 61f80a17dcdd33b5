package edge

import "testing"

func TestParseProxies(t *testing.T) {
	p, err := ParseProxies(" 10.0.0.1, 192.168.0.0/24,::1,, 2001:db8::/32 ")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.String(), "10.0.0.1/32,192.168.0.0/24,::1/128,2001:db8::/32"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	for _, bad := range []string{"10.0.0", "proxy.example", "10.0.0.0/33", "1.2.3.4:80"} {
		if _, err := ParseProxies(bad); err == nil {
			t.Errorf("ParseProxies(%q) accepted", bad)
		}
	}
	if p, err := ParseProxies(""); err != nil || !p.Empty() {
		t.Errorf("empty list: %v %v", p, err)
	}
}

func TestClientOf(t *testing.T) {
	p, err := ParseProxies("10.0.0.1,10.1.0.0/16")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		what          string
		remote        string
		xff, proto    []string
		tls           bool
		want          string
		https, proxed bool
	}{
		{"no proxy configured is handled by the zero value", "203.0.113.5:4000", nil, nil, false, "203.0.113.5", false, false},
		{"untrusted peer: its headers are ignored", "203.0.113.5:4000", []string{"198.51.100.1"}, []string{"https"}, false, "203.0.113.5", false, false},
		{"trusted peer: the forwarded client", "10.0.0.1:4000", []string{"198.51.100.1"}, []string{"https"}, false, "198.51.100.1", true, true},
		{"made-up hops left of the real one are ignored", "10.0.0.1:4000", []string{"1.1.1.1, 2.2.2.2, 198.51.100.1"}, nil, false, "198.51.100.1", false, true},
		{"a chain of trusted proxies is skipped", "10.0.0.1:4000", []string{"198.51.100.1, 10.1.2.3"}, nil, false, "198.51.100.1", false, true},
		{"repeated headers are one list", "10.0.0.1:4000", []string{"9.9.9.9", "198.51.100.1"}, nil, false, "198.51.100.1", false, true},
		{"junk right of the client: stop at the last address", "10.0.0.1:4000", []string{"198.51.100.1, junk"}, nil, false, "10.0.0.1", false, false},
		{"only proxies: the leftmost", "10.0.0.1:4000", []string{"10.1.0.9"}, nil, false, "10.1.0.9", false, true},
		{"trusted peer without header", "10.0.0.1:4000", nil, []string{"http"}, true, "10.0.0.1", false, false},
		{"addresses with ports and brackets", "[::ffff:10.0.0.1]:4000", []string{"[2001:db8::7]:5555"}, nil, false, "2001:db8::7", false, true},
		{"proto of the nearest proxy", "10.0.0.1:4000", []string{"198.51.100.1"}, []string{"http, https"}, false, "198.51.100.1", true, true},
		{"TLS to gwanmun itself", "203.0.113.5:4000", nil, nil, true, "203.0.113.5", true, false},
		{"bare peer address", "203.0.113.5", nil, nil, false, "203.0.113.5", false, false},
	} {
		c := p.ClientOf(tc.remote, tc.xff, tc.proto, tc.tls)
		if c.Addr != tc.want || c.HTTPS != tc.https || c.Proxied != tc.proxed {
			t.Errorf("%s: ClientOf = %+v, want addr %s https %v proxied %v", tc.what, c, tc.want, tc.https, tc.proxed)
		}
	}
	var none Proxies
	if c := none.ClientOf("10.0.0.1:1", []string{"198.51.100.1"}, []string{"https"}, false); c.Addr != "10.0.0.1" || c.HTTPS {
		t.Errorf("zero Proxies believed the headers: %+v", c)
	}
}

func FuzzClientOf(f *testing.F) {
	f.Add("10.0.0.1:4000", "1.1.1.1, 198.51.100.1", "https")
	f.Add("[::1]:1", "junk,,", "")
	p, _ := ParseProxies("10.0.0.1,::1")
	f.Fuzz(func(t *testing.T, remote, xff, proto string) {
		c := p.ClientOf(remote, []string{xff}, []string{proto}, false)
		if peer, ok := parseHost(remote); ok && !p.Trusted(peer) && c.Addr != peer.String() {
			t.Fatalf("untrusted peer %q: client %q", remote, c.Addr)
		}
	})
}
