// Package auth turns a browser's signed challenge into a verified
// certificate and, for login, into a user. It joins the challenge store,
// the signature and certificate checks of package pki, and the account
// rules (registered certificate, account status). It knows nothing of HTTP.
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
)

// CertVerifier verifies a certificate's chain, validity, key usage,
// revocation and policy. *pki.Verifier implements it.
type CertVerifier interface {
	Verify(ctx context.Context, cert *x509.Certificate) (*pki.Result, error)
}

// Service issues and verifies challenges.
type Service struct {
	Store    store.Store
	Verifier CertVerifier
	// Origin is the site's public origin, scheme://host[:port], bound into
	// every challenge.
	Origin string
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Challenge is a stored challenge and the message the browser must sign.
type Challenge struct {
	domain.Challenge
	Message string
}

// NewChallenge stores a fresh single-use nonce for purpose.
func (s *Service) NewChallenge(ctx context.Context, purpose string) (Challenge, error) {
	if !pki.ValidPurpose(purpose) {
		return Challenge{}, domain.Errorf(domain.EINVALID, "알 수 없는 요청 용도입니다: %q", purpose)
	}
	nonce, err := pki.NewNonce()
	if err != nil {
		return Challenge{}, err
	}
	now := s.now()
	ch := domain.Challenge{
		Nonce:     nonce,
		Purpose:   purpose,
		Origin:    s.Origin,
		CreatedAt: now,
		ExpiresAt: now.Add(pki.ChallengeTTL),
	}
	if err := s.Store.CreateChallenge(ctx, &ch); err != nil {
		return Challenge{}, fmt.Errorf("store challenge: %w", err)
	}
	return Challenge{Challenge: ch, Message: string(pki.ChallengeMessage(purpose, s.Origin, nonce))}, nil
}

// Verified is a certificate that signed a valid challenge and passed every
// check of the verifier.
type Verified struct {
	*pki.Result
	KeyHash []byte // SHA-256 of the SubjectPublicKeyInfo
}

// CertificateRecord returns the certificate as a domain record, ready to be
// registered to a user.
func (v *Verified) CertificateRecord(userID int64, now time.Time) domain.Certificate {
	c := v.Cert
	return domain.Certificate{
		UserID:       userID,
		SubjectDN:    c.Subject.String(),
		IssuerDN:     c.Issuer.String(),
		Serial:       fmt.Sprintf("%x", c.SerialNumber),
		KeyHash:      v.KeyHash,
		NotBefore:    c.NotBefore.UTC(),
		NotAfter:     c.NotAfter.UTC(),
		PolicyOID:    v.PolicyOID,
		Class:        v.Class,
		DER:          c.Raw,
		RegisteredAt: now,
	}
}

// KeyHash returns the SHA-256 of a certificate's SubjectPublicKeyInfo, the
// key by which certificates are unique across users.
func KeyHash(c *x509.Certificate) []byte {
	h := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return h[:]
}

// Verify checks a signed response for purpose and consumes its nonce.
// The signature and the certificate are checked first, outside any
// transaction (they cost CPU only); the nonce is consumed whatever the
// outcome, and a nonce problem (unknown, replayed, expired, wrong purpose
// or origin) is reported before a signature or certificate problem.
// Errors are *pki.CertError with their codes, or internal.
func (s *Service) Verify(ctx context.Context, purpose string, r pki.SignedResponse) (*Verified, error) {
	v, nonce, err := s.check(ctx, purpose, r)
	if nonce == "" {
		return nil, err
	}
	if cerr := s.consume(ctx, s.Store, purpose, nonce); cerr != nil {
		return nil, cerr
	}
	return v, err
}

// check parses the response and verifies its signature over the message
// the server would have issued for purpose, and the certificate. It
// returns the nonce whenever the response names one.
func (s *Service) check(ctx context.Context, purpose string, r pki.SignedResponse) (*Verified, string, error) {
	resp, err := pki.ParseSignedResponse(r)
	if err != nil {
		return nil, r.Nonce, err
	}
	if err := resp.Verify(pki.ChallengeMessage(purpose, s.Origin, resp.Nonce)); err != nil {
		return nil, resp.Nonce, err
	}
	res, err := s.Verifier.Verify(ctx, resp.Cert)
	if err != nil {
		return nil, resp.Nonce, err
	}
	return &Verified{Result: res, KeyHash: KeyHash(resp.Cert)}, resp.Nonce, nil
}

// consume marks the nonce used and checks its purpose, origin and expiry.
func (s *Service) consume(ctx context.Context, q store.Queries, purpose, nonce string) error {
	now := s.now()
	ch, err := q.ConsumeChallenge(ctx, nonce, now)
	if err != nil {
		return pki.ConsumeError(err)
	}
	return pki.CheckChallenge(ch, purpose, s.Origin, now)
}

// Login error codes, beside the certificate codes of package pki.
const (
	CodeNotRegistered = "cert_not_registered" // no account has this certificate
	// CodeInstitutionNotRegistered: no account has this certificate, and it
	// is an institution (법인) one, which cannot sign up.
	CodeInstitutionNotRegistered = "cert_institution_not_registered"
	CodeCertReplaced             = "cert_replaced" // the account moved to a newer certificate
	CodeAccountLocked            = "account_locked"
)

// LoginError is a refusal that is about the account, not the certificate.
type LoginError struct{ Code string }

func (e *LoginError) Error() string { return e.Code }

// Messages of the login codes, Korean and English.
var loginMessages = map[string][2]string{
	CodeNotRegistered: {
		"등록되지 않은 인증서입니다. 처음 오셨다면 [사용자 가입]을 하고, 인증서를 갱신하셨다면 [인증서 재등록]을 하세요.",
		"This certificate is not registered. New users: sign up. Renewed certificate: register it again.",
	},
	CodeInstitutionNotRegistered: {
		"법인(기관) 인증서이며, 등록되어 있지 않습니다. 사용자 가입에는 본인 명의의 개인 공동인증서가 필요하니 처음 오셨다면 개인 인증서로 [사용자 가입]을 하세요. 이미 계정이 있다면 등록한 개인 인증서로 [공동인증서 로그인]을 하세요.",
		"This is an institution (corporate) certificate, and it is not registered. Signing up needs your own personal certificate: new users, sign up with a personal certificate; if you have an account, log in with the personal certificate you registered.",
	},
	CodeCertReplaced: {
		"새 인증서로 교체된 이전 인증서입니다. 새로 등록한 인증서로 로그인하세요.",
		"This certificate was replaced by a newer one. Log in with the certificate you registered last.",
	},
	CodeAccountLocked: {
		"잠긴 계정입니다. 소속 기관의 관할 보건소 또는 관리자에게 문의하세요.",
		"This account is locked. Contact your health centre or the administrator.",
	},
}

// Message returns the user-facing text of the error in lang ("ko" or "en").
func (e *LoginError) Message(lang string) string {
	m := loginMessages[e.Code]
	if lang == "en" {
		return m[1]
	}
	return m[0]
}

// Login verifies a login response and makes the login's writes with
// store.Queries.Login: the nonce is consumed, and when the certificate is
// registered and current and its account may log in, the login time, the
// session and the audit event of the attempt that prepare returns are
// written, all at once. prepare gets the verified certificate; Login fills
// the attempt's nonce, purpose, origin, key hash and time. The returned
// certificate record is the registered one.
func (s *Service) Login(ctx context.Context, r pki.SignedResponse, prepare func(v *Verified) store.LoginAttempt) (domain.User, domain.Certificate, error) {
	v, nonce, err := s.check(ctx, pki.PurposeLogin, r)
	if err != nil {
		if nonce != "" {
			if cerr := s.consume(ctx, s.Store, pki.PurposeLogin, nonce); cerr != nil {
				return domain.User{}, domain.Certificate{}, cerr
			}
		}
		return domain.User{}, domain.Certificate{}, err
	}
	a := prepare(v)
	a.Nonce, a.Purpose, a.Origin, a.KeyHash, a.At = nonce, pki.PurposeLogin, s.Origin, v.KeyHash, s.now()
	res, err := s.Store.Login(ctx, a)
	if err != nil {
		return domain.User{}, domain.Certificate{}, err
	}
	if err := loginRefusal(res, s.Origin, a.At); err != nil {
		var le *LoginError
		if errors.As(err, &le) && le.Code == CodeNotRegistered && v.Class == domain.CertInstitution {
			err = &LoginError{Code: CodeInstitutionNotRegistered}
		}
		return domain.User{}, domain.Certificate{}, err
	}
	return res.User, res.Cert, nil
}

// loginRefusal returns why res is not a login, in the order the checks
// are made: the nonce, the certificate, the account.
func loginRefusal(res store.LoginResult, origin string, now time.Time) error {
	switch {
	case res.Replayed:
		return pki.ConsumeError(fmt.Errorf("login challenge already used: %w", store.ErrConflict))
	case !res.Consumed:
		return pki.ConsumeError(fmt.Errorf("login challenge: %w", store.ErrNotFound))
	}
	if err := pki.CheckChallenge(res.Challenge, pki.PurposeLogin, origin, now); err != nil {
		return err
	}
	switch {
	case res.Cert.ID == 0:
		return &LoginError{Code: CodeNotRegistered}
	case !res.Cert.RemovedAt.IsZero():
		return &LoginError{Code: CodeNotRegistered}
	case !res.Cert.Current():
		return &LoginError{Code: CodeCertReplaced}
	}
	switch res.User.Status {
	case domain.UserWithdrawn:
		return &LoginError{Code: CodeNotRegistered}
	case domain.UserLocked:
		return &LoginError{Code: CodeAccountLocked}
	}
	if !res.LoggedIn {
		return fmt.Errorf("login of user %d was not recorded", res.User.ID)
	}
	return nil
}
