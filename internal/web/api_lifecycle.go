package web

import (
	"net/http"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/lifecycle"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The JSON API of the account's later life (issue 18; docs/api.md):
// change of institution, for the user and the confirming centre. Grant
// renewal is apiGrantRenew (account_renew.go).

// apiInstitutionChange handles POST /api/v1/me/institution-change
// {"institutionId"}: 201 with the pending change.
func (s *Server) apiInstitutionChange(w http.ResponseWriter, r *http.Request) {
	var in struct {
		InstitutionID int64 `json:"institutionId"`
	}
	if !s.readJSON(w, r, &in) {
		return
	}
	ctx := r.Context()
	var c domain.InstitutionChange
	err := s.store.InTx(ctx, func(q store.Queries) error {
		u, err := q.GetUser(ctx, userFrom(ctx).ID)
		if err != nil {
			return err
		}
		c, _, err = lifecycle.RequestChange(ctx, q, u, in.InstitutionID, clientIP(r), s.lifecycleMail(), s.now())
		return err
	})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"change": instChangeJSON(lifecycle.ChangeOutcome{Change: c})})
}

// apiInstitutionChangeWithdraw handles POST
// /api/v1/me/institution-change/{id}/withdraw: 204.
func (s *Server) apiInstitutionChangeWithdraw(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	err := s.store.InTx(ctx, func(q store.Queries) error {
		return lifecycle.WithdrawChange(ctx, q, *userFrom(ctx), id, clientIP(r), s.now())
	})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiInstitutionChangeDecide handles POST
// /api/v1/approvals/institution-changes/{id}/decision
// {"decision": "approve"|"reject", "reason"}.
func (s *Server) apiInstitutionChangeDecide(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	var in struct {
		Decision string `json:"decision"`
		Reason   string `json:"reason"`
	}
	if !s.readJSON(w, r, &in) {
		return
	}
	if in.Decision != "approve" && in.Decision != "reject" {
		fieldErrors(w, translate(state(r).lang, "approvals.choose_action"), map[string]string{"decision": "approve 또는 reject"})
		return
	}
	out, err := s.decideInstChange(r, id, in.Decision == "approve", in.Reason)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"change": instChangeJSON(out)})
}
