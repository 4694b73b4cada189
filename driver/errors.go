package driver

import (
	"context"
	"errors"
	"fmt"
	"strings"

	sqldriver "database/sql/driver"

	"github.com/asyncsql/databricks/internal/rpc"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// Sentinel errors reported by the driver. Test for them with errors.Is.
var (
	// ErrNotFinished reports that an operation has not reached a terminal state yet
	// (package async reports a statement still running with it).
	ErrNotFinished = errors.New("databricks: operation not finished")
	// ErrInvalidHandle reports that the server does not know a session or operation
	// handle (INVALID_HANDLE_STATUS, or an operation that was closed or evicted).
	ErrInvalidHandle = errors.New("databricks: invalid or unknown handle")
	// ErrParametersNotSupported reports query arguments sent to a server whose
	// protocol version is below SPARK_CLI_SERVICE_PROTOCOL_V8. The driver never
	// interpolates arguments into the query text.
	ErrParametersNotSupported = errors.New("databricks: query parameters need server protocol SPARK_CLI_SERVICE_PROTOCOL_V8 or later")
	// ErrTransactionsNotSupported is returned by BeginTx: the warehouse has no
	// client-controlled transactions.
	ErrTransactionsNotSupported = errors.New("databricks: transactions are not supported")
	// ErrClosed reports use of a closed connector, connection, statement or rows.
	ErrClosed = errors.New("databricks: use of closed object")
	// ErrNoArrow reports that a result is not Arrow based (column-based servers such
	// as Apache Spark's Thrift server), so QueryArrow cannot serve it.
	ErrNoArrow = errors.New("databricks: result is not Arrow based")
	// ErrUnsupportedResult reports a result format the driver does not read
	// (row-based or URL-based result sets).
	ErrUnsupportedResult = errors.New("databricks: unsupported result format")
	// ErrCorruptResult reports a result the driver will not hand out
	// because it is not what the server's own account of it says: a page
	// that does not start at the row after the last one, a batch or file
	// whose rows or checksum do not match. No row of such data is returned.
	ErrCorruptResult = errors.New("databricks: corrupt result")
)

// ServerError is an error reported by the server, either as an ERROR status of a
// call or as the terminal state of a statement. Use errors.As to get it.
type ServerError struct {
	// SQLState is the five-character SQLSTATE, empty when the server sent none.
	SQLState string
	// ErrorCode is the server's vendor error code, 0 when absent.
	ErrorCode int32
	// Message is the server's error message.
	Message string
	// DisplayMessage is the user-facing message (Databricks), empty when absent.
	DisplayMessage string
	// StatementID is the statement's public ID (operation GUID as a UUID), empty
	// when the failure happened before the statement existed.
	StatementID string
	// State is the operation's terminal state for statement failures
	// (ERROR_STATE, CANCELED_STATE, CLOSED_STATE, TIMEDOUT_STATE, UKNOWN_STATE);
	// nil when the error came from a call's status.
	State *OperationState
	// Method is the RPC whose status reported the error, empty for operation states.
	Method string
	// ErrorDetailsJSON is the server's structured error description, if any.
	ErrorDetailsJSON string

	invalidHandle bool
	cause         error
}

// Error implements error.
func (e *ServerError) Error() string {
	var b strings.Builder
	b.WriteString("databricks: ")
	if e.SQLState != "" {
		fmt.Fprintf(&b, "[%s] ", e.SQLState)
	}
	msg := e.Message
	if msg == "" {
		msg = e.DisplayMessage
	}
	if msg == "" && e.State != nil {
		msg = "statement ended in state " + e.State.String()
	}
	if msg == "" {
		msg = "server error"
	}
	b.WriteString(msg)
	if e.Method != "" {
		fmt.Fprintf(&b, " (%s)", e.Method)
	}
	if e.StatementID != "" {
		fmt.Fprintf(&b, " (statement %s)", e.StatementID)
	}
	return b.String()
}

// Unwrap returns the underlying transport-level error, if any.
func (e *ServerError) Unwrap() error { return e.cause }

// Is reports whether target is ErrInvalidHandle for handle errors.
func (e *ServerError) Is(target error) bool {
	return target == ErrInvalidHandle && e.invalidHandle
}

// statusError converts a non-success TStatus into a *ServerError.
func statusError(method string, st *tcli.TStatus, stmtID string, cause error) *ServerError {
	e := &ServerError{Method: method, StatementID: stmtID, cause: cause}
	if st == nil {
		return e
	}
	e.SQLState = st.GetSqlState()
	e.ErrorCode = st.GetErrorCode()
	e.Message = st.GetErrorMessage()
	e.DisplayMessage = st.GetDisplayMessage()
	e.ErrorDetailsJSON = st.GetErrorDetailsJson()
	e.invalidHandle = st.StatusCode == tcli.TStatusCode_INVALID_HANDLE_STATUS || isMissingResource(e.Message)
	return e
}

// isMissingResource recognises the messages servers use for operations and
// sessions they no longer know: Databricks (evicted, RESOURCE_DOES_NOT_EXIST)
// and Apache Spark, which answers ERROR_STATUS with these texts.
func isMissingResource(msg string) bool {
	return strings.Contains(msg, "RESOURCE_DOES_NOT_EXIST") || strings.Contains(msg, "Invalid OperationHandle") ||
		strings.Contains(msg, "Invalid SessionHandle") || strings.Contains(msg, "Session does not exist") ||
		strings.Contains(msg, "timed out due to inactivity")
}

// stateError builds the error for a terminal, unsuccessful operation state.
func stateError(resp *tcli.TGetOperationStatusResp, stmtID string) *ServerError {
	st := stateOf(resp.GetOperationState())
	e := &ServerError{
		SQLState:         resp.GetSqlState(),
		ErrorCode:        resp.GetErrorCode(),
		Message:          resp.GetErrorMessage(),
		DisplayMessage:   resp.GetDisplayMessage(),
		ErrorDetailsJSON: resp.GetErrorDetailsJson(),
		StatementID:      stmtID,
		State:            &st,
	}
	if e.Message == "" {
		e.Message = "statement ended in state " + st.String()
	}
	e.invalidHandle = isMissingResource(e.Message)
	return e
}

// checkStatus returns a *ServerError if st is an error status.
func checkStatus(method string, st *tcli.TStatus, stmtID string) error {
	if st == nil {
		return nil
	}
	switch st.StatusCode {
	case tcli.TStatusCode_ERROR_STATUS, tcli.TStatusCode_INVALID_HANDLE_STATUS:
		return statusError(method, st, stmtID, nil)
	}
	return nil
}

// wrapRPC converts an error returned by the RPC client: status errors become
// *ServerError; other errors get the statement ID attached.
func wrapRPC(err error, stmtID string) error {
	if err == nil {
		return nil
	}
	var se *rpc.StatusError
	if errors.As(err, &se) {
		return statusError(se.Method, se.Status, stmtID, err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if stmtID != "" {
		return &stmtError{id: stmtID, err: err}
	}
	return err
}

// stmtError attaches a statement ID to a transport error.
type stmtError struct {
	id  string
	err error
}

// Error is the wrapped error's text followed by the statement ID.
func (e *stmtError) Error() string { return e.err.Error() + " (statement " + e.id + ")" }

// Unwrap returns the wrapped error.
func (e *stmtError) Unwrap() error { return e.err }

// badConn marks err so that database/sql retries on another connection. Only used
// when the server cannot have run anything.
func badConn(err error) error {
	return fmt.Errorf("%w: %w", sqldriver.ErrBadConn, err)
}

// notRunError reports whether err guarantees that nothing ran and that another
// connection may succeed: an invalid session handle. HTTP errors are not: the
// RPC client has already retried 429 and 503 within its budget, and 401/403 will
// not pass on a new connection either.
func notRunError(err error) bool {
	var se *rpc.StatusError
	return errors.As(err, &se) && se.Status != nil && se.Status.StatusCode == tcli.TStatusCode_INVALID_HANDLE_STATUS
}
