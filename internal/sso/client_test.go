package sso

import (
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
)

func TestClientSpecValidate(t *testing.T) {
	ok := ClientSpec{ClientID: "covid19", RedirectURIs: []string{" https://covid.example/cb ", "https://covid.example/cb", "http://127.0.0.1:8081/cb"}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(ok.RedirectURIs) != 2 || ok.SubjectType != "pairwise" || ok.AccessTTL != DefaultAccessTTL || ok.RefreshTTL != DefaultRefreshTTL {
		t.Errorf("defaults/cleaning: %+v", ok)
	}
	for name, c := range map[string]ClientSpec{
		"short ID":           {ClientID: "ab", RedirectURIs: []string{"https://a.example/cb"}},
		"upper-case ID":      {ClientID: "Covid", RedirectURIs: []string{"https://a.example/cb"}},
		"no redirect":        {ClientID: "covid"},
		"http not loopback":  {ClientID: "covid", RedirectURIs: []string{"http://covid.example/cb"}},
		"custom scheme":      {ClientID: "covid", RedirectURIs: []string{"covid://cb"}},
		"fragment":           {ClientID: "covid", RedirectURIs: []string{"https://a.example/cb#x"}},
		"relative":           {ClientID: "covid", RedirectURIs: []string{"/cb"}},
		"user info":          {ClientID: "covid", RedirectURIs: []string{"https://u:p@a.example/cb"}},
		"bad back-channel":   {ClientID: "covid", RedirectURIs: []string{"https://a.example/cb"}, BackchannelLogoutURI: "http://a.example/bc"},
		"bad post-logout":    {ClientID: "covid", RedirectURIs: []string{"https://a.example/cb"}, PostLogoutURIs: []string{"javascript:alert(1)"}},
		"subject type":       {ClientID: "covid", RedirectURIs: []string{"https://a.example/cb"}, SubjectType: "global"},
		"access TTL too big": {ClientID: "covid", RedirectURIs: []string{"https://a.example/cb"}, AccessTTL: 2 * time.Hour},
		"refresh TTL small":  {ClientID: "covid", RedirectURIs: []string{"https://a.example/cb"}, RefreshTTL: time.Minute},
		"long URI":           {ClientID: "covid", RedirectURIs: []string{"https://a.example/" + strings.Repeat("a", 600)}},
		"too many URIs":      {ClientID: "covid", RedirectURIs: manyURIs(11)},
	} {
		if err := c.Validate(); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func manyURIs(n int) []string {
	var out []string
	for i := range n {
		out = append(out, "https://a.example/cb"+strings.Repeat("x", i))
	}
	return out
}

func TestSecret(t *testing.T) {
	s, h := NewSecret()
	if len(s) < 40 || !secretMatches(h, s) || secretMatches(h, s+"x") || secretMatches(nil, s) {
		t.Error("secret hashing")
	}
}

// FuzzClientSpec: a registration is either refused with EINVALID or, once
// accepted, only holds URIs that checkURI accepts, and validating it again
// changes nothing.
func FuzzClientSpec(f *testing.F) {
	f.Add("covid19", "https://covid.example/cb", "http://127.0.0.1:1/bye", "https://covid.example/bc", "pairwise")
	f.Add("a", "http://[::1]:80/x?y#z", "", "", "public")
	f.Add("x.y_z-1", "https://%zz", "\x00", "https://h/\n", "")
	f.Fuzz(func(t *testing.T, id, redirect, logout, bc, sub string) {
		c := ClientSpec{ClientID: id, RedirectURIs: strings.Split(redirect, " "), PostLogoutURIs: []string{logout},
			BackchannelLogoutURI: bc, SubjectType: sub}
		err := c.Validate()
		if err != nil {
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("error of another kind: %v", err)
			}
			return
		}
		for _, u := range append(append(c.RedirectURIs, c.PostLogoutURIs...), c.BackchannelLogoutURI) {
			if u != "" && checkURI("uri", u) != nil {
				t.Fatalf("accepted %q", u)
			}
		}
		again := c
		if err := again.Validate(); err != nil {
			t.Fatalf("second validation: %v", err)
		}
	})
}
