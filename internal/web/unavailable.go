package web

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// unavailableCode is the error code of a request that failed because the
// database could not be reached; it is answered 503 with Retry-After.
const unavailableCode = "unavailable"

// retryAfterSeconds is the Retry-After of a 503 answer.
const retryAfterSeconds = "5"

func init() {
	messages["error."+unavailableCode+".title"] = message{"서비스를 잠시 사용할 수 없습니다", "Service temporarily unavailable"}
	messages["error."+unavailableCode+".message"] = message{
		"잠시 후 다시 시도하세요. 처리되지 않은 요청은 저장되지 않았습니다.",
		"Please try again in a moment. The request was not carried out, and nothing of it was saved.",
	}
}

// isUnavailable reports whether err means that the database could not be
// reached or is shutting down or starting up, rather than that a statement
// failed: a refused, reset or broken connection, PostgreSQL's connection
// exceptions (SQLSTATE class 08), admin/crash shutdown and "the database
// system is starting up" (57P01–57P03), too many connections (53300), and
// SQLite's busy database (its write lock was held past the busy timeout).
// Such a request changed nothing (its transaction never committed), so the
// client may simply retry it.
func isUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" ||
			pe.Code == "53300"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	var se *sqlite.Error
	switch {
	case errors.As(err, &ce), errors.As(err, &ne),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	case errors.As(err, &se):
		return se.Code()&0xff == sqlite3.SQLITE_BUSY
	}
	// pgx reports a connection that died under a statement as "conn
	// closed" or "unexpected EOF" without always wrapping a typed error.
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "unexpected EOF")
}

// unavailable answers a request whose database could not be reached: 503
// with Retry-After, as JSON or as the error page ("잠시 후 다시
// 시도하세요"). It logs a warning, not an internal error: the fault is
// outside gwanmun and passes when the database is back (database/sql opens
// new connections by itself).
func (s *Server) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Warn("database unavailable", "id", state(r).id, "method", r.Method, "path", r.URL.Path, "err", err)
	w.Header().Set("Retry-After", retryAfterSeconds)
	s.renderError(w, r, http.StatusServiceUnavailable, unavailableCode, "")
}
