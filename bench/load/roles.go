package main

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/bench/harness"
	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/demo"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// -role-pages: the pages that need users holding roles. The approver
// inbox (/approvals) and 권한/부가정보 (/account/roles) are timed as the
// first bench user, made the covid19 system's health-centre approver at
// the bench health centre; the admin user search as the second, made a
// national administrator. One user cannot be both: an approver decides the
// requests routed to their own institution, which must be a health centre,
// and only an administrator at the national agency administers
// everything (internal/access: ScopeOf, AdminScopeOf). Every other bench
// user files one pending request for the medical-user role, routed to the
// bench health centre, so the inbox is a realistic one.

const (
	// benchCentreCode is the bench health centre (보건소); the bench
	// medical institution is placed under it.
	benchCentreCode = "BENCH-LOAD-HC01"
	approverIndex   = 0 // bench-00001
	adminIndex      = 1 // bench-00002
	// minRoleUsers: the approver, the administrator and one applicant.
	minRoleUsers = 3
	// approvalsPageSize is the inbox's page size (internal/web).
	approvalsPageSize = 20
	adminPageSize     = 20
)

// benchActor is the audit actor of the driver's setup.
var benchActor = audit.Actor{Pseudonym: "bench-load"}

// roleSetup is what setupRoles left in the database.
type roleSetup struct {
	Centre       domain.Institution
	ApproverRole domain.Role // approver-hc
	Requested    domain.Role // user-medical, the role the applicants asked for
	Seeded       bool        // the demo data was seeded (the database had no system)
	NewGrants    int
	NewRequests  int
	// Pending is the number of pending requests at the bench centre.
	Pending int
}

// inTx is a store.Store whose InTx runs in an open transaction, so that
// demo.Seed joins the setup's transaction.
type inTx struct{ store.Queries }

func (t inTx) InTx(ctx context.Context, fn func(store.Queries) error) error { return fn(t.Queries) }
func (inTx) Ping(context.Context) error                                     { return nil }
func (inTx) Close() error                                                   { return nil }

// setupRoles gives the bench users the roles of -role-pages, in one
// transaction, after registerUsers: it seeds the demo data (systems, roles,
// institutions) with demo.Seed when the database has no system at all,
// creates the bench health centre and places the bench medical institution
// under it, moves the first bench user there with the approver-hc grant,
// moves the second to the national agency with the national-admin grant,
// and files a pending user-medical request (access.CreateRequest, as the
// 권한 신청 page does) for every other bench user that has none and does
// not hold the role. Reruns change nothing that is already in place.
func setupRoles(ctx context.Context, st store.Store, users []benchUser) (roleSetup, error) {
	if len(users) < minRoleUsers {
		return roleSetup{}, fmt.Errorf("-role-pages needs at least %d users, not %d", minRoleUsers, len(users))
	}
	var rs roleSetup
	err := st.InTx(ctx, func(tx store.Queries) error {
		rs = roleSetup{}
		now := time.Now().UTC()
		systems, err := tx.ListSystems(ctx)
		if err != nil {
			return err
		}
		if len(systems) == 0 {
			if _, err := demo.Seed(ctx, inTx{tx}, now); err != nil {
				return err
			}
			rs.Seeded = true
		}
		sys, err := tx.GetSystemByCode(ctx, demo.SystemCovid)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("the database has systems but not %s (the demo data): -role-pages cannot set up its roles", demo.SystemCovid)
		} else if err != nil {
			return err
		}
		role := func(code string) (domain.Role, error) {
			r, err := tx.GetRoleByCode(ctx, sys.ID, code)
			if err != nil {
				return r, fmt.Errorf("role %s/%s: %w", demo.SystemCovid, code, err)
			}
			return r, nil
		}
		if rs.ApproverRole, err = role(demo.RoleApprover); err != nil {
			return err
		}
		if rs.Requested, err = role(demo.RoleUser); err != nil {
			return err
		}
		adminRole, err := role(demo.RoleNationalAdmin)
		if err != nil {
			return err
		}
		national, err := firstInstitution(ctx, tx, domain.KindNational, "")
		if err != nil {
			return fmt.Errorf("national agency: %w", err)
		}

		// The bench health centre, under Seoul (region 11) when there is
		// such a province, else under the national agency.
		rs.Centre, err = tx.GetInstitutionByCode(ctx, benchCentreCode)
		if errors.Is(err, store.ErrNotFound) {
			parent := national
			if p, err := firstInstitution(ctx, tx, domain.KindProvince, "11"); err == nil {
				parent = p
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			rs.Centre = domain.Institution{Code: benchCentreCode, Name: "부하시험보건소 (load test)", Kind: domain.KindHealthCentre,
				ParentID: parent.ID, RegionCode: "11110", CreatedAt: now, UpdatedAt: now}
			err = tx.CreateInstitution(ctx, &rs.Centre)
		}
		if err != nil {
			return fmt.Errorf("bench health centre: %w", err)
		}
		if rs.Centre.Kind != domain.KindHealthCentre {
			return fmt.Errorf("institution %s is a %s, not a health centre", benchCentreCode, rs.Centre.Kind)
		}
		clinic, err := tx.GetInstitutionByCode(ctx, benchInstitutionCode)
		if err != nil {
			return fmt.Errorf("bench institution: %w", err)
		}
		if clinic.ParentID != rs.Centre.ID {
			clinic.ParentID, clinic.UpdatedAt = rs.Centre.ID, now
			if err := tx.UpdateInstitution(ctx, &clinic); err != nil {
				return err
			}
		}

		// The approver and the administrator.
		for _, g := range []struct {
			index int
			inst  domain.Institution
			role  domain.Role
		}{{approverIndex, rs.Centre, rs.ApproverRole}, {adminIndex, national, adminRole}} {
			u, err := tx.GetUserByLoginID(ctx, loginID(g.index))
			if err != nil {
				return fmt.Errorf("user %s (run registerUsers first): %w", loginID(g.index), err)
			}
			if u.InstitutionID != g.inst.ID {
				u.InstitutionID, u.UpdatedAt = g.inst.ID, now
				if err := tx.UpdateUser(ctx, &u); err != nil {
					return err
				}
			}
			held, err := tx.ListGrants(ctx, store.GrantFilter{UserID: u.ID, RoleID: g.role.ID, ActiveAt: now})
			if err != nil {
				return err
			}
			if len(held) > 0 {
				continue
			}
			gr := domain.Grant{UserID: u.ID, RoleID: g.role.ID, GrantedAt: now}
			if err := tx.CreateGrant(ctx, &gr); err != nil {
				return fmt.Errorf("grant %s to %s: %w", g.role.Code, u.LoginID, err)
			}
			if err := audit.Log(ctx, tx, benchActor, "grant.create", "grant", gr.ID,
				map[string]any{"role": g.role.Code, "user": u.Pseudonym, "via": "bench/load"}, now); err != nil {
				return err
			}
			rs.NewGrants++
		}

		// One pending request per other bench user.
		for i := range users {
			if i == approverIndex || i == adminIndex {
				continue
			}
			u, err := tx.GetUserByLoginID(ctx, loginID(i))
			if err != nil {
				return fmt.Errorf("user %s: %w", loginID(i), err)
			}
			if u.InstitutionID != clinic.ID || u.Status != domain.UserActive {
				continue
			}
			pending, _, err := tx.ListRequests(ctx, store.RequestFilter{UserID: u.ID, RoleID: rs.Requested.ID,
				Status: domain.RequestPending, Page: store.Page{Limit: 1}})
			if err != nil {
				return err
			}
			if len(pending) > 0 {
				continue
			}
			held, err := tx.ListGrants(ctx, store.GrantFilter{UserID: u.ID, RoleID: rs.Requested.ID, ActiveAt: now})
			if err != nil {
				return err
			}
			if len(held) > 0 {
				continue
			}
			_, _, err = access.CreateRequest(ctx, tx, audit.ActorOf(u, "127.0.0.1"), access.NewRequest{
				Applicant: u, CertClass: domain.CertPersonal, RoleID: rs.Requested.ID,
				ApproverInstitutionID: rs.Centre.ID, Justification: "부하시험 (load test)",
			}, now)
			if err != nil {
				return fmt.Errorf("request of %s: %w", u.LoginID, err)
			}
			rs.NewRequests++
		}
		_, rs.Pending, err = tx.ListRequests(ctx, store.RequestFilter{ApproverInstitutionID: rs.Centre.ID,
			Status: domain.RequestPending, Page: store.Page{Limit: 1}})
		return err
	})
	return rs, err
}

// firstInstitution returns an institution of kind in use whose region code
// starts with region, or store.ErrNotFound.
func firstInstitution(ctx context.Context, q store.Queries, kind domain.InstitutionKind, region string) (domain.Institution, error) {
	list, _, err := q.ListInstitutions(ctx, store.InstitutionFilter{Kind: kind, Region: region, Page: store.Page{Limit: 50}})
	if err != nil {
		return domain.Institution{}, err
	}
	for _, in := range list {
		if in.RetiredAt.IsZero() {
			return in, nil
		}
	}
	return domain.Institution{}, store.ErrNotFound
}

// rolePage is a page of -role-pages: whose session it uses and what its
// answer must show.
type rolePage struct {
	Path  string
	User  int // index of the bench user whose session is used
	Check func(body string) error
}

var benchLoginIDs = regexp.MustCompile(`bench-[0-9]{5}`)

// distinctLoginIDs returns the distinct bench login IDs in body, minus skip.
func distinctLoginIDs(body string, skip ...string) map[string]bool {
	seen := map[string]bool{}
	for _, id := range benchLoginIDs.FindAllString(body, -1) {
		seen[id] = true
	}
	for _, s := range skip {
		delete(seen, s)
	}
	return seen
}

// rolePages returns the pages of -role-pages with the checks of their
// answers, so that the timings cannot be those of an error page or an
// empty list.
func rolePages(rs roleSetup, users int) []rolePage {
	return []rolePage{
		{Path: "/approvals", User: approverIndex, Check: func(body string) error {
			want := min(rs.Pending, approvalsPageSize)
			if want == 0 {
				return errors.New("no pending request at the bench health centre")
			}
			got := distinctLoginIDs(body, loginID(approverIndex), loginID(adminIndex))
			if len(got) < want || !strings.Contains(body, `name="id"`) {
				return fmt.Errorf("the inbox lists %d bench applicants, want %d (of %d pending)", len(got), want, rs.Pending)
			}
			return nil
		}},
		{Path: "/account/roles", User: approverIndex, Check: func(body string) error {
			if !strings.Contains(body, rs.ApproverRole.Name) || !strings.Contains(body, loginID(approverIndex)) {
				return fmt.Errorf("the page does not show %s holding %q", loginID(approverIndex), rs.ApproverRole.Name)
			}
			return nil
		}},
		{Path: "/admin/users?q=bench", User: adminIndex, Check: func(body string) error {
			want := min(users, adminPageSize)
			if got := distinctLoginIDs(body); len(got) < want {
				return fmt.Errorf("the search lists %d bench users, want %d", len(got), want)
			}
			return nil
		}},
	}
}

// checkPage makes one untimed GET of path with session and checks that it
// answers 200 with a page that passes check.
func checkPage(ctx context.Context, c *http.Client, baseURL, path string, session *http.Cookie, check func(string) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+path, nil)
	if err != nil {
		return err
	}
	req.AddCookie(session)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	body, err := harness.Drain(resp.Body, 1<<22)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d (location %q)", path, resp.StatusCode, resp.Header.Get("Location"))
	}
	if err := check(html.UnescapeString(string(body))); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}

// loginSession logs u in with a certificate like the timed logins do
// (anonymous CSRF cookie, signed challenge, POST /login) and returns the
// session cookie.
func loginSession(ctx context.Context, f *clientFactory, baseURL string, u benchUser) (*http.Cookie, error) {
	c := f.newClient()
	defer c.CloseIdleConnections()
	sc := &loginScenario{BaseURL: baseURL, Users: []benchUser{u}, RequireSession: true}
	if err := sc.Prepare(ctx, []*http.Client{c}, 1); err != nil {
		return nil, err
	}
	if o := sc.Do(ctx, c, 0); !o.OK {
		return nil, fmt.Errorf("login: %s", o.Key())
	}
	return sc.Sessions[0], nil
}

// runRolePages logs the approver and the administrator in, checks each
// page once, then times it with harness.GetScenario.
func runRolePages(ctx context.Context, cfg harness.Config, f *clientFactory, clients []*http.Client, baseURL string,
	users []benchUser, rs roleSetup, stdout, stderr io.Writer) ([]*harness.Result, error) {
	sessions := map[int]*http.Cookie{}
	for _, i := range []int{approverIndex, adminIndex} {
		s, err := loginSession(ctx, f, baseURL, users[i])
		if err != nil {
			return nil, fmt.Errorf("-role-pages: %s: %w", loginID(i), err)
		}
		sessions[i] = s
	}
	fmt.Fprintf(stderr, "role pages: as %s (approver at %s, %d pending requests) and %s (national administrator)\n",
		loginID(approverIndex), rs.Centre.Code, rs.Pending, loginID(adminIndex))
	var out []*harness.Result
	for _, p := range rolePages(rs, len(users)) {
		session := sessions[p.User]
		if err := checkPage(ctx, clients[0], baseURL, p.Path, session, p.Check); err != nil {
			return nil, fmt.Errorf("-role-pages: as %s: %w", loginID(p.User), err)
		}
		g := &harness.GetScenario{BaseURL: baseURL, Path: p.Path,
			Cookies: func(int) []*http.Cookie { return []*http.Cookie{session} }}
		r, err := harness.Run(ctx, cfg, g, clients)
		if err != nil {
			return nil, err
		}
		fmt.Fprintln(stdout, r.Summary())
		out = append(out, r)
	}
	return out, nil
}
