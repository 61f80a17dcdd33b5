package sso

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/op"
)

// handler serves op's endpoints with two changes: the discovery document
// says what gwanmun really offers (the code flow only, pairwise subjects,
// RFC 9207's iss), and every authorization response carries iss.
type handler struct{ p *Provider }

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		h.discovery(w, r)
		return
	case "/authorize", "/authorize/callback":
		w = &issWriter{ResponseWriter: w, iss: h.p.cfg.Issuer}
	case "/end_session":
		// op answers a malformed logout request with 500; it is the
		// caller's fault.
		if err := r.ParseForm(); err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_request", "error_description": "malformed request"})
			return
		}
	case "/device_authorization":
		http.NotFound(w, r)
		return
	}
	h.p.op.ServeHTTP(w, r)
}

func (h handler) discovery(w http.ResponseWriter, r *http.Request) {
	ctx := op.ContextWithIssuer(r.Context(), h.p.cfg.Issuer)
	b, err := json.Marshal(op.CreateDiscoveryConfig(ctx, h.p.op, h.p.op.Storage()))
	var d map[string]any
	if err == nil {
		err = json.Unmarshal(b, &d)
	}
	if err != nil {
		http.Error(w, "discovery", http.StatusInternalServerError)
		return
	}
	d["response_types_supported"] = []string{"code"}
	d["response_modes_supported"] = []string{"query", "form_post"}
	d["grant_types_supported"] = []string{"authorization_code", "refresh_token"}
	d["subject_types_supported"] = []string{"pairwise", "public"}
	d["token_endpoint_auth_methods_supported"] = []string{"client_secret_basic", "client_secret_post", "none"}
	d["introspection_endpoint_auth_methods_supported"] = []string{"client_secret_basic", "client_secret_post"}
	d["revocation_endpoint_auth_methods_supported"] = []string{"client_secret_basic", "client_secret_post", "none"}
	d["prompt_values_supported"] = []string{"none", "login"}
	d["authorization_response_iss_parameter_supported"] = true
	d["backchannel_logout_session_supported"] = false
	d["claims_parameter_supported"] = false
	d["request_uri_parameter_supported"] = false
	for _, k := range []string{"device_authorization_endpoint", "token_endpoint_auth_signing_alg_values_supported",
		"introspection_endpoint_auth_signing_alg_values_supported", "revocation_endpoint_auth_signing_alg_values_supported",
		"request_object_signing_alg_values_supported", "check_session_iframe"} {
		delete(d, k)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	json.NewEncoder(w).Encode(d)
}

// issWriter adds iss (RFC 9207) to an authorization response redirect.
type issWriter struct {
	http.ResponseWriter
	iss string
}

func (w *issWriter) WriteHeader(code int) {
	if code == http.StatusFound || code == http.StatusSeeOther {
		if loc := w.Header().Get("Location"); loc != "" && !strings.Contains(loc, "/sso/login?") {
			if u, err := url.Parse(loc); err == nil {
				q := u.Query()
				if (q.Has("code") || q.Has("error")) && !q.Has("iss") {
					q.Set("iss", w.iss)
					u.RawQuery = q.Encode()
					w.Header().Set("Location", u.String())
				}
			}
		}
	}
	w.ResponseWriter.WriteHeader(code)
}
