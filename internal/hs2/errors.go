package hs2

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/asyncsql/databricks/internal/rpc"
	"github.com/asyncsql/databricks/internal/stmterr"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// Sentinel errors. The driver exports these very values, so errors.Is
// matches them on both sides of the package boundary.
var (
	// ErrInvalidHandle reports that the server does not know a session or
	// operation handle.
	ErrInvalidHandle = errors.New("databricks: invalid or unknown handle")
	// ErrParametersNotSupported reports query parameters sent to a server
	// below SPARK_CLI_SERVICE_PROTOCOL_V8.
	ErrParametersNotSupported = errors.New("databricks: query parameters need server protocol SPARK_CLI_SERVICE_PROTOCOL_V8 or later")
	// ErrInvalidRef reports bytes that are not a reference made by
	// Ref.MarshalBinary.
	ErrInvalidRef = errors.New("databricks: invalid operation reference")
)

// Failure is what the server said about a failed call (a TStatus) or a
// failed statement (a terminal operation state). The Client turns it into
// an error with Options.NewError; without one, the Failure itself is the
// error.
type Failure struct {
	SQLState         string
	ErrorCode        int32
	Message          string
	DisplayMessage   string
	StatementID      string
	ErrorDetailsJSON string
	// State is the terminal state of a failed statement, nil for a call's
	// status.
	State *tcli.TOperationState
	// Method is the RPC whose status reported the failure, empty for states.
	Method string
	// InvalidHandle is set when the failure means that the server does not
	// know the handle: the error then matches ErrInvalidHandle.
	InvalidHandle bool
	// Cause is the RPC client's error the failure came with, if any.
	Cause error
}

// Error implements error.
func (f *Failure) Error() string {
	msg := f.Message
	if msg == "" {
		msg = f.DisplayMessage
	}
	if f.Method != "" {
		msg += " (" + f.Method + ")"
	}
	return "databricks: " + msg
}

// Unwrap returns Cause.
func (f *Failure) Unwrap() error { return f.Cause }

// Is reports whether target is ErrInvalidHandle for handle failures.
func (f *Failure) Is(target error) bool { return target == ErrInvalidHandle && f.InvalidHandle }

// fail turns f into the error the Client returns.
func (c *Client) fail(f *Failure) error {
	if c.opts.NewError != nil {
		return c.opts.NewError(f)
	}
	return f
}

// statusFailure describes the error status of a call.
func statusFailure(se *rpc.StatusError, stmtID string, cause error) *Failure {
	st := se.Status
	if st == nil {
		return &Failure{Method: se.Method, StatementID: stmtID, Cause: cause}
	}
	return &Failure{
		Method:           se.Method,
		StatementID:      stmtID,
		Cause:            cause,
		SQLState:         st.GetSqlState(),
		ErrorCode:        st.GetErrorCode(),
		Message:          st.GetErrorMessage(),
		DisplayMessage:   st.GetDisplayMessage(),
		ErrorDetailsJSON: st.GetErrorDetailsJson(),
		InvalidHandle:    se.InvalidHandle() || isMissingResource(st.GetErrorMessage()),
	}
}

// isMissingResource recognises the messages servers use for operations and
// sessions they no longer know: Databricks (evicted, RESOURCE_DOES_NOT_EXIST)
// and Apache Spark, which answers ERROR_STATUS with these texts.
func isMissingResource(msg string) bool {
	return strings.Contains(msg, "RESOURCE_DOES_NOT_EXIST") || strings.Contains(msg, "Invalid OperationHandle") ||
		strings.Contains(msg, "Invalid SessionHandle") || strings.Contains(msg, "Session does not exist") ||
		strings.Contains(msg, "timed out due to inactivity")
}

// StateError is the error of a terminal, unsuccessful operation state.
func (c *Client) StateError(resp *tcli.TGetOperationStatusResp, stmtID string) error {
	st := resp.GetOperationState()
	f := &Failure{
		SQLState:         resp.GetSqlState(),
		ErrorCode:        resp.GetErrorCode(),
		Message:          resp.GetErrorMessage(),
		DisplayMessage:   resp.GetDisplayMessage(),
		ErrorDetailsJSON: resp.GetErrorDetailsJson(),
		StatementID:      stmtID,
		State:            &st,
	}
	if f.Message == "" {
		f.Message = "statement ended in state " + stateName(st)
	}
	f.InvalidHandle = isMissingResource(f.Message)
	return c.fail(f)
}

// stateName is the protocol's name of a state, as the driver's
// OperationState prints it.
func stateName(s tcli.TOperationState) string {
	if s >= tcli.TOperationState_INITIALIZED_STATE && s <= tcli.TOperationState_TIMEDOUT_STATE {
		return s.String()
	}
	return fmt.Sprintf("OperationState(%d)", int32(s))
}

// Outcome converts a terminal status into nil (FINISHED) or the statement's
// failure.
func (c *Client) Outcome(resp *tcli.TGetOperationStatusResp, stmtID string) error {
	if resp.GetOperationState() == tcli.TOperationState_FINISHED_STATE {
		return nil
	}
	return c.StateError(resp, stmtID)
}

// checkStatus returns the failure of st when the RPC client's check
// (rpc.CheckStatus) finds an error status in it; nil otherwise.
func (c *Client) checkStatus(method string, st *tcli.TStatus, stmtID string) error {
	var se *rpc.StatusError
	if errors.As(rpc.CheckStatus(method, st), &se) {
		return c.fail(statusFailure(se, stmtID, nil))
	}
	return nil
}

// rpcErr converts an error returned by the RPC client: status errors become
// failures; context errors pass unchanged; others get the statement ID
// attached (when there is one) as a *stmterr.Error.
func (c *Client) rpcErr(err error, stmtID string) error {
	if err == nil {
		return nil
	}
	var se *rpc.StatusError
	if errors.As(err, &se) {
		return c.fail(statusFailure(se, stmtID, err))
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if stmtID != "" {
		return &stmterr.Error{ID: stmtID, Err: err}
	}
	return err
}

// missing is the failure of a reply that lacks what the protocol requires.
func (c *Client) missing(method, what, stmtID string) error {
	return c.fail(&Failure{Method: method, Message: what, StatementID: stmtID})
}

// NotRun reports whether err guarantees that nothing ran and that another
// session may succeed: the RPC client's error for an invalid session handle.
// HTTP errors are not: the RPC client has already retried 429 and 503
// within its budget, and 401/403 will not pass on a new session either.
func NotRun(err error) bool {
	var se *rpc.StatusError
	return errors.As(err, &se) && se.InvalidHandle()
}

// isInvalidHandle reports whether err says that the server does not know a
// handle.
func isInvalidHandle(err error) bool { return err != nil && errors.Is(err, ErrInvalidHandle) }
