package firstrun

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/auth"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/signup"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The system and role the bootstrap creates when the database has no
// administration role for national administrators yet. Administrators
// rename them, add menus, or create their own in the console
// (/admin/systems).
const (
	AdminSystemCode = "portal-admin"
	AdminRoleCode   = "national-admin"
	// ProvinceRoleCode is the province administrators' role, which
	// national administrators approve.
	ProvinceRoleCode = "province-admin"
	adminSystemName  = "관문 포털 관리"
	adminSystemDesc  = "포털 운영: 관리자 콘솔(/admin)을 쓰는 관리자 권한 (portal administration)"
	adminRoleName    = "포털 관리자(질병관리청)"
	adminRoleDesc    = "전국 관리자. 신청할 수 없고 gwanmun admin bootstrap 또는 관리자 콘솔의 승인자 관리에서만 부여됩니다 (national administrator; never requested)."
	provinceRoleName = "포털 관리자(시도)"
	provinceRoleDesc = "시도 관리자: 관할 기관과 사용자를 관리합니다. 질병관리청 관리자가 승인합니다 (province administrator)."
)

// CLIActor is the audit actor of the operator's commands.
var CLIActor = audit.Actor{Pseudonym: "cli"}

// Admin is who the bootstrap makes the first national administrator.
type Admin struct {
	// Result is the verified certificate (pki.Verifier.Verify); it must
	// be a personal certificate.
	Result *pki.Result
	// LoginID, Name, Mobile, OfficePhone, Email: the account's fields,
	// checked by the signup rules. Name must match the certificate's
	// holder; empty takes it from the certificate. Mobile and OfficePhone
	// may be empty (the administrator fills them in under 내 정보).
	LoginID, Name, Mobile, OfficePhone, Email string
	// InstitutionCode names the national agency's institution (kind
	// national), e.g. loaded by gwanmun import.
	InstitutionCode string
}

// BootstrapResult says what the bootstrap did.
type BootstrapResult struct {
	User        domain.User
	Institution domain.Institution
	System      domain.System
	Role        domain.Role
	Grant       domain.Grant
	// CreatedUser is false when the certificate was already registered to
	// a user (who signed up in the portal), who was given the role.
	CreatedUser bool
	// CreatedRole is true when the administration system and role were
	// created.
	CreatedRole bool
}

// ErrAdminExists refuses a bootstrap on a database that already has an
// active national administrator: further administrators are granted in
// the admin console, with the granting administrator's 본인 확인.
var ErrAdminExists = errors.New("an active national administrator exists")

// Bootstrap registers the first national administrator in one
// transaction: the account (or the existing account of the certificate),
// the certificate, the administration role (created when missing) and a
// grant of it, each audited with the actor "cli". It refuses when an
// active national administrator exists (ErrAdminExists), when the
// certificate is not personal, and on any field the signup rules refuse.
func Bootstrap(ctx context.Context, st store.Store, in Admin, now time.Time) (BootstrapResult, error) {
	var res BootstrapResult
	if in.Result == nil || in.Result.Cert == nil {
		return res, errors.New("no verified certificate")
	}
	if err := in.Result.RequirePersonal(); err != nil {
		return res, fmt.Errorf("%s: %w", pki.MessageFor(pki.Code(err), "en"), err)
	}
	keyHash := auth.KeyHash(in.Result.Cert)
	err := st.InTx(ctx, func(q store.Queries) error {
		res = BootstrapResult{}
		if who, err := ActiveNationalAdmin(ctx, q, now); err != nil {
			return err
		} else if who != nil {
			return fmt.Errorf("%w (user %d, login ID %s)", ErrAdminExists, who.ID, who.LoginID)
		}
		inst, err := q.GetInstitutionByCode(ctx, in.InstitutionCode)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("institution %q not found: load the institutions first (gwanmun import FILE, docs/import.md)", in.InstitutionCode)
		} else if err != nil {
			return err
		}
		if inst.Kind != domain.KindNational {
			return fmt.Errorf("institution %s (%s) is of kind %s: a national administrator belongs to the national agency (kind national)", inst.Code, inst.Name, inst.Kind)
		}
		res.Institution = inst

		cert, err := q.GetCertificateByKeyHash(ctx, keyHash)
		switch {
		case err == nil:
			if err := res.adopt(ctx, q, in, cert, inst); err != nil {
				return err
			}
		case errors.Is(err, store.ErrNotFound):
			if err := res.register(ctx, q, in, keyHash, inst, now); err != nil {
				return err
			}
		default:
			return err
		}

		activated := res.User.Status != domain.UserActive
		if activated { // a pending signup: the grant activates it, as an approval would
			res.User.Status, res.User.UpdatedAt = domain.UserActive, now
			if err := q.UpdateUser(ctx, &res.User); err != nil {
				return err
			}
		}
		if err := res.adminRole(ctx, q, now); err != nil {
			return err
		}
		res.Grant = domain.Grant{UserID: res.User.ID, RoleID: res.Role.ID, GrantedAt: now}
		if err := q.CreateGrant(ctx, &res.Grant); err != nil {
			return fmt.Errorf("grant: %w", err)
		}
		return audit.Log(ctx, q, CLIActor, "admin.bootstrap", "user", res.User.ID,
			map[string]any{"role_id": res.Role.ID, "grant_id": res.Grant.ID, "institution_id": inst.ID, "created_user": res.CreatedUser, "activated": activated && !res.CreatedUser}, now)
	})
	return res, err
}

// register creates the account and registers the certificate.
func (res *BootstrapResult) register(ctx context.Context, q store.Queries, in Admin, keyHash []byte, inst domain.Institution, now time.Time) error {
	loginID, msg := signup.LoginID(in.LoginID)
	if msg != "" {
		return fmt.Errorf("login ID: %s (%s)", msg, "5 to 20 lower-case letters and digits, starting with a letter")
	}
	cn := in.Result.Cert.Subject.CommonName
	name := in.Name
	if strings.TrimSpace(name) == "" {
		name = signup.CertName(cn)
	}
	name, msg = signup.Name(name, cn)
	if msg != "" {
		return fmt.Errorf("name: %s (the certificate's holder is %q)", msg, signup.CertName(cn))
	}
	u := domain.User{LoginID: loginID, Name: name, InstitutionID: inst.ID, Status: domain.UserActive,
		CreatedAt: now, UpdatedAt: now}
	var err error
	if in.Mobile != "" {
		if u.Mobile, msg = signup.Mobile(in.Mobile); msg != "" {
			return fmt.Errorf("mobile: %s", msg)
		}
	}
	if in.OfficePhone != "" {
		if u.OfficePhone, msg = signup.Phone(in.OfficePhone); msg != "" {
			return fmt.Errorf("office phone: %s", msg)
		}
	}
	if u.Email, msg = signup.Email(in.Email); msg != "" {
		return fmt.Errorf("e-mail: %s", msg)
	}
	if u.Pseudonym, err = pseudonym(); err != nil {
		return err
	}
	if err := q.CreateUser(ctx, &u); errors.Is(err, store.ErrAlreadyExists) {
		return fmt.Errorf("login ID %s is taken (or held after a withdrawal): choose another", loginID)
	} else if err != nil {
		return err
	}
	v := auth.Verified{Result: in.Result, KeyHash: keyHash}
	c := v.CertificateRecord(u.ID, now)
	if err := q.AddCertificate(ctx, &c); err != nil {
		return fmt.Errorf("register certificate: %w", err)
	}
	res.User, res.CreatedUser = u, true
	return audit.Log(ctx, q, CLIActor, "admin.bootstrap.user", "user", u.ID,
		map[string]any{"cert_class": string(c.Class), "institution_id": inst.ID}, now)
}

// adopt takes the account the certificate is registered to: a user of the
// national agency who signed up in the portal.
func (res *BootstrapResult) adopt(ctx context.Context, q store.Queries, in Admin, cert domain.Certificate, inst domain.Institution) error {
	if !cert.Current() {
		return errors.New("this certificate was replaced or removed from its account: use the account's current certificate")
	}
	u, err := q.GetUser(ctx, cert.UserID)
	if err != nil {
		return err
	}
	if in.LoginID != "" && in.LoginID != u.LoginID {
		return fmt.Errorf("the certificate is registered to the account %s, not %s: leave out --login-id to make that account the administrator", u.LoginID, in.LoginID)
	}
	if u.InstitutionID != inst.ID {
		return fmt.Errorf("the certificate's account %s belongs to institution %d, not %s", u.LoginID, u.InstitutionID, inst.Code)
	}
	switch u.Status {
	case domain.UserActive:
	case domain.UserPending: // a signup waiting for its first approval
	default:
		return fmt.Errorf("the certificate's account %s is %s", u.LoginID, u.Status)
	}
	res.User = u
	return nil
}

// adminRole finds the administration role national administrators hold,
// creating the portal's administration system and its two roles when
// missing: 포털 관리자(질병관리청), held by national administrators, and
// 포털 관리자(시도), which province staff request and national
// administrators approve. Because the province role names the national
// one as its approver role, the console's 승인자 관리 (/admin/approvers)
// grants further national administrators, with 본인 확인.
func (res *BootstrapResult) adminRole(ctx context.Context, q store.Queries, now time.Time) error {
	sys, err := q.GetSystemByCode(ctx, AdminSystemCode)
	if errors.Is(err, store.ErrNotFound) {
		sys = domain.System{Code: AdminSystemCode, Name: adminSystemName, Description: adminSystemDesc, CreatedAt: now}
		if err := q.CreateSystem(ctx, &sys); err != nil {
			return fmt.Errorf("create system %s: %w", AdminSystemCode, err)
		}
		res.CreatedRole = true
		if err := audit.Log(ctx, q, CLIActor, "admin.system.create", "system", sys.ID, map[string]any{"code": sys.Code}, now); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	national, err := res.ensureRole(ctx, q, domain.Role{SystemID: sys.ID, Code: AdminRoleCode, Name: adminRoleName,
		Description: adminRoleDesc, ApproverKind: domain.KindNational, NeedsPersonalCert: true, Admin: true, CreatedAt: now}, now)
	if err != nil {
		return err
	}
	if _, err := res.ensureRole(ctx, q, domain.Role{SystemID: sys.ID, Code: ProvinceRoleCode, Name: provinceRoleName,
		Description: provinceRoleDesc, RequestableBy: []domain.InstitutionKind{domain.KindProvince}, ApproverKind: domain.KindNational,
		ApproverRoleID: national.ID, NeedsPersonalCert: true, Admin: true, CreatedAt: now}, now); err != nil {
		return err
	}
	if !national.Admin || !national.RetiredAt.IsZero() {
		return fmt.Errorf("role %s/%s exists but is not a live administration role: fix it in the admin console (/admin/systems) or give it another code", sys.Code, national.Code)
	}
	res.System, res.Role = sys, national
	return nil
}

// ensureRole returns the role of want's system and code, creating want
// when there is none.
func (res *BootstrapResult) ensureRole(ctx context.Context, q store.Queries, want domain.Role, now time.Time) (domain.Role, error) {
	role, err := q.GetRoleByCode(ctx, want.SystemID, want.Code)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return role, err
	}
	role = want
	if err := q.CreateRole(ctx, &role); err != nil {
		return role, fmt.Errorf("create role %s: %w", role.Code, err)
	}
	res.CreatedRole = true
	return role, audit.Log(ctx, q, CLIActor, "admin.role.create", "role", role.ID,
		map[string]any{"system_id": role.SystemID, "code": role.Code, "admin": role.Admin, "approver_role_id": role.ApproverRoleID}, now)
}

// ActiveNationalAdmin returns an active national administrator at now, or
// nil when there is none.
func ActiveNationalAdmin(ctx context.Context, q store.Queries, now time.Time) (*domain.User, error) {
	roles, err := q.ListRoles(ctx, 0)
	if err != nil {
		return nil, err
	}
	var admin []int64
	for _, r := range roles {
		if r.Admin && r.RetiredAt.IsZero() {
			admin = append(admin, r.ID)
		}
	}
	if len(admin) == 0 {
		return nil, nil
	}
	const pageSize = 200
	for off := 0; ; off += pageSize {
		grants, err := q.ListGrants(ctx, store.GrantFilter{RoleIDs: admin, ActiveAt: now, Page: store.Page{Offset: off, Limit: pageSize}})
		if err != nil {
			return nil, err
		}
		for _, g := range grants {
			u, err := q.GetUser(ctx, g.UserID)
			if errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				return nil, err
			}
			sc, err := access.AdminScopeOf(ctx, q, u, now)
			if err != nil {
				return nil, err
			}
			if sc.National {
				return &u, nil
			}
		}
		if len(grants) < pageSize {
			return nil, nil
		}
	}
}

// pseudonym returns a random identifier for the audit log.
func pseudonym() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "u-" + hex.EncodeToString(b), nil
}
