package driver

import (
	"context"
	"errors"
	"time"

	sqldriver "database/sql/driver"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// OperationRef names a statement on the server, independently of any
// database/sql connection. It holds the operation secret: keep it private.
type OperationRef struct {
	// Operation is the operation handle; Operation.String() is the statement ID.
	Operation HandleID
	// Session is the dedicated session the statement runs in (zero if none);
	// CloseOperation closes it after the operation.
	Session HandleID
	// HasResultSet is the handle's hasResultSet flag.
	HasResultSet bool
	// ServerProtocol is the server's protocol version (a tcli.TProtocolVersion),
	// which selects the features used to read the result.
	ServerProtocol int64
}

// StatementID returns the statement's public ID.
func (r OperationRef) StatementID() string { return r.Operation.String() }

func (r OperationRef) handle() *tcli.TOperationHandle {
	return &tcli.TOperationHandle{
		OperationId:   r.Operation.thrift(),
		OperationType: tcli.TOperationType_EXECUTE_STATEMENT,
		HasResultSet:  r.HasResultSet,
	}
}

func (r OperationRef) session() *session {
	if r.Session.IsZero() {
		return nil
	}
	return &session{
		handle: &tcli.TSessionHandle{SessionId: r.Session.thrift()},
		proto:  tcli.TProtocolVersion(r.ServerProtocol),
	}
}

// OperationStatus is a statement's state as the server reports it.
type OperationStatus struct {
	// State is the operation state.
	State tcli.TOperationState
	// Err is the statement's failure (a *ServerError) for ERROR, CANCELED,
	// CLOSED, TIMEDOUT and UKNOWN states; nil otherwise.
	Err error
	// Started and Completed are the server's timestamps (zero when absent).
	Started, Completed time.Time
	// RowsAffected is the server's modified-row count (0 when absent).
	RowsAffected int64
	// HasResultSet reports whether the statement produces rows.
	HasResultSet bool
}

// Terminal reports whether the state is final.
func (s OperationStatus) Terminal() bool { return terminal(s.State) }

func statusFromResp(resp *tcli.TGetOperationStatusResp, stmtID string) OperationStatus {
	st := OperationStatus{State: resp.GetOperationState(), RowsAffected: resp.GetNumModifiedRows(), HasResultSet: resp.GetHasResultSet()}
	if resp.OperationStarted != nil && *resp.OperationStarted > 0 {
		st.Started = time.UnixMilli(*resp.OperationStarted).UTC()
	}
	if resp.OperationCompleted != nil && *resp.OperationCompleted > 0 {
		st.Completed = time.UnixMilli(*resp.OperationCompleted).UTC()
	}
	if terminal(st.State) && st.State != tcli.TOperationState_FINISHED_STATE {
		st.Err = stateError(resp, stmtID)
	}
	return st
}

// Detached, passed as a query argument to QueryContext or ExecContext, runs
// the statement in a new dedicated session, without direct results, so that it
// can outlive the call and be followed through its OperationRef.
//
// OnSubmit is called right after the server accepted the statement. The call
// then waits until the statement ends or Wait elapses (Wait 0: one status
// check). Ref and Status are filled in.
//
// Query: FINISHED gives rows streamed from the operation, which close the
// operation and the session at EOF or when closed after the last row (closing
// the rows earlier leaves both on the server, to be resumed or closed); not finished gives rows with no columns whose Next returns
// ErrNotFinished; a failed statement returns its *ServerError (the operation
// and session are closed). Exec: the Result's RowsAffected returns
// ErrNotFinished while the statement runs; a finished statement is closed.
type Detached struct {
	Wait     time.Duration
	OnSubmit func(OperationRef)

	// Ref identifies the operation (out).
	Ref OperationRef
	// Status is the last status seen (out).
	Status OperationStatus
}

// Resume, passed as the only argument of QueryContext with an empty query,
// returns the rows of an existing finished operation from its first row. The
// operation and its dedicated session are closed at EOF. A running operation
// gives ErrNotFinished; a failed one its *ServerError.
type Resume struct {
	Ref OperationRef
}

// submitDetached opens a dedicated session, submits the statement and waits
// as Detached asks. It returns the operation and its status (terminal or not).
func (c *Connector) submitDetached(ctx context.Context, query string, args []sqldriver.NamedValue, d *Detached) (*operation, *tcli.TGetOperationStatusResp, error) {
	if c.closed.Load() {
		return nil, nil, ErrClosed
	}
	s, err := c.openSession(ctx)
	if err != nil {
		return nil, nil, err
	}
	op, err := c.execute(ctx, s, query, args, execOptions{direct: false})
	if err != nil {
		_ = c.closeSession(ctx, s.handle)
		return nil, nil, err
	}
	op.resumable = true
	d.Ref = OperationRef{
		Operation:      handleFromThrift(op.handle.OperationId),
		Session:        s.id(),
		HasResultSet:   op.handle.HasResultSet,
		ServerProtocol: int64(s.proto),
	}
	if d.OnSubmit != nil {
		d.OnSubmit(d.Ref)
	}
	st, err := c.wait(ctx, op, time.Now().Add(d.Wait))
	if err != nil {
		// ctx done (the operation was cancelled and closed) or a transport error.
		if ctx.Err() != nil {
			_ = c.closeSession(ctx, s.handle)
		}
		return nil, nil, err
	}
	d.Status = statusFromResp(st, op.id)
	if d.Status.Terminal() && d.Status.Err != nil {
		c.cleanupOp(ctx, op, false)
		_ = c.closeSession(ctx, s.handle)
		return nil, nil, d.Status.Err
	}
	return op, st, nil
}

func (c *Connector) queryDetached(ctx context.Context, query string, args []sqldriver.NamedValue, d *Detached) (sqldriver.Rows, error) {
	op, st, err := c.submitDetached(ctx, query, args, d)
	if err != nil {
		return nil, err
	}
	if !terminal(st.GetOperationState()) {
		return &emptyRows{err: ErrNotFinished}, nil
	}
	return c.detachedRows(ctx, op, tcli.TFetchOrientation_FETCH_NEXT)
}

// detachedRows streams a finished operation of a dedicated session, closing
// both at EOF and leaving them when closed early.
func (c *Connector) detachedRows(ctx context.Context, op *operation, orientation tcli.TFetchOrientation) (sqldriver.Rows, error) {
	closeSess := func(ctx context.Context) {
		if op.sess != nil {
			_ = c.closeSession(ctx, op.sess.handle)
		}
	}
	if !hasResultSet(op) {
		c.cleanupOp(ctx, op, false)
		closeSess(ctx)
		return &emptyRows{}, nil
	}
	r, err := c.newRows(ctx, op, orientation)
	if err != nil {
		return nil, err
	}
	r.keepOnEarlyClose = true
	r.atEOF = closeSess
	return r, nil
}

func (c *Connector) execDetached(ctx context.Context, query string, args []sqldriver.NamedValue, d *Detached) (sqldriver.Result, error) {
	op, st, err := c.submitDetached(ctx, query, args, d)
	if err != nil {
		return nil, err
	}
	if !terminal(st.GetOperationState()) {
		return notFinishedResult{}, nil
	}
	n := rowsAffected(op)
	c.cleanupOp(ctx, op, false)
	if op.sess != nil {
		_ = c.closeSession(ctx, op.sess.handle)
	}
	return result(n), nil
}

// notFinishedResult is the Result of a detached Exec that is still running.
type notFinishedResult struct{}

// LastInsertId implements driver.Result.
func (notFinishedResult) LastInsertId() (int64, error) { return 0, ErrNotFinished }

// RowsAffected implements driver.Result: ErrNotFinished.
func (notFinishedResult) RowsAffected() (int64, error) { return 0, ErrNotFinished }

// resume returns the rows of an existing finished operation from its first row.
func (c *Connector) resume(ctx context.Context, ref OperationRef) (sqldriver.Rows, error) {
	if c.closed.Load() {
		return nil, ErrClosed
	}
	h := ref.handle()
	op := &operation{handle: h, id: ref.StatementID(), sess: ref.session()}
	st, err := c.getStatus(ctx, h)
	if err != nil {
		return nil, err
	}
	op.status = st
	switch s := statusFromResp(st, op.id); {
	case !s.Terminal():
		return nil, ErrNotFinished
	case s.Err != nil:
		return nil, s.Err
	}
	return c.detachedRows(ctx, op, tcli.TFetchOrientation_FETCH_FIRST)
}

// OperationStatus asks the server for the state of an operation. The error is
// for transport and handle problems (errors.Is(err, ErrInvalidHandle) for an
// unknown operation); a failed statement is reported in OperationStatus.Err.
func (c *Connector) OperationStatus(ctx context.Context, ref OperationRef) (OperationStatus, error) {
	if c.closed.Load() {
		return OperationStatus{}, ErrClosed
	}
	resp, err := c.getStatus(ctx, ref.handle())
	if err != nil {
		return OperationStatus{}, err
	}
	return statusFromResp(resp, ref.StatementID()), nil
}

// CancelOperation asks the server to cancel an operation. Cancelling a
// finished operation is not an error.
func (c *Connector) CancelOperation(ctx context.Context, ref OperationRef) error {
	if c.closed.Load() {
		return ErrClosed
	}
	return c.cancelOp(ctx, ref.handle())
}

// CloseOperation closes an operation, then its dedicated session. It is
// idempotent: unknown handles count as closed.
func (c *Connector) CloseOperation(ctx context.Context, ref OperationRef) error {
	if c.closed.Load() {
		return ErrClosed
	}
	err := c.closeOp(ctx, ref.handle())
	if isInvalidHandle(err) {
		err = nil
	}
	if s := ref.session(); s != nil {
		err = errors.Join(err, c.closeSession(ctx, s.handle))
	}
	return err
}
