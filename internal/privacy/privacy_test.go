package privacy_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/demo"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/notify"
	"github.com/gwanmun/gwanmun/internal/privacy"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
	"github.com/gwanmun/gwanmun/internal/testenv"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type fixture struct {
	t    *testing.T
	ctx  context.Context
	st   *sqlstore.Store
	demo *demo.Result
}

// forEachDB runs fn on a fresh demo-seeded SQLite file and PostgreSQL
// schema (GWANMUN_TEST_PG; skipped locally without it, failing in CI).
func forEachDB(t *testing.T, fn func(t *testing.T, f *fixture)) {
	open := func(t *testing.T, url string) {
		st, err := sqlstore.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		res, err := demo.Seed(context.Background(), st, t0)
		if err != nil {
			t.Fatal(err)
		}
		fn(t, &fixture{t: t, ctx: context.Background(), st: st, demo: res})
	}
	t.Run("sqlite", func(t *testing.T) { open(t, "sqlite:"+filepath.Join(t.TempDir(), "privacy.db")) })
	t.Run("postgres", func(t *testing.T) { open(t, testenv.PostgresSchema(t)) })
}

// person is the personal data of the withdrawing user; every value is
// unlike anything in the demo data.
type person struct {
	name, mobile, office, email, subject string
}

var kim = person{name: "탈퇴김지움", mobile: "01055519876", office: "0315557777", email: "Jium.Withdraw@example.org",
	subject: "CN=탈퇴김지움()0098765,OU=personal4IB,O=yessign,C=KR"}

func (p person) needles() []string {
	return []string{p.name, p.mobile, p.office, p.email, strings.ToLower(p.email), p.subject, "탈퇴김지움()0098765"}
}

// account creates the user with a current certificate, a held grant, a
// pending request whose note repeats the name and phone, a pending
// certificate re-registration request, a session, an e-mail to the user,
// and an entry of the personal-data access log about the user.
func (f *fixture) account(p person, login string, keyHash []byte) domain.User {
	f.t.Helper()
	clinic := f.demo.Medical[0]
	u := domain.User{LoginID: login, Name: p.name, InstitutionID: clinic.ID, Mobile: p.mobile, OfficePhone: p.office,
		Email: p.email, Status: domain.UserActive, ConsentVersion: 1, ConsentAt: t0, CreatedAt: t0, Pseudonym: "u-" + login}
	must(f.t, f.st.CreateUser(f.ctx, &u))
	der := append([]byte{0x30, 0x82, 0x01, 0x00, 0x0c, byte(len(p.name))}, p.name...)
	c := domain.Certificate{UserID: u.ID, SubjectDN: p.subject, IssuerDN: "CN=yessignCA Class 2,O=yessign,C=KR", Serial: "5a5a01",
		KeyHash: keyHash, NotBefore: t0, NotAfter: t0.AddDate(1, 0, 0), Class: domain.CertPersonal, DER: der, RegisteredAt: t0}
	must(f.t, f.st.AddCertificate(f.ctx, &c))
	must(f.t, f.st.CreateGrant(f.ctx, &domain.Grant{UserID: u.ID, RoleID: f.demo.AutoReportRoleID, GrantedAt: t0}))
	centre, err := f.st.JurisdictionCentre(f.ctx, clinic.ID)
	must(f.t, err)
	must(f.t, f.st.InTx(f.ctx, func(q store.Queries) error {
		_, _, err := access.CreateRequest(f.ctx, q, audit.ActorOf(u, "192.0.2.9"), access.NewRequest{Applicant: u, CertClass: domain.CertPersonal,
			RoleID: f.demo.UserRoleID, ApproverInstitutionID: centre.ID, Justification: p.name + " " + p.mobile + " 접종 담당"},
			t0.Add(time.Minute))
		return err
	}))
	must(f.t, f.st.CreateCertRequest(f.ctx, &domain.CertRequest{UserID: u.ID, ApproverInstitutionID: centre.ID, SubjectDN: p.subject,
		Serial: "5a5a02", KeyHash: append([]byte("new-"), keyHash...), Class: domain.CertPersonal, DER: der, CreatedAt: t0}))
	must(f.t, f.st.CreateSession(f.ctx, &domain.Session{ID: "session-" + login, UserID: u.ID, CSRFToken: "csrf", CertID: c.ID,
		CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour), ClientAddr: "192.0.2.9", UserAgent: "Mozilla/5.0"}))
	msgs, err := notify.InactiveWarning(notify.Site{BaseURL: "https://portal.example"}, notify.Recipient{Name: p.name, Email: p.email}, t0, t0.AddDate(1, 0, 0))
	must(f.t, err)
	for i := range msgs {
		must(f.t, f.st.EnqueueMail(f.ctx, &msgs[i]))
	}
	admin := f.user("admin")
	must(f.t, f.st.LogPersonalDataAccess(f.ctx, &domain.PersonalDataAccess{At: t0, ActorID: admin.ID, SubjectID: u.ID,
		SubjectInstitutionID: clinic.ID, Purpose: "권한 신청 확인"}))
	return u
}

func (f *fixture) user(login string) domain.User {
	f.t.Helper()
	u, err := f.st.GetUserByLoginID(f.ctx, login)
	must(f.t, err)
	return u
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// findEverywhere searches every text and binary column of every table of
// the database for each needle and returns "table.column: needle" for
// each hit.
func findEverywhere(t *testing.T, st *sqlstore.Store, needles []string) []string {
	t.Helper()
	ctx := context.Background()
	q := "SELECT name FROM sqlite_master WHERE type = 'table'"
	if st.Dialect() == sqlstore.Postgres {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	}
	tables := queryStrings(t, st.DB(), q)
	if len(tables) < 10 {
		t.Fatalf("found only tables %v", tables)
	}
	var hits []string
	for _, table := range tables {
		rows, err := st.DB().QueryContext(ctx, `SELECT * FROM "`+table+`"`)
		must(t, err)
		cols, err := rows.Columns()
		must(t, err)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			must(t, rows.Scan(ptrs...))
			for i, v := range vals {
				var b []byte
				switch x := v.(type) {
				case string:
					b = []byte(x)
				case []byte:
					b = x
				default:
					continue
				}
				for _, n := range needles {
					if bytes.Contains(b, []byte(n)) {
						hits = append(hits, fmt.Sprintf("%s.%s: %q", table, cols[i], n))
					}
				}
			}
		}
		must(t, rows.Err())
		rows.Close()
	}
	return hits
}

func queryStrings(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	must(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		must(t, rows.Scan(&s))
		out = append(out, s)
	}
	must(t, rows.Err())
	return out
}

// TestWithdrawErasesEverywhere: after a withdrawal none of the user's
// personal data is left in any table of the database, while before it
// every kind of it was found (so the search can fail).
func TestWithdrawErasesEverywhere(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		u := f.account(kim, "jium01", []byte("kim-key-hash-0000000000000000000"))
		other := f.account(person{name: "남아있는박", mobile: "01055510000", office: "0315550000", email: "stay@example.org",
			subject: "CN=남아있는박()0011111,OU=personal4IB,O=yessign,C=KR"}, "stay01", []byte("stay-key-hash-000000000000000000"))

		before := findEverywhere(t, f.st, kim.needles())
		for _, n := range []string{"users.name", "users.mobile", "users.office_phone", "users.email", "certificates.subject_dn",
			"certificates.der", "role_requests.justification", "cert_requests.subject_dn", "outbox.recipient", "outbox.body"} {
			if !strings.Contains(strings.Join(before, "\n"), n+":") {
				t.Errorf("before the withdrawal the search found nothing in %s; hits:\n%s", n, strings.Join(before, "\n"))
			}
		}

		// Only the account's own current certificate confirms.
		now := t0.Add(time.Hour)
		actor := audit.ActorOf(u, "192.0.2.9")
		withdraw := func(keyHash []byte) (privacy.Withdrawal, error) {
			var w privacy.Withdrawal
			err := f.st.InTx(f.ctx, func(q store.Queries) error {
				var err error
				w, err = privacy.Withdraw(f.ctx, q, u.ID, keyHash, actor, now)
				return err
			})
			return w, err
		}
		if _, err := withdraw([]byte("stay-key-hash-000000000000000000")); !errors.Is(err, privacy.ErrNotOwnCert) {
			t.Fatalf("withdraw with another user's certificate: %v, want ErrNotOwnCert", err)
		}
		if _, err := withdraw([]byte("no-such-key")); !errors.Is(err, privacy.ErrNotOwnCert) {
			t.Fatalf("withdraw with an unknown certificate: %v, want ErrNotOwnCert", err)
		}
		w, err := withdraw([]byte("kim-key-hash-0000000000000000000"))
		must(t, err)
		if w != (privacy.Withdrawal{GrantsEnded: 1, RequestsCancelled: 1, CertRequestsCancelled: 1}) {
			t.Errorf("withdrawal = %+v", w)
		}

		if hits := findEverywhere(t, f.st, kim.needles()); len(hits) > 0 {
			t.Errorf("personal data left after the withdrawal:\n%s", strings.Join(hits, "\n"))
		}
		// The other user keeps everything.
		if hits := findEverywhere(t, f.st, []string{other.Name, other.Mobile, other.Email}); len(hits) < 3 {
			t.Errorf("the other user's data went too: %v", hits)
		}

		got, err := f.st.GetUser(f.ctx, u.ID)
		must(t, err)
		if got.Status != domain.UserWithdrawn || !got.WithdrawnAt.Equal(now) || got.LoginID != "jium01" || got.Pseudonym != u.Pseudonym {
			t.Errorf("account after withdrawal = %+v", got)
		}
		if gs, _ := f.st.ListGrants(f.ctx, store.GrantFilter{UserID: u.ID, ActiveAt: now}); len(gs) != 0 {
			t.Errorf("active grants after withdrawal: %+v", gs)
		}
		reqs, _, err := f.st.ListRequests(f.ctx, store.RequestFilter{UserID: u.ID})
		must(t, err)
		if len(reqs) != 1 || reqs[0].Status != domain.RequestCancelled || reqs[0].Reason != privacy.WithdrawReason {
			t.Errorf("requests after withdrawal = %+v", reqs)
		}
		if ss, _ := f.st.ListUserSessions(f.ctx, u.ID); len(ss) != 0 {
			t.Errorf("sessions after withdrawal: %d", len(ss))
		}
		// The audit log has the withdrawal, by pseudonym, and the chain holds.
		evs, err := f.st.ListAudit(f.ctx, store.AuditFilter{Action: "user.withdraw"})
		must(t, err)
		if len(evs) != 1 || evs[0].Actor != u.Pseudonym || evs[0].TargetID != fmt.Sprint(u.ID) {
			t.Errorf("user.withdraw events = %+v", evs)
		}
		if bad, err := store.VerifyAuditChain(f.ctx, f.st); err != nil || bad != 0 {
			t.Errorf("audit chain: first bad %d, %v", bad, err)
		}
		// A second withdrawal is refused; the login ID stays taken.
		if _, err := withdraw([]byte("kim-key-hash-0000000000000000000")); !errors.Is(err, privacy.ErrWithdrawn) {
			t.Errorf("second withdrawal: %v, want ErrWithdrawn", err)
		}
		dup := domain.User{LoginID: "jium01", Status: domain.UserPending, Pseudonym: "u-dup", CreatedAt: now}
		if err := f.st.CreateUser(f.ctx, &dup); !errors.Is(err, store.ErrAlreadyExists) {
			t.Errorf("signup with the withdrawn login ID: %v, want ErrAlreadyExists", err)
		}
	})
}

// TestExport: the export holds the account, its certificates, roles,
// requests, sessions, mail, audit events and access log, and no secret.
func TestExport(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		u := f.account(kim, "jium01", []byte("kim-key-hash-0000000000000000000"))
		x, err := privacy.ExportUser(f.ctx, f.st, u.ID, t0.Add(time.Hour))
		must(t, err)
		if x.Format != privacy.ExportFormat || x.Account.Name != kim.name || x.Account.Mobile != kim.mobile ||
			x.Account.Email != kim.email || x.Account.LoginID != "jium01" || x.Institution == nil ||
			x.Institution.ID != u.InstitutionID {
			t.Errorf("account/institution = %+v %+v", x.Account, x.Institution)
		}
		if len(x.Certificates) != 1 || x.Certificates[0].Subject != kim.subject || x.Certificates[0].Serial != "5a5a01" {
			t.Errorf("certificates = %+v", x.Certificates)
		}
		if len(x.Grants) != 1 || x.Grants[0].Role == "" || x.Grants[0].System == "" {
			t.Errorf("grants = %+v", x.Grants)
		}
		if len(x.Requests) != 1 || x.Requests[0].Status != "pending" || !strings.Contains(x.Requests[0].Justification, kim.mobile) ||
			x.Requests[0].Approver == "" {
			t.Errorf("requests = %+v", x.Requests)
		}
		if len(x.CertRequests) != 1 || len(x.Sessions) != 1 || x.Sessions[0].UserAgent != "Mozilla/5.0" {
			t.Errorf("cert requests %+v, sessions %+v", x.CertRequests, x.Sessions)
		}
		if len(x.Mail) != 1 || x.Mail[0].Kind != notify.KindInactiveWarning {
			t.Errorf("mail = %+v", x.Mail)
		}
		if len(x.AccessLog) != 1 || x.AccessLog[0].Purpose != "권한 신청 확인" {
			t.Errorf("access log = %+v", x.AccessLog)
		}
		var sawRequest bool
		for _, e := range x.AuditEvents {
			if e.Action == "request.create" && e.ByUser {
				sawRequest = true
			}
		}
		if !sawRequest {
			t.Errorf("audit events lack the user's request: %+v", x.AuditEvents)
		}
		b, err := json.Marshal(x)
		must(t, err)
		for _, secret := range []string{"session-jium01", "csrf", "kim-key-hash", "key_hash"} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("the export contains %q", secret)
			}
		}
		// Another user's data is not in it.
		if bytes.Contains(b, []byte("김민준")) {
			t.Error("the export names the administrator")
		}
	})
}

// TestSweep: an idle account is warned once (an e-mail in the outbox),
// locked after the warning period, and a withdrawn login ID is freed after
// the hold.
func TestSweep(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		site := notify.Site{Name: "관문", BaseURL: "https://portal.example"}
		cfg := privacy.Config{InactiveAfter: 365 * privacy.Day, InactiveWarn: 30 * privacy.Day, LoginIDHold: 365 * privacy.Day, Mail: &site}
		idle := domain.User{LoginID: "idle01", Name: "휴면이", InstitutionID: f.demo.Medical[0].ID, Email: "idle@example.org",
			Status: domain.UserActive, CreatedAt: t0, LastLoginAt: t0, Pseudonym: "u-idle"}
		must(t, f.st.CreateUser(f.ctx, &idle))
		must(t, f.st.CreateSession(f.ctx, &domain.Session{ID: "idle-session", UserID: idle.ID, CSRFToken: "c", CreatedAt: t0,
			LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}))
		idleReq := domain.RoleRequest{UserID: idle.ID, RoleID: f.demo.UserRoleID, ApproverInstitutionID: f.demo.HealthCentres[0].ID,
			Status: domain.RequestPending, CreatedAt: t0}
		must(t, f.st.CreateRequest(f.ctx, &idleReq))

		count := func(action string) int {
			evs, err := f.st.ListAudit(f.ctx, store.AuditFilter{Action: action, TargetID: fmt.Sprint(idle.ID)})
			must(t, err)
			return len(evs)
		}
		// 300 days: nothing yet for idle01.
		if _, err := privacy.Sweep(f.ctx, f.st, cfg, t0.Add(300*privacy.Day)); err != nil {
			t.Fatal(err)
		}
		if count("user.inactive_warn") != 0 {
			t.Fatal("warned after 300 days")
		}
		// 340 days: warned, once, by e-mail.
		at := t0.Add(340 * privacy.Day)
		for range 2 {
			if _, err := privacy.Sweep(f.ctx, f.st, cfg, at); err != nil {
				t.Fatal(err)
			}
		}
		mails, _, err := f.st.ListOutbox(f.ctx, domain.OutboxFilter{Recipient: "idle@example.org"})
		must(t, err)
		if count("user.inactive_warn") != 1 || len(mails) != 1 || mails[0].Kind != notify.KindInactiveWarning {
			t.Fatalf("after 340 days: %d warnings, mails %+v", count("user.inactive_warn"), mails)
		}
		// 366 days: idle long enough but the warning is only 26 days old.
		if _, err := privacy.Sweep(f.ctx, f.st, cfg, t0.Add(366*privacy.Day)); err != nil {
			t.Fatal(err)
		}
		if u, _ := f.st.GetUser(f.ctx, idle.ID); u.Status != domain.UserActive {
			t.Fatalf("locked %d days after the warning", 26)
		}
		// 371 days: locked, sessions ended, audited.
		res, err := privacy.Sweep(f.ctx, f.st, cfg, t0.Add(371*privacy.Day))
		must(t, err)
		if u, _ := f.st.GetUser(f.ctx, idle.ID); u.Status != domain.UserLocked || res.Locked < 1 || count("user.inactive_lock") != 1 {
			t.Fatalf("after 371 days: status %s, result %+v", u.Status, res)
		}
		if _, err := f.st.GetSession(f.ctx, "idle-session"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the locked user's session survived: %v", err)
		}
		if r, err := f.st.GetRequest(f.ctx, idleReq.ID); err != nil || r.Status != domain.RequestCancelled {
			t.Errorf("the locked user's pending request: %s, %v; want cancelled with the lock", r.Status, err)
		}
		if evs, _ := f.st.ListAudit(f.ctx, store.AuditFilter{Action: "user.inactive_lock", TargetID: fmt.Sprint(idle.ID)}); len(evs) != 1 ||
			!strings.Contains(evs[0].Detail, `"requests_cancelled":1`) {
			t.Errorf("lock event %+v, want requests_cancelled 1", evs)
		}

		// The login ID of a withdrawn account is freed after the hold.
		gone := domain.User{LoginID: "gone01", Status: domain.UserWithdrawn, CreatedAt: t0, LastLoginAt: t0,
			WithdrawnAt: t0.Add(10 * privacy.Day), Pseudonym: "u-gone"}
		must(t, f.st.CreateUser(f.ctx, &gone))
		if _, err := privacy.Sweep(f.ctx, f.st, cfg, t0.Add(370*privacy.Day)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.st.GetUserByLoginID(f.ctx, "gone01"); err != nil {
			t.Fatalf("login ID released before the hold ended: %v", err)
		}
		if _, err := privacy.Sweep(f.ctx, f.st, cfg, t0.Add(376*privacy.Day)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.st.GetUserByLoginID(f.ctx, "gone01"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("login ID not released after the hold: %v", err)
		}
		if bad, err := store.VerifyAuditChain(f.ctx, f.st); err != nil || bad != 0 {
			t.Errorf("audit chain: first bad %d, %v", bad, err)
		}
	})
}
