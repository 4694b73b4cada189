package driver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	sqldriver "database/sql/driver"
)

// This file is the driver's surface for statements that outlive the call,
// the connection and the process that submitted them (package async builds
// on it): SubmitDetached, OperationStatus, CancelOperation, CloseOperation
// and OperationRows on a Connector, all keyed by an OperationRef.

// OperationStatus is a statement's state as the server reports it.
type OperationStatus struct {
	// State is the operation state.
	State OperationState
	// Err is the statement's failure (a *ServerError) for the ERROR,
	// CANCELED, CLOSED, TIMEDOUT and UKNOWN states; nil otherwise.
	Err error
	// Started and Completed are the server's timestamps (zero when absent).
	Started, Completed time.Time
	// RowsAffected is the server's modified-row count (0 when absent).
	RowsAffected int64
	// HasResultSet reports whether the statement produces rows.
	HasResultSet bool
}

// Terminal reports whether the state is final.
func (s OperationStatus) Terminal() bool { return s.State.Terminal() }

// SubmitDetached runs a statement in a new session of its own, which no
// connection pool owns, without results returned inline, so that the
// statement outlives the call, db.Close and the process: it runs until it
// ends and its result stays on the server until CloseOperation (or the
// server's expiry). It returns as soon as the server has accepted the
// statement, with its reference and the status known then (INITIALIZED).
//
// args are query parameters as for database/sql (values, sql.Named, Valuer,
// Parameter). Once the request is sent, SubmitDetached reads the reply even
// if ctx ends meanwhile (on a context detached from ctx, bounded to 2
// minutes), so that no statement is left running unknown to the caller:
// it then returns the reference with ctx's error. A reference is returned
// (non-zero) whenever the server accepted the statement.
func (c *Connector) SubmitDetached(ctx context.Context, query string, args ...any) (OperationRef, OperationStatus, error) {
	if c.isClosed() {
		return OperationRef{}, OperationStatus{}, ErrClosed
	}
	nargs, err := namedArgs(args)
	if err != nil {
		return OperationRef{}, OperationStatus{}, err
	}
	return c.be.submitDetached(ctx, query, nargs)
}

// namedArgs converts query arguments as database/sql does for this driver.
func namedArgs(args []any) ([]sqldriver.NamedValue, error) {
	out := make([]sqldriver.NamedValue, 0, len(args))
	for i, a := range args {
		nv := sqldriver.NamedValue{Ordinal: i + 1, Value: a}
		if na, ok := a.(sql.NamedArg); ok {
			nv.Name, nv.Value = na.Name, na.Value
		}
		if err := checkNamedValue(&nv); err != nil {
			if !errors.Is(err, sqldriver.ErrSkip) {
				return nil, fmt.Errorf("databricks: argument %d: %w", i+1, err)
			}
			v, err := sqldriver.DefaultParameterConverter.ConvertValue(nv.Value)
			if err != nil {
				return nil, fmt.Errorf("databricks: argument %d: %w", i+1, err)
			}
			nv.Value = v
		}
		out = append(out, nv)
	}
	return out, nil
}

// OperationStatus asks the server once for the state of an operation. The
// error is for transport and handle problems (errors.Is(err,
// ErrInvalidHandle) for an operation the server no longer knows, with the
// server's reason in the message); a failed statement is reported in
// OperationStatus.Err. IsTransient tells the errors worth retrying.
func (c *Connector) OperationStatus(ctx context.Context, ref OperationRef) (OperationStatus, error) {
	if err := c.checkRef(ref); err != nil {
		return OperationStatus{}, err
	}
	return c.be.status(ctx, ref)
}

// checkRef is the error of an operation method called with ref: ErrClosed
// after Close, ErrInvalidRef for the zero reference.
func (c *Connector) checkRef(ref OperationRef) error {
	if c.isClosed() {
		return ErrClosed
	}
	if ref.IsZero() {
		return fmt.Errorf("%w: zero reference", ErrInvalidRef)
	}
	return nil
}

// OperationRows returns the rows of a finished operation from its first row,
// on no connection of a pool: any process may read them, as often as it
// likes, until CloseOperation. Neither the end of the rows, nor a failed
// read, nor Close closes the operation or its session. A small result costs
// one request (FetchResults with the metadata included). An operation that
// is still running gives the server's error; one the server no longer knows
// an error matching ErrInvalidHandle. A reference without a result set gives
// rows with no columns, without a request.
func (c *Connector) OperationRows(ctx context.Context, ref OperationRef) (sqldriver.Rows, error) {
	if err := c.checkRef(ref); err != nil {
		return nil, err
	}
	op, err := c.be.refOperation(ctx, ref)
	if err != nil {
		return nil, err
	}
	if !op.hasResultSet() {
		return &emptyRows{}, nil
	}
	r, err := c.openRows(ctx, op, rowsOptions{})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// CancelOperation asks the server to cancel an operation. Cancelling a
// finished operation is not an error.
func (c *Connector) CancelOperation(ctx context.Context, ref OperationRef) error {
	if err := c.checkRef(ref); err != nil {
		return err
	}
	return c.be.cancel(ctx, ref)
}

// CloseOperation closes an operation with its result, then its dedicated
// session. It is idempotent: unknown handles count as closed.
func (c *Connector) CloseOperation(ctx context.Context, ref OperationRef) error {
	if err := c.checkRef(ref); err != nil {
		return err
	}
	return c.be.closeRef(ctx, ref)
}

// ConnectorOf returns the Connector behind db, a *sql.DB of this driver
// (from sql.OpenDB with a Connector, or sql.Open with a DSN; then it may
// open one pooled connection to find it). Pair it with Hold to use the
// connector beyond db's Close.
func ConnectorOf(ctx context.Context, db *sql.DB) (*Connector, error) {
	if d, ok := db.Driver().(*Driver); ok && d.c != nil {
		return d.c, nil
	}
	cn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer cn.Close()
	var c *Connector
	err = cn.Raw(func(dc any) error {
		x, ok := dc.(*conn)
		if !ok {
			return fmt.Errorf("databricks: %T is not a connection of this driver", dc)
		}
		c = x.c
		return nil
	})
	return c, err
}
