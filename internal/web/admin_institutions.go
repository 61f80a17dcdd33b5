package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/importer"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The admin console's institutions section (/admin/institutions): search
// and sort within the administrator's scope, edit an institution (the
// rules of the CSV import plus no cycles), import a CSV file (national
// administrators), and the jurisdiction tree: provinces, their health
// centres with counts, and the medical institutions under each centre.

func init() {
	adminLinks = append(adminLinks,
		adminLink{URL: "/admin/institutions", Label: "admin.institutions"},
		adminLink{URL: "/admin/institutions/tree", Label: "admin.tree"},
	)
	messageKeys["institution_saved"] = true
}

// adminInstitutionRoutes registers the institutions section.
func (s *Server) adminInstitutionRoutes(m *http.ServeMux) {
	a := func(h http.HandlerFunc) http.Handler { return s.requireAdmin(h) }
	m.Handle("GET /admin/institutions", a(s.adminInstitutionsShow))
	m.Handle("POST /admin/institutions/import", s.requireAdmin(s.upload("POST /admin/institutions/import", func() int64 { return MaxImportBytes + 64<<10 }, http.HandlerFunc(s.adminInstitutionsImport))))
	m.Handle("GET /admin/institutions/tree", a(s.adminInstitutionTree))
	m.Handle("GET /admin/institutions/{id}", a(s.adminInstitutionShow))
	m.Handle("POST /admin/institutions/{id}", a(s.adminInstitutionUpdate))
}

// MaxImportBytes bounds an uploaded institutions CSV file.
const MaxImportBytes = 5 << 20

// treeChildren is how many institutions under a health centre the tree
// shows; the rest are a link to the list filtered by that centre.
const treeChildren = 20

// adminInstRow is a row of the institutions list.
type adminInstRow struct {
	Inst   domain.Institution
	Parent domain.Institution
}

// importResult is the outcome of a CSV upload shown on the list page.
type importResult struct {
	Created, Updated int
	Errors           []importer.RowError
	More             int    // bad lines not listed
	Problem          string // an error that is not about lines (file missing, too large)
}

type adminInstitutionsPage struct {
	Rows   []adminInstRow
	Q      url.Values
	Pager  pager
	Kinds  []domain.InstitutionKind
	Sorts  []string
	Scope  access.AdminScope
	Parent domain.Institution // the parent filter, when set
	Import *importResult
	Max    int // MaxImportBytes in MB
}

// adminInstitutionsShow handles GET /admin/institutions: institutions in
// the administrator's scope, searched by name or code (q), filtered by
// kind, region code prefix (region) and parent, sorted (sort, desc), 20 a
// page.
func (s *Server) adminInstitutionsShow(w http.ResponseWriter, r *http.Request) {
	s.adminInstitutionsRender(w, r, http.StatusOK, r.URL.Query(), nil)
}

func (s *Server) adminInstitutionsRender(w http.ResponseWriter, r *http.Request, status int, q url.Values, imp *importResult) {
	ctx := r.Context()
	sc := adminScope(ctx)
	page := pageParam(r)
	f := store.InstitutionSearch{Query: strings.TrimSpace(q.Get("q")), Kind: domain.InstitutionKind(q.Get("kind")),
		Region: strings.TrimSpace(q.Get("region")), Sort: q.Get("sort"), Desc: q.Get("desc") == "1",
		UnderInstitutionID: scopeRoot(sc), Page: store.Page{Offset: (page - 1) * adminPageSize, Limit: adminPageSize}}
	if !slices.Contains(store.InstitutionSortKeys, f.Sort) {
		f.Sort = "name"
	}
	if !f.Kind.Valid() {
		f.Kind = ""
	}
	p := &adminInstitutionsPage{Q: q, Kinds: domain.InstitutionKinds, Sorts: store.InstitutionSortKeys, Scope: sc,
		Import: imp, Max: MaxImportBytes >> 20}
	if id, _ := strconv.ParseInt(q.Get("parent"), 10, 64); id > 0 {
		// An unknown or out-of-scope parent lists nothing rather than everything.
		f.ParentID = id
		if ok, err := s.coversInstitution(ctx, s.store, sc, id); err == nil && ok {
			p.Parent, _ = s.store.GetInstitution(ctx, id)
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.serverError(w, r, err)
			return
		} else {
			f.ParentID = -1
		}
	}
	var ins []domain.Institution
	total := 0
	if f.ParentID >= 0 {
		var err error
		if ins, total, err = s.store.SearchInstitutions(ctx, f); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	p.Pager = newPager(q, "/admin/institutions", page, total, false)
	names := instNames{}
	ids := make([]int64, 0, len(ins))
	for _, in := range ins {
		ids = append(ids, in.ParentID)
	}
	names.preload(ctx, s.store, ids)
	for _, in := range ins {
		p.Rows = append(p.Rows, adminInstRow{Inst: in, Parent: names.get(ctx, s.store, in.ParentID)})
	}
	if wantsJSON(r) && imp == nil {
		out := make([]map[string]any, 0, len(p.Rows))
		for _, row := range p.Rows {
			out = append(out, institutionJSON(row.Inst, row.Parent))
		}
		writeJSON(w, http.StatusOK, map[string]any{"total": total, "page": page, "institutions": out})
		return
	}
	s.render(w, r, status, "admin_institutions", p)
}

// institutionJSON is an institution as the JSON list gives it.
func institutionJSON(in, parent domain.Institution) map[string]any {
	return map[string]any{"id": in.ID, "code": in.Code, "name": in.Name, "kind": in.Kind, "parent_code": parent.Code,
		"region_code": in.RegionCode, "address": in.Address, "phone": in.Phone, "retired": !in.RetiredAt.IsZero()}
}

// adminInstitutionPage is the data of an institution's edit page.
type adminInstitutionPage struct {
	Inst       domain.Institution // as stored, or as entered after a refused edit
	ParentCode string
	Parent     domain.Institution
	Centre     domain.Institution // the health centre with jurisdiction
	Stats      domain.InstitutionStats
	Errors     []string
}

// adminInstitutionTarget loads the institution of the path's {id} when
// the administrator's scope covers it; 404 otherwise, so that a province
// administrator learns nothing of other provinces.
func (s *Server) adminInstitutionTarget(ctx context.Context, q store.Queries, r *http.Request) (domain.Institution, error) {
	notFound := domain.Errorf(domain.ENOTFOUND, "%s", translate(state(r).lang, "inst.not_found"))
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return domain.Institution{}, notFound
	}
	in, err := q.GetInstitution(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return in, notFound
	} else if err != nil {
		return in, err
	}
	if ok, err := adminScope(ctx).Covers(ctx, q, in); err != nil {
		return in, err
	} else if !ok {
		return in, notFound
	}
	return in, nil
}

// adminInstitutionShow handles GET /admin/institutions/{id}: the edit form.
func (s *Server) adminInstitutionShow(w http.ResponseWriter, r *http.Request) {
	in, err := s.adminInstitutionTarget(r.Context(), s.store, r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.adminInstitutionRender(w, r, http.StatusOK, in, "", nil)
}

func (s *Server) adminInstitutionRender(w http.ResponseWriter, r *http.Request, status int, in domain.Institution, parentCode string, errs []string) {
	ctx := r.Context()
	p := &adminInstitutionPage{Inst: in, ParentCode: parentCode, Errors: errs}
	if in.ParentID != 0 {
		p.Parent, _ = s.store.GetInstitution(ctx, in.ParentID)
	}
	if errs == nil {
		p.ParentCode = p.Parent.Code
	}
	if c, err := s.store.JurisdictionCentre(ctx, in.ID); err == nil {
		p.Centre = c
	}
	if st, err := s.store.InstitutionStats(ctx, []int64{in.ID}); err == nil {
		p.Stats = st[in.ID]
	}
	s.render(w, r, status, "admin_institutions_edit", p)
}

// formErrors are the problems of a refused edit; returned from the
// transaction, they roll it back.
type formErrors []string

func (e formErrors) Error() string { return strings.Join(e, "; ") }

// adminInstitutionUpdate handles POST /admin/institutions/{id}: replaces
// the name, address, phone, region code and parent (by code) of an
// institution in scope. The rules are the CSV import's (the parent's kind
// follows the chain medical → health_centre → province → national, other
// under any; region codes agree with the parent's province; field
// formats), and the parent may not be the institution or below it. A
// province administrator may move an institution only under another one
// of their province. The change and its audit event commit together.
func (s *Server) adminInstitutionUpdate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := state(r).lang
	admin := *userFrom(ctx)
	sc := adminScope(ctx)
	now := s.now()
	form := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	parentCode := form("parent_code")
	var entered domain.Institution
	err := s.store.InTx(ctx, func(q store.Queries) error {
		in, err := s.adminInstitutionTarget(ctx, q, r)
		if err != nil {
			return err
		}
		entered = in
		entered.Name, entered.Address, entered.Phone, entered.RegionCode = form("name"), form("address"), form("phone"), form("region_code")
		var parent domain.Institution
		var errs formErrors
		if parentCode != "" {
			parent, err = q.GetInstitutionByCode(ctx, parentCode)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			ok := err == nil
			if ok && parent.ID != in.ParentID {
				// Moving under an institution outside the scope is refused as
				// if it did not exist.
				if ok, err = sc.Covers(ctx, q, parent); err != nil {
					return err
				}
			}
			if !ok {
				errs = append(errs, translate(lang, "inst.no_parent"))
				parent = domain.Institution{}
			}
		}
		if parent.ID != 0 {
			cyclic, err := isBelow(ctx, q, parent, in.ID)
			if err != nil {
				return err
			}
			if cyclic {
				errs = append(errs, translate(lang, "inst.cycle"))
			}
		}
		entered.ParentID = parent.ID
		if len(errs) > 0 {
			return errs
		}
		// The CSV import's checks and write, on a one-row file.
		if err := applyInstitutionEdit(ctx, q, entered, parent.Code, now); err != nil {
			return err
		}
		changed := institutionChanges(in, entered)
		if len(changed) == 0 {
			return nil
		}
		return audit.Log(ctx, q, audit.ActorOf(admin, clientIP(r)), "admin.institution.update", "institution", in.ID,
			map[string]any{"changed": changed, "parent_id": parent.ID}, now)
	})
	var fe formErrors
	var ie *importer.Error
	switch {
	case err == nil:
		http.Redirect(w, r, "/admin/institutions/"+strconv.FormatInt(entered.ID, 10)+"?msg=institution_saved", http.StatusSeeOther)
	case errors.As(err, &fe):
		s.adminInstitutionRender(w, r, http.StatusBadRequest, entered, parentCode, fe)
	case errors.As(err, &ie):
		var msgs []string
		for _, re := range ie.Rows {
			msgs = append(msgs, re.Reason)
		}
		s.adminInstitutionRender(w, r, http.StatusBadRequest, entered, parentCode, msgs)
	default:
		s.error(w, r, err)
	}
}

// isBelow reports whether inst is the institution id or below it: whether
// making inst the parent of id would close a cycle.
func isBelow(ctx context.Context, q store.Queries, inst domain.Institution, id int64) (bool, error) {
	cur := inst
	for range 16 { // the chain is at most four deep; a longer one is already broken
		if cur.ID == id {
			return true, nil
		}
		if cur.ParentID == 0 {
			return false, nil
		}
		next, err := q.GetInstitution(ctx, cur.ParentID)
		if err != nil {
			return false, err
		}
		cur = next
	}
	return true, nil
}

// applyInstitutionEdit checks and writes the edited institution in as the
// CSV import does with --update, so that the edit form and the import
// share one set of rules. The errors are the importer's (*importer.Error).
func applyInstitutionEdit(ctx context.Context, q store.Queries, in domain.Institution, parentCode string, now time.Time) error {
	rows, err := institutionEditRows(in, parentCode)
	if err != nil {
		return err
	}
	_, err = importer.Apply(ctx, q, rows, importer.Options{Existing: importer.ExistingUpdate, Now: now})
	return err
}

// institutionEditRows encodes in as a one-row import file and parses it
// with the importer: the fields' checks are the import's. Whatever the
// fields hold, the result is one row with those fields or an error.
func institutionEditRows(in domain.Institution, parentCode string) ([]importer.Row, error) {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write([]string{"code", "name", "kind", "parent_code", "region_code", "address", "phone"})
	cw.Write([]string{in.Code, in.Name, string(in.Kind), parentCode, in.RegionCode, in.Address, in.Phone})
	cw.Flush()
	if err := cw.Error(); err != nil {
		return nil, err
	}
	return importer.Parse(&buf)
}

// institutionChanges names the fields that differ between a and b.
func institutionChanges(a, b domain.Institution) []string {
	var out []string
	for _, f := range []struct {
		name string
		same bool
	}{
		{"name", a.Name == b.Name}, {"parent", a.ParentID == b.ParentID}, {"region_code", a.RegionCode == b.RegionCode},
		{"address", a.Address == b.Address}, {"phone", a.Phone == b.Phone},
	} {
		if !f.same {
			out = append(out, f.name)
		}
	}
	return out
}

// adminInstitutionsImport handles POST /admin/institutions/import: a CSV
// file (multipart field "file", at most MaxImportBytes) imported all or
// nothing, by national administrators only. With update=1 existing codes
// are updated. The list page shows the counts or every bad line.
func (s *Server) adminInstitutionsImport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := state(r).lang
	if !adminScope(ctx).National {
		s.renderError(w, r, http.StatusForbidden, domain.EFORBIDDEN, translate(lang, "admin.import_national"))
		return
	}
	list := url.Values{}
	refuse := func(status int, res *importResult) {
		if wantsJSON(r) {
			writeJSON(w, status, map[string]any{"error": map[string]any{"code": domain.EINVALID, "message": res.Problem,
				"lines": res.Errors, "more": res.More}})
			return
		}
		s.adminInstitutionsRender(w, r, status, list, res)
	}
	if r.ContentLength > MaxImportBytes+64<<10 {
		refuse(http.StatusRequestEntityTooLarge, &importResult{Problem: translate(lang, "inst.too_large")})
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		refuse(http.StatusBadRequest, &importResult{Problem: translate(lang, "inst.no_file")})
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxImportBytes+1))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if hdr.Size > MaxImportBytes || len(data) > MaxImportBytes {
		refuse(http.StatusRequestEntityTooLarge, &importResult{Problem: translate(lang, "inst.too_large")})
		return
	}
	opt := importer.Options{Now: s.now()}
	if r.PostFormValue("update") == "1" {
		opt.Existing = importer.ExistingUpdate
	}
	admin := *userFrom(ctx)
	var c importer.Counts
	err = s.store.InTx(ctx, func(q store.Queries) error {
		rows, err := importer.Parse(bytes.NewReader(data))
		if err != nil {
			return err
		}
		if c, err = importer.Apply(ctx, q, rows, opt); err != nil {
			return err
		}
		return audit.Log(ctx, q, audit.ActorOf(admin, clientIP(r)), "admin.institution.import", "institution", 0,
			map[string]any{"created": c.Created, "updated": c.Updated, "rows": len(rows), "bytes": len(data),
				"update": opt.Existing == importer.ExistingUpdate}, opt.Now)
	})
	var ie *importer.Error
	switch {
	case err == nil:
		if wantsJSON(r) {
			writeJSON(w, http.StatusOK, map[string]any{"created": c.Created, "updated": c.Updated})
			return
		}
		s.adminInstitutionsRender(w, r, http.StatusOK, list, &importResult{Created: c.Created, Updated: c.Updated})
	case errors.As(err, &ie):
		refuse(http.StatusBadRequest, &importResult{Errors: ie.Rows, More: ie.More, Problem: translate(lang, "admin.import_failed")})
	default:
		s.error(w, r, err)
	}
}

// treeCentre is a health centre of the jurisdiction tree with the first
// institutions below it.
type treeCentre struct {
	Inst     domain.Institution
	Stats    domain.InstitutionStats
	Children []treeChild
	More     bool // more children than shown
}

type treeChild struct {
	Inst  domain.Institution
	Stats domain.InstitutionStats
}

// treeProvince is a province of the tree; Centres is filled for the
// province shown open.
type treeProvince struct {
	Inst    domain.Institution
	Stats   domain.InstitutionStats
	Open    bool
	Centres []treeCentre
}

type adminTreePage struct {
	Scope     access.AdminScope
	Provinces []treeProvince
}

// adminInstitutionTree handles GET /admin/institutions/tree?province=ID:
// the provinces in scope with their counts; the chosen province (a
// province administrator's own) opens to its health centres, each with
// how many institutions and users it has and an expandable list of the
// first institutions under it.
func (s *Server) adminInstitutionTree(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sc := adminScope(ctx)
	var provinces []domain.Institution
	open, _ := strconv.ParseInt(r.URL.Query().Get("province"), 10, 64)
	if sc.National {
		var err error
		provinces, _, err = s.store.SearchInstitutions(ctx, store.InstitutionSearch{Kind: domain.KindProvince, Sort: "region_code",
			Page: store.Page{Limit: store.MaxLimit}})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
	} else {
		provinces, open = []domain.Institution{sc.Province}, sc.Province.ID
	}
	ids := make([]int64, len(provinces))
	for i, p := range provinces {
		ids[i] = p.ID
	}
	stats, err := s.store.InstitutionStats(ctx, ids)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := &adminTreePage{Scope: sc}
	for _, pr := range provinces {
		tp := treeProvince{Inst: pr, Stats: stats[pr.ID], Open: pr.ID == open}
		if tp.Open {
			if tp.Centres, err = s.treeCentres(ctx, pr.ID); err != nil {
				s.serverError(w, r, err)
				return
			}
		}
		p.Provinces = append(p.Provinces, tp)
	}
	s.render(w, r, http.StatusOK, "admin_institutions_tree", p)
}

// treeCentres returns the institutions directly under province id (its
// health centres, and any others) with their first children and counts.
func (s *Server) treeCentres(ctx context.Context, id int64) ([]treeCentre, error) {
	centres, _, err := s.store.SearchInstitutions(ctx, store.InstitutionSearch{ParentID: id, Sort: "kind", Page: store.Page{Limit: store.MaxLimit}})
	if err != nil {
		return nil, err
	}
	out := make([]treeCentre, len(centres))
	ids := make([]int64, 0, len(centres)*(treeChildren+1))
	for i, c := range centres {
		out[i].Inst = c
		ids = append(ids, c.ID)
		kids, total, err := s.store.SearchInstitutions(ctx, store.InstitutionSearch{ParentID: c.ID, Page: store.Page{Limit: treeChildren}})
		if err != nil {
			return nil, err
		}
		out[i].More = total > len(kids)
		for _, k := range kids {
			out[i].Children = append(out[i].Children, treeChild{Inst: k})
			ids = append(ids, k.ID)
		}
	}
	stats, err := s.store.InstitutionStats(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Stats = stats[out[i].Inst.ID]
		for j := range out[i].Children {
			out[i].Children[j].Stats = stats[out[i].Children[j].Inst.ID]
		}
	}
	return out, nil
}
