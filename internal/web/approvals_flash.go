package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
)

// The outcome of a decision travels from POST /approvals/decide to the
// inbox it redirects to (Post/Redirect/Get: a reload does not decide
// again) in a short-lived cookie, signed and bound to the session's CSRF
// token so that nobody else can plant text on the page. It holds request
// IDs and, for refusals, their message; the inbox names the applicant and
// the role of each decision made from the store.
const (
	flashCookie = "gwanmun_flash"
	flashPath   = "/approvals"
	flashMaxAge = 120                // seconds: only the redirect needs it
	flashMaxLen = 3000               // bytes of JSON; refusal texts beyond are dropped
	flashFailed = "approvals.failed" // the text of a refusal whose message did not fit
)

// flashItem is one decision's outcome.
type flashItem struct {
	ID  int64  `json:"i"`
	OK  bool   `json:"o,omitempty"`
	Msg string `json:"m,omitempty"`
}

type flash struct {
	Action string      `json:"a"` // approve or reject
	Items  []flashItem `json:"r"`
}

func (s *Server) flashMAC(csrf string, payload []byte) []byte {
	m := hmac.New(sha256.New, s.cfg.CSRFKey)
	m.Write([]byte("gwanmun-flash\x00" + csrf + "\x00"))
	m.Write(payload)
	return m.Sum(nil)
}

// setFlash stores f for the next page of this session.
func (s *Server) setFlash(w http.ResponseWriter, r *http.Request, f flash) {
	b, _ := json.Marshal(f)
	for i := len(f.Items) - 1; len(b) > flashMaxLen && i >= 0; i-- {
		if f.Items[i].Msg != "" {
			f.Items[i].Msg = ""
			b, _ = json.Marshal(f)
		}
	}
	if len(b) > flashMaxLen {
		return // a hundred IDs always fit; this cannot happen
	}
	v := base64.RawURLEncoding.EncodeToString(b) + "." + base64.RawURLEncoding.EncodeToString(s.flashMAC(state(r).csrf, b))
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: v, Path: flashPath, MaxAge: flashMaxAge,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// takeFlash returns the flash of this session, if any, and deletes it.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) (flash, bool) {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return flash{}, false
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: flashPath, MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	p, m, ok := strings.Cut(c.Value, ".")
	if !ok {
		return flash{}, false
	}
	b, err1 := base64.RawURLEncoding.DecodeString(p)
	mac, err2 := base64.RawURLEncoding.DecodeString(m)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, s.flashMAC(state(r).csrf, b)) {
		return flash{}, false
	}
	var f flash
	if json.Unmarshal(b, &f) != nil || (f.Action != "approve" && f.Action != "reject") {
		return flash{}, false
	}
	return f, true
}

// flashResults turns a flash into the inbox's result lines: a decision
// names the applicant (name and ID) and the role; a refusal keeps its
// message and only the request number (it may be another centre's).
func (s *Server) flashResults(r *http.Request, f flash) []decisionResult {
	lang := state(r).lang
	out := make([]decisionResult, 0, len(f.Items))
	for _, it := range f.Items {
		res := decisionResult{RequestID: it.ID, OK: it.OK, Message: it.Msg}
		if !it.OK {
			if res.Message == "" {
				res.Message = translate(lang, flashFailed)
			}
			out = append(out, res)
			continue
		}
		res.Message = translate(lang, "approvals.done_"+f.Action)
		if req, err := s.store.GetRequest(r.Context(), it.ID); err == nil {
			u, uerr := s.store.GetUser(r.Context(), req.UserID)
			role, rerr := s.store.GetRole(r.Context(), req.RoleID)
			if uerr == nil && rerr == nil {
				res.Applicant, res.LoginID, res.Role = u.Name, u.LoginID, role.Name
				res.Message = translate(lang, "approvals.decided_"+f.Action)
			}
		}
		out = append(out, res)
	}
	return out
}
