package driver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	sqldriver "database/sql/driver"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/asyncsql/databricks/internal/hs2"
	"github.com/asyncsql/databricks/internal/rest"
	"github.com/asyncsql/databricks/internal/results"
	"github.com/asyncsql/databricks/internal/rpc"
)

// Sentinel errors reported by the driver. Test for them with errors.Is.
var (
	// ErrNotFinished reports that an operation has not reached a terminal state yet
	// (package async reports a statement still running with it).
	ErrNotFinished = errors.New("databricks: operation not finished")
	// ErrInvalidHandle reports that the server does not know a session or operation
	// handle (INVALID_HANDLE_STATUS, or an operation that was closed or evicted).
	ErrInvalidHandle = hs2.ErrInvalidHandle
	// ErrParametersNotSupported reports query arguments sent to a server whose
	// protocol version is below SPARK_CLI_SERVICE_PROTOCOL_V8. The driver never
	// interpolates arguments into the query text.
	ErrParametersNotSupported = hs2.ErrParametersNotSupported
	// ErrInvalidQueryTag reports a statement's query tag (WithQueryTags) that
	// cannot be sent: an empty key or one holding ',' or ':'. Nothing was
	// sent.
	ErrInvalidQueryTag = hs2.ErrQueryTag
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
	ErrCorruptResult = results.ErrCorrupt
	// ErrTruncated is Rows.Err (and ArrowIterator.Err) after the last row
	// of a result cut by a row or byte limit (WithRowLimit, WithByteLimit):
	// the statement had more rows than were returned. A result that fits
	// its limit ends without it.
	ErrTruncated = errors.New("databricks: result truncated by its row or byte limit")
	// ErrLimitNotSupported reports a result limit the backend cannot honour
	// without cutting results silently (WithByteLimit on Thrift,
	// WithRowLimit for a detached Thrift statement). Nothing was sent.
	ErrLimitNotSupported = errors.New("databricks: result limit not supported")
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

// newServerError is the error of a failure the server reported: the
// Options.NewError of the driver's hs2 client, so that every server error
// that reaches the application is a *ServerError.
func newServerError(f *hs2.Failure) error {
	e := &ServerError{
		SQLState:         f.SQLState,
		ErrorCode:        f.ErrorCode,
		Message:          f.Message,
		DisplayMessage:   f.DisplayMessage,
		StatementID:      f.StatementID,
		Method:           f.Method,
		ErrorDetailsJSON: f.ErrorDetailsJSON,
		invalidHandle:    f.InvalidHandle,
		cause:            f.Cause,
	}
	if f.State != nil {
		st := stateOf(*f.State)
		e.State = &st
	}
	return e
}

// badConn marks err so that database/sql retries on another connection. Only used
// when the server cannot have run anything.
func badConn(err error) error {
	return fmt.Errorf("%w: %w", sqldriver.ErrBadConn, err)
}

// IsTransient reports whether err is a failure worth retrying later: a
// transport error (connection refused or reset, timeout, truncated reply),
// HTTP 429 or a 5xx status. Answers of the server (a *ServerError, an
// unknown handle), authentication failures (401, 403), other HTTP statuses,
// certificate verification failures, context errors and ErrClosed are not.
func IsTransient(err error) bool {
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, ErrClosed), errors.Is(err, ErrInvalidHandle):
		return false
	}
	var he *rpc.HTTPError
	if errors.As(err, &he) {
		return he.StatusCode == http.StatusTooManyRequests || he.StatusCode >= 500
	}
	var re *rest.Error
	if errors.As(err, &re) && re.StatusCode != 0 {
		return re.StatusCode == http.StatusTooManyRequests || re.StatusCode >= 500
	}
	var se *ServerError
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	if errors.As(err, &se) || errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &hn) {
		return false // an answer, or a TLS setup that will not change by waiting
	}
	var ne net.Error
	var te thrift.TTransportException
	return errors.As(err, &ne) || errors.As(err, &te) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
