package web

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The admin console's audit section: the audit log viewer with the hash
// chain check (national administrators only) and the personal-data
// access log (province administrators see their province's entries).

func init() {
	adminLinks = append(adminLinks,
		adminLink{URL: "/admin/audit", Label: "admin.audit"},
		adminLink{URL: "/admin/access-log", Label: "admin.access_log"},
	)
}

// adminAuditRoutes registers the audit section.
func (s *Server) adminAuditRoutes(m *http.ServeMux) {
	m.Handle("GET /admin/audit", s.requireAdmin(http.HandlerFunc(s.adminAuditShow)))
	m.Handle("POST /admin/audit/verify", s.requireAdmin(http.HandlerFunc(s.adminAuditVerify)))
	m.Handle("GET /admin/access-log", s.requireAdmin(http.HandlerFunc(s.adminAccessLogShow)))
}

type adminAuditPage struct {
	Events []domain.AuditEvent
	Q      map[string]string
	Pager  pager
	Verify string // the chain check's outcome
	Broken bool
}

// parseDay parses a yyyy-mm-dd date in KST; next adds a day (for an
// exclusive end).
func parseDay(s string, next bool) time.Time {
	t, err := time.ParseInLocation("2006-01-02", s, kst)
	if err != nil {
		return time.Time{}
	}
	if next {
		t = t.AddDate(0, 0, 1)
	}
	return t
}

// actorID resolves the actor filter: a login ID, or #123 for a user ID.
// It returns -1 for an unknown login (matches nothing).
func (s *Server) actorID(ctx context.Context, v string) int64 {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if id, err := strconv.ParseInt(strings.TrimPrefix(v, "#"), 10, 64); err == nil && strings.HasPrefix(v, "#") {
		return id
	}
	u, err := s.store.GetUserByLoginID(ctx, v)
	if err != nil {
		return -1
	}
	return u.ID
}

// adminAuditShow handles GET /admin/audit: events newest first, filtered
// by actor (login ID or #user ID), action, target type and ID, and dates.
func (s *Server) adminAuditShow(w http.ResponseWriter, r *http.Request) {
	s.adminAuditRender(w, r, http.StatusOK, "", false)
}

func (s *Server) adminAuditRender(w http.ResponseWriter, r *http.Request, status int, verify string, broken bool) {
	ctx := r.Context()
	if !adminScope(ctx).National {
		s.renderError(w, r, http.StatusForbidden, domain.EFORBIDDEN, translate(state(r).lang, "admin.audit_national"))
		return
	}
	q := r.URL.Query()
	p := &adminAuditPage{Q: map[string]string{}, Verify: verify, Broken: broken}
	for _, k := range []string{"actor", "action", "target_type", "target_id", "from", "to"} {
		p.Q[k] = strings.TrimSpace(q.Get(k))
	}
	page := pageParam(r)
	f := store.AuditFilter{ActorID: s.actorID(ctx, p.Q["actor"]), Action: p.Q["action"], TargetType: p.Q["target_type"],
		TargetID: p.Q["target_id"], From: parseDay(p.Q["from"], false), To: parseDay(p.Q["to"], true),
		Page: store.Page{Offset: (page - 1) * adminPageSize, Limit: adminPageSize + 1}}
	var evs []domain.AuditEvent
	var err error
	if f.ActorID >= 0 {
		if evs, err = s.store.ListAuditDesc(ctx, f); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	more := len(evs) > adminPageSize
	if more {
		evs = evs[:adminPageSize]
	}
	p.Events = evs
	p.Pager = newPager(q, "/admin/audit", page, -1, more)
	s.render(w, r, status, "admin_audit", p)
}

// adminAuditVerify handles POST /admin/audit/verify: walks the whole hash
// chain and names the first edited, inserted or deleted event; the check
// itself is audited.
func (s *Server) adminAuditVerify(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !adminScope(ctx).National {
		s.renderError(w, r, http.StatusForbidden, domain.EFORBIDDEN, translate(state(r).lang, "admin.audit_national"))
		return
	}
	var bad int64
	var err error
	if cv, ok := s.store.(chainVerifier); ok {
		bad, err = cv.VerifyAuditChain(ctx)
	} else {
		bad, err = store.VerifyAuditChain(ctx, s.store)
	}
	if err != nil && !errors.Is(err, store.ErrChainBroken) {
		s.serverError(w, r, err)
		return
	}
	lang := state(r).lang
	var msg string
	detail := map[string]any{"ok": err == nil}
	if err != nil {
		msg = fmt.Sprintf(translate(lang, "admin.verify_broken"), bad, err)
		detail["bad_seq"] = bad
	} else {
		last, lerr := s.store.ListAuditDesc(ctx, store.AuditFilter{Page: store.Page{Limit: 1}})
		if lerr != nil {
			s.serverError(w, r, lerr)
			return
		}
		var n int64
		head := ""
		if len(last) == 1 {
			n, head = last[0].Seq, hex.EncodeToString(last[0].Hash)
		}
		msg = fmt.Sprintf(translate(lang, "admin.verify_ok"), n, head)
	}
	if lerr := audit.Log(ctx, s.store, audit.ActorOf(*userFrom(ctx), clientIP(r)), "admin.audit.verify", "audit", bad, detail, s.now()); lerr != nil {
		s.serverError(w, r, lerr)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"ok": err == nil, "bad_seq": bad, "message": msg})
		return
	}
	s.adminAuditRender(w, r, http.StatusOK, msg, err != nil)
}

type adminAccessLogPage struct {
	Rows  []adminAccessRow
	Q     map[string]string
	Pager pager
}

type adminAccessRow struct {
	Entry          domain.PersonalDataAccess
	Actor, Subject domain.User
}

// adminAccessLogShow handles GET /admin/access-log: who opened whose
// personal data, when and why, newest first, filtered by viewer and
// subject (login IDs) and dates; a province administrator sees entries
// about users of their province.
func (s *Server) adminAccessLogShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	p := &adminAccessLogPage{Q: map[string]string{}}
	for _, k := range []string{"actor", "subject", "from", "to"} {
		p.Q[k] = strings.TrimSpace(q.Get(k))
	}
	page := pageParam(r)
	f := domain.PersonalDataAccessFilter{ActorID: s.actorID(ctx, p.Q["actor"]), SubjectID: s.actorID(ctx, p.Q["subject"]),
		UnderInstitutionID: scopeRoot(adminScope(ctx)), From: parseDay(p.Q["from"], false), To: parseDay(p.Q["to"], true),
		Offset: (page - 1) * adminPageSize, Limit: adminPageSize}
	var entries []domain.PersonalDataAccess
	total := 0
	if f.ActorID >= 0 && f.SubjectID >= 0 {
		var err error
		if entries, total, err = s.store.ListPersonalDataAccess(ctx, f); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	users := map[int64]domain.User{}
	user := func(id int64) domain.User {
		if u, ok := users[id]; ok {
			return u
		}
		u, _ := s.store.GetUser(ctx, id)
		users[id] = u
		return u
	}
	for _, e := range entries {
		p.Rows = append(p.Rows, adminAccessRow{Entry: e, Actor: user(e.ActorID), Subject: user(e.SubjectID)})
	}
	p.Pager = newPager(q, "/admin/access-log", page, total, false)
	s.render(w, r, http.StatusOK, "admin_access_log", p)
}

// chainVerifier is a store that checks its audit chain itself, including
// the chain head, which also catches deleted newest events
// (sqlstore.Store).
type chainVerifier interface {
	VerifyAuditChain(ctx context.Context) (badSeq int64, err error)
}
