package async

import (
	"errors"
	"strings"

	"github.com/asyncsql/databricks/driver"
)

// ErrNotFinished is reported by the rows of a query that had not finished when
// DB.QueryContext returned (rows.Err()), and by DB.GetExecutionRows for an
// execution that is still running. It is driver.ErrNotFinished, so either
// name matches with errors.Is.
var ErrNotFinished = driver.ErrNotFinished

// ErrGone matches (errors.Is) errors about an execution the server no longer
// knows: closed, evicted or expired. It is driver.ErrInvalidHandle.
// CheckExecution reports this case as StatusGone, not as an error.
var ErrGone = driver.ErrInvalidHandle

// ErrInvalidToken is returned when a token (text or JSON) is malformed,
// truncated, altered, of an unknown version, or when an Execution carries no
// operation handle.
var ErrInvalidToken = errors.New("async: invalid execution token")

// ErrWrongWarehouse is returned when an execution is used with a DB whose
// connector points at another warehouse (host, port or HTTP path) than the
// one that ran it.
var ErrWrongWarehouse = errors.New("async: execution belongs to another warehouse")

// ErrNoResult is matched (errors.Is) by the errors of DB.Wait and
// DB.GetExecutionRows for an execution that ended without a result to read:
// canceled, timed out, closed or gone. The error also wraps the server's
// explanation when there is one. A failed execution returns its
// *driver.ServerError instead.
var ErrNoResult = errors.New("async: execution ended without a result")

// execError is an error about one execution: its text names the statement
// once, with one "async:" prefix, and it matches (errors.Is, errors.As) each
// of errs — the package's sentinels and the driver's error it explains.
type execError struct {
	id   string
	what string
	errs []error
}

func (e *execError) Error() string { return "async: execution " + e.id + " " + e.what }

// Unwrap returns the errors e matches.
func (e *execError) Unwrap() []error { return e.errs }

// reason is the text of a driver error without its prefix and statement
// ID, for an execError that names the statement itself.
func reason(err error) string {
	var se *driver.ServerError
	if errors.As(err, &se) {
		msg := se.Message
		if msg == "" {
			msg = se.DisplayMessage
		}
		if se.StatementID != "" {
			// Some servers name the handle in the message ("Invalid
			// OperationHandle: <id>").
			msg = strings.TrimSuffix(strings.TrimSuffix(msg, se.StatementID), ": ")
		}
		if se.SQLState != "" {
			msg = "[" + se.SQLState + "] " + msg
		}
		if msg != "" {
			return msg
		}
	}
	return err.Error()
}
