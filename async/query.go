package async

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

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
