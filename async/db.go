package async

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	sqldriver "database/sql/driver"

	"github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/internal/backoff"
)

// backend is what DB needs from the driver besides database/sql: the
// driver's surface for detached statements. *driver.Connector implements it
// (tests substitute a fake).
type backend interface {
	Warehouse() string
	SubmitDetached(ctx context.Context, query string, args ...any) (driver.OperationRef, driver.OperationStatus, error)
	OperationStatus(ctx context.Context, ref driver.OperationRef) (driver.OperationStatus, error)
	OperationRows(ctx context.Context, ref driver.OperationRef) (sqldriver.Rows, error)
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
	// shared is what DB.With copies share: the rows pool, the keep-alive
	// loop and what Close releases.
	shared *shared
}

type shared struct {
	rows      *sql.DB
	keep      *keeper
	closeOnce sync.Once
	closeErr  error
	// closeFn closes what the DB owns (its *sql.DB, its hold on the
	// connector).
	closeFn func() error
}

// OpenDB opens a DB on a driver connector. Like sql.OpenDB it does not
// connect. The DB holds the connector (driver.Connector.Hold): closing a
// *sql.DB opened on the same connector does not break the DB, and Close
// closes the connector only once nothing else uses it. Close leaves running
// executions on the server: they run in sessions the pool does not own.
func OpenDB(c *driver.Connector, opts ...Option) *DB {
	release := c.Hold()
	sqlDB := sql.OpenDB(c)
	return newDB(sqlDB, c, opts, func() error {
		err := sqlDB.Close()
		release()
		return err
	})
}

// NewDB makes a DB on an existing *sql.DB of this driver, sharing its pool
// and connector; ctx bounds finding the connector (it may take one pooled
// connection). Closing the DB does not close sqlDB, and closing sqlDB does
// not break the DB's own methods: the DB holds the connector until its
// Close. (The embedded *sql.DB methods are sqlDB's and end with it.)
func NewDB(ctx context.Context, sqlDB *sql.DB, opts ...Option) (*DB, error) {
	c, err := driver.ConnectorOf(ctx, sqlDB)
	if err != nil {
		return nil, fmt.Errorf("async: %w", err)
	}
	release := c.Hold()
	return newDB(sqlDB, c, opts, func() error { release(); return nil }), nil
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

func newDB(sqlDB *sql.DB, be backend, opts []Option, closeFn func() error) *DB {
	db := &DB{DB: sqlDB, be: be, warehouse: warehouseHash(be.Warehouse()), opts: defaultOptions()}
	for _, o := range opts {
		o(&db.opts)
	}
	db.shared = &shared{rows: openRowsDB(be), closeFn: closeFn}
	if db.opts.keepAlive > 0 {
		db.shared.keep = newKeeper(be, db.opts.keepAlive)
	}
	return db
}

// With returns a DB that shares db's pool, connector and keep-alive loop,
// with opts applied on top of db's options (WithKeepAlive excepted: the
// loop is db's). Closing either closes both.
func (db *DB) With(opts ...Option) *DB {
	c := *db
	for _, o := range opts {
		o(&c.opts)
	}
	return &c
}

// Close stops the keep-alive loop and closes what the DB owns (see OpenDB
// and NewDB). Executions stay on the server, to be resumed from their
// tokens. Close is safe to call more than once.
func (db *DB) Close() error {
	s := db.shared
	s.closeOnce.Do(func() {
		s.keep.close()
		s.closeErr = errors.Join(s.rows.Close(), s.closeFn())
	})
	return s.closeErr
}

// ParseExecution decodes a token made by Execution.MarshalText (or the JSON of
// MarshalJSON) and checks that it belongs to db's warehouse. It does not
// contact the server; from now on the keep-alive loop holds the execution.
// Leading and trailing white space is ignored.
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
//   - finished: rows streams the result from the first row and exc.Status is
//     StatusFinished;
//   - not finished (initialized, pending or running: the status last heard;
//     a status request the server held past the wait is abandoned): rows is
//     not nil but has no columns and no rows,
//     and rows.Err() matches ErrNotFinished; continue with Wait, Poll or
//     CheckExecution and GetExecutionRows, here or in another process from the
//     token of exc;
//   - failed: err is the *driver.ServerError, also in exc.Err.
//
// ctx bounds the call, never the statement: if ctx ends during the wait,
// QueryContext returns ctx's error with exc, which still resumes; the
// statement runs on until CancelExecution. exc is nil only when the statement
// was never submitted. Whenever err is nil, rows is not nil and must be
// closed. Reading the rows, to the end or not, does not close the
// execution: its result stays readable until CloseExecution.
func (db *DB) QueryContext(ctx context.Context, query string, args ...any) (rows *sql.Rows, exc *Execution, err error) {
	exc, err = db.submitAndWait(ctx, query, args)
	if err != nil {
		return nil, exc, err
	}
	if !exc.Status.Terminal() {
		rows, err = db.shared.rows.QueryContext(ctx, "", pendingArg{id: exc.StatementID()})
		return rows, exc, err
	}
	rows, cur, err := db.rowsOf(ctx, exc)
	return rows, cur, err
}

// ExecContext runs a statement that returns no rows as a resumable execution,
// submitting and waiting for it like QueryContext. When it finished in time,
// exc.Status is StatusFinished and res.RowsAffected and exc.RowsAffected
// hold the rows modified. Otherwise the status is not terminal,
// res.RowsAffected returns an error matching ErrNotFinished, and Wait or
// CheckExecution follow the statement. A failure is returned as err (the
// *driver.ServerError, also in exc.Err). ctx bounds the call, not the
// statement, as for QueryContext.
func (db *DB) ExecContext(ctx context.Context, stmt string, args ...any) (res sql.Result, exc *Execution, err error) {
	exc, err = db.submitAndWait(ctx, stmt, args)
	if err != nil {
		return nil, exc, err
	}
	if exc.Status != StatusFinished {
		if err := outcomeErr(exc); !errors.Is(err, ErrNotFinished) {
			return nil, exc, err
		}
		return result{err: &execError{id: exc.StatementID(), what: "has not finished", errs: []error{ErrNotFinished}}}, exc, nil
	}
	return result{n: exc.RowsAffected}, exc, nil
}

// result is the sql.Result of ExecContext.
type result struct {
	n   int64
	err error
}

// LastInsertId implements sql.Result: the server has none.
func (r result) LastInsertId() (int64, error) {
	return 0, errors.New("async: LastInsertId is not supported")
}

// RowsAffected implements sql.Result.
func (r result) RowsAffected() (int64, error) { return r.n, r.err }

// submitAndWait submits a statement, calls the OnSubmit hook and waits up to
// the configured wait. A failure is returned as the error (with exc).
func (db *DB) submitAndWait(ctx context.Context, query string, args []any) (*Execution, error) {
	ref, _, err := db.be.SubmitDetached(ctx, query, args...)
	if ref.IsZero() {
		if err == nil {
			err = errors.New("async: the driver reported no operation for the statement")
		}
		return nil, err
	}
	exc := db.newExecution(ref)
	db.shared.keep.hold(ref)
	if hook := db.opts.onSubmit; hook != nil {
		hook(exc.clone())
	}
	if err != nil {
		return exc, err // ctx ended while the submission was completing
	}
	cur, err := db.poll(ctx, exc, time.Now().Add(db.opts.wait))
	if err != nil {
		return cur, err
	}
	if cur.Status == StatusFailed {
		return cur, outcomeErr(cur)
	}
	return cur, nil
}

// CheckExecution asks the server once for the status of exc and returns an
// updated copy. A pending, running, failed or canceled statement is not an
// error: its state is in the returned Status (and Err). A statement the server
// no longer knows has StatusGone, with the server's reason in Err. Errors are
// for transport problems and for an execution that is invalid or belongs to
// another warehouse; the returned execution is then exc itself.
func (db *DB) CheckExecution(ctx context.Context, exc *Execution) (*Execution, error) {
	if err := db.check(exc); err != nil {
		return exc, err
	}
	return db.checkOnce(ctx, exc)
}

func (db *DB) checkOnce(ctx context.Context, exc *Execution) (*Execution, error) {
	st, err := db.be.OperationStatus(ctx, exc.Ref)
	if err == nil && st.Err != nil && errors.Is(st.Err, driver.ErrInvalidHandle) {
		err = st.Err
	}
	out := exc.clone()
	switch {
	case errors.Is(err, driver.ErrInvalidHandle):
		out.Status, out.Err = StatusGone, err
		db.shared.keep.release(exc.StatementID())
	case err != nil:
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return exc, err
	default:
		out.apply(st)
	}
	return out, nil
}

// Poll checks exc once and, when it has finished, returns its rows from the
// first row as well: the one call of a loop that runs other work between
// checks. While the statement runs, rows is nil and err is nil; a failed,
// canceled, timed-out or gone execution gives the error GetExecutionRows
// gives. It never blocks beyond one status request (which the server may
// hold up to about 5 s) and, when finished, the first page of the result.
func (db *DB) Poll(ctx context.Context, exc *Execution) (rows *sql.Rows, last *Execution, err error) {
	if err := db.check(exc); err != nil {
		return nil, exc, err
	}
	cur := exc
	if !cur.Status.Terminal() {
		if cur, err = db.checkOnce(ctx, exc); err != nil {
			return nil, cur, err
		}
		if !cur.Status.Terminal() {
			return nil, cur, nil
		}
	}
	return db.rowsOf(ctx, cur)
}

// GetExecutionRows returns the rows of a finished execution, from the first
// row. It may be called again, from any process, for as long as the result
// is on the server: until CloseExecution, or until the server expires it.
// When exc is not known to be finished it checks the status first: a
// statement still running gives an error matching ErrNotFinished, a failed
// one its *driver.ServerError, one canceled, timed out, closed or gone an
// error matching ErrNoResult (and ErrGone when gone).
func (db *DB) GetExecutionRows(ctx context.Context, exc *Execution) (*sql.Rows, error) {
	if err := db.check(exc); err != nil {
		return nil, err
	}
	cur := exc
	if cur.Status != StatusFinished {
		var err error
		if cur, err = db.checkOnce(ctx, exc); err != nil {
			return nil, err
		}
	}
	rows, _, err := db.rowsOf(ctx, cur)
	return rows, err
}

// rowsOf returns the rows of cur when finished, else the outcome's error.
func (db *DB) rowsOf(ctx context.Context, cur *Execution) (*sql.Rows, *Execution, error) {
	if err := outcomeErr(cur); err != nil {
		return nil, cur, err
	}
	rows, err := db.shared.rows.QueryContext(ctx, "", refArg{ref: cur.Ref})
	if errors.Is(err, driver.ErrInvalidHandle) {
		gone := cur.clone()
		gone.Status, gone.Err = StatusGone, err
		db.shared.keep.release(cur.StatementID())
		return nil, gone, goneErr(gone)
	}
	if err != nil {
		return nil, cur, err
	}
	return rows, cur, nil
}

// Wait polls exc until it reaches a terminal status, with the adaptive backoff
// of WithPollBackoff, and returns the final execution. When it finished, rows
// holds every row from the first one (no columns and no rows for a statement
// without a result set); whenever err is nil, rows is not nil and must be
// closed. A failure returns its *driver.ServerError as err; a canceled,
// timed-out, closed or gone execution an error matching ErrNoResult.
//
// Wait rides out outages: transport errors, HTTP 5xx and 429 are retried
// with capped, jittered backoff for as long as ctx allows (or up to
// WithOutageLimit). Only definitive answers end it: the server no longer
// knowing the statement (StatusGone, the server's reason in Err) or an
// authentication failure (HTTP 401, 403). When ctx ends first, Wait returns
// the last status seen and ctx's error; the statement keeps running on the
// server.
func (db *DB) Wait(ctx context.Context, exc *Execution) (rows *sql.Rows, last *Execution, err error) {
	if err := db.check(exc); err != nil {
		return nil, exc, err
	}
	cur := exc
	if !cur.Status.Terminal() {
		if cur, err = db.poll(ctx, exc, time.Time{}); err != nil {
			return nil, cur, err
		}
	}
	return db.rowsOf(ctx, cur)
}

// poll checks exc until its status is terminal, ctx ends or deadline (when
// not zero) passes, riding out transient failures.
func (db *DB) poll(ctx context.Context, exc *Execution, deadline time.Time) (*Execution, error) {
	bo := backoff.New(pollPolicy(db.opts.pollMin, db.opts.pollMax))
	outage := backoff.New(outagePolicy)
	var outageStart time.Time
	cur := exc
	for {
		start := time.Now()
		callCtx, cancel := ctx, context.CancelFunc(func() {})
		if !deadline.IsZero() {
			// A long-polling server may hold the call past the wait.
			callCtx, cancel = context.WithDeadline(ctx, later(deadline, start.Add(minStatusCall)))
		}
		next, err := db.checkOnce(callCtx, cur)
		cancel()
		var sleep time.Duration
		switch {
		case err == nil:
			cur, outageStart = next, time.Time{}
			outage.Reset()
			if cur.Status.Terminal() {
				return cur, nil
			}
			sleep = sleepFor(bo.Next(), time.Since(start))
		case ctx.Err() != nil:
			return cur, ctx.Err()
		case !deadline.IsZero() && callCtx.Err() != nil:
			return cur, nil // the wait ended while the server held the call
		case driver.IsTransient(err):
			if outageStart.IsZero() {
				outageStart = start
			}
			if l := db.opts.outageLimit; l > 0 && time.Since(outageStart) >= l {
				return cur, fmt.Errorf("async: execution %s: outage of %v: %w", cur.StatementID(), time.Since(outageStart).Round(time.Millisecond), err)
			}
			sleep = outage.Next()
		default:
			return cur, err
		}
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				return cur, nil
			}
			sleep = min(sleep, left)
		}
		t := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			t.Stop()
			return cur, ctx.Err()
		case <-t.C:
		}
	}
}

// minStatusCall is the least time a status call gets under a wait deadline,
// so that a deadline already close still allows one answer.
const minStatusCall = 250 * time.Millisecond

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
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
		if cur, cerr := db.checkOnce(ctx, exc); cerr == nil && cur.Status.Terminal() {
			return nil
		}
	}
	return err
}

// CloseExecution is the application's acknowledgement that it is done with
// exc: it releases the server resources of exc — the operation with its
// result, then its dedicated session — and stops keeping it alive. It is
// idempotent: closing an execution that is already closed or gone succeeds.
// Close every execution once its result is safely processed, failed ones
// too.
func (db *DB) CloseExecution(ctx context.Context, exc *Execution) error {
	if err := db.check(exc); err != nil {
		return err
	}
	err := db.be.CloseOperation(ctx, exc.Ref)
	if err == nil || errors.Is(err, driver.ErrInvalidHandle) {
		db.shared.keep.release(exc.StatementID())
		return nil
	}
	return err
}

// KeptAlive is the number of executions the keep-alive loop holds.
func (db *DB) KeptAlive() int { return db.shared.keep.count() }

// check validates that exc can be used with db, and holds it in the
// keep-alive loop.
func (db *DB) check(exc *Execution) error {
	switch {
	case exc == nil:
		return fmt.Errorf("%w: nil execution", ErrInvalidToken)
	case exc.warehouse == 0:
		return errNoBind
	case exc.Ref.IsZero():
		return fmt.Errorf("%w: execution has no operation handle", ErrInvalidToken)
	case exc.warehouse != db.warehouse:
		return ErrWrongWarehouse
	}
	if exc.Status != StatusGone {
		db.shared.keep.hold(exc.Ref)
	}
	return nil
}

func (db *DB) newExecution(ref driver.OperationRef) *Execution {
	return &Execution{Ref: ref, warehouse: db.warehouse, Status: StatusInitialized}
}

// outcomeErr is the error reading the result of cur gives, nil when finished.
func outcomeErr(cur *Execution) error {
	id := cur.StatementID()
	switch cur.Status {
	case StatusFinished:
		return nil
	case StatusFailed:
		if cur.Err != nil {
			return cur.Err
		}
		return &execError{id: id, what: "failed", errs: []error{ErrNoResult}}
	case StatusGone:
		return goneErr(cur)
	}
	if cur.Status.Terminal() {
		what := "is " + cur.Status.String()
		errs := []error{ErrNoResult}
		if cur.Err != nil {
			what += ": " + reason(cur.Err)
			errs = append(errs, cur.Err)
		}
		return &execError{id: id, what: what, errs: errs}
	}
	return &execError{id: id, what: "is " + cur.Status.String(), errs: []error{ErrNotFinished}}
}

// goneErr reports an execution the server no longer knows; it matches
// ErrNoResult and ErrGone, and wraps the server's reason when known.
func goneErr(cur *Execution) error {
	what := "is gone (closed, evicted or expired)"
	errs := []error{ErrNoResult, ErrGone}
	if cur.Err != nil {
		what += ": " + reason(cur.Err)
		errs = append(errs, cur.Err)
	}
	return &execError{id: cur.StatementID(), what: what, errs: errs}
}
