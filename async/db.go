package async

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/asyncsql/databricks/driver"
)

// backend is what DB needs from the driver besides database/sql; the driver's
// *driver.Connector implements it (tests substitute a fake).
type backend interface {
	Warehouse() string
	OperationStatus(ctx context.Context, ref driver.OperationRef) (driver.OperationStatus, error)
	CancelOperation(ctx context.Context, ref driver.OperationRef) error
	CloseOperation(ctx context.Context, ref driver.OperationRef) error
}

var _ backend = (*driver.Connector)(nil)

// DB is a *sql.DB for a Databricks warehouse with methods to run statements
// that outlive the call, the connection and the process that started them.
// Every *sql.DB method works as usual. A DB is safe for concurrent use.
type DB struct {
	*sql.DB

	be        backend
	warehouse uint64
	opts      options
}

// OpenDB opens a DB on a driver connector. Like sql.OpenDB it does not
// connect; Close closes the pool and the connector, but leaves running
// executions on the server (they run in sessions the pool does not own).
func OpenDB(c *driver.Connector, opts ...Option) *DB {
	return newDB(sql.OpenDB(c), c, opts)
}

func newDB(sqlDB *sql.DB, be backend, opts []Option) *DB {
	db := &DB{DB: sqlDB, be: be, warehouse: warehouseHash(be.Warehouse()), opts: defaultOptions()}
	for _, o := range opts {
		o(&db.opts)
	}
	return db
}

// With returns a DB that shares db's pool and connector with opts applied on
// top of db's options. Closing either closes both.
func (db *DB) With(opts ...Option) *DB {
	c := *db
	for _, o := range opts {
		o(&c.opts)
	}
	return &c
}

// ParseExecution decodes a token made by Execution.MarshalText (or the JSON of
// MarshalJSON) and checks that it belongs to db's warehouse. It does not
// contact the server. Leading and trailing white space is ignored.
func (db *DB) ParseExecution(token string) (*Execution, error) {
	var e Execution
	token = strings.TrimSpace(token)
	unmarshal := e.UnmarshalText
	if strings.HasPrefix(token, "{") || strings.HasPrefix(token, `"`) {
		unmarshal = e.UnmarshalJSON
	}
	if err := unmarshal([]byte(token)); err != nil {
		return nil, err
	}
	if err := db.check(&e); err != nil {
		return nil, err
	}
	return &e, nil
}

// QueryContext runs a query as a resumable execution, in a session of its own
// that the pool does not own. The configured OnSubmit hook (WithOnSubmit) is
// called as soon as the server accepted the query; QueryContext then waits up
// to the configured wait (WithWait, default 5 s) for it to finish:
//
//   - finished: rows streams the result and exc.Status is StatusFinished;
//   - still pending or running: rows is not nil but has no columns and no rows,
//     and rows.Err() matches ErrNotFinished; continue with Wait or
//     CheckExecution and GetExecutionRows, here or in another process from the
//     token of exc;
//   - failed: err is the *driver.ServerError, also in exc.Err; the driver has
//     closed the statement, so its token reports StatusGone afterwards.
//
// If ctx ends during the wait, the driver cancels and closes the statement:
// use a ctx that lives as long as the statement should. exc is nil only when
// the statement was never submitted. Whenever err is nil, rows is not nil and
// must be closed. The driver closes the operation and its session once the
// last row has been read; rows closed earlier leave the result on the server
// for GetExecutionRows, until CloseExecution.
func (db *DB) QueryContext(ctx context.Context, query string, args ...any) (rows *sql.Rows, exc *Execution, err error) {
	d := db.detached()
	rows, err = db.DB.QueryContext(ctx, query, append(args[:len(args):len(args)], d)...)
	exc = db.fromDetached(d, err)
	if err != nil {
		return nil, exc, err
	}
	if exc == nil {
		rows.Close()
		return nil, nil, errors.New("async: the driver reported no operation for the query")
	}
	return rows, exc, nil
}

// ExecContext runs a statement that returns no rows as a resumable execution,
// submitting and waiting for it like QueryContext. When it finished in time,
// exc.Status is StatusFinished, exc.RowsAffected holds the rows modified, and
// the driver has already closed the statement (its token reports StatusGone
// afterwards). Otherwise the status is pending or running: follow it with
// Wait or CheckExecution. A failure is returned as err (the
// *driver.ServerError, also in exc.Err).
func (db *DB) ExecContext(ctx context.Context, stmt string, args ...any) (exc *Execution, err error) {
	d := db.detached()
	res, err := db.DB.ExecContext(ctx, stmt, append(args[:len(args):len(args)], d)...)
	exc = db.fromDetached(d, err)
	if err != nil {
		return exc, err
	}
	if exc == nil {
		return nil, errors.New("async: the driver reported no operation for the statement")
	}
	if exc.Status == StatusFinished {
		if n, err := res.RowsAffected(); err == nil {
			exc.RowsAffected = n
		}
	}
	return exc, nil
}

// CheckExecution asks the server once for the status of exc and returns an
// updated copy. A pending, running, failed or canceled statement is not an
// error: its state is in the returned Status (and Err). A statement the server
// no longer knows has StatusGone. Errors are for transport problems and for
// an execution that is invalid or belongs to another warehouse; the returned
// execution is then exc itself.
func (db *DB) CheckExecution(ctx context.Context, exc *Execution) (*Execution, error) {
	if err := db.check(exc); err != nil {
		return exc, err
	}
	st, err := db.be.OperationStatus(ctx, exc.Ref)
	if err == nil && st.Err != nil && errors.Is(st.Err, driver.ErrInvalidHandle) {
		err = st.Err
	}
	out := exc.clone()
	switch {
	case errors.Is(err, driver.ErrInvalidHandle):
		out.Status, out.Err = StatusGone, nil
	case err != nil:
		return exc, err
	default:
		out.apply(st)
	}
	return out, nil
}

// GetExecutionRows returns the rows of a finished execution, from the first
// row, on a connection of the pool. When exc is not known to be finished it
// checks the status first: a statement still running gives an error matching
// ErrNotFinished, a failed one its *driver.ServerError, one canceled, timed
// out, closed or gone an error matching ErrNoResult (and ErrGone when gone).
// The driver closes the operation and its session after the last row.
func (db *DB) GetExecutionRows(ctx context.Context, exc *Execution) (*sql.Rows, error) {
	if err := db.check(exc); err != nil {
		return nil, err
	}
	cur := exc
	if cur.Status != StatusFinished {
		var err error
		if cur, err = db.CheckExecution(ctx, exc); err != nil {
			return nil, err
		}
	}
	if err := outcomeErr(cur); err != nil {
		return nil, err
	}
	rows, err := db.DB.QueryContext(ctx, "", &driver.Resume{Ref: cur.Ref})
	if errors.Is(err, driver.ErrInvalidHandle) {
		return nil, goneErr(cur, err)
	}
	return rows, err
}

// Wait polls exc until it reaches a terminal status, with the adaptive backoff
// of WithPollBackoff, and returns the final execution. When it finished, rows
// holds every row from the first one (no columns and no rows for a statement
// without a result set); whenever err is nil, rows is not nil and must be
// closed. A failure returns its *driver.ServerError as err; a canceled,
// timed-out, closed or gone execution an error matching ErrNoResult. When ctx
// ends first, Wait returns the last status seen and ctx's error; the
// statement keeps running on the server.
func (db *DB) Wait(ctx context.Context, exc *Execution) (rows *sql.Rows, last *Execution, err error) {
	if err := db.check(exc); err != nil {
		return nil, exc, err
	}
	cur := exc
	if !cur.Status.Terminal() {
		if cur, err = db.poll(ctx, exc); err != nil {
			return nil, cur, err
		}
	}
	if err := outcomeErr(cur); err != nil {
		return nil, cur, err
	}
	rows, err = db.DB.QueryContext(ctx, "", &driver.Resume{Ref: cur.Ref})
	if err != nil {
		if errors.Is(err, driver.ErrInvalidHandle) {
			cur = cur.clone()
			cur.Status, cur.Err = StatusGone, nil
			err = goneErr(cur, err)
		}
		return nil, cur, err
	}
	return rows, cur, nil
}

// poll checks exc until its status is terminal.
func (db *DB) poll(ctx context.Context, exc *Execution) (*Execution, error) {
	bo := newBackoff(db.opts.pollMin, db.opts.pollMax)
	cur := exc
	for {
		start := time.Now()
		next, err := db.CheckExecution(ctx, cur)
		if err != nil {
			return cur, err
		}
		cur = next
		if cur.Status.Terminal() {
			return cur, nil
		}
		t := time.NewTimer(sleepFor(bo.next(), time.Since(start)))
		select {
		case <-ctx.Done():
			t.Stop()
			return cur, ctx.Err()
		case <-t.C:
		}
	}
}

// CancelExecution asks the server to cancel exc. It is idempotent: canceling
// an execution that already ended, was canceled before or is gone succeeds.
// The execution stays on the server (status StatusCanceled) until
// CloseExecution.
func (db *DB) CancelExecution(ctx context.Context, exc *Execution) error {
	if err := db.check(exc); err != nil {
		return err
	}
	err := db.be.CancelOperation(ctx, exc.Ref)
	if err == nil || errors.Is(err, driver.ErrInvalidHandle) {
		return nil
	}
	var se *driver.ServerError
	if errors.As(err, &se) {
		// Some servers refuse to cancel a statement that already ended.
		if cur, cerr := db.CheckExecution(ctx, exc); cerr == nil && cur.Status.Terminal() {
			return nil
		}
	}
	return err
}

// CloseExecution releases the server resources of exc: the operation with
// its result, then its dedicated session. It is idempotent: closing an
// execution that is already closed or gone succeeds. Close every execution
// whose rows are not read to the end.
func (db *DB) CloseExecution(ctx context.Context, exc *Execution) error {
	if err := db.check(exc); err != nil {
		return err
	}
	err := db.be.CloseOperation(ctx, exc.Ref)
	if errors.Is(err, driver.ErrInvalidHandle) {
		return nil
	}
	return err
}

// check validates that exc can be used with db.
func (db *DB) check(exc *Execution) error {
	switch {
	case exc == nil:
		return fmt.Errorf("%w: nil execution", ErrInvalidToken)
	case exc.warehouse == 0:
		return errNoBind
	case len(exc.Ref.Operation.GUID) == 0:
		return fmt.Errorf("%w: execution has no operation handle", ErrInvalidToken)
	case exc.warehouse != db.warehouse:
		return ErrWrongWarehouse
	}
	return nil
}

// detached builds the driver argument that makes a statement resumable.
func (db *DB) detached() *driver.Detached {
	d := &driver.Detached{Wait: db.opts.wait}
	if hook := db.opts.onSubmit; hook != nil {
		d.OnSubmit = func(ref driver.OperationRef) {
			hook(db.newExecution(ref))
		}
	}
	return d
}

func (db *DB) newExecution(ref driver.OperationRef) *Execution {
	e := &Execution{Ref: ref, warehouse: db.warehouse, Status: StatusInitialized}
	return e.clone()
}

// fromDetached builds the execution the driver reported in d; nil when the
// statement was never submitted.
func (db *DB) fromDetached(d *driver.Detached, err error) *Execution {
	if len(d.Ref.Operation.GUID) == 0 {
		return nil
	}
	exc := db.newExecution(d.Ref)
	exc.apply(d.Status)
	var se *driver.ServerError
	switch {
	case err == nil:
	case errors.Is(err, driver.ErrInvalidHandle):
		exc.Status, exc.Err = StatusGone, nil
	case errors.As(err, &se) && !exc.Status.Terminal():
		exc.Status, exc.Err = StatusFailed, err
	}
	return exc
}

// outcomeErr is the error reading the result of cur gives, nil when finished.
func outcomeErr(cur *Execution) error {
	switch cur.Status {
	case StatusFinished:
		return nil
	case StatusFailed:
		if cur.Err != nil {
			return cur.Err
		}
		return fmt.Errorf("async: execution %s failed", cur.StatementID())
	case StatusGone:
		return goneErr(cur, ErrGone)
	}
	if cur.Status.Terminal() {
		if cur.Err != nil {
			return fmt.Errorf("async: execution %s is %s: %w: %w", cur.StatementID(), cur.Status, ErrNoResult, cur.Err)
		}
		return fmt.Errorf("async: execution %s is %s: %w", cur.StatementID(), cur.Status, ErrNoResult)
	}
	return fmt.Errorf("async: execution %s is %s: %w", cur.StatementID(), cur.Status, ErrNotFinished)
}

// Open parses a DSN of the driver (see driver.ParseDSN), makes a connector
// and opens a DB on it.
func Open(dsn string, opts ...Option) (*DB, error) {
	cfg, err := driver.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	c, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return OpenDB(c, opts...), nil
}

// goneErr reports an execution the server no longer knows; cause matches
// ErrGone.
func goneErr(cur *Execution, cause error) error {
	return fmt.Errorf("async: execution %s is gone (closed, evicted or expired): %w: %w", cur.StatementID(), ErrNoResult, cause)
}
