package web

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
)

// moduleImport matches the relative imports of an ES module: static
// (`from './x.js'`, `import './x.js'`) and dynamic (`import('./x.js')`),
// including the JSDoc type imports, which must name real files too.
var moduleImport = regexp.MustCompile(`(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.\.?/[^'"\s]+\.m?js)(['"])`)

// addModules adds the JavaScript files in dependency order, each with its
// relative imports rewritten to the hashed names of the files it imports,
// so that a module's hash covers everything it loads: a change deep in
// the graph gives every importer a new name, and long caching stays safe.
// An import of a missing file or an import cycle is an error.
func (a *assets) addModules(fsys fs.FS, names []string, add func(name string, body []byte)) error {
	src := map[string][]byte{}
	for _, n := range names {
		b, err := fs.ReadFile(fsys, "static/"+n)
		if err != nil {
			return fmt.Errorf("web: static assets: %w", err)
		}
		src[n] = b
	}
	const (
		visiting = 1
		done     = 2
	)
	mark := map[string]int{}
	direct := map[string][]string{}
	var visit func(n string, chain []string) error
	visit = func(n string, chain []string) error {
		switch mark[n] {
		case done:
			return nil
		case visiting:
			return fmt.Errorf("web: static/%s: import cycle %s", n, strings.Join(append(chain, n), " -> "))
		}
		mark[n] = visiting
		b := src[n]
		var missing []string
		// First pass: visit the imported files so their hashed names exist.
		for _, m := range moduleImport.FindAllSubmatch(b, -1) {
			target := path.Join(path.Dir(n), string(m[3]))
			if _, ok := src[target]; !ok {
				missing = append(missing, string(m[3]))
				continue
			}
			if err := visit(target, append(chain, n)); err != nil {
				return err
			}
			direct[n] = append(direct[n], target)
		}
		if len(missing) > 0 {
			return fmt.Errorf("web: static/%s imports missing files: %s", n, strings.Join(missing, ", "))
		}
		b = moduleImport.ReplaceAllFunc(b, func(m []byte) []byte {
			sub := moduleImport.FindSubmatch(m)
			ref := string(sub[3])
			hn := a.hashed[path.Join(path.Dir(n), ref)]
			// Keep the reference relative ("./x.js"): a bare "x.js" is not a
			// valid module specifier.
			rel := path.Join(path.Dir(ref), path.Base(hn))
			if !strings.HasPrefix(rel, "../") {
				rel = "./" + rel
			}
			return []byte(string(sub[1]) + string(sub[2]) + rel + string(sub[4]))
		})
		add(n, b)
		mark[n] = done
		return nil
	}
	sort.Strings(names)
	for _, n := range names {
		if err := visit(n, nil); err != nil {
			return err
		}
	}
	// The transitive imports of each module, as hashed URLs.
	for _, n := range names {
		seen := map[string]bool{}
		var walk func(string)
		walk = func(m string) {
			for _, d := range direct[m] {
				if !seen[d] {
					seen[d] = true
					walk(d)
				}
			}
		}
		walk(n)
		var urls []string
		for d := range seen {
			urls = append(urls, "/static/"+a.hashed[d])
		}
		sort.Strings(urls)
		a.deps[n] = urls
	}
	return nil
}

// moduleDeps returns the hashed URLs of every module that name imports,
// directly or not, for <link rel="modulepreload">.
func (a *assets) moduleDeps(name string) ([]string, error) {
	d, ok := a.deps[name]
	if !ok {
		return nil, fmt.Errorf("web: no JavaScript module %q", name)
	}
	return d, nil
}
