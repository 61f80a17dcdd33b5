// Package storetest is the conformance suite for store.Store
// implementations: every method, every invariant the schema promises, and
// the races that matter (one decision per request, one consumer per login
// challenge, one audit chain under concurrent appenders).
//
// An implementation's test calls Run with a function that opens a fresh,
// empty store for each subtest. Stores that also have
//
//	DB() *sql.DB                                   // raw access, to tamper with the audit log
//	VerifyAuditChain(context.Context) (int64, error)
//
// get the tamper-detection subtests too.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Run runs the conformance suite. open must return a new, empty store for
// every call and close it at the test's cleanup.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Institutions", testInstitutions},
		{"InstitutionList", testInstitutionList},
		{"JurisdictionCentre", testJurisdiction},
		{"Users", testUsers},
		{"Certificates", testCertificates},
		{"SystemsMenusRoles", testSystemsMenusRoles},
		{"Requests", testRequests},
		{"RequestList", testRequestList},
		{"DecideRequestRace", testDecideRace},
		{"Grants", testGrants},
		{"GrantScope", testGrantScope},
		{"ConsentVersions", testConsent},
		{"Audit", testAudit},
		{"AuditConcurrent", testAuditConcurrent},
		{"AuditTamper", testAuditTamper},
		{"AuditSealer", testAuditSealer},
		{"InTx", testInTx},
		{"InTxConcurrent", testInTxConcurrent},
		{"Login", testLogin},
		{"BatchLookups", testBatchLookups},
		{"RequestCountCap", testRequestCountCap},
		{"Sessions", testSessions},
		{"SessionSecurity", testSessionSecurity},
		{"ServerSecret", testServerSecret},
		{"Challenges", testChallenges},
		{"ChallengeRace", testChallengeRace},
		{"ForeignKeys", testForeignKeys},
		{"Outbox", testOutbox},
		{"CertRequests", testCertRequests},
		{"Privacy", testPrivacy},
		{"Admin", testAdmin},
		{"AdminSearch", testAdminSearch},
		{"InstitutionSearch", testInstitutionSearch},
		{"InstitutionMove", testInstitutionMove},
		{"Boards", testBoards},
		{"APITokens", testAPITokens},
		{"TrustGeneration", testTrustGeneration},
		{"ReadCache", testReadCache},
		{"Reviews", testReviews},
		{"AuditPurge", testAuditPurge},
		{"Lifecycle", testLifecycle},
		{"Dormant", testDormant},
		{"InstitutionChanges", testInstitutionChanges},
		{"UserProfiles", testUserProfiles},
		{"PrivacyPolicies", testPrivacyPolicies},
		{"Popups", testPopups},
		{"SSO", testSSO},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// pluck returns f of each of xs, in order.
func pluck[T, V any](xs []T, f func(T) V) []V {
	var out []V
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

// t0 is a time with sub-microsecond digits in a zone other than UTC; the
// store must give it back in UTC, truncated to the microsecond.
var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.FixedZone("KST", 9*3600))

// us returns t as the store gives it back.
func us(t time.Time) time.Time { return time.UnixMicro(t.UnixMicro()).UTC() }

func ctx(t *testing.T) context.Context { return t.Context() }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func wantTime(t *testing.T, got, want time.Time, what string) {
	t.Helper()
	if !got.Equal(want) || got.Location() != time.UTC && !got.IsZero() {
		t.Errorf("%s = %v, want %v (UTC)", what, got, want)
	}
}

// chain creates 질병관리청 > 서울특별시 > 종로구보건소 > 서울내과의원.
type chain struct{ national, province, centre, clinic domain.Institution }

func seedChain(t *testing.T, s store.Store) chain {
	t.Helper()
	var c chain
	c.national = domain.Institution{Code: "KDCA", Name: "질병관리청", Kind: domain.KindNational, CreatedAt: t0}
	must(t, s.CreateInstitution(ctx(t), &c.national))
	c.province = domain.Institution{Code: "11", Name: "서울특별시", Kind: domain.KindProvince, ParentID: c.national.ID, RegionCode: "11", CreatedAt: t0}
	must(t, s.CreateInstitution(ctx(t), &c.province))
	c.centre = domain.Institution{Code: "HC11110", Name: "종로구보건소", Kind: domain.KindHealthCentre, ParentID: c.province.ID, RegionCode: "11110", CreatedAt: t0}
	must(t, s.CreateInstitution(ctx(t), &c.centre))
	c.clinic = domain.Institution{Code: "12345678", Name: "서울내과의원", Kind: domain.KindMedical, ParentID: c.centre.ID, RegionCode: "11110", Phone: "0212345678", CreatedAt: t0}
	must(t, s.CreateInstitution(ctx(t), &c.clinic))
	return c
}

func newUser(t *testing.T, s store.Store, instID int64, login, name string) domain.User {
	t.Helper()
	u := domain.User{LoginID: login, Name: name, InstitutionID: instID, Mobile: "01012345678", Status: domain.UserActive,
		Pseudonym: "p-" + login, CreatedAt: t0}
	must(t, s.CreateUser(ctx(t), &u))
	return u
}

// base is a small world: the institution chain, a system with a role, and
// two users at the clinic.
type base struct {
	chain
	sys        domain.System
	role       domain.Role
	alice, bob domain.User
	approver   domain.User
}

func seedBase(t *testing.T, s store.Store) base {
	t.Helper()
	b := base{chain: seedChain(t, s)}
	b.sys = domain.System{Code: "covid19-vaccination", Name: "코로나19예방접종관리", CreatedAt: t0}
	must(t, s.CreateSystem(ctx(t), &b.sys))
	b.role = domain.Role{SystemID: b.sys.ID, Code: "user-medical", Name: "코로나19 예방접종대응팀 User(의료기관)",
		RequestableBy: []domain.InstitutionKind{domain.KindMedical}, ApproverKind: domain.KindHealthCentre, CreatedAt: t0}
	must(t, s.CreateRole(ctx(t), &b.role))
	b.alice = newUser(t, s, b.clinic.ID, "alice01", "김앨리스")
	b.bob = newUser(t, s, b.clinic.ID, "bob02", "이밥")
	b.approver = newUser(t, s, b.centre.ID, "approver", "박보건")
	return b
}

func testInstitutions(t *testing.T, s store.Store) {
	c := seedChain(t, s)
	got, err := s.GetInstitution(ctx(t), c.clinic.ID)
	must(t, err)
	if got.Code != "12345678" || got.Name != "서울내과의원" || got.Kind != domain.KindMedical || got.ParentID != c.centre.ID ||
		got.RegionCode != "11110" || got.Phone != "0212345678" || !got.RetiredAt.IsZero() {
		t.Errorf("GetInstitution = %+v", got)
	}
	wantTime(t, got.CreatedAt, us(t0), "CreatedAt")
	if got != c.clinic {
		t.Errorf("GetInstitution = %+v, CreateInstitution left %+v", got, c.clinic)
	}
	byCode, err := s.GetInstitutionByCode(ctx(t), "HC11110")
	must(t, err)
	if byCode.ID != c.centre.ID {
		t.Errorf("GetInstitutionByCode = %d, want %d", byCode.ID, c.centre.ID)
	}
	if c.national.ParentID != 0 {
		t.Errorf("top ParentID = %d", c.national.ParentID)
	}

	dup := domain.Institution{Code: "12345678", Name: "다른의원", Kind: domain.KindMedical}
	wantErr(t, s.CreateInstitution(ctx(t), &dup), store.ErrAlreadyExists, "duplicate code")
	_, err = s.GetInstitution(ctx(t), 99999)
	wantErr(t, err, store.ErrNotFound, "GetInstitution(missing)")
	_, err = s.GetInstitutionByCode(ctx(t), "nope")
	wantErr(t, err, store.ErrNotFound, "GetInstitutionByCode(missing)")

	upd := got
	upd.Name, upd.Address, upd.RetiredAt, upd.UpdatedAt = "서울내과", "서울 종로구 1", t0.Add(time.Hour), t0.Add(time.Minute)
	must(t, s.UpdateInstitution(ctx(t), &upd))
	got, err = s.GetInstitution(ctx(t), upd.ID)
	must(t, err)
	if got.Name != "서울내과" || got.Address != "서울 종로구 1" {
		t.Errorf("after update: %+v", got)
	}
	wantTime(t, got.RetiredAt, us(t0.Add(time.Hour)), "RetiredAt")
	wantTime(t, got.UpdatedAt, us(t0.Add(time.Minute)), "UpdatedAt")
	wantTime(t, got.CreatedAt, us(t0), "CreatedAt after update")

	upd.Code = "KDCA"
	wantErr(t, s.UpdateInstitution(ctx(t), &upd), store.ErrAlreadyExists, "update to a taken code")
	missing := domain.Institution{ID: 99999, Code: "x", Name: "x", Kind: domain.KindOther}
	wantErr(t, s.UpdateInstitution(ctx(t), &missing), store.ErrNotFound, "UpdateInstitution(missing)")
}

func testInstitutionList(t *testing.T, s store.Store) {
	c := seedChain(t, s)
	for i := range 55 {
		in := domain.Institution{Code: fmt.Sprintf("M%03d", i), Name: fmt.Sprintf("의원 %03d", i), Kind: domain.KindMedical,
			ParentID: c.centre.ID, RegionCode: "11110"}
		must(t, s.CreateInstitution(ctx(t), &in))
	}
	other := domain.Institution{Code: "HC26110", Name: "부산중구보건소", Kind: domain.KindHealthCentre, RegionCode: "26110"}
	must(t, s.CreateInstitution(ctx(t), &other))

	all, total, err := s.ListInstitutions(ctx(t), store.InstitutionFilter{})
	must(t, err)
	if total != 60 || len(all) != store.DefaultLimit {
		t.Errorf("ListInstitutions() = %d rows, total %d; want %d rows, total 60", len(all), total, store.DefaultLimit)
	}
	for i := 1; i < len(all); i++ {
		if all[i-1].Name > all[i].Name {
			t.Fatalf("not sorted by name: %q before %q", all[i-1].Name, all[i].Name)
		}
	}
	rest, total, err := s.ListInstitutions(ctx(t), store.InstitutionFilter{Page: store.Page{Offset: 50, Limit: 50}})
	must(t, err)
	if total != 60 || len(rest) != 10 {
		t.Errorf("second page: %d rows, total %d", len(rest), total)
	}

	cases := []struct {
		f     store.InstitutionFilter
		total int
		first string
	}{
		{store.InstitutionFilter{Query: "보건소"}, 2, "부산중구보건소"},
		{store.InstitutionFilter{Query: "hc111"}, 1, "종로구보건소"}, // code, case-insensitive
		{store.InstitutionFilter{Query: "%"}, 0, ""},           // wildcards are literal
		{store.InstitutionFilter{Kind: domain.KindHealthCentre}, 2, "부산중구보건소"},
		{store.InstitutionFilter{ParentID: c.centre.ID, Page: store.Page{Limit: 1}}, 56, "서울내과의원"},
		{store.InstitutionFilter{Region: "26"}, 1, "부산중구보건소"},
		{store.InstitutionFilter{Region: "11", Kind: domain.KindProvince}, 1, "서울특별시"},
		{store.InstitutionFilter{Query: "의원 05", Kind: domain.KindMedical}, 5, "의원 050"},
	}
	for _, tc := range cases {
		got, total, err := s.ListInstitutions(ctx(t), tc.f)
		must(t, err)
		if total != tc.total || tc.total > 0 && got[0].Name != tc.first || tc.total == 0 && len(got) != 0 {
			t.Errorf("ListInstitutions(%+v): total %d, rows %d; want total %d, first %q", tc.f, total, len(got), tc.total, tc.first)
		}
	}
}

func testJurisdiction(t *testing.T, s store.Store) {
	c := seedChain(t, s)
	for _, in := range []domain.Institution{c.clinic, c.centre} {
		got, err := s.JurisdictionCentre(ctx(t), in.ID)
		must(t, err)
		if got.ID != c.centre.ID {
			t.Errorf("JurisdictionCentre(%s) = %s, want %s", in.Name, got.Name, c.centre.Name)
		}
	}
	_, err := s.JurisdictionCentre(ctx(t), c.province.ID)
	wantErr(t, err, store.ErrNotFound, "JurisdictionCentre(province)")
	orphan := domain.Institution{Code: "ORPHAN", Name: "고아의원", Kind: domain.KindMedical}
	must(t, s.CreateInstitution(ctx(t), &orphan))
	_, err = s.JurisdictionCentre(ctx(t), orphan.ID)
	wantErr(t, err, store.ErrNotFound, "JurisdictionCentre(no parent)")
	_, err = s.JurisdictionCentre(ctx(t), 99999)
	wantErr(t, err, store.ErrNotFound, "JurisdictionCentre(missing)")
}

func testUsers(t *testing.T, s store.Store) {
	c := seedChain(t, s)
	u := domain.User{LoginID: "kim01", Name: "김철수", InstitutionID: c.clinic.ID, Mobile: "01011112222", OfficePhone: "0223334444",
		Email: "kim@example.kr", Status: domain.UserPending, ConsentVersion: 2, ConsentAt: t0, CreatedAt: t0, Pseudonym: "u-7f3a",
		MustReregisterCert: true}
	must(t, s.CreateUser(ctx(t), &u))
	if u.ID == 0 {
		t.Fatal("CreateUser left ID zero")
	}
	got, err := s.GetUser(ctx(t), u.ID)
	must(t, err)
	if got != u {
		t.Errorf("GetUser = %+v\nwant %+v", got, u)
	}
	wantTime(t, got.ConsentAt, us(t0), "ConsentAt")
	if !got.LastLoginAt.IsZero() || !got.WithdrawnAt.IsZero() {
		t.Errorf("zero times came back as %v, %v", got.LastLoginAt, got.WithdrawnAt)
	}
	got, err = s.GetUserByLoginID(ctx(t), "kim01")
	must(t, err)
	if got.ID != u.ID {
		t.Errorf("GetUserByLoginID = %d", got.ID)
	}

	dup := domain.User{LoginID: "kim01", Name: "김영희", InstitutionID: c.clinic.ID, Status: domain.UserPending}
	wantErr(t, s.CreateUser(ctx(t), &dup), store.ErrAlreadyExists, "duplicate login ID")
	_, err = s.GetUser(ctx(t), 99999)
	wantErr(t, err, store.ErrNotFound, "GetUser(missing)")
	_, err = s.GetUserByLoginID(ctx(t), "nobody")
	wantErr(t, err, store.ErrNotFound, "GetUserByLoginID(missing)")

	// Withdrawal: personal data goes, the row stays.
	u.Name, u.Mobile, u.OfficePhone, u.Email = "", "", "", ""
	u.Status, u.WithdrawnAt, u.LastLoginAt, u.MustReregisterCert = domain.UserWithdrawn, t0.Add(time.Hour), t0.Add(time.Minute), false
	must(t, s.UpdateUser(ctx(t), &u))
	got, err = s.GetUser(ctx(t), u.ID)
	must(t, err)
	if got.Status != domain.UserWithdrawn || got.Name != "" || got.Email != "" || got.MustReregisterCert {
		t.Errorf("after update: %+v", got)
	}
	wantTime(t, got.WithdrawnAt, us(t0.Add(time.Hour)), "WithdrawnAt")
	wantTime(t, got.LastLoginAt, us(t0.Add(time.Minute)), "LastLoginAt")
	missing := domain.User{ID: 99999, LoginID: "zzz", Status: domain.UserActive}
	wantErr(t, s.UpdateUser(ctx(t), &missing), store.ErrNotFound, "UpdateUser(missing)")
	other := newUser(t, s, c.centre.ID, "lee02", "이영희")
	other.LoginID = "kim01"
	wantErr(t, s.UpdateUser(ctx(t), &other), store.ErrAlreadyExists, "update to a taken login ID")

	// Lists.
	newUser(t, s, c.clinic.ID, "park03", "박민수")
	newUser(t, s, c.clinic.ID, "choi04", "최민수")
	cert := domain.Certificate{UserID: other.ID, Serial: "0A1B2C", KeyHash: hashOf("lee"), Class: domain.CertPersonal}
	must(t, s.AddCertificate(ctx(t), &cert))
	cases := []struct {
		f      store.UserFilter
		logins []string
	}{
		{store.UserFilter{}, []string{"kim01", "park03", "lee02", "choi04"}[0:0]}, // filled below
		{store.UserFilter{Query: "민수"}, []string{"park03", "choi04"}},
		{store.UserFilter{Query: "LEE"}, []string{"lee02"}},
		{store.UserFilter{InstitutionID: c.centre.ID}, []string{"lee02"}},
		{store.UserFilter{Status: domain.UserWithdrawn}, []string{"kim01"}},
		{store.UserFilter{CertSerial: "0a1b2c"}, []string{"lee02"}},
		{store.UserFilter{CertSerial: "0A1B2C"}, []string{"lee02"}},
		{store.UserFilter{CertSerial: "ffff"}, nil},
		{store.UserFilter{Query: "민수", Page: store.Page{Limit: 1, Offset: 1}}, []string{"choi04"}},
	}
	// By name: "" (withdrawn kim01) < 박민수 < 이영희 < 최민수.
	cases[0].logins = []string{"kim01", "park03", "lee02", "choi04"}
	for _, tc := range cases {
		got, total, err := s.ListUsers(ctx(t), tc.f)
		must(t, err)
		logins := pluck(got, func(u domain.User) string { return u.LoginID })
		wantTotal := len(tc.logins)
		if tc.f.Limit == 1 {
			wantTotal = 2
		}
		if fmt.Sprint(logins) != fmt.Sprint(tc.logins) || total != wantTotal {
			t.Errorf("ListUsers(%+v) = %v (total %d), want %v (total %d)", tc.f, logins, total, tc.logins, wantTotal)
		}
	}
}

func hashOf(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func testCertificates(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	c1 := domain.Certificate{UserID: b.alice.ID, SubjectDN: "cn=김앨리스()001,ou=personal4IB,o=yessign,c=kr", IssuerDN: "cn=yessignCA Class 2",
		Serial: "01AB", KeyHash: hashOf("k1"), NotBefore: t0, NotAfter: t0.AddDate(1, 0, 0), PolicyOID: "1.2.410.200005.1.1.1",
		Class: domain.CertPersonal, DER: []byte{0x30, 0x03, 0x02, 0x01, 0x01}, RegisteredAt: t0}
	must(t, s.AddCertificate(ctx(t), &c1))
	got, err := s.GetCertificateByKeyHash(ctx(t), hashOf("k1"))
	must(t, err)
	if got.ID != c1.ID || got.Serial != "01ab" || !bytes.Equal(got.DER, c1.DER) || got.Class != domain.CertPersonal ||
		got.PolicyOID != c1.PolicyOID || got.SubjectDN != c1.SubjectDN || !got.Current() {
		t.Errorf("GetCertificateByKeyHash = %+v", got)
	}
	wantTime(t, got.NotAfter, us(t0.AddDate(1, 0, 0)), "NotAfter")
	_, err = s.GetCertificateByKeyHash(ctx(t), hashOf("nope"))
	wantErr(t, err, store.ErrNotFound, "GetCertificateByKeyHash(missing)")

	// The key hash is unique across all users.
	dup := domain.Certificate{UserID: b.bob.ID, Serial: "02", KeyHash: hashOf("k1")}
	wantErr(t, s.AddCertificate(ctx(t), &dup), store.ErrAlreadyExists, "key hash registered to another user")

	c2 := domain.Certificate{UserID: b.alice.ID, Serial: "02", KeyHash: hashOf("k2"), RegisteredAt: t0.Add(time.Hour)}
	must(t, s.AddCertificate(ctx(t), &c2))
	c3 := domain.Certificate{UserID: b.alice.ID, Serial: "03", KeyHash: hashOf("k3"), RemovedAt: t0}
	must(t, s.AddCertificate(ctx(t), &c3))
	bobs := domain.Certificate{UserID: b.bob.ID, Serial: "04", KeyHash: hashOf("k4")}
	must(t, s.AddCertificate(ctx(t), &bobs))

	at := t0.Add(2 * time.Hour)
	must(t, s.ReplaceCertificates(ctx(t), b.alice.ID, c2.ID, at))
	list, err := s.ListCertificates(ctx(t), b.alice.ID)
	must(t, err)
	if len(list) != 3 || list[0].ID != c1.ID || list[1].ID != c2.ID || list[2].ID != c3.ID {
		t.Fatalf("ListCertificates = %+v", list)
	}
	wantTime(t, list[0].ReplacedAt, us(at), "replaced certificate's ReplacedAt")
	if !list[1].Current() {
		t.Error("the kept certificate was replaced")
	}
	if !list[2].ReplacedAt.IsZero() {
		t.Error("a removed certificate was marked replaced")
	}
	bl, err := s.ListCertificates(ctx(t), b.bob.ID)
	must(t, err)
	if len(bl) != 1 || !bl[0].Current() {
		t.Errorf("another user's certificates changed: %+v", bl)
	}
	none, err := s.ListCertificates(ctx(t), 99999)
	must(t, err)
	if len(none) != 0 {
		t.Errorf("ListCertificates(missing user) = %v", none)
	}
}

func testSystemsMenusRoles(t *testing.T, s store.Store) {
	sys := domain.System{Code: "covid19", Name: "코로나19예방접종관리", Description: "예방접종", CreatedAt: t0}
	must(t, s.CreateSystem(ctx(t), &sys))
	sys2 := domain.System{Code: "tb", Name: "결핵관리"}
	must(t, s.CreateSystem(ctx(t), &sys2))
	wantErr(t, s.CreateSystem(ctx(t), &domain.System{Code: "covid19", Name: "x"}), store.ErrAlreadyExists, "duplicate system code")
	got, err := s.GetSystem(ctx(t), sys.ID)
	must(t, err)
	if got != sys {
		t.Errorf("GetSystem = %+v, want %+v", got, sys)
	}
	got, err = s.GetSystemByCode(ctx(t), "tb")
	must(t, err)
	if got.ID != sys2.ID {
		t.Errorf("GetSystemByCode = %+v", got)
	}
	_, err = s.GetSystem(ctx(t), 99999)
	wantErr(t, err, store.ErrNotFound, "GetSystem(missing)")
	_, err = s.GetSystemByCode(ctx(t), "nope")
	wantErr(t, err, store.ErrNotFound, "GetSystemByCode(missing)")
	sys2.Name, sys2.RetiredAt = "결핵관리시스템", t0
	must(t, s.UpdateSystem(ctx(t), &sys2))
	wantErr(t, s.UpdateSystem(ctx(t), &domain.System{ID: 99999, Code: "zz"}), store.ErrNotFound, "UpdateSystem(missing)")
	systems, err := s.ListSystems(ctx(t))
	must(t, err)
	if len(systems) != 2 || systems[1].Name != "결핵관리시스템" || !systems[1].RetiredAt.Equal(us(t0)) {
		t.Errorf("ListSystems = %+v", systems)
	}

	m2 := domain.Menu{SystemID: sys.ID, Name: "접종등록", URL: "/v/reg", SortOrder: 2}
	m1 := domain.Menu{SystemID: sys.ID, Name: "접종조회", URL: "/v/list", SortOrder: 1}
	m3 := domain.Menu{SystemID: sys2.ID, Name: "환자", URL: "/tb", SortOrder: 1}
	for _, m := range []*domain.Menu{&m2, &m1, &m3} {
		must(t, s.CreateMenu(ctx(t), m))
	}
	m2.URL, m2.SortOrder = "/v/register", 0
	must(t, s.UpdateMenu(ctx(t), &m2))
	wantErr(t, s.UpdateMenu(ctx(t), &domain.Menu{ID: 99999, SystemID: sys.ID}), store.ErrNotFound, "UpdateMenu(missing)")
	menus, err := s.ListMenus(ctx(t), sys.ID)
	must(t, err)
	if len(menus) != 2 || menus[0] != m2 || menus[1] != m1 {
		t.Errorf("ListMenus = %+v, want [%+v %+v]", menus, m2, m1)
	}

	admin := domain.Role{SystemID: sys.ID, Code: "admin-hc", Name: "보건소 관리자", RequestableBy: []domain.InstitutionKind{domain.KindHealthCentre},
		ApproverKind: domain.KindProvince, Admin: true}
	must(t, s.CreateRole(ctx(t), &admin))
	r := domain.Role{SystemID: sys.ID, Code: "user-medical", Name: "코로나19 예방접종대응팀 User(의료기관)",
		RequestableBy: []domain.InstitutionKind{domain.KindMedical, domain.KindOther}, ApproverKind: domain.KindHealthCentre,
		ApproverRoleID: admin.ID, NeedsPersonalCert: true, GrantLifetime: 365 * 24 * time.Hour, CreatedAt: t0}
	must(t, s.CreateRole(ctx(t), &r))
	gotRole, err := s.GetRole(ctx(t), r.ID)
	must(t, err)
	if fmt.Sprint(gotRole) != fmt.Sprint(r) {
		t.Errorf("GetRole = %+v\nwant %+v", gotRole, r)
	}
	wantErr(t, s.CreateRole(ctx(t), &domain.Role{SystemID: sys.ID, Code: "user-medical", Name: "x"}), store.ErrAlreadyExists, "duplicate role code")
	same := domain.Role{SystemID: sys2.ID, Code: "user-medical", Name: "결핵 User"}
	must(t, s.CreateRole(ctx(t), &same)) // codes are unique per system only
	gotRole, err = s.GetRoleByCode(ctx(t), sys2.ID, "user-medical")
	must(t, err)
	if gotRole.ID != same.ID || len(gotRole.RequestableBy) != 0 {
		t.Errorf("GetRoleByCode = %+v", gotRole)
	}
	_, err = s.GetRoleByCode(ctx(t), sys2.ID, "admin-hc")
	wantErr(t, err, store.ErrNotFound, "GetRoleByCode(other system)")
	_, err = s.GetRole(ctx(t), 99999)
	wantErr(t, err, store.ErrNotFound, "GetRole(missing)")
	r.NeedsPersonalCert, r.GrantLifetime, r.RequestableBy, r.RetiredAt = false, 0, nil, t0
	must(t, s.UpdateRole(ctx(t), &r))
	gotRole, err = s.GetRole(ctx(t), r.ID)
	must(t, err)
	if gotRole.NeedsPersonalCert || gotRole.GrantLifetime != 0 || len(gotRole.RequestableBy) != 0 || !gotRole.RetiredAt.Equal(us(t0)) {
		t.Errorf("after UpdateRole: %+v", gotRole)
	}
	wantErr(t, s.UpdateRole(ctx(t), &domain.Role{ID: 99999, SystemID: sys.ID, Code: "q"}), store.ErrNotFound, "UpdateRole(missing)")
	roles, err := s.ListRoles(ctx(t), sys.ID)
	must(t, err)
	if len(roles) != 2 || roles[0].ID != admin.ID || roles[1].ID != r.ID {
		t.Errorf("ListRoles(sys) = %+v", roles)
	}
	roles, err = s.ListRoles(ctx(t), 0)
	must(t, err)
	if len(roles) != 3 {
		t.Errorf("ListRoles(0) = %d roles, want 3", len(roles))
	}
}

func testRequests(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	r := domain.RoleRequest{UserID: b.alice.ID, RoleID: b.role.ID, ApproverInstitutionID: b.centre.ID, Justification: "접종 업무", CreatedAt: t0}
	must(t, s.CreateRequest(ctx(t), &r))
	if r.Status != domain.RequestPending {
		t.Errorf("new request status %q", r.Status)
	}
	got, err := s.GetRequest(ctx(t), r.ID)
	must(t, err)
	if got != r {
		t.Errorf("GetRequest = %+v, want %+v", got, r)
	}
	_, err = s.GetRequest(ctx(t), 99999)
	wantErr(t, err, store.ErrNotFound, "GetRequest(missing)")

	// One pending request per user and role.
	again := domain.RoleRequest{UserID: b.alice.ID, RoleID: b.role.ID, ApproverInstitutionID: b.centre.ID}
	wantErr(t, s.CreateRequest(ctx(t), &again), store.ErrAlreadyExists, "second pending request")
	bobs := domain.RoleRequest{UserID: b.bob.ID, RoleID: b.role.ID, ApproverInstitutionID: b.centre.ID}
	must(t, s.CreateRequest(ctx(t), &bobs))

	must(t, s.MarkRequestReminded(ctx(t), r.ID, t0.Add(time.Hour)))
	must(t, s.MarkRequestEscalated(ctx(t), r.ID, t0.Add(2*time.Hour)))
	wantErr(t, s.MarkRequestReminded(ctx(t), 99999, t0), store.ErrNotFound, "MarkRequestReminded(missing)")
	wantErr(t, s.MarkRequestEscalated(ctx(t), 99999, t0), store.ErrNotFound, "MarkRequestEscalated(missing)")

	_, err = s.DecideRequest(ctx(t), r.ID, domain.RequestPending, b.approver.ID, "", t0)
	if domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("DecideRequest(pending) error %v, want code %s", err, domain.EINVALID)
	}
	dec, err := s.DecideRequest(ctx(t), r.ID, domain.RequestRejected, b.approver.ID, "소속 확인 불가", t0.Add(3*time.Hour))
	must(t, err)
	if dec.Status != domain.RequestRejected || dec.DeciderID != b.approver.ID || dec.Reason != "소속 확인 불가" || dec.Justification != "접종 업무" {
		t.Errorf("decided request = %+v", dec)
	}
	wantTime(t, dec.DecidedAt, us(t0.Add(3*time.Hour)), "DecidedAt")
	wantTime(t, dec.RemindedAt, us(t0.Add(time.Hour)), "RemindedAt")
	wantTime(t, dec.EscalatedAt, us(t0.Add(2*time.Hour)), "EscalatedAt")
	stored, err := s.GetRequest(ctx(t), r.ID)
	must(t, err)
	if stored != dec {
		t.Errorf("GetRequest after decision = %+v, DecideRequest returned %+v", stored, dec)
	}

	// Decided once: a second decision is a conflict and reports the first.
	cur, err := s.DecideRequest(ctx(t), r.ID, domain.RequestApproved, b.approver.ID, "", t0.Add(4*time.Hour))
	wantErr(t, err, store.ErrConflict, "second decision")
	if cur != dec {
		t.Errorf("conflicting decision returned %+v, want the standing %+v", cur, dec)
	}
	_, err = s.DecideRequest(ctx(t), 99999, domain.RequestApproved, b.approver.ID, "", t0)
	wantErr(t, err, store.ErrNotFound, "DecideRequest(missing)")

	// System decisions carry no decider.
	cancelled, err := s.DecideRequest(ctx(t), bobs.ID, domain.RequestCancelled, 0, "", t0)
	must(t, err)
	if cancelled.DeciderID != 0 || cancelled.Status != domain.RequestCancelled {
		t.Errorf("cancelled = %+v", cancelled)
	}

	// Once decided, the user may ask again.
	again = domain.RoleRequest{UserID: b.alice.ID, RoleID: b.role.ID, ApproverInstitutionID: b.centre.ID, CreatedAt: t0.Add(5 * time.Hour)}
	must(t, s.CreateRequest(ctx(t), &again))
}

func testRequestList(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	other := domain.Institution{Code: "HC2", Name: "중구보건소", Kind: domain.KindHealthCentre, ParentID: b.province.ID}
	must(t, s.CreateInstitution(ctx(t), &other))
	role2 := domain.Role{SystemID: b.sys.ID, Code: "r2", Name: "역할2"}
	must(t, s.CreateRole(ctx(t), &role2))
	mk := func(u domain.User, role domain.Role, approver domain.Institution, at time.Time) domain.RoleRequest {
		r := domain.RoleRequest{UserID: u.ID, RoleID: role.ID, ApproverInstitutionID: approver.ID, CreatedAt: at}
		must(t, s.CreateRequest(ctx(t), &r))
		return r
	}
	// Created out of order, to see the sort.
	r3 := mk(b.alice, role2, b.centre, t0.Add(3*time.Minute))
	r1 := mk(b.alice, b.role, b.centre, t0.Add(1*time.Minute))
	r2 := mk(b.bob, b.role, b.centre, t0.Add(2*time.Minute))
	r4 := mk(b.bob, role2, other, t0.Add(4*time.Minute))
	_, err := s.DecideRequest(ctx(t), r2.ID, domain.RequestApproved, b.approver.ID, "", t0.Add(time.Hour))
	must(t, err)
	must(t, s.MarkRequestEscalated(ctx(t), r4.ID, t0.Add(time.Hour)))

	cases := []struct {
		name  string
		f     store.RequestFilter
		want  []int64
		total int
	}{
		{"all", store.RequestFilter{}, []int64{r1.ID, r2.ID, r3.ID, r4.ID}, 4},
		{"inbox", store.RequestFilter{ApproverInstitutionID: b.centre.ID, Status: domain.RequestPending}, []int64{r1.ID, r3.ID}, 2},
		{"user", store.RequestFilter{UserID: b.bob.ID}, []int64{r2.ID, r4.ID}, 2},
		{"role", store.RequestFilter{RoleID: role2.ID}, []int64{r3.ID, r4.ID}, 2},
		{"approved", store.RequestFilter{Status: domain.RequestApproved}, []int64{r2.ID}, 1},
		{"window", store.RequestFilter{CreatedAfter: t0.Add(time.Minute), CreatedBefore: t0.Add(4 * time.Minute)}, []int64{r2.ID, r3.ID}, 2},
		{"page", store.RequestFilter{Page: store.Page{Offset: 1, Limit: 2}}, []int64{r2.ID, r3.ID}, 4},
		{"role set", store.RequestFilter{RoleIDs: []int64{b.role.ID}}, []int64{r1.ID, r2.ID}, 2},
		{"empty role set", store.RequestFilter{RoleIDs: []int64{}}, nil, 0},
		{"institution set", store.RequestFilter{ApproverInstitutionIDs: []int64{other.ID, b.centre.ID}, Status: domain.RequestPending}, []int64{r1.ID, r3.ID, r4.ID}, 3},
		{"applicant name part", store.RequestFilter{Applicant: "앨리"}, []int64{r1.ID, r3.ID}, 2},
		{"applicant login ID, any case", store.RequestFilter{Applicant: " ALICE0 "}, []int64{r1.ID, r3.ID}, 2},
		{"applicant and page", store.RequestFilter{Applicant: "alice", Page: store.Page{Offset: 1, Limit: 1}}, []int64{r3.ID}, 2},
		{"applicant is not a pattern", store.RequestFilter{Applicant: "_"}, nil, 0},
		{"blank applicant", store.RequestFilter{Applicant: "  "}, []int64{r1.ID, r2.ID, r3.ID, r4.ID}, 4},
		{"newest first", store.RequestFilter{UserID: b.alice.ID, NewestFirst: true}, []int64{r3.ID, r1.ID}, 2},
		{"escalated", store.RequestFilter{Escalated: true}, []int64{r4.ID}, 1},
		{"decided", store.RequestFilter{Decided: true}, []int64{r2.ID}, 1},
	}
	for _, tc := range cases {
		got, total, err := s.ListRequests(ctx(t), tc.f)
		must(t, err)
		ids := pluck(got, func(r domain.RoleRequest) int64 { return r.ID })
		if fmt.Sprint(ids) != fmt.Sprint(tc.want) || total != tc.total {
			t.Errorf("%s: ListRequests = %v (total %d), want %v (total %d)", tc.name, ids, total, tc.want, tc.total)
		}
	}

	// What the sweep reads: r1 reminded, r4 escalated, bob locked.
	routes, err := s.PendingRoutes(ctx(t))
	must(t, err)
	want := []store.RequestRoute{{ApproverInstitutionID: b.centre.ID, RoleID: b.role.ID}, {ApproverInstitutionID: b.centre.ID, RoleID: role2.ID}}
	if fmt.Sprint(routes) != fmt.Sprint(want) {
		t.Errorf("PendingRoutes = %v, want %v", routes, want)
	}
	must(t, s.MarkRequestReminded(ctx(t), r1.ID, t0.Add(time.Hour)))
	bob := b.bob
	bob.Status = domain.UserLocked
	must(t, s.UpdateUser(ctx(t), &bob))
	for _, tc := range []struct {
		name string
		f    store.RequestFilter
		want []int64
	}{
		{"unreminded", store.RequestFilter{Unreminded: true}, []int64{r3.ID, r4.ID}},
		{"unreminded and old", store.RequestFilter{Unreminded: true, CreatedBefore: t0.Add(4 * time.Minute)}, []int64{r3.ID}},
		{"unescalated", store.RequestFilter{Unescalated: true}, []int64{r1.ID, r3.ID}},
		{"unescalated route", store.RequestFilter{Unescalated: true, ApproverInstitutionID: b.centre.ID, RoleID: role2.ID}, []int64{r3.ID}},
	} {
		got, total, err := s.ListRequests(ctx(t), tc.f)
		must(t, err)
		ids := pluck(got, func(r domain.RoleRequest) int64 { return r.ID })
		if fmt.Sprint(ids) != fmt.Sprint(tc.want) || total != len(tc.want) {
			t.Errorf("%s: ListRequests = %v (total %d), want %v", tc.name, ids, total, tc.want)
		}
	}
	// Bob (locked) has r2 (approved) and r4 (pending).
	inactive, err := s.PendingOfInactive(ctx(t), 10)
	must(t, err)
	if len(inactive) != 1 || inactive[0].ID != r4.ID || inactive[0].UserID != b.bob.ID || inactive[0].Status != domain.RequestPending {
		t.Errorf("PendingOfInactive = %+v, want r4 (%d)", inactive, r4.ID)
	}
	must(t, s.MarkRequestEscalated(ctx(t), r1.ID, t0.Add(time.Hour)))
	routes, err = s.PendingRoutes(ctx(t))
	must(t, err)
	if want := []store.RequestRoute{{ApproverInstitutionID: b.centre.ID, RoleID: role2.ID}}; fmt.Sprint(routes) != fmt.Sprint(want) {
		t.Errorf("PendingRoutes after escalating r1 = %v, want %v", routes, want)
	}
}

func testDecideRace(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	r := domain.RoleRequest{UserID: b.alice.ID, RoleID: b.role.ID, ApproverInstitutionID: b.centre.ID}
	must(t, s.CreateRequest(ctx(t), &r))
	const n = 12
	type result struct {
		r   domain.RoleRequest
		err error
	}
	results := make([]result, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			status := domain.RequestApproved
			if i%2 == 1 {
				status = domain.RequestRejected
			}
			got, err := s.DecideRequest(ctx(t), r.ID, status, b.approver.ID, fmt.Sprintf("decider %d", i), t0)
			results[i] = result{got, err}
		})
	}
	close(start)
	wg.Wait()
	var winner *domain.RoleRequest
	for i, res := range results {
		if res.err == nil {
			if winner != nil {
				t.Fatalf("two deciders won: %q and %q", winner.Reason, res.r.Reason)
			}
			winner = &results[i].r
		}
	}
	if winner == nil {
		t.Fatalf("no decider won: %v", results[0].err)
	}
	for _, res := range results {
		if res.err == nil {
			continue
		}
		wantErr(t, res.err, store.ErrConflict, "losing decider")
		if res.r != *winner {
			t.Errorf("loser saw %+v, want the winner's %+v", res.r, *winner)
		}
	}
	stored, err := s.GetRequest(ctx(t), r.ID)
	must(t, err)
	if stored != *winner {
		t.Errorf("stored %+v, winner %+v", stored, *winner)
	}
}

func testGrants(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	req := domain.RoleRequest{UserID: b.alice.ID, RoleID: b.role.ID, ApproverInstitutionID: b.centre.ID}
	must(t, s.CreateRequest(ctx(t), &req))
	g := domain.Grant{UserID: b.alice.ID, RoleID: b.role.ID, RequestID: req.ID, GrantedAt: t0, GrantedBy: b.approver.ID,
		ExpiresAt: t0.AddDate(1, 0, 0)}
	must(t, s.CreateGrant(ctx(t), &g))
	dup := domain.Grant{UserID: b.alice.ID, RoleID: b.role.ID, GrantedAt: t0}
	wantErr(t, s.CreateGrant(ctx(t), &dup), store.ErrAlreadyExists, "second active grant")
	gb := domain.Grant{UserID: b.bob.ID, RoleID: b.role.ID, GrantedAt: t0.Add(time.Hour)} // seeded: no request, no granter
	must(t, s.CreateGrant(ctx(t), &gb))

	list, err := s.ListGrants(ctx(t), store.GrantFilter{UserID: b.alice.ID})
	must(t, err)
	if len(list) != 1 || list[0] != g {
		t.Fatalf("ListGrants(alice) = %+v, want [%+v]", list, g)
	}
	list, err = s.ListGrants(ctx(t), store.GrantFilter{RoleID: b.role.ID})
	must(t, err)
	if len(list) != 2 || list[0].ID != g.ID || list[1] != gb {
		t.Errorf("ListGrants(role) = %+v", list)
	}

	active := func(at time.Time) []int64 {
		t.Helper()
		l, err := s.ListGrants(ctx(t), store.GrantFilter{RoleID: b.role.ID, ActiveAt: at})
		must(t, err)
		return pluck(l, func(g domain.Grant) int64 { return g.ID })
	}
	if got := active(t0.Add(-time.Minute)); len(got) != 0 {
		t.Errorf("active before granting: %v", got)
	}
	if got := active(t0.Add(2 * time.Hour)); fmt.Sprint(got) != fmt.Sprint([]int64{g.ID, gb.ID}) {
		t.Errorf("active after granting: %v", got)
	}
	if got := active(t0.AddDate(1, 0, 0)); fmt.Sprint(got) != fmt.Sprint([]int64{gb.ID}) {
		t.Errorf("active at alice's expiry: %v, want only bob's", got)
	}

	revokeAt := t0.Add(3 * time.Hour)
	must(t, s.RevokeGrant(ctx(t), gb.ID, b.approver.ID, "퇴사", revokeAt))
	wantErr(t, s.RevokeGrant(ctx(t), gb.ID, b.approver.ID, "again", revokeAt), store.ErrConflict, "second revocation")
	wantErr(t, s.RevokeGrant(ctx(t), 99999, b.approver.ID, "", revokeAt), store.ErrNotFound, "RevokeGrant(missing)")
	list, err = s.ListGrants(ctx(t), store.GrantFilter{UserID: b.bob.ID})
	must(t, err)
	if len(list) != 1 || list[0].RevokedBy != b.approver.ID || list[0].RevokeReason != "퇴사" || !list[0].RevokedAt.Equal(us(revokeAt)) {
		t.Errorf("revoked grant = %+v", list)
	}
	if got := active(revokeAt.Add(time.Second)); fmt.Sprint(got) != fmt.Sprint([]int64{g.ID}) {
		t.Errorf("active after revocation: %v", got)
	}
	if got := active(revokeAt.Add(-time.Second)); fmt.Sprint(got) != fmt.Sprint([]int64{g.ID, gb.ID}) {
		t.Errorf("active just before revocation: %v", got)
	}
	lapsed := func(by time.Time) []int64 {
		t.Helper()
		l, err := s.ListGrants(ctx(t), store.GrantFilter{LapsedBy: by})
		must(t, err)
		return pluck(l, func(g domain.Grant) int64 { return g.ID })
	}
	if got := lapsed(t0.AddDate(1, 0, 0).Add(-time.Second)); len(got) != 0 {
		t.Errorf("lapsed before alice's expiry: %v", got)
	}
	if got := lapsed(t0.AddDate(1, 0, 0)); fmt.Sprint(got) != fmt.Sprint([]int64{g.ID}) {
		t.Errorf("lapsed at alice's expiry: %v, want only alice's (bob's has no lifetime, and is revoked)", got)
	}
	// Revoked, the role can be granted again.
	regrant := domain.Grant{UserID: b.bob.ID, RoleID: b.role.ID, GrantedAt: revokeAt.Add(time.Hour)}
	must(t, s.CreateGrant(ctx(t), &regrant))

	paged, err := s.ListGrants(ctx(t), store.GrantFilter{Page: store.Page{Offset: 1, Limit: 1}})
	must(t, err)
	if len(paged) != 1 || paged[0].ID != gb.ID {
		t.Errorf("ListGrants page 2 = %+v", paged)
	}
}

func testConsent(t *testing.T, s store.Store) {
	_, err := s.LatestConsentVersion(ctx(t))
	wantErr(t, err, store.ErrNotFound, "LatestConsentVersion(empty)")
	for i := 1; i <= 3; i++ {
		c := domain.ConsentVersion{Text: fmt.Sprintf("개인정보 수집·이용 동의 v%d", i), CreatedAt: t0.Add(time.Duration(i) * time.Hour)}
		must(t, s.AddConsentVersion(ctx(t), &c))
		if c.Version != i {
			t.Errorf("version %d got number %d", i, c.Version)
		}
	}
	latest, err := s.LatestConsentVersion(ctx(t))
	must(t, err)
	if latest.Version != 3 || latest.Text != "개인정보 수집·이용 동의 v3" {
		t.Errorf("latest = %+v", latest)
	}
	wantTime(t, latest.CreatedAt, us(t0.Add(3*time.Hour)), "CreatedAt")

	// Concurrent adders get distinct numbers.
	const n = 8
	versions := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c := domain.ConsentVersion{Text: "동시"}
			if err := s.AddConsentVersion(ctx(t), &c); err != nil {
				t.Error(err)
			}
			versions[i] = c.Version
		})
	}
	wg.Wait()
	seen := map[int]bool{}
	for _, v := range versions {
		if v < 4 || v > 3+n || seen[v] {
			t.Errorf("concurrent versions %v: not 4..%d each once", versions, 3+n)
			break
		}
		seen[v] = true
	}
}

func testAudit(t *testing.T, s store.Store) {
	evs := []domain.AuditEvent{
		{At: t0, ActorID: 7, Actor: "u-7", Action: "request.create", TargetType: "request", TargetID: "1", ClientAddr: "203.0.113.5", Detail: `{"role":3}`},
		{At: t0.Add(time.Second), Actor: "system", Action: "request.expire", TargetType: "request", TargetID: "1", Detail: "{}"},
		{At: t0.Add(2 * time.Second), ActorID: 9, Actor: "u-9", Action: "user.login", TargetType: "user", TargetID: "9"},
	}
	for i := range evs {
		must(t, s.AppendAudit(ctx(t), &evs[i]))
		if evs[i].Seq != 0 || evs[i].Hash != nil {
			t.Errorf("event %d chained by AppendAudit itself: seq %d, hash %x", i, evs[i].Seq, evs[i].Hash)
		}
	}
	if err := s.AppendAudit(ctx(t), &domain.AuditEvent{At: t0}); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("AppendAudit(no action) error %v, want code %s", err, domain.EINVALID)
	}

	// Listing chains whatever still waits: every event is there, in order.
	all, err := s.ListAudit(ctx(t), store.AuditFilter{})
	must(t, err)
	if len(all) != 3 {
		t.Fatalf("ListAudit = %d events", len(all))
	}
	var prev []byte
	for i := range all {
		e := all[i]
		if e.Seq != int64(i+1) || !bytes.Equal(e.PrevHash, prev) || !bytes.Equal(e.Hash, store.AuditHash(prev, e)) || len(e.Hash) != 32 {
			t.Fatalf("event %d: seq %d, prev %x, hash %x", i, e.Seq, e.PrevHash, e.Hash)
		}
		prev = e.Hash
		e.Seq, e.PrevHash, e.Hash = 0, nil, nil
		if fmt.Sprint(e) != fmt.Sprint(evs[i]) {
			t.Errorf("stored event %d = %+v\nappended %+v", i, e, evs[i])
		}
	}
	wantTime(t, all[0].At, us(t0), "At")
	bad, err := store.VerifyAuditChain(ctx(t), s)
	if bad != 0 || err != nil {
		t.Errorf("VerifyAuditChain = %d, %v", bad, err)
	}

	cases := []struct {
		f    store.AuditFilter
		want []int64
	}{
		{store.AuditFilter{ActorID: 9}, []int64{3}},
		{store.AuditFilter{Action: "request.expire"}, []int64{2}},
		{store.AuditFilter{TargetType: "request", TargetID: "1"}, []int64{1, 2}},
		{store.AuditFilter{From: t0.Add(time.Second), To: t0.Add(2 * time.Second)}, []int64{2}},
		{store.AuditFilter{AfterSeq: 1}, []int64{2, 3}},
		{store.AuditFilter{Page: store.Page{Offset: 2, Limit: 5}}, []int64{3}},
		{store.AuditFilter{Page: store.Page{Limit: 1}}, []int64{1}},
	}
	for _, tc := range cases {
		got, err := s.ListAudit(ctx(t), tc.f)
		must(t, err)
		seqs := pluck(got, func(e domain.AuditEvent) int64 { return e.Seq })
		if fmt.Sprint(seqs) != fmt.Sprint(tc.want) {
			t.Errorf("ListAudit(%+v) = %v, want %v", tc.f, seqs, tc.want)
		}
	}
}

// testGrantScope covers the grant filters of the integrators' holder list:
// a set of roles, the users under an institution, pages, and the capped
// count.
func testGrantScope(t *testing.T, s store.Store) {
	b := seedBase(t, s)
	busan := domain.Institution{Code: "26", Name: "부산광역시", Kind: domain.KindProvince, ParentID: b.national.ID}
	must(t, s.CreateInstitution(ctx(t), &busan))
	bcentre := domain.Institution{Code: "HC26", Name: "부산중구보건소", Kind: domain.KindHealthCentre, ParentID: busan.ID}
	must(t, s.CreateInstitution(ctx(t), &bcentre))
	carol := newUser(t, s, bcentre.ID, "carol03", "최캐롤")
	role2 := domain.Role{SystemID: b.sys.ID, Code: "r2", Name: "역할2"}
	must(t, s.CreateRole(ctx(t), &role2))
	grant := func(u domain.User, r domain.Role, at time.Time) int64 {
		g := domain.Grant{UserID: u.ID, RoleID: r.ID, GrantedAt: at}
		must(t, s.CreateGrant(ctx(t), &g))
		return g.ID
	}
	ga := grant(b.alice, b.role, t0)
	gc := grant(carol, b.role, t0.Add(time.Hour))
	gp := grant(b.approver, role2, t0.Add(2*time.Hour))
	both := []int64{b.role.ID, role2.ID}
	for _, tc := range []struct {
		name string
		f    store.GrantFilter
		want []int64
	}{
		{"roles", store.GrantFilter{RoleIDs: both}, []int64{ga, gc, gp}},
		{"no roles", store.GrantFilter{RoleIDs: []int64{}}, nil},
		{"under 서울", store.GrantFilter{RoleIDs: both, UnderInstitutionID: b.province.ID}, []int64{ga, gp}},
		{"under 부산", store.GrantFilter{RoleIDs: both, UnderInstitutionID: busan.ID}, []int64{gc}},
		{"role under 서울", store.GrantFilter{RoleIDs: []int64{b.role.ID}, UnderInstitutionID: b.province.ID}, []int64{ga}},
		{"under the clinic", store.GrantFilter{UnderInstitutionID: b.clinic.ID}, []int64{ga}},
		{"page", store.GrantFilter{RoleIDs: both, ActiveAt: t0.Add(3 * time.Hour), Page: store.Page{Offset: 1, Limit: 1}}, []int64{gc}},
	} {
		l, err := s.ListGrants(ctx(t), tc.f)
		must(t, err)
		ids := pluck(l, func(g domain.Grant) int64 { return g.ID })
		if fmt.Sprint(ids) != fmt.Sprint(tc.want) {
			t.Errorf("%s: ListGrants = %v, want %v", tc.name, ids, tc.want)
		}
		f := tc.f
		f.Page = store.Page{}
		n, err := s.CountGrants(ctx(t), f, 10)
		must(t, err)
		if want := len(tc.want); tc.name == "page" && n != 3 || tc.name != "page" && n != want {
			t.Errorf("%s: CountGrants = %d", tc.name, n)
		}
	}
	if n, err := s.CountGrants(ctx(t), store.GrantFilter{RoleIDs: both}, 2); err != nil || n != 2 {
		t.Errorf("CountGrants up to 2 = %d, %v; want 2", n, err)
	}
}
