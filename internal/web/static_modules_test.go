package web

import (
	"path"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// TestModuleImportsHashed: every relative import of a served module names
// a hashed, immutable module by a valid relative specifier, and a change in
// a deep dependency renames its importers.
func TestModuleImportsHashed(t *testing.T) {
	e := newTestEnv(t, nil)
	hashedName := regexp.MustCompile(`\.[0-9a-f]{10}\.m?js$`)
	n := 0
	for name, as := range e.s.assets.byName {
		if path.Ext(name) != ".js" || !e.s.assets.immut[name] {
			continue
		}
		for _, m := range moduleImport.FindAllStringSubmatch(string(as.body), -1) {
			n++
			ref := m[3]
			if !strings.HasPrefix(ref, "./") && !strings.HasPrefix(ref, "../") {
				t.Errorf("%s imports %q: not a relative specifier", name, ref)
			}
			target := path.Join(path.Dir(name), ref)
			if !hashedName.MatchString(ref) || !e.s.assets.immut[target] {
				t.Errorf("%s imports %q, not a hashed asset", name, ref)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d imports seen in the served modules", n)
	}
	deps, err := e.s.assets.moduleDeps("js/cert/dialog.js")
	if err != nil || len(deps) < 10 {
		t.Errorf("dialog.js modulepreload list: %v (%v)", deps, err)
	}

	// A change in a leaf renames everything above it.
	load := func(leaf string) *assets {
		a, err := loadAssets(fstest.MapFS{
			"static/js/a.js":     {Data: []byte(`import { b } from './b.js';`)},
			"static/js/b.js":     {Data: []byte(`import { c } from './lib/c.js'; export const b = 1;`)},
			"static/js/lib/c.js": {Data: []byte(leaf)},
		})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	one, two := load("export const c = 1;"), load("export const c = 2;")
	if one.hashed["js/a.js"] == two.hashed["js/a.js"] || one.hashed["js/b.js"] == two.hashed["js/b.js"] {
		t.Error("a change in c.js did not rename its importers")
	}
	if got := string(one.byName[one.hashed["js/b.js"]].body); !strings.Contains(got, "from './lib/c.") {
		t.Errorf("b.js served as %q", got)
	}
	// A cycle or a missing file is refused.
	if _, err := loadAssets(fstest.MapFS{
		"static/js/a.js": {Data: []byte(`import './b.js';`)},
		"static/js/b.js": {Data: []byte(`import './a.js';`)},
	}); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("import cycle: %v", err)
	}
	if _, err := loadAssets(fstest.MapFS{"static/js/a.js": {Data: []byte(`import './nope.js';`)}}); err == nil {
		t.Error("a missing import was accepted")
	}
}
