// Package demo seeds a gwanmun store with demonstration data: the national
// agency 질병관리청, the 17 provinces (시도), the health centres (보건소) of
// Seoul's 25 districts, Daejeon's 5 districts and Sejong with their real
// names and 시군구 codes, about fifty fictional medical institutions, the
// systems 코로나19예방접종관리 and 감염병 자동신고 with their menus and roles,
// the consent text, and one account per administrator and approver.
//
// The data lives in embedded files under data/ (institutions.csv is in the
// import format of package importer). Addresses, phone numbers, medical
// institutions and people are fictional and marked so there.
//
// Seed creates no certificates: the integrator issues one per account in
// Result.Accounts with the development CA and registers it.
package demo

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/firstrun"
	"github.com/gwanmun/gwanmun/internal/importer"
	"github.com/gwanmun/gwanmun/internal/store"
)

//go:embed data/institutions.csv data/systems.json data/accounts.csv
var files embed.FS

// ConsentTranslations returns the English text of each consent text the
// demo seeds, keyed by the Korean text (web.Config.ConsentTranslations).
func ConsentTranslations() map[string]string { return firstrun.ConsentTranslations() }

// privacyPolicy is the demo's 개인정보 처리방침 (package policy).
//
//go:embed data/privacy-policy.txt
var privacyPolicy string

// PrivacyPolicyText returns the demo's privacy policy.
func PrivacyPolicyText() string { return privacyPolicy }

// consentTexts are the demo's consent versions, oldest first.
var consentTexts = firstrun.ConsentHistory()

// Codes of the seeded systems and roles, for callers that look them up.
const (
	SystemCovid      = "covid19-vaccination"
	SystemAutoReport = "infectious-disease-auto-report"

	RoleNationalAdmin = "national-admin"      // in SystemCovid; seeded only
	RoleProvinceAdmin = "province-admin"      // in SystemCovid
	RoleApprover      = "approver-hc"         // in SystemCovid; health-centre approver
	RoleUser          = "user-medical"        // in SystemCovid; 코로나19 예방접종대응팀 User(의료기관)
	RoleAutoReport    = "auto-report-medical" // in SystemAutoReport; no personal certificate needed

	NationalCode = "KDCA" // code of 질병관리청
)

// Account is a seeded user. It has no certificate yet.
type Account struct {
	UserID      int64
	LoginID     string
	Name        string // fictional
	Institution domain.Institution
	Roles       []string // "system/role" codes of its active grants
}

// Result holds what the integrator needs of the seeded data.
type Result struct {
	// Created counts rows Seed wrote; zero when everything already existed.
	Created int

	NationalID int64
	// Systems maps system code to ID; Roles maps "system/role" to ID.
	Systems map[string]int64
	Roles   map[string]int64
	// CovidSystemID and the role IDs below are the ones the demo uses most.
	CovidSystemID       int64
	UserRoleID          int64 // 코로나19 예방접종대응팀 User(의료기관)
	ApproverRoleID      int64 // 코로나19 예방접종대응팀 승인자(보건소)
	ProvinceAdminRoleID int64
	NationalAdminRoleID int64
	AutoReportRoleID    int64 // 자동보고 User(의료기관): institution certificates allowed

	// Institutions maps every seeded institution code to its ID.
	Institutions map[string]int64
	// Provinces, HealthCentres and Medical list the seeded institutions by
	// kind, in file order.
	Provinces     []domain.Institution
	HealthCentres []domain.Institution
	Medical       []domain.Institution

	ConsentVersion int
	// Accounts lists the seeded users, administrators first.
	Accounts []Account
}

// Seed writes the demonstration data to st in one transaction, stamped
// now. It is idempotent: what already exists (by code or login ID) is left
// as it is, so running it again writes nothing and returns the same IDs.
func Seed(ctx context.Context, st store.Store, now time.Time) (*Result, error) {
	var res *Result
	err := st.InTx(ctx, func(q store.Queries) error {
		var err error
		res, err = seed(ctx, q, now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("demo seed: %w", err)
	}
	return res, nil
}

func seed(ctx context.Context, q store.Queries, now time.Time) (*Result, error) {
	res := &Result{
		Systems:      map[string]int64{},
		Roles:        map[string]int64{},
		Institutions: map[string]int64{},
	}
	if err := seedInstitutions(ctx, q, now, res); err != nil {
		return nil, err
	}
	if err := seedSystems(ctx, q, now, res); err != nil {
		return nil, err
	}
	if err := seedConsent(ctx, q, now, res); err != nil {
		return nil, err
	}
	if err := seedPrivacyPolicy(ctx, q, now, res); err != nil {
		return nil, err
	}
	if err := seedAccounts(ctx, q, now, res); err != nil {
		return nil, err
	}
	if err := seedBoards(ctx, q, now, res); err != nil { // boards.go
		return nil, err
	}
	res.CovidSystemID = res.Systems[SystemCovid]
	res.UserRoleID = res.Roles[SystemCovid+"/"+RoleUser]
	res.ApproverRoleID = res.Roles[SystemCovid+"/"+RoleApprover]
	res.ProvinceAdminRoleID = res.Roles[SystemCovid+"/"+RoleProvinceAdmin]
	res.NationalAdminRoleID = res.Roles[SystemCovid+"/"+RoleNationalAdmin]
	res.AutoReportRoleID = res.Roles[SystemAutoReport+"/"+RoleAutoReport]
	return res, nil
}

func seedInstitutions(ctx context.Context, q store.Queries, now time.Time, res *Result) error {
	f, err := files.Open("data/institutions.csv")
	if err != nil {
		return err
	}
	defer f.Close()
	rows, err := importer.Parse(f)
	if err != nil {
		return fmt.Errorf("data/institutions.csv: %w", err)
	}
	c, err := importer.Apply(ctx, q, rows, importer.Options{Existing: importer.ExistingSkip, Now: now})
	if err != nil {
		return fmt.Errorf("data/institutions.csv: %w", err)
	}
	res.Created += c.Created
	for _, row := range rows {
		in, err := q.GetInstitutionByCode(ctx, row.Code)
		if err != nil {
			return fmt.Errorf("institution %s: %w", row.Code, err)
		}
		res.Institutions[in.Code] = in.ID
		switch in.Kind {
		case domain.KindNational:
			res.NationalID = in.ID
		case domain.KindProvince:
			res.Provinces = append(res.Provinces, in)
		case domain.KindHealthCentre:
			res.HealthCentres = append(res.HealthCentres, in)
		case domain.KindMedical:
			res.Medical = append(res.Medical, in)
		}
	}
	return nil
}

// systemsFile is the shape of data/systems.json.
type systemsFile struct {
	Systems []struct {
		Code        string `json:"code"`
		Name        string `json:"name"`
		Description string `json:"description"`
		Menus       []struct {
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"menus"`
		Roles []struct {
			Code              string   `json:"code"`
			Name              string   `json:"name"`
			Description       string   `json:"description"`
			RequestableBy     []string `json:"requestable_by"`
			ApproverKind      string   `json:"approver_kind"`
			ApproverRole      string   `json:"approver_role"`
			NeedsPersonalCert bool     `json:"needs_personal_cert"`
			Admin             bool     `json:"admin"`
			GrantLifetime     string   `json:"grant_lifetime"`
		} `json:"roles"`
	} `json:"systems"`
}

func seedSystems(ctx context.Context, q store.Queries, now time.Time, res *Result) error {
	data, err := files.ReadFile("data/systems.json")
	if err != nil {
		return err
	}
	var sf systemsFile
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&sf); err != nil {
		return fmt.Errorf("data/systems.json: %w", err)
	}
	for _, s := range sf.Systems {
		sys, err := q.GetSystemByCode(ctx, s.Code)
		if errors.Is(err, store.ErrNotFound) {
			sys = domain.System{Code: s.Code, Name: s.Name, Description: s.Description, CreatedAt: now}
			if err := q.CreateSystem(ctx, &sys); err != nil {
				return fmt.Errorf("create system %s: %w", s.Code, err)
			}
			res.Created++
		} else if err != nil {
			return fmt.Errorf("system %s: %w", s.Code, err)
		}
		res.Systems[s.Code] = sys.ID

		menus, err := q.ListMenus(ctx, sys.ID)
		if err != nil {
			return fmt.Errorf("menus of %s: %w", s.Code, err)
		}
		have := map[string]bool{}
		for _, m := range menus {
			have[m.Name] = true
		}
		for i, m := range s.Menus {
			if have[m.Name] {
				continue
			}
			menu := domain.Menu{SystemID: sys.ID, Name: m.Name, URL: m.URL, SortOrder: (i + 1) * 10}
			if err := q.CreateMenu(ctx, &menu); err != nil {
				return fmt.Errorf("create menu %s/%s: %w", s.Code, m.Name, err)
			}
			res.Created++
		}

		for _, r := range s.Roles {
			key := s.Code + "/" + r.Code
			role, err := q.GetRoleByCode(ctx, sys.ID, r.Code)
			if err == nil {
				res.Roles[key] = role.ID
				continue
			} else if !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("role %s: %w", key, err)
			}
			role = domain.Role{
				SystemID:          sys.ID,
				Code:              r.Code,
				Name:              r.Name,
				Description:       r.Description,
				ApproverKind:      domain.InstitutionKind(r.ApproverKind),
				NeedsPersonalCert: r.NeedsPersonalCert,
				Admin:             r.Admin,
				CreatedAt:         now,
			}
			if !role.ApproverKind.Valid() {
				return fmt.Errorf("role %s: unknown approver kind %q", key, r.ApproverKind)
			}
			for _, k := range r.RequestableBy {
				kind := domain.InstitutionKind(k)
				if !kind.Valid() {
					return fmt.Errorf("role %s: unknown institution kind %q", key, k)
				}
				role.RequestableBy = append(role.RequestableBy, kind)
			}
			if r.ApproverRole != "" {
				ref := r.ApproverRole
				if !strings.Contains(ref, "/") {
					ref = s.Code + "/" + ref
				}
				id, ok := res.Roles[ref]
				if !ok {
					return fmt.Errorf("role %s: approver role %s is not defined before it", key, ref)
				}
				role.ApproverRoleID = id
			}
			if r.GrantLifetime != "" {
				if role.GrantLifetime, err = time.ParseDuration(r.GrantLifetime); err != nil {
					return fmt.Errorf("role %s: grant_lifetime: %w", key, err)
				}
			}
			if err := q.CreateRole(ctx, &role); err != nil {
				return fmt.Errorf("create role %s: %w", key, err)
			}
			res.Created++
			res.Roles[key] = role.ID
		}
	}
	return nil
}

// ConsentText returns the text of the demo's latest consent version: the
// manual's 개인정보 수집(이용) 및 동의 안내 (version 1, the default every
// fresh database gets, firstrun.ConsentText) with the optional department
// and position (version 2).
func ConsentText() string { return consentTexts[len(consentTexts)-1] }

// seedPrivacyPolicy publishes the demo's privacy policy when none is.
func seedPrivacyPolicy(ctx context.Context, q store.Queries, now time.Time, res *Result) error {
	if _, err := q.PrivacyPolicy(ctx, 0); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("privacy policy: %w", err)
	}
	p := domain.PrivacyPolicy{Text: strings.TrimSpace(privacyPolicy), Source: "demo", CreatedAt: now}
	if err := q.AddPrivacyPolicy(ctx, &p); err != nil {
		return fmt.Errorf("privacy policy: %w", err)
	}
	res.Created++
	return nil
}

func seedConsent(ctx context.Context, q store.Queries, now time.Time, res *Result) error {
	// Each demo version not stored yet is added in order; a database with
	// later versions of its own keeps them.
	have := 0
	latest, err := q.LatestConsentVersion(ctx)
	if err == nil {
		have = latest.Version
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("consent: %w", err)
	}
	res.ConsentVersion = have
	for v := have; v < len(consentTexts); v++ {
		c := domain.ConsentVersion{Text: consentTexts[v], CreatedAt: now}
		if err := q.AddConsentVersion(ctx, &c); err != nil {
			return fmt.Errorf("add consent: %w", err)
		}
		res.Created++
		res.ConsentVersion = c.Version
	}
	return nil
}

func seedAccounts(ctx context.Context, q store.Queries, now time.Time, res *Result) error {
	data, err := files.ReadFile("data/accounts.csv")
	if err != nil {
		return err
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comment = '#'
	if _, err := cr.Read(); err != nil { // header
		return fmt.Errorf("data/accounts.csv: %w", err)
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		} else if err != nil {
			return fmt.Errorf("data/accounts.csv: %w", err)
		}
		loginID, name, instCode, roles, mobile, office := rec[0], rec[1], rec[2], rec[3], rec[4], rec[5]
		inst, err := q.GetInstitutionByCode(ctx, instCode)
		if err != nil {
			return fmt.Errorf("account %s: institution %s: %w", loginID, instCode, err)
		}
		u, err := q.GetUserByLoginID(ctx, loginID)
		if errors.Is(err, store.ErrNotFound) {
			pseudo, err := pseudonym()
			if err != nil {
				return err
			}
			u = domain.User{
				LoginID:        loginID,
				Name:           name,
				InstitutionID:  inst.ID,
				Mobile:         mobile,
				OfficePhone:    office,
				Status:         domain.UserActive,
				ConsentVersion: res.ConsentVersion,
				ConsentAt:      now,
				CreatedAt:      now,
				UpdatedAt:      now,
				Pseudonym:      pseudo,
			}
			if err := q.CreateUser(ctx, &u); err != nil {
				return fmt.Errorf("create user %s: %w", loginID, err)
			}
			res.Created++
		} else if err != nil {
			return fmt.Errorf("user %s: %w", loginID, err)
		}
		acc := Account{UserID: u.ID, LoginID: u.LoginID, Name: u.Name, Institution: inst}
		for _, ref := range strings.Split(roles, ";") {
			ref = strings.TrimSpace(ref)
			if ref == "" {
				continue
			}
			roleID, ok := res.Roles[ref]
			if !ok {
				return fmt.Errorf("account %s: unknown role %s", loginID, ref)
			}
			held, err := q.ListGrants(ctx, store.GrantFilter{UserID: u.ID, RoleID: roleID, ActiveAt: now})
			if err != nil {
				return fmt.Errorf("grants of %s: %w", loginID, err)
			}
			if len(held) == 0 {
				g := domain.Grant{UserID: u.ID, RoleID: roleID, GrantedAt: now}
				if err := q.CreateGrant(ctx, &g); err != nil {
					return fmt.Errorf("grant %s to %s: %w", ref, loginID, err)
				}
				res.Created++
			}
			acc.Roles = append(acc.Roles, ref)
		}
		res.Accounts = append(res.Accounts, acc)
	}
	return nil
}

// pseudonym returns a random identifier for the audit log.
func pseudonym() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "u-" + hex.EncodeToString(b), nil
}
