// Package notify sends gwanmun's e-mail notifications through a durable
// outbox.
//
// The event code (package access and the janitor jobs) builds messages
// with RequestCreated, RequestDecided, RequestReminder and InactiveWarning
// and enqueues them with store.Queries.EnqueueMail in the transaction of
// the event itself, so that a decision and its notification commit
// together or not at all. A Dispatcher then claims due messages from the
// outbox and hands them to a Mailer (SMTPMailer speaks SMTP through
// github.com/wneessen/go-mail), marking each sent, or failed with an
// exponential back-off, or, in the end, dead. A message leaves the outbox
// only when the mail server has accepted it, so a mail server that is down
// loses nothing. See docs/notifications.md.
package notify

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// Message kinds, stored in the outbox's kind column.
const (
	KindRequestCreated  = "request.created"  // to the approvers: a request arrived
	KindRequestDecided  = "request.decided"  // to the applicant: approved or rejected
	KindRequestReminder = "request.reminder" // to the approvers: a request waits
	KindInactiveWarning = "account.inactive" // to a user: the account will be locked
)

// Mailer delivers one message. An error means the message was not
// accepted; errors for which a retry cannot help without a change (an
// SMTP 5xx reply, an invalid address) satisfy IsPermanent.
type Mailer interface {
	Send(ctx context.Context, m domain.OutboxMessage) error
}

// PermanentError marks a failure that retrying will not fix by itself,
// such as an SMTP 5xx reply.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err as a PermanentError (nil stays nil).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// IsPermanent reports whether err is, or wraps, a PermanentError.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// MaskAddress hides the local part of an e-mail address but its first
// character, for logs: "kim.alice@example.org" becomes "k***@example.org".
// A string without "@" becomes "***".
func MaskAddress(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 {
		return "***"
	}
	r, _ := utf8.DecodeRuneInString(addr) // U+FFFD for a bad byte
	return string(r) + "***" + strings.ToValidUTF8(addr[at:], "\uFFFD")
}

// addrRE matches e-mail addresses inside free text, such as a mail
// server's error reply.
var addrRE = regexp.MustCompile(`[^\s<>"'(),;:\[\]@]+@[^\s<>"'(),;:\[\]@]+`)

// MaskText masks every e-mail address in s with MaskAddress and makes it
// valid UTF-8, so that a mail server's reply (which often repeats the
// recipient) can be logged and stored.
func MaskText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return addrRE.ReplaceAllStringFunc(s, MaskAddress)
}
