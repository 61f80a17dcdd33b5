package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/policy"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The privacy policy (개인정보 처리방침, package policy): /privacy, linked
// from every footer, shows the version in force and, with ?version=, any
// earlier one, with the list of versions; national administrators publish
// a new version at /admin/privacy-policy.

func init() {
	adminLinks = append(adminLinks, adminLink{URL: "/admin/privacy-policy", Label: "policy.admin_title"})
	messageKeys["policy_added"] = true
}

const policiesPerPage = 50

// policyPage is the data of the privacy_policy and admin_privacy_policy
// pages.
type policyPage struct {
	Policy   domain.PrivacyPolicy // shown (zero: none published)
	Latest   int                  // the version in force
	Versions []domain.PrivacyPolicy
	Error    string
	Draft    string
}

func (s *Server) policyPageData(ctx context.Context, version int) (*policyPage, error) {
	p := &policyPage{}
	vs, _, err := s.store.ListPrivacyPolicies(ctx, store.Page{Limit: policiesPerPage})
	if err != nil {
		return nil, err
	}
	p.Versions = vs
	if len(vs) > 0 {
		p.Latest = vs[0].Version
	}
	if p.Policy, err = s.store.PrivacyPolicy(ctx, version); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return p, nil
}

// privacyPolicyShow handles GET /privacy[?version=N].
func (s *Server) privacyPolicyShow(w http.ResponseWriter, r *http.Request) {
	v := 0
	if q := r.URL.Query().Get("version"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n <= 0 {
			s.renderError(w, r, http.StatusNotFound, domain.ENOTFOUND, translate(state(r).lang, "policy.no_version"))
			return
		}
		v = n
	}
	p, err := s.policyPageData(r.Context(), v)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if v != 0 && p.Policy.Version == 0 {
		s.renderError(w, r, http.StatusNotFound, domain.ENOTFOUND, translate(state(r).lang, "policy.no_version"))
		return
	}
	s.render(w, r, http.StatusOK, "privacy_policy", p)
}

// adminPrivacyPolicyShow handles GET /admin/privacy-policy.
func (s *Server) adminPrivacyPolicyShow(w http.ResponseWriter, r *http.Request) {
	p, err := s.policyPageData(r.Context(), 0)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Draft = p.Policy.Text
	s.render(w, r, http.StatusOK, "admin_privacy_policy", p)
}

// adminPrivacyPolicyCreate handles POST /admin/privacy-policy: a new
// version (text).
func (s *Server) adminPrivacyPolicyCreate(w http.ResponseWriter, r *http.Request) {
	text := r.PostFormValue("text")
	err := s.adminTx(r, func(ctx context.Context, q store.Queries, a audit.Actor) error {
		_, err := policy.Add(ctx, q, a, text, "admin", s.now())
		return err
	})
	var de *domain.Error
	if errors.As(err, &de) {
		p, perr := s.policyPageData(r.Context(), 0)
		if perr != nil {
			s.serverError(w, r, perr)
			return
		}
		p.Error, p.Draft = de.Message, text
		s.render(w, r, httpStatus(de.Code), "admin_privacy_policy", p)
		return
	} else if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/privacy-policy?msg=policy_added", http.StatusSeeOther)
}
