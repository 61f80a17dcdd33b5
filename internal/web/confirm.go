package web

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/edge"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Sensitive actions (an administrator granting or taking back roles,
// locking accounts, ...) ask the user to sign a fresh challenge first:
// confirmTTL after such a signature, the session counts as confirmed.
const confirmTTL = 5 * time.Minute

// confirmed reports whether the request's session re-signed recently.
func (s *Server) confirmed(r *http.Request) bool {
	st := state(r)
	return st.session != nil && !st.session.ConfirmedAt.IsZero() && s.now().Sub(st.session.ConfirmedAt) < confirmTTL
}

// requireConfirm lets recently confirmed sessions through. Others are
// shown the confirmation page and come back once they signed:
//
//   - a GET page is shown again after the signature (next);
//   - a form POST (lock an account, revoke a grant, ...) is not lost: the
//     page is answered with 403 and carries the submitted fields along, and
//     after the signature the user lands on a page that holds the same form,
//     ready to send again with one click ([계속]);
//   - JSON and API calls get 403 {"error":{"code":"confirm_required"}}.
//
// Only sessions can be confirmed: a request without one (an API token)
// never passes. Routes open to API tokens check the caller themselves
// (apiUserSetLocked): a token was confirmed when it was issued, by its
// scopes, and carries no certificate to sign with.
func (s *Server) requireConfirm(next http.Handler) http.Handler {
	return s.requireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.confirmGate(w, r) {
			next.ServeHTTP(w, r)
		}
	}))
}

// confirmGate is requireConfirm for handlers that need the confirmation
// only for some of what a route does (a role save that makes the role an
// administration role, an approval of a privileged role): true when the
// session is confirmed; otherwise it answers as requireConfirm does and
// returns false.
func (s *Server) confirmGate(w http.ResponseWriter, r *http.Request) bool {
	if s.confirmed(r) {
		return true
	}
	lang := state(r).lang
	if wantsJSON(r) {
		s.renderError(w, r, http.StatusForbidden, "confirm_required", translate(lang, "confirm.required"))
		return false
	}
	if r.Method == http.MethodGet {
		back := r.URL.Path
		if r.URL.RawQuery != "" {
			back += "?" + r.URL.RawQuery
		}
		s.render(w, r, http.StatusOK, "confirm", confirmPage{Next: safeNext(back)})
		return false
	}
	back := r.Header.Get("Referer")
	if u, err := url.Parse(back); err == nil {
		back = u.RequestURI()
	}
	p := confirmPage{Next: safeNext(back)}
	if resume, ok := resumeOf(r); ok {
		p.ResumeAction, p.Resume = r.URL.Path, resume
		p.ActionLabel = resumeLabel(lang, r.URL.Path)
		p.Fields, _ = resumeFields(lang, resume)
		p.Notice = translate(lang, "confirm.post_lead")
	} else {
		p.Notice = translate(lang, "confirm.post_again")
	}
	s.render(w, r, http.StatusForbidden, "confirm", p)
	return false
}

type confirmPage struct {
	Next  string
	Error string
	Code  string
	// Notice explains why the page is shown or what happens next.
	Notice string
	// ResumeAction and Resume are the POST that asked for confirmation:
	// its path and its form (URL-encoded, without the CSRF token). They
	// travel through POST /auth/confirm, which then shows Fields as a
	// form posting to ResumeAction again (Resumed).
	ResumeAction, Resume string
	Resumed              bool
	// ActionLabel names the carried action in the user's language ("계정
	// 잠금"); Fields are its decoded form. Both are shown before and after
	// the signature, so the user sees what the signature is for.
	ActionLabel string
	Fields      []resumeField
}

// resumeField is one field of the form to send again; Label, when set,
// names a field the user typed (shown, not only carried).
type resumeField struct {
	Name, Value, Label string
}

// resumeSkip are the fields that are not carried to the resumed form:
// the CSRF token (the page has its own) and the confirmation's own.
var resumeSkip = map[string]bool{"csrf_token": true, "nonce": true, "certificate": true, "signature": true,
	"cms": true, "next": true, "resume": true, "resume_action": true}

// maxResume bounds the carried form (URL-encoded): admin forms are a few
// short fields; a larger one is not carried and must be filled in again.
const maxResume = 8 << 10

// resumeOf returns r's form, URL-encoded, to carry through the
// confirmation; false when r is not a form POST or its form is too large.
func resumeOf(r *http.Request) (string, bool) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		return "", false
	}
	v := url.Values{}
	for k, vs := range r.PostForm {
		if !resumeSkip[k] {
			v[k] = vs
		}
	}
	enc := v.Encode()
	return enc, len(enc) <= maxResume
}

// resumeFields decodes a carried form; known fields get their label.
func resumeFields(lang, enc string) ([]resumeField, bool) {
	v, err := url.ParseQuery(enc)
	if err != nil || len(enc) > maxResume {
		return nil, false
	}
	var out []resumeField
	for _, k := range slices.Sorted(maps.Keys(v)) {
		if resumeSkip[k] {
			continue
		}
		label := ""
		if _, ok := messages["confirm.field."+k]; ok {
			label = translate(lang, "confirm.field."+k)
		}
		for _, val := range v[k] {
			out = append(out, resumeField{Name: k, Value: val, Label: label})
		}
	}
	return out, true
}

// resumeLabel names the action of a carried form by its path, in lang:
// the account actions and grant revocation of /admin/users and the
// approvers section. It returns "" for any other path (the page then shows
// the path alone).
func resumeLabel(lang, path string) string {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	key := ""
	switch {
	case len(seg) == 2 && seg[0] == "approvals" && seg[1] == "decide":
		key = "confirm.action.request_decide"
	case len(seg) == 4 && seg[0] == "approvals" && seg[1] == "certs" && seg[3] == "decide":
		key = "confirm.action.reregister_decide"
	case len(seg) == 2 && seg[0] == "admin" && seg[1] == "api-tokens":
		key = "confirm.action.api_token_create"
	case len(seg) < 3 || seg[0] != "admin":
	case seg[1] == "users" && len(seg) == 4:
		key = "admin.action_" + seg[3] // lock, unlock, sessions, reregister
	case seg[1] == "users" && len(seg) == 6 && seg[3] == "grants" && seg[5] == "revoke":
		key = "confirm.action.grant_revoke"
	case seg[1] == "approvers" && len(seg) == 3 && seg[2] == "grant":
		key = "confirm.action.approver_grant"
	case seg[1] == "approvers" && len(seg) == 4 && seg[3] == "revoke":
		key = "confirm.action.approver_revoke"
	case seg[1] == "systems" && len(seg) >= 4 && seg[3] == "roles":
		key = "confirm.action.role_save"
	}
	if _, ok := messages[key]; !ok || key == "" {
		return ""
	}
	return translate(lang, key)
}

// safeNext keeps only a local path, so the confirmation cannot redirect
// elsewhere.
func safeNext(p string) string { return edge.SafeRedirect(p, "/menu") }

// confirmCreate handles POST /auth/confirm: the user signs a fresh
// "confirm" challenge with the certificate registered to the account.
func (s *Server) confirmCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st := state(r)
	sr, err := signedResponse(w, r)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "")
		return
	}
	next := safeNext(r.PostFormValue("next"))
	// The POST that asked for the confirmation, when there was one: kept
	// on a failure, sent again (by the user) after a success.
	resumeAction, resume := r.PostFormValue("resume_action"), r.PostFormValue("resume")
	if resumeAction != "" && safeNext(resumeAction) != resumeAction {
		resumeAction, resume = "", ""
	}
	fail := func(code, msg string) any {
		p := confirmPage{Next: next, Error: msg, Code: code, ResumeAction: resumeAction, Resume: resume}
		if resumeAction != "" {
			p.ActionLabel = resumeLabel(st.lang, resumeAction)
			p.Fields, _ = resumeFields(st.lang, resume)
		}
		return p
	}
	v, err := s.auth.Verify(ctx, pki.PurposeConfirm, sr)
	if err != nil {
		if !s.certFailure(w, r, err, "confirm", fail) {
			s.error(w, r, err)
		}
		return
	}
	actor := audit.ActorOf(*st.user, clientIP(r))
	detail := map[string]any{}
	if resumeAction != "" {
		detail["action"] = resumeAction
	}
	cert, err := s.store.GetCertificateByKeyHash(ctx, v.KeyHash)
	if err != nil || cert.UserID != st.user.ID || !cert.Current() {
		// A valid signature by a certificate that is not the user's
		// current one: worth a trace.
		if aerr := audit.Log(ctx, s.store, actor, "session.confirm_refused", "user", st.user.ID, detail, s.now()); aerr != nil {
			s.serverError(w, r, aerr)
			return
		}
		msg := translate(st.lang, "confirm.not_yours")
		if wantsJSON(r) {
			s.renderError(w, r, http.StatusForbidden, "confirm_not_yours", msg)
			return
		}
		s.render(w, r, http.StatusForbidden, "confirm", fail("confirm_not_yours", msg))
		return
	}
	now := s.now()
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.ConfirmSession(ctx, st.session.ID, now); err != nil {
			return err
		}
		detail["cert_class"] = string(cert.Class)
		return audit.Log(ctx, q, actor, "session.confirm", "user", st.user.ID, detail, now)
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	st.session.ConfirmedAt = now
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]string{"redirect": next})
		return
	}
	if resumeAction != "" {
		if fields, ok := resumeFields(st.lang, resume); ok {
			s.render(w, r, http.StatusOK, "confirm", confirmPage{Next: next, ResumeAction: resumeAction, Resumed: true,
				ActionLabel: resumeLabel(st.lang, resumeAction), Fields: fields, Notice: translate(st.lang, "confirm.resume_lead")})
			return
		}
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func init() {
	for k, v := range map[string]message{
		"confirm.title":                    {"본인 확인", "Confirm it is you"},
		"confirm.lead":                     {"중요한 작업입니다. 계속하려면 등록된 공동인증서로 다시 서명하세요. 확인은 5분 동안 유효합니다.", "This is a sensitive action. Sign again with your registered certificate to continue. The confirmation lasts 5 minutes."},
		"confirm.button":                   {"공동인증서로 본인 확인", "Confirm with your certificate"},
		"confirm.required":                 {"본인 확인이 필요합니다. 페이지를 새로 고친 뒤 공동인증서로 다시 서명하세요.", "Please confirm it is you: reload the page and sign again with your certificate."},
		"confirm.required_api":             {"본인 확인이 필요합니다. 목적이 confirm인 챌린지에 공동인증서로 서명해 POST /auth/confirm으로 보낸 뒤 다시 호출하세요(5분간 유효).", "Please confirm it is you: sign a challenge of purpose confirm with your certificate, send it to POST /auth/confirm, then call again (valid 5 minutes)."},
		"confirm.post_lead":                {"이 작업은 실행하기 전에 본인 확인이 필요합니다. 아직 실행되지 않았습니다. 공동인증서로 서명하면 입력하신 내용 그대로 작업 화면으로 돌아갑니다.", "This action needs you to confirm it is you first; it has not been carried out yet. Sign with your certificate and you come back to it with what you entered."},
		"confirm.post_again":               {"이 작업은 실행하기 전에 본인 확인이 필요합니다. 아직 실행되지 않았습니다. 공동인증서로 서명한 뒤 작업을 다시 실행하세요.", "This action needs you to confirm it is you first; it has not been carried out yet. Sign with your certificate, then run it again."},
		"confirm.resume_lead":              {"본인 확인이 끝났습니다. 요청하신 작업은 아직 실행되지 않았습니다. 아래 내용을 확인하고 [계속]을 누르면 실행합니다.", "You are confirmed. The action has not been carried out yet: check it below and press Continue to run it."},
		"confirm.resume_action":            {"작업", "Action"},
		"confirm.resume_button":            {"계속", "Continue"},
		"confirm.action.grant_revoke":      {"권한 회수", "Revoke a role"},
		"confirm.action.approver_grant":    {"승인자 지정", "Grant an approver role"},
		"confirm.action.approver_revoke":   {"승인자 해제", "Take back an approver role"},
		"confirm.action.api_token_create":  {"API 토큰 발급", "Issue an API token"},
		"confirm.action.role_save":         {"권한 설정 변경", "Change a permission's settings"},
		"confirm.action.request_decide":    {"관리자·승인자 권한 신청 승인", "Approve a request for an administrator or approver role"},
		"confirm.action.reregister_decide": {"인증서 재등록 승인", "Confirm a certificate re-registration"},
		"confirm.field.purpose":            {"열람 사유", "Reason for viewing"},
		"confirm.field.reason":             {"사유", "Reason"},
		"confirm.not_yours":                {"이 계정에 등록된 인증서가 아닙니다. 로그인에 사용한 인증서를 선택하세요.", "This certificate is not registered to your account. Choose the one you log in with."},
		"error.confirm_required.title":     {"본인 확인이 필요합니다", "Confirmation needed"},
		"error.confirm_required.message":   {"본인 확인이 필요합니다.", "Please confirm it is you."},
		"error.confirm_not_yours.title":    {"본인 확인 실패", "Confirmation failed"},
		"error.confirm_not_yours.message":  {"이 계정에 등록된 인증서가 아닙니다.", "This certificate is not registered to your account."},
	} {
		messages[k] = v
	}
}
