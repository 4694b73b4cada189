package async

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/internal/backoff"
)

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
