package pki

import (
	"errors"
	"fmt"
	"time"
)

// Stable error codes of certificate and signature checks. They appear in
// logs, in `gwanmun cert check` output and in the web layer; never rename
// one. docs/pki.md lists them with their messages.
const (
	CodeCertMalformed         = "cert_malformed"
	CodeCertUntrusted         = "cert_untrusted"
	CodeCertExpired           = "cert_expired"
	CodeCertNotYetValid       = "cert_not_yet_valid"
	CodeCertRevoked           = "cert_revoked"
	CodeRevocationUnavailable = "cert_revocation_unavailable"
	CodeCertKeyUsage          = "cert_key_usage"
	CodeCertNotPersonal       = "cert_not_personal"
	CodeCertUnknownPolicy     = "cert_unknown_policy"
	CodeCertUnsupportedKey    = "cert_unsupported_key"
	CodeSignatureInvalid      = "signature_invalid"
	CodeCertKeyMismatch       = "cert_key_mismatch"
	CodeNonceUnknown          = "nonce_unknown"
	CodeNonceReplayed         = "nonce_replayed"
	CodeNonceExpired          = "nonce_expired"
	CodeNonceWrongPurpose     = "nonce_wrong_purpose"
	CodeNonceWrongOrigin      = "nonce_wrong_origin"
	CodeCMSMalformed          = "cms_malformed"
	CodeCMSUnsupported        = "cms_unsupported"
	CodeKeyWrongPassword      = "key_wrong_password"
	CodeCertWeakKey           = "cert_weak_key"
	CodeCertCAUsage           = "cert_ca_usage"
)

// message is the user-facing text of an error code: what happened and what
// to do about it.
type message struct{ Ko, En string }

// messages holds the Korean and English text of every code.
var messages = map[string]message{
	CodeCertMalformed: {
		"인증서를 읽을 수 없습니다. 올바른 공동인증서(signCert.der)를 선택하세요.",
		"The certificate cannot be read. Choose a valid joint certificate (signCert.der).",
	},
	CodeCertUntrusted: {
		"신뢰할 수 있는 인증기관이 발급한 인증서가 아닙니다. 공인된 인증기관(yessign, KICA, SignKorea, CrossCert, TradeSign, NCASign 등)에서 발급한 인증서를 사용하세요.",
		"The certificate was not issued by a trusted certification authority. Use a certificate from an accredited CA (yessign, KICA, SignKorea, CrossCert, TradeSign, NCASign, ...).",
	},
	CodeCertExpired: {
		"인증서가 만료되었습니다. 인증서를 갱신한 뒤 인증서 재등록을 하세요.",
		"The certificate has expired. Renew it, then register the renewed certificate again.",
	},
	CodeCertNotYetValid: {
		"인증서의 유효기간이 아직 시작되지 않았습니다. 컴퓨터의 날짜와 시간을 확인하거나 잠시 후 다시 시도하세요.",
		"The certificate is not valid yet. Check your computer's date and time, or try again later.",
	},
	CodeCertRevoked: {
		"폐지되었거나 효력이 정지된 인증서입니다. 인증서를 재발급받은 뒤 인증서 재등록을 하세요.",
		"The certificate has been revoked or suspended. Have it reissued, then register the new certificate.",
	},
	CodeRevocationUnavailable: {
		"인증서의 폐지 여부를 확인할 수 없습니다. 잠시 후 다시 시도하세요. 계속되면 관리자에게 문의하세요.",
		"The certificate's revocation status cannot be checked right now. Try again later; if this persists, contact the administrator.",
	},
	CodeCertKeyUsage: {
		"전자서명용 인증서가 아닙니다. 전자서명용(signCert) 인증서를 선택하세요.",
		"This certificate is not for digital signatures. Choose the signing certificate (signCert).",
	},
	CodeCertNotPersonal: {
		"개인 인증서가 아닙니다. 법인(기관) 인증서는 사용할 수 없으니 본인 명의의 개인 공동인증서를 선택하세요.",
		"This is not a personal certificate. Institution (corporate) certificates cannot be used; choose your own personal certificate.",
	},
	CodeCertUnknownPolicy: {
		"용도를 확인할 수 없는 인증서입니다. 범용 또는 은행·보험용 개인 공동인증서를 사용하세요.",
		"The certificate's policy (use) is not recognised. Use a general-purpose or banking personal certificate.",
	},
	CodeCertUnsupportedKey: {
		"지원하지 않는 키 형식의 인증서입니다. RSA 공동인증서를 사용하세요.",
		"The certificate's key type is not supported. Use an RSA joint certificate.",
	},
	CodeSignatureInvalid: {
		"전자서명 검증에 실패했습니다. 인증서와 비밀번호를 확인한 뒤 다시 시도하세요.",
		"The digital signature could not be verified. Check the certificate and password, then try again.",
	},
	CodeCertKeyMismatch: {
		"인증서와 개인키가 일치하지 않습니다. 인증서 폴더의 signCert.der와 signPri.key가 한 쌍인지 확인하세요.",
		"The certificate and private key do not match. Check that signCert.der and signPri.key come from the same folder.",
	},
	CodeNonceUnknown: {
		"로그인 요청 정보를 찾을 수 없습니다. 페이지를 새로고침한 뒤 다시 시도하세요.",
		"The login request was not found. Reload the page and try again.",
	},
	CodeNonceReplayed: {
		"이미 사용된 로그인 요청입니다. 페이지를 새로고침한 뒤 다시 시도하세요.",
		"This login request has already been used. Reload the page and try again.",
	},
	CodeNonceExpired: {
		"로그인 요청 시간이 지났습니다. 페이지를 새로고침한 뒤 다시 시도하세요.",
		"The login request has expired. Reload the page and try again.",
	},
	CodeNonceWrongPurpose: {
		"요청 용도가 일치하지 않습니다. 페이지를 새로고침한 뒤 다시 시도하세요.",
		"The request was made for another purpose. Reload the page and try again.",
	},
	CodeNonceWrongOrigin: {
		"다른 사이트에서 만든 요청입니다. 주소창의 사이트 주소를 확인한 뒤 다시 시도하세요.",
		"The request was made for another site. Check the address in your browser, then try again.",
	},
	CodeCMSMalformed: {
		"전자서명 데이터를 읽을 수 없습니다. 다시 시도하세요. 계속되면 관리자에게 문의하세요.",
		"The signed data cannot be read. Try again; if this persists, contact the administrator.",
	},
	CodeCMSUnsupported: {
		"지원하지 않는 서명 방식입니다. SHA-256 RSA 서명을 사용하세요.",
		"The signature algorithm is not supported. Use RSA with SHA-256.",
	},
	CodeKeyWrongPassword: {
		"인증서 비밀번호가 올바르지 않습니다. 대소문자를 구분하여 다시 입력하세요.",
		"The certificate password is wrong. Passwords are case-sensitive; enter it again.",
	},
	CodeCertWeakKey: {
		"인증서의 키 길이가 너무 짧습니다(RSA 2048비트 이상 필요). 인증서를 새로 발급받은 뒤 사용하세요.",
		"The certificate's key is too short (RSA of at least 2048 bits is required). Have a new certificate issued.",
	},
	CodeCertCAUsage: {
		"인증기관(CA)용 인증서는 로그인에 사용할 수 없습니다. 본인의 전자서명용 공동인증서를 선택하세요.",
		"A certification authority (CA) certificate cannot be used to log in. Choose your own signing certificate.",
	},
}

// Codes returns every error code, in the order of docs/pki.md.
func Codes() []string {
	return []string{
		CodeCertMalformed, CodeCertUntrusted, CodeCertExpired, CodeCertNotYetValid,
		CodeCertRevoked, CodeRevocationUnavailable, CodeCertKeyUsage, CodeCertNotPersonal,
		CodeCertUnknownPolicy, CodeCertUnsupportedKey, CodeSignatureInvalid, CodeCertKeyMismatch,
		CodeNonceUnknown, CodeNonceReplayed, CodeNonceExpired, CodeNonceWrongPurpose,
		CodeNonceWrongOrigin, CodeCMSMalformed, CodeCMSUnsupported, CodeKeyWrongPassword,
		CodeCertWeakKey, CodeCertCAUsage,
	}
}

// CertError is a refusal of a certificate, signature or challenge, with a
// stable Code. Err, when set, holds the technical detail for logs; it is not
// shown to users. Use Message for the user-facing text.
//
// errors.Is(err, ErrCertExpired) and the other sentinels match any
// *CertError with the same code.
type CertError struct {
	Code string
	Err  error
	// At is the date a validity refusal is about: the certificate's
	// notAfter (cert_expired) or notBefore (cert_not_yet_valid); zero
	// otherwise. The web layer puts it in its message.
	At time.Time
}

func (e *CertError) Error() string {
	if e.Err == nil {
		return e.Code
	}
	return e.Code + ": " + e.Err.Error()
}

// Unwrap returns the technical cause.
func (e *CertError) Unwrap() error { return e.Err }

// Is reports whether target is a *CertError with the same code.
func (e *CertError) Is(target error) bool {
	t, ok := target.(*CertError)
	return ok && t.Code == e.Code
}

// Message returns the user-facing text in lang ("ko" or "en"; anything else
// gives Korean, the portal's language).
func (e *CertError) Message(lang string) string { return MessageFor(e.Code, lang) }

// MessageFor returns the user-facing text of code in lang ("ko" or "en").
// An unknown code gives a generic message.
func MessageFor(code, lang string) string {
	m, ok := messages[code]
	if !ok {
		m = message{"인증서를 확인하지 못했습니다. 다시 시도하세요.", "The certificate could not be checked. Try again."}
	}
	if lang == "en" {
		return m.En
	}
	return m.Ko
}

// Code returns the code of the first *CertError in err's chain, or "" when
// there is none.
func Code(err error) string {
	var ce *CertError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return ""
}

// Sentinels, one per code, for errors.Is. Do not return them directly;
// errorf wraps a cause with the code.
var (
	ErrCertMalformed         = &CertError{Code: CodeCertMalformed}
	ErrCertUntrusted         = &CertError{Code: CodeCertUntrusted}
	ErrCertExpired           = &CertError{Code: CodeCertExpired}
	ErrCertNotYetValid       = &CertError{Code: CodeCertNotYetValid}
	ErrCertRevoked           = &CertError{Code: CodeCertRevoked}
	ErrRevocationUnavailable = &CertError{Code: CodeRevocationUnavailable}
	ErrCertKeyUsage          = &CertError{Code: CodeCertKeyUsage}
	ErrCertNotPersonal       = &CertError{Code: CodeCertNotPersonal}
	ErrCertUnknownPolicy     = &CertError{Code: CodeCertUnknownPolicy}
	ErrCertUnsupportedKey    = &CertError{Code: CodeCertUnsupportedKey}
	ErrSignatureInvalid      = &CertError{Code: CodeSignatureInvalid}
	ErrCertKeyMismatch       = &CertError{Code: CodeCertKeyMismatch}
	ErrNonceUnknown          = &CertError{Code: CodeNonceUnknown}
	ErrNonceReplayed         = &CertError{Code: CodeNonceReplayed}
	ErrNonceExpired          = &CertError{Code: CodeNonceExpired}
	ErrNonceWrongPurpose     = &CertError{Code: CodeNonceWrongPurpose}
	ErrNonceWrongOrigin      = &CertError{Code: CodeNonceWrongOrigin}
	ErrCMSMalformed          = &CertError{Code: CodeCMSMalformed}
	ErrCMSUnsupported        = &CertError{Code: CodeCMSUnsupported}
	ErrCertWeakKey           = &CertError{Code: CodeCertWeakKey}
	ErrCertCAUsage           = &CertError{Code: CodeCertCAUsage}
)

// errorf returns a *CertError with code and a formatted technical cause.
func errorf(code, format string, args ...any) *CertError {
	return &CertError{Code: code, Err: fmt.Errorf(format, args...)}
}
