package rest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/asyncsql/databricks/internal/rpc"
)

// maxErrorBody bounds the bytes of an error reply that are read.
const maxErrorBody = 64 << 10

// Error is a refused request (an HTTP status other than 2xx, with the
// API's error_code and message) or a statement whose status reports it
// FAILED, CANCELED or CLOSED. Its text quotes neither a token nor a link.
type Error struct {
	// Op is the call: submit, status, chunk, cancel, close, create session
	// or delete session.
	Op string
	// StatusCode is the HTTP status of a refused request; 0 when the
	// statement's status reported the failure.
	StatusCode int
	// ErrorCode is the API's error code (BAD_REQUEST, NOT_FOUND, ...),
	// empty when none came.
	ErrorCode string
	// Message is the server's explanation, sanitised and bounded.
	Message string
	// SQLState is the five-character SQLSTATE of a failed statement.
	SQLState string
	// StatementID names the statement, empty for a refused submit.
	StatementID string
	// State is the statement's final state for statement failures, empty
	// for refused requests.
	State State
	// RetryAfter is the wait a Retry-After header asked for, zero when none.
	RetryAfter time.Duration
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("rest: ")
	b.WriteString(e.Op)
	if e.StatementID != "" {
		fmt.Fprintf(&b, " of statement %s", e.StatementID)
	}
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.StatusCode)
		if t := http.StatusText(e.StatusCode); t != "" {
			b.WriteString(" " + t)
		}
	} else if e.State != "" {
		b.WriteString(": statement " + string(e.State))
	}
	if e.ErrorCode != "" {
		b.WriteString(": " + e.ErrorCode)
	}
	if e.SQLState != "" {
		fmt.Fprintf(&b, " (SQLSTATE %s)", e.SQLState)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// Temporary reports whether the reply says the request was not processed
// and may be sent again later: HTTP 429 or 503.
func (e *Error) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusServiceUnavailable
}

// NotFound reports whether the server does not know the statement (HTTP
// 404): never submitted, or removed after its retention.
func (e *Error) NotFound() bool { return e.StatusCode == http.StatusNotFound }

// Err returns the failure a terminal status reports as an *Error: FAILED,
// CANCELED or CLOSED; nil for any other state.
func (r *StatementResponse) Err(op string) error {
	switch r.Status.State {
	case Failed, Canceled, Closed:
	default:
		return nil
	}
	e := &Error{Op: op, StatementID: r.StatementID, State: r.Status.State, SQLState: rpc.Sanitize(r.Status.SQLState)}
	if se := r.Status.Error; se != nil {
		e.ErrorCode, e.Message = rpc.Sanitize(se.ErrorCode), rpc.Sanitize(se.Message)
	}
	return e
}

// newError reads the error reply resp (at most maxErrorBody bytes of it).
func newError(op, id string, resp *http.Response, now time.Time) *Error {
	e := &Error{Op: op, StatementID: id, StatusCode: resp.StatusCode,
		RetryAfter: rpc.ParseRetryAfter(resp.Header.Get("Retry-After"), now)}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var se ServiceError
	if json.Unmarshal(body, &se) == nil {
		e.ErrorCode, e.Message = rpc.Sanitize(se.ErrorCode), rpc.Sanitize(se.Message)
	}
	if e.Message == "" {
		e.Message = rpc.Sanitize(resp.Header.Get("X-Databricks-Reason-Phrase"))
	}
	return e
}
