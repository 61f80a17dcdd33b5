package signup

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/auth"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The wizard's steps, as in the manual's step indicator.
const (
	StepConsent  = 1 // 01 개인정보 수집 동의
	StepCert     = 2 // 02 인증서 등록
	StepInfo     = 3 // 03 사용자정보 입력
	StepRequest  = 4 // 04 권한신청
	StepComplete = 5 // 05 가입신청 완료
)

// DraftTTL is how long an untouched signup draft lives.
const DraftTTL = 2 * time.Hour

// Data is the wizard's state between steps, kept server-side.
type Data struct {
	ConsentVersion int       `json:"consent_version,omitempty"`
	ConsentAt      time.Time `json:"consent_at,omitzero"`

	CertDER       []byte           `json:"cert_der,omitempty"`
	CertKeyHash   []byte           `json:"cert_key_hash,omitempty"`
	CertClass     domain.CertClass `json:"cert_class,omitempty"`
	CertPolicyOID string           `json:"cert_policy_oid,omitempty"`
	CertCN        string           `json:"cert_cn,omitempty"`
	CertNotAfter  time.Time        `json:"cert_not_after,omitzero"`
	CertIssuer    string           `json:"cert_issuer,omitempty"`

	Info *Info `json:"info,omitempty"`

	// Set by the last step, for the completion page.
	UserID    int64 `json:"user_id,omitempty"`
	RequestID int64 `json:"request_id,omitempty"`
}

// Info is what the user enters at step 03.
type Info struct {
	Name          string `json:"name"`
	LoginID       string `json:"login_id"`
	InstitutionID int64  `json:"institution_id"`
	Mobile        string `json:"mobile"`
	OfficePhone   string `json:"office_phone"`
	Email         string `json:"email,omitempty"`
	// Department (부서) and Position (직책) are optional (profile.go).
	Department string `json:"department,omitempty"`
	Position   string `json:"position,omitempty"`
}

// Draft is a decoded signup draft.
type Draft struct {
	ID   string
	Step int // the last step completed
	Data Data
}

// Service runs the wizard.
type Service struct {
	Store store.Store
	Auth  *auth.Service
	Now   func() time.Time
	// Notices, when set, e-mails the approvers of the first request.
	Notices *access.Notices
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Errors a user may meet; their messages are shown as they are.
var (
	ErrNoDraft = domain.Errorf(domain.ENOTFOUND,
		"가입 신청 정보가 없거나 만료되었습니다. 처음부터 다시 진행하세요.")
	ErrStepSkipped = domain.Errorf(domain.EINVALID,
		"이전 단계를 먼저 완료하세요.")
	ErrAlreadySubmitted = domain.Errorf(domain.ECONFLICT,
		"이미 가입 신청이 완료되었습니다. 공동인증서로 로그인하여 신청 상태를 확인하세요.")
	ErrConsentRequired = domain.Errorf(domain.EINVALID,
		"개인정보 수집(이용)에 동의해야 가입할 수 있습니다.")
	ErrConsentOutdated = domain.Errorf(domain.ECONFLICT,
		"개인정보 수집 동의 내용이 변경되었습니다. 새 동의서를 확인한 뒤 다시 동의하세요.")
	ErrCertTaken = domain.Errorf(domain.ECONFLICT,
		"이미 다른 계정에 등록된 인증서입니다. 본인 계정이라면 [공동인증서 로그인]으로 로그인하세요. 다른 사람이 등록했다면 관할 보건소에 문의하세요.")
	ErrLoginIDTaken = domain.Errorf(domain.ECONFLICT,
		"이미 사용 중인 아이디입니다. 다른 아이디를 입력하세요.")
	ErrCertNotUsable = domain.Errorf(domain.EINVALID,
		"가입에는 개인 공동인증서가 필요합니다. 법인(기관) 인증서는 향후 전자서명에 사용됩니다.")
)

// NewToken returns a random draft token for the cookie and its ID.
func NewToken() (token, id string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, TokenID(token), nil
}

// TokenID is the stored ID of a draft token.
func TokenID(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Load returns the draft for a token, or ErrNoDraft.
func (s *Service) Load(ctx context.Context, token string) (Draft, error) {
	if token == "" {
		return Draft{}, ErrNoDraft
	}
	d, err := s.Store.GetSignupDraft(ctx, TokenID(token))
	if errors.Is(err, store.ErrNotFound) {
		return Draft{}, ErrNoDraft
	} else if err != nil {
		return Draft{}, err
	}
	if !s.now().Before(d.ExpiresAt) {
		return Draft{}, ErrNoDraft
	}
	out := Draft{ID: d.ID, Step: d.Step}
	if err := json.Unmarshal(d.Data, &out.Data); err != nil {
		return Draft{}, fmt.Errorf("decode signup draft: %w", err)
	}
	return out, nil
}

func (s *Service) save(ctx context.Context, q store.Queries, d Draft, created bool) error {
	b, err := json.Marshal(d.Data)
	if err != nil {
		return err
	}
	now := s.now()
	rec := domain.SignupDraft{ID: d.ID, Step: d.Step, Data: b, UpdatedAt: now, ExpiresAt: now.Add(DraftTTL)}
	if created {
		rec.CreatedAt = now
	}
	return q.PutSignupDraft(ctx, &rec)
}

// Consent records step 01 and starts a draft. token is the browser's
// current draft token, if any; the returned token replaces it.
func (s *Service) Consent(ctx context.Context, token string, version int, agreed bool) (string, error) {
	if !agreed {
		return "", ErrConsentRequired
	}
	latest, err := s.Store.LatestConsentVersion(ctx)
	if err != nil {
		return "", fmt.Errorf("consent text: %w", err)
	}
	if version != latest.Version {
		return "", ErrConsentOutdated
	}
	if token != "" {
		if d, err := s.Load(ctx, token); err == nil && d.Step >= StepComplete {
			// A finished signup's page was reloaded: start anew.
			token = ""
		} else if err == nil {
			d.Step = max(d.Step, StepConsent)
			d.Data.ConsentVersion, d.Data.ConsentAt = latest.Version, s.now()
			return token, s.save(ctx, s.Store, d, false)
		}
	}
	token, id, err := NewToken()
	if err != nil {
		return "", err
	}
	d := Draft{ID: id, Step: StepConsent, Data: Data{ConsentVersion: latest.Version, ConsentAt: s.now()}}
	return token, s.save(ctx, s.Store, d, true)
}

func (s *Service) loadAt(ctx context.Context, token string, need int) (Draft, error) {
	d, err := s.Load(ctx, token)
	if err != nil {
		return Draft{}, err
	}
	if d.Step >= StepComplete {
		return Draft{}, ErrAlreadySubmitted
	}
	if d.Step < need {
		return Draft{}, ErrStepSkipped
	}
	return d, nil
}

// RegisterCert is step 02: the browser signed a signup challenge. The
// certificate must verify, be personal or institution (never unknown), and
// not be registered to any account.
func (s *Service) RegisterCert(ctx context.Context, token string, r pki.SignedResponse) (Draft, error) {
	d, err := s.loadAt(ctx, token, StepConsent)
	if err != nil {
		return Draft{}, err
	}
	v, err := s.Auth.Verify(ctx, pki.PurposeSignup, r)
	if err != nil {
		return Draft{}, err
	}
	if v.Class != domain.CertPersonal && v.Class != domain.CertInstitution {
		return Draft{}, ErrCertNotUsable
	}
	if _, err := s.Store.GetCertificateByKeyHash(ctx, v.KeyHash); err == nil {
		return Draft{}, ErrCertTaken
	} else if !errors.Is(err, store.ErrNotFound) {
		return Draft{}, err
	}
	d.Data.CertDER = v.Cert.Raw
	d.Data.CertKeyHash = v.KeyHash
	d.Data.CertClass = v.Class
	d.Data.CertPolicyOID = v.PolicyOID
	d.Data.CertCN = v.Cert.Subject.CommonName
	d.Data.CertNotAfter = v.Cert.NotAfter.UTC()
	d.Data.CertIssuer = issuerName(v.Cert.Issuer.Organization, v.Cert.Issuer.CommonName)
	d.Step = StepCert
	if d.Data.Info != nil && d.Data.Info.Name != "" {
		// A new certificate may hold another name: step 03 again.
		d.Data.Info.Name = ""
	}
	return d, s.save(ctx, s.Store, d, false)
}

func issuerName(org []string, cn string) string {
	if len(org) > 0 && org[0] != "" {
		return org[0]
	}
	return cn
}

// FieldErrors maps a form field to its message.
type FieldErrors map[string]string

func (f FieldErrors) Error() string { return "입력값을 확인하세요." }

// SaveInfo is step 03. It returns FieldErrors when a field is wrong.
func (s *Service) SaveInfo(ctx context.Context, token string, in Info) (Draft, error) {
	d, err := s.loadAt(ctx, token, StepCert)
	if err != nil {
		return Draft{}, err
	}
	fe := FieldErrors{}
	var msg string
	// A personal certificate names its holder; an institution
	// certificate names the institution, which the person's name cannot match.
	certName := d.Data.CertCN
	if d.Data.CertClass != domain.CertPersonal {
		certName = ""
	}
	if in.Name, msg = Name(in.Name, certName); msg != "" {
		fe["name"] = msg
	}
	if in.LoginID, msg = LoginID(in.LoginID); msg != "" {
		fe["login_id"] = msg
	} else if taken, err := s.LoginIDTaken(ctx, in.LoginID); err != nil {
		return Draft{}, err
	} else if taken {
		fe["login_id"] = ErrLoginIDTaken.Message
	}
	if in.Mobile, msg = Mobile(in.Mobile); msg != "" {
		fe["mobile"] = msg
	}
	if in.OfficePhone, msg = Phone(in.OfficePhone); msg != "" {
		fe["office_phone"] = msg
	}
	if in.Email, msg = Email(in.Email); msg != "" {
		fe["email"] = msg
	}
	if in.Department, msg = ProfileField(in.Department); msg != "" {
		fe["department"] = msg
	}
	if in.Position, msg = ProfileField(in.Position); msg != "" {
		fe["position"] = msg
	}
	if in.InstitutionID == 0 {
		fe["institution"] = "소속 기관을 검색하여 선택하세요."
	} else if inst, err := s.Store.GetInstitution(ctx, in.InstitutionID); errors.Is(err, store.ErrNotFound) || (err == nil && !inst.RetiredAt.IsZero()) {
		fe["institution"] = "선택한 기관을 찾을 수 없습니다. 다시 검색하여 선택하세요."
	} else if err != nil {
		return Draft{}, err
	}
	if len(fe) > 0 {
		return d, fe
	}
	d.Data.Info = &in
	d.Step = StepInfo
	return d, s.save(ctx, s.Store, d, false)
}

// LoginIDTaken reports whether an account (including a withdrawn one
// still inside its no-reuse period) uses id.
func (s *Service) LoginIDTaken(ctx context.Context, id string) (bool, error) {
	_, err := s.Store.GetUserByLoginID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Choice is the role request of step 04.
type Choice struct {
	RoleID                       int64
	ApproverInstitutionID        int64
	Justification                string
	ConfirmedOutsideJurisdiction bool
	ClientAddr                   string
}

// Result is a completed signup.
type Result struct {
	User     domain.User
	Request  domain.RoleRequest
	Approver domain.Institution
}

// Submit is step 04: in one transaction it creates the account (pending),
// registers the certificate, records the role request and the audit
// events, and closes the draft. Until then no account exists.
func (s *Service) Submit(ctx context.Context, token string, c Choice) (Result, error) {
	d, err := s.loadAt(ctx, token, StepInfo)
	if err != nil {
		return Result{}, err
	}
	info := d.Data.Info
	if info == nil {
		return Result{}, ErrStepSkipped
	}
	latest, err := s.Store.LatestConsentVersion(ctx)
	if err != nil {
		return Result{}, err
	}
	if latest.Version != d.Data.ConsentVersion {
		return Result{}, ErrConsentOutdated
	}
	pseudo, _, err := NewToken()
	if err != nil {
		return Result{}, err
	}
	now := s.now()
	var res Result
	err = s.Store.InTx(ctx, func(q store.Queries) error {
		u := domain.User{
			LoginID:        info.LoginID,
			Name:           info.Name,
			InstitutionID:  info.InstitutionID,
			Mobile:         info.Mobile,
			OfficePhone:    info.OfficePhone,
			Email:          info.Email,
			Status:         domain.UserPending,
			ConsentVersion: d.Data.ConsentVersion,
			ConsentAt:      d.Data.ConsentAt,
			CreatedAt:      now,
			UpdatedAt:      now,
			Pseudonym:      "u-" + pseudo[:16],
		}
		if err := q.CreateUser(ctx, &u); errors.Is(err, store.ErrAlreadyExists) {
			return ErrLoginIDTaken
		} else if err != nil {
			return err
		}
		if err := q.PutUserProfile(ctx, domain.UserProfile{UserID: u.ID, Department: info.Department, Position: info.Position}); err != nil {
			return err
		}
		cert, err := certRecord(d.Data, u.ID, now)
		if err != nil {
			return err
		}
		if err := q.AddCertificate(ctx, &cert); errors.Is(err, store.ErrAlreadyExists) {
			return ErrCertTaken
		} else if err != nil {
			return err
		}
		actor := audit.Actor{UserID: u.ID, Pseudonym: u.Pseudonym, ClientAddr: c.ClientAddr}
		if err := audit.Log(ctx, q, actor, "user.signup", "user", u.ID,
			map[string]any{"consent_version": u.ConsentVersion, "cert_class": string(cert.Class)}, now); err != nil {
			return err
		}
		req, approver, err := access.CreateRequest(ctx, q, actor, access.NewRequest{
			Applicant:                    u,
			CertClass:                    cert.Class,
			RoleID:                       c.RoleID,
			ApproverInstitutionID:        c.ApproverInstitutionID,
			Justification:                c.Justification,
			ConfirmedOutsideJurisdiction: c.ConfirmedOutsideJurisdiction,
			Notices:                      s.Notices,
		}, now)
		if err != nil {
			return err
		}
		d.Step = StepComplete
		d.Data = Data{UserID: u.ID, RequestID: req.ID}
		if err := s.save(ctx, q, d, false); err != nil {
			return err
		}
		res = Result{User: u, Request: req, Approver: approver}
		return nil
	})
	if errors.Is(err, ErrLoginIDTaken) || errors.Is(err, ErrCertTaken) {
		// The same draft submitted twice at once (a double click): the
		// other submit made this very account. Say so, not "ID taken".
		if d, lerr := s.Load(ctx, token); lerr == nil && d.Step >= StepComplete {
			return Result{}, ErrAlreadySubmitted
		}
	}
	return res, err
}

func certRecord(d Data, userID int64, now time.Time) (domain.Certificate, error) {
	c, err := pki.ParseCertificate(d.CertDER)
	if err != nil {
		return domain.Certificate{}, err
	}
	v := auth.Verified{Result: &pki.Result{Cert: c, Class: d.CertClass, PolicyOID: d.CertPolicyOID}, KeyHash: d.CertKeyHash}
	return v.CertificateRecord(userID, now), nil
}
