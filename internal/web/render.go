package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/domain"
)

//go:embed templates
var templateFS embed.FS

// templates holds, per UI language, one template set per page: the layout
// and partials plus the page's own file (templates/pages/<name>.html, which
// defines "title" and "content").
type templates struct {
	sets map[string]map[string]*template.Template // lang -> page -> set
	// certDialog holds the pages whose source has a data-cert-dialog
	// button: only they load the certificate dialog (cert_dialog_pages.go).
	certDialog map[string]bool
}

// parseTemplates parses every page for every language, failing on the
// first error. funcs gives the template functions of a language.
func parseTemplates(fsys fs.FS, funcs func(lang string) template.FuncMap) (*templates, error) {
	pages, err := fs.Glob(fsys, "templates/pages/*.html")
	if err != nil || len(pages) == 0 {
		return nil, fmt.Errorf("web: no page templates (%v)", err)
	}
	ts := &templates{sets: map[string]map[string]*template.Template{}, certDialog: map[string]bool{}}
	for _, p := range pages {
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("web: templates: %w", err)
		}
		ts.certDialog[strings.TrimSuffix(path.Base(p), ".html")] = bytes.Contains(b, []byte("data-cert-dialog"))
	}
	for _, lang := range languages {
		base, err := template.New("").Funcs(funcs(lang)).ParseFS(fsys, "templates/layout.html", "templates/partials/*.html")
		if err != nil {
			return nil, fmt.Errorf("web: templates: %w", err)
		}
		if base.Lookup("cert_dialog") == nil {
			// The certificate dialog is built separately; until it exists
			// the layout includes nothing in its place.
			template.Must(base.New("cert_dialog").Parse(""))
		}
		ts.sets[lang] = map[string]*template.Template{}
		for _, p := range pages {
			t, err := template.Must(base.Clone()).ParseFS(fsys, p)
			if err != nil {
				return nil, fmt.Errorf("web: templates: %w", err)
			}
			name := strings.TrimSuffix(path.Base(p), ".html")
			for _, need := range []string{"layout", "title", "content"} {
				if t.Lookup(need) == nil {
					return nil, fmt.Errorf("web: templates: %s lacks %q", p, need)
				}
			}
			ts.sets[lang][name] = t
		}
	}
	return ts, nil
}

// templateFuncs returns the template functions for lang:
// {{t "key"}} translates, {{asset "css/app.css"}} gives a hashed URL.
func (s *Server) templateFuncs(lang string) template.FuncMap {
	fm := pageFuncs(lang)
	for k, v := range (template.FuncMap{
		"t":        func(key string) string { return translate(lang, key) },
		"asset":    s.assets.url,
		"modules":  s.assets.moduleDeps,
		"local":    func(text string) string { return localText(lang, text) }, // text_lang.go
		"hasAsset": s.assets.has,
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.Format("2006-01-02")
		},
	}) {
		fm[k] = v
	}
	return fm
}

// view is the data every page gets; Page is the handler's own.
type view struct {
	Lang      string
	Site      string
	Demo      bool
	Path      string
	User      *domain.User
	CSRFToken string
	Message   string // key of a message to show, from messageKeys
	// SessionRemaining is the seconds until the idle logout, for the
	// countdown; zero when anonymous.
	SessionRemaining int
	// Approver is set when the user decides requests (승인 관리 in the nav).
	Approver bool
	// Admin is set for administrators (관리자 in the nav); AdminLinks are
	// the console's sections.
	Admin      bool
	AdminLinks []adminLink
	Config     *Config
	Page       any
	// CertDialog loads the certificate dialog (its markup, CSS and
	// modules): set for pages that can open it (needsCertDialog).
	CertDialog bool
	// Popups are the pop-up notices shown on this page (popups.go).
	Popups []domain.Popup
}

// render executes page into a buffer and writes it with status; a failure
// to render gives a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	st := state(r)
	v := view{
		Lang: st.lang, Site: s.cfg.SiteName, Demo: s.cfg.Demo, Path: r.URL.Path,
		User: st.user, CSRFToken: maskCSRF(st.csrf), Config: &s.cfg, Page: data,
		CertDialog: s.needsCertDialog(page, data),
	}
	if k := r.URL.Query().Get("msg"); messageKeys[k] {
		v.Message = k
	}
	if st.msg != "" {
		v.Message = st.msg
	}
	if st.session != nil {
		v.SessionRemaining = int(s.sessionEnd(st.session).Sub(s.now()).Seconds())
		if sc, err := access.ScopeOf(r.Context(), s.store, *st.user, s.now()); err == nil {
			v.Approver = sc.Any()
		}
		if sc, err := access.AdminScopeOf(r.Context(), s.store, *st.user, s.now()); err == nil && sc.Any() {
			v.Admin, v.AdminLinks = true, adminLinks
		}
	}
	v.Popups = s.popupsFor(r, page) // popups.go
	t := s.tmpl.sets[st.lang][page]
	var buf bytes.Buffer
	var err error
	if t == nil {
		err = fmt.Errorf("no page template %q", page)
	} else {
		err = t.ExecuteTemplate(&buf, "layout", v)
	}
	h := w.Header()
	if err != nil {
		s.log.Error("template failed", "id", st.id, "page", page, "err", err)
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "%s\n%s: %s\n", translate(st.lang, "error.internal.title"), translate(st.lang, "error.request_id"), st.id)
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", st.lang)
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
