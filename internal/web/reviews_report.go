package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/review"
	"github.com/gwanmun/gwanmun/internal/store"
)

func init() {
	adminLinks = append(adminLinks, adminLink{URL: "/admin/access-log/report", Label: "report.title"})
	for k, v := range map[string]message{
		"report.title":                          {"접속기록 점검", "Access-log review"},
		"report.month":                          {"점검 월", "Month"},
		"report.scope":                          {"범위", "Scope"},
		"report.all":                            {"전체", "All"},
		"report.viewer":                         {"열람자", "Viewer"},
		"report.views":                          {"열람", "Views"},
		"report.exports":                        {"반출", "Exports"},
		"report.night":                          {"야간", "At night"},
		"report.outside":                        {"관할 외", "Outside jurisdiction"},
		"report.subjects":                       {"대상자 수", "Subjects"},
		"report.purposes":                       {"열람 사유", "Stated purposes"},
		"report.flags":                          {"확인 필요", "Flags"},
		"report.none":                           {"이 달의 개인정보 열람 기록이 없습니다.", "No personal-data access this month."},
		"report.rules":                          {"기준: 반출 %d건 이상, 열람 %d건 이상, %d시~%d시 접속, 관할 밖 대상자 열람", "Rules: %d+ exports, %d+ views, access between %d:00 and %d:00, subjects outside one's jurisdiction"},
		"report.signoff":                        {"점검 완료 서명", "Sign off"},
		"report.comment":                        {"점검 의견", "Comment"},
		"report.signed":                         {"점검 완료 기록", "Sign-offs"},
		"report.signed_ok":                      {"점검 완료를 감사 로그에 기록했습니다.", "The sign-off is recorded in the audit log."},
		"report.total":                          {"합계", "Total"},
		"report.flagged":                        {"확인 필요 열람자", "Flagged viewers"},
		"report.flag_" + review.FlagManyExports: {"대량 반출", "Many exports"},
		"report.flag_" + review.FlagManyViews:   {"대량 열람", "Many views"},
		"report.flag_" + review.FlagNight:       {"야간 접속", "At night"},
		"report.flag_" + review.FlagOutside:     {"관할 외 열람", "Outside jurisdiction"},
	} {
		messages[k] = v
	}
}

// accessReportPage is the monthly access-log report.
type accessReportPage struct {
	Report   review.Report
	Month    string
	Scope    string // institution code, "" for all
	National bool
	SignOffs []domain.AuditEvent
	Signers  map[int64]domain.User
	Signed   bool
	Error    string
}

// accessReportScope returns the report's scope for the administrator:
// their province, or for a national administrator the institution of
// ?scope=CODE (default all).
func (s *Server) accessReportScope(r *http.Request, code string) (domain.Institution, error) {
	sc := adminScope(r.Context())
	if !sc.National {
		return sc.Province, nil
	}
	if code == "" {
		return domain.Institution{}, nil
	}
	inst, err := s.store.GetInstitutionByCode(r.Context(), code)
	if errors.Is(err, store.ErrNotFound) {
		return inst, domain.Errorf(domain.EINVALID, "기관 코드를 찾을 수 없습니다.")
	}
	return inst, err
}

// accessReportShow handles GET /admin/access-log/report?month=YYYY-MM.
func (s *Server) accessReportShow(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.accessReportRender(w, r, http.StatusOK, q.Get("month"), q.Get("scope"), q.Get("signed") != "", "")
}

func (s *Server) accessReportRender(w http.ResponseWriter, r *http.Request, status int, month, code string, signed bool, errMsg string) {
	ctx := r.Context()
	if month == "" {
		month = s.now().In(kst).AddDate(0, -1, 0).Format("2006-01") // last month: the one to review
	}
	p := &accessReportPage{Month: month, Scope: strings.TrimSpace(code), National: adminScope(ctx).National, Signed: signed, Error: errMsg}
	scope, err := s.accessReportScope(r, p.Scope)
	var de *domain.Error
	if errors.As(err, &de) {
		s.renderError(w, r, httpStatus(de.Code), de.Code, de.Message)
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Report, err = review.MonthlyReport(ctx, s.store, month, scope, s.cfg.AccessLogReport)
	if errors.As(err, &de) {
		s.renderError(w, r, httpStatus(de.Code), de.Code, de.Message)
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	if p.SignOffs, err = review.SignOffs(ctx, s.store, p.Report.Month, scope); err != nil {
		s.serverError(w, r, err)
		return
	}
	var ids []int64
	for _, e := range p.SignOffs {
		ids = append(ids, e.ActorID)
	}
	if p.Signers, err = s.store.GetUsers(ctx, ids); err != nil {
		s.serverError(w, r, err)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, status, p.Report.JSON())
		return
	}
	s.render(w, r, status, "admin_access_report", p)
}

// accessReportSignOff handles POST /admin/access-log/report/signoff: the
// administrator signs off the month's report (an audit event with its
// counts).
func (s *Server) accessReportSignOff(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "")
		return
	}
	month, code := r.PostFormValue("month"), strings.TrimSpace(r.PostFormValue("scope"))
	scope, err := s.accessReportScope(r, code)
	var de *domain.Error
	if errors.As(err, &de) {
		s.renderError(w, r, httpStatus(de.Code), de.Code, de.Message)
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	rep, err := review.MonthlyReport(ctx, s.store, month, scope, s.cfg.AccessLogReport)
	if err == nil {
		err = review.SignOff(ctx, s.store, *userFrom(ctx), clientIP(r), rep, r.PostFormValue("comment"), s.now())
	}
	if errors.As(err, &de) {
		s.accessReportRender(w, r, httpStatus(de.Code), month, code, false, de.Message)
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := url.Values{"month": {rep.Month}, "signed": {"1"}}
	if code != "" {
		v.Set("scope", code)
	}
	http.Redirect(w, r, "/admin/access-log/report?"+v.Encode(), http.StatusSeeOther)
}
