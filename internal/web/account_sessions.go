package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The user's own session list (접속 중인 기기 / 로그인 기록,
// /account/sessions): the live sessions of the account, this one marked,
// each of the others can be ended, or all of them at once (다른 기기 모두
// 로그아웃); and the last few logins. It shows only what tells the user
// whether a session is theirs: when, which browser on which system, and
// the network (the address cut to its /24 or /48). Ending sessions is
// CSRF-protected like every POST and audited.

// accountSessionRoutes registers the page and its actions.
func (s *Server) accountSessionRoutes(m *http.ServeMux) {
	m.Handle("GET /account/sessions", s.requireLogin(http.HandlerFunc(s.accountSessionsShow)))
	m.Handle("POST /account/sessions/others/end", s.requireLogin(http.HandlerFunc(s.accountSessionsEndOthers)))
	m.Handle("POST /account/sessions/{ref}/end", s.requireLogin(http.HandlerFunc(s.accountSessionEnd)))
}

// loginHistoryLen is how many past logins the page shows.
const loginHistoryLen = 5

// sessionRow is one session as the page shows it.
type sessionRow struct {
	Ref        string // names the session in forms; not its key
	CreatedAt  time.Time
	LastSeenAt time.Time
	Device     string // "Chrome · Windows"
	Network    string // "203.0.113.*"
	This       bool
}

// loginRow is one past login.
type loginRow struct {
	At      time.Time
	Network string
}

type sessionsPage struct {
	Sessions []sessionRow
	Logins   []loginRow
	Others   int
	Notice   string
}

// sessionRef is the name of a session in the page's forms: a digest of
// its store key, so the page never carries the key itself.
func sessionRef(id string) string {
	sum := sha256.Sum256([]byte("gwanmun-session-ref\x00" + id))
	return hex.EncodeToString(sum[:12])
}

// liveSessions returns the user's sessions that have not timed out, this
// one first, then the most recently seen.
func (s *Server) liveSessions(r *http.Request) ([]domain.Session, error) {
	st := state(r)
	all, err := s.store.ListUserSessions(r.Context(), st.user.ID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	live := all[:0]
	for _, se := range all {
		if se.ID == st.session.ID || now.Before(s.sessionEnd(&se)) {
			live = append(live, se)
		}
	}
	slices.SortStableFunc(live, func(a, b domain.Session) int {
		switch {
		case a.ID == st.session.ID:
			return -1
		case b.ID == st.session.ID:
			return 1
		}
		return b.LastSeenAt.Compare(a.LastSeenAt)
	})
	return live, nil
}

// accountSessionsShow handles GET /account/sessions.
func (s *Server) accountSessionsShow(w http.ResponseWriter, r *http.Request) {
	p := &sessionsPage{}
	switch r.URL.Query().Get("done") {
	case "one":
		p.Notice = translate(state(r).lang, "sessions.done_one")
	case "others":
		p.Notice = translate(state(r).lang, "sessions.done_others")
	}
	s.accountSessionsRender(w, r, http.StatusOK, p)
}

func (s *Server) accountSessionsRender(w http.ResponseWriter, r *http.Request, status int, p *sessionsPage) {
	ctx := r.Context()
	st := state(r)
	live, err := s.liveSessions(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, se := range live {
		p.Sessions = append(p.Sessions, sessionRow{Ref: sessionRef(se.ID), CreatedAt: se.CreatedAt, LastSeenAt: se.LastSeenAt,
			Device: deviceOf(st.lang, se.UserAgent), Network: networkOf(se.ClientAddr), This: se.ID == st.session.ID})
		if se.ID != st.session.ID {
			p.Others++
		}
	}
	logins, err := s.store.ListAudit(ctx, store.AuditFilter{ActorID: st.user.ID, Action: "user.login", Page: store.Page{Limit: loginHistoryLen}})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, ev := range logins {
		p.Logins = append(p.Logins, loginRow{At: ev.At, Network: networkOf(ev.ClientAddr)})
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "sessions", p)
}

// accountSessionEnd handles POST /account/sessions/{ref}/end: ends one
// of the user's other sessions (this one ends with 로그아웃).
func (s *Server) accountSessionEnd(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st := state(r)
	live, err := s.liveSessions(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	ref := r.PathValue("ref")
	i := slices.IndexFunc(live, func(se domain.Session) bool { return se.ID != st.session.ID && sessionRef(se.ID) == ref })
	if i < 0 {
		s.renderError(w, r, http.StatusNotFound, domain.ENOTFOUND, translate(st.lang, "sessions.gone"))
		return
	}
	now := s.now()
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.DeleteSession(ctx, live[i].ID); err != nil {
			return err
		}
		return logAudit(ctx, q, r, "session.end", "user", st.user.ID, map[string]any{"sessions_ended": 1}, now)
	})
	if errors.Is(err, store.ErrNotFound) {
		s.renderError(w, r, http.StatusNotFound, domain.ENOTFOUND, translate(st.lang, "sessions.gone"))
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]int{"ended": 1})
		return
	}
	http.Redirect(w, r, "/account/sessions?done=one", http.StatusSeeOther)
}

// accountSessionsEndOthers handles POST /account/sessions/others/end (다른
// 기기 모두 로그아웃).
func (s *Server) accountSessionsEndOthers(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st := state(r)
	now := s.now()
	var n int
	err := s.store.InTx(ctx, func(q store.Queries) error {
		var err error
		if n, err = q.DeleteOtherSessions(ctx, st.user.ID, st.session.ID); err != nil {
			return err
		}
		return logAudit(ctx, q, r, "session.end_others", "user", st.user.ID, map[string]any{"sessions_ended": n}, now)
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]int{"ended": n})
		return
	}
	http.Redirect(w, r, "/account/sessions?done=others", http.StatusSeeOther)
}

// networkOf shortens a client address to its network: an IPv4 address to
// its /24 ("203.0.113.*"), an IPv6 address to its /48.
func networkOf(addr string) string {
	ip := net.ParseIP(addr)
	switch {
	case ip == nil:
		return ""
	case ip.To4() != nil:
		v4 := ip.To4()
		return fmt.Sprintf("%d.%d.%d.*", v4[0], v4[1], v4[2])
	}
	masked := ip.Mask(net.CIDRMask(48, 128))
	return masked.String() + "/48"
}

// deviceOf names the browser and system of a User-Agent in a few words;
// the User-Agent itself is not shown.
func deviceOf(lang, ua string) string {
	browser, system := "", ""
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"Whale/", "Whale"}, {"SamsungBrowser/", "Samsung Internet"}, {"OPR/", "Opera"},
		{"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, o := range []struct{ token, name string }{
		{"Windows", "Windows"}, {"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iPadOS"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			system = o.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " · " + system
	case browser != "" || system != "":
		return browser + system
	}
	return translate(lang, "sessions.unknown_device")
}

func init() {
	for k, v := range map[string]message{
		"nav_sessions":            {"접속 중인 기기", "Signed-in devices"},
		"sessions.title":          {"접속 중인 기기 / 로그인 기록", "Signed-in devices and recent logins"},
		"sessions.live":           {"접속 중인 기기", "Signed-in devices"},
		"sessions.lead":           {"이 계정으로 로그인되어 있는 기기입니다. 모르는 기기가 있으면 로그아웃시키고 인증서 관리에서 인증서를 바꾸세요.", "These devices are signed in to your account. If you do not recognise one, sign it out and change your certificate."},
		"sessions.created":        {"로그인", "Signed in"},
		"sessions.last_seen":      {"마지막 사용", "Last active"},
		"sessions.device":         {"기기", "Device"},
		"sessions.network":        {"네트워크", "Network"},
		"sessions.this":           {"이 기기", "This device"},
		"sessions.end":            {"로그아웃", "Sign out"},
		"sessions.end_others":     {"다른 기기 모두 로그아웃", "Sign out all other devices"},
		"sessions.none_other":     {"다른 기기에는 로그인되어 있지 않습니다.", "No other device is signed in."},
		"sessions.logins":         {"최근 로그인 기록", "Recent logins"},
		"sessions.logins_lead":    {"최근 5번의 로그인입니다. 네트워크 주소는 일부만 표시합니다.", "Your last 5 logins. Network addresses are shown in part only."},
		"sessions.done_one":       {"선택한 기기를 로그아웃했습니다.", "The device was signed out."},
		"sessions.done_others":    {"다른 기기를 모두 로그아웃했습니다.", "All other devices were signed out."},
		"sessions.gone":           {"이미 종료된 접속입니다.", "That session has already ended."},
		"sessions.unknown_device": {"알 수 없는 기기", "Unknown device"},
		"sessions.no_logins":      {"기록이 없습니다.", "None recorded."},
		"sessions.login_time":     {"일시", "When"},
	} {
		messages[k] = v
	}
}
