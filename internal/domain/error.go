package domain

import (
	"errors"
	"fmt"
)

// Error codes. Handlers map them to HTTP statuses in one place.
const (
	EINVALID   = "invalid"   // bad input
	ENOTFOUND  = "not_found" // no such thing
	ECONFLICT  = "conflict"  // unique constraint or state conflict
	EFORBIDDEN = "forbidden" // not allowed for this actor
	EUNAUTH    = "unauthenticated"
	EINTERNAL  = "internal"
)

// Error is an application error with a stable code and a message safe to
// show to users.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for other errors, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}
