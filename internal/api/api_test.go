package api

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestNewToken(t *testing.T) {
	s1, h1, d1 := NewToken()
	s2, h2, _ := NewToken()
	if s1 == s2 || bytes.Equal(h1, h2) {
		t.Fatal("two tokens are equal")
	}
	if !strings.HasPrefix(s1, TokenPrefix) || len(s1) != len(TokenPrefix)+43 || !strings.HasPrefix(s1, d1) || len(d1) != len(TokenPrefix)+6 {
		t.Errorf("token %q display %q", s1, d1)
	}
	if !bytes.Equal(HashToken(s1), h1) || len(h1) != 32 {
		t.Error("HashToken differs from NewToken's hash")
	}
}

func TestBearerToken(t *testing.T) {
	for _, c := range []struct {
		in, tok string
		ok      bool
	}{
		{"Bearer gwm_abc", "gwm_abc", true},
		{"bearer  gwm_abc ", "gwm_abc", true},
		{"Bearer", "", false},
		{"Basic dXNlcjpwYXNz", "", false},
		{"", "", false},
		{"Bearer ", "", false},
	} {
		tok, ok := BearerToken(c.in)
		if tok != c.tok || ok != c.ok {
			t.Errorf("BearerToken(%q) = %q, %v; want %q, %v", c.in, tok, ok, c.tok, c.ok)
		}
	}
}

// FuzzBearerToken: any header value gives an answer without panicking,
// and a token never contains leading or trailing space.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer gwm_abc", "bearer x", "Basic y", "", " Bearer\t z ", "Bearer \x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		tok, ok := BearerToken(h)
		if !ok && tok != "" {
			t.Fatalf("not bearer but token %q", tok)
		}
		if tok != strings.TrimSpace(tok) {
			t.Fatalf("token %q has surrounding space", tok)
		}
	})
}

// TestOpenAPIWellFormed checks the document's required top-level fields;
// package web checks its paths against the routes.
func TestOpenAPIWellFormed(t *testing.T) {
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Title, Version string
		} `json:"info"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas         map[string]json.RawMessage `json:"schemas"`
			SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") || doc.Info.Title == "" || doc.Info.Version == "" || len(doc.Paths) == 0 {
		t.Fatalf("openapi.json lacks openapi/info/paths: %+v", doc.Info)
	}
	for _, s := range []string{"bearerToken", "session"} {
		if doc.Components.SecuritySchemes[s] == nil {
			t.Errorf("no security scheme %q", s)
		}
	}
	// Every operation has an operationId, a summary and responses, and
	// every $ref points at a defined schema.
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			var op struct {
				OperationID string                     `json:"operationId"`
				Summary     string                     `json:"summary"`
				Responses   map[string]json.RawMessage `json:"responses"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Errorf("%s %s: %v", method, path, err)
				continue
			}
			if op.OperationID == "" || op.Summary == "" || len(op.Responses) == 0 {
				t.Errorf("%s %s: operationId, summary or responses missing", method, path)
			}
		}
	}
	for _, m := range refRE(string(OpenAPI)) {
		if doc.Components.Schemas[m] == nil {
			t.Errorf("$ref to undefined schema %q", m)
		}
	}
}

// refRE returns the schema names of every "#/components/schemas/NAME" ref.
func refRE(s string) []string {
	const p = `"$ref": "#/components/schemas/`
	var out []string
	for {
		i := strings.Index(s, p)
		if i < 0 {
			return out
		}
		s = s[i+len(p):]
		j := strings.IndexByte(s, '"')
		out = append(out, s[:j])
		s = s[j:]
	}
}
