package async

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/internal/rpc"
)

func status(st driver.OperationState) driver.OperationStatus {
	return driver.OperationStatus{State: st, HasResultSet: true}
}

func finished() statusStep { return statusStep{st: status(driver.StateFinished)} }
func running() statusStep  { return statusStep{st: status(driver.StateRunning)} }

func sumRows(t *testing.T, rows *sql.Rows) (n int, sum int64) {
	t.Helper()
	defer rows.Close()
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		n, sum = n+1, sum+v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n, sum
}

func TestQueryFinishedWithinWait(t *testing.T) {
	be := &fakeBackend{warehouse: testWarehouse, steps: []statusStep{finished()}, rows: []int64{1, 2}}
	var saved []*Execution
	db := newTestDB(be, WithOnSubmit(func(e *Execution) { saved = append(saved, e) }))
	defer db.Close()
	rows, exc, err := db.QueryContext(context.Background(), "SELECT ?", 7)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := sumRows(t, rows); n != 2 {
		t.Fatalf("%d rows", n)
	}
	if exc.Status != StatusFinished || exc.StatementID() != "01ef1234-5678-4abc-8def-001122334455" {
		t.Fatalf("execution %v", exc)
	}
	if len(saved) != 1 || saved[0].Status != StatusInitialized || saved[0].StatementID() != exc.StatementID() {
		t.Fatalf("OnSubmit got %v", saved)
	}
	if _, err := saved[0].MarshalText(); err != nil {
		t.Fatalf("submitted execution cannot be saved: %v", err)
	}
	if len(be.lastArgs) != 1 || be.lastArgs[0] != 7 {
		t.Fatalf("driver got args %v", be.lastArgs)
	}
	// Re-readable: the result comes again from the first row, and nothing
	// closed the execution.
	rows, err = db.GetExecutionRows(context.Background(), exc)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := sumRows(t, rows); n != 2 || be.closed != 0 {
		t.Fatalf("again: %d rows, %d closes", n, be.closed)
	}
}

func TestQueryNotFinished(t *testing.T) {
	be := &fakeBackend{warehouse: testWarehouse}
	db := newTestDB(be, WithWait(0))
	defer db.Close()
	rows, exc, err := db.QueryContext(context.Background(), "SELECT sleep_ms(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if rows.Next() {
		t.Fatal("a running query yielded a row")
	}
	if err := rows.Err(); !errors.Is(err, ErrNotFinished) || !errors.Is(err, driver.ErrNotFinished) {
		t.Fatalf("rows.Err() = %v", err)
	}
	if exc.Status != StatusRunning || be.statusCalls() != 1 {
		t.Fatalf("status %v after %d calls", exc.Status, be.statusCalls())
	}
}

func TestQueryFailed(t *testing.T) {
	state := driver.StateError
	se := &driver.ServerError{SQLState: "42703", Message: "column x not found", State: &state}
	be := &fakeBackend{warehouse: testWarehouse, steps: []statusStep{{st: driver.OperationStatus{State: state, Err: se}}}}
	db := newTestDB(be)
	defer db.Close()
	rows, exc, err := db.QueryContext(context.Background(), "SELECT x")
	if rows != nil || !errors.Is(err, se) {
		t.Fatalf("rows %v err %v", rows, err)
	}
	if exc == nil || exc.Status != StatusFailed || exc.Err != se {
		t.Fatalf("execution %v", exc)
	}
	if be.closed != 0 || be.canceled != 0 {
		t.Fatal("the failed execution was closed or cancelled: only the application closes it")
	}
}

func TestQueryNotSubmitted(t *testing.T) {
	be := &fakeBackend{warehouse: testWarehouse, submitErr: errBoom}
	db := newTestDB(be)
	defer db.Close()
	if _, exc, err := db.QueryContext(context.Background(), "SELECT 1"); !errors.Is(err, errBoom) || exc != nil {
		t.Fatalf("exc %v err %v", exc, err)
	}
	if db.KeptAlive() != 0 {
		t.Fatal("an execution that was never submitted is held")
	}
}

// A ctx that ends while the submission completes still gives the
// execution, and the OnSubmit hook sees it.
func TestQueryContextEndsDuringSubmit(t *testing.T) {
	be := &fakeBackend{warehouse: testWarehouse, submitRef: testRef(), submitErr: context.Canceled}
	var saved *Execution
	db := newTestDB(be, WithOnSubmit(func(e *Execution) { saved = e }))
	defer db.Close()
	_, exc, err := db.QueryContext(context.Background(), "SELECT 1")
	if !errors.Is(err, context.Canceled) || exc == nil || saved == nil || saved.StatementID() != exc.StatementID() {
		t.Fatalf("exc %v saved %v err %v", exc, saved, err)
	}
}

func TestExec(t *testing.T) {
	st := status(driver.StateFinished)
	st.RowsAffected, st.HasResultSet = 3, false
	be := &fakeBackend{warehouse: testWarehouse, steps: []statusStep{{st: st}}}
	db := newTestDB(be)
	defer db.Close()
	res, exc, err := db.ExecContext(context.Background(), "DELETE FROM t")
	if err != nil || exc.Status != StatusFinished || exc.RowsAffected != 3 {
		t.Fatalf("exc %v err %v", exc, err)
	}
	if n, err := res.RowsAffected(); n != 3 || err != nil {
		t.Fatalf("RowsAffected %d %v", n, err)
	}
	if _, err := res.LastInsertId(); err == nil {
		t.Fatal("LastInsertId")
	}
	be.steps = []statusStep{{st: status(driver.StatePending)}}
	res, exc, err = db.ExecContext(context.Background(), "DELETE FROM t")
	if err != nil || exc.Status != StatusPending {
		t.Fatalf("exc %v err %v", exc, err)
	}
	if _, err := res.RowsAffected(); !errors.Is(err, ErrNotFinished) {
		t.Fatalf("RowsAffected of a running statement: %v", err)
	}
}

func TestCheckExecution(t *testing.T) {
	ctx := context.Background()
	state := driver.StateError
	se := &driver.ServerError{SQLState: "22012", Message: "divide by zero", State: &state}
	gone := fmt.Errorf("x: %w", &wrapped{driver.ErrInvalidHandle, "Query has been timed out due to inactivity"})
	for _, tt := range []struct {
		name string
		step statusStep
		want Status
		err  bool
	}{
		{"running", running(), StatusRunning, false},
		{"failed", statusStep{st: driver.OperationStatus{State: driver.StateError, Err: se}}, StatusFailed, false},
		{"gone", statusStep{err: gone}, StatusGone, false},
		{"transport", statusStep{err: errBoom}, 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			be := &fakeBackend{warehouse: testWarehouse, steps: []statusStep{tt.step}}
			db := newTestDB(be)
			defer db.Close()
			exc := testExecution()
			got, err := db.CheckExecution(ctx, exc)
			if tt.err {
				if err == nil || got != exc {
					t.Fatalf("got %v %v", got, err)
				}
				return
			}
			if err != nil || got.Status != tt.want {
				t.Fatalf("got %v %v", got, err)
			}
			if tt.want == StatusGone {
				// The server's reason is kept.
				if got.Err == nil || !strings.Contains(got.Err.Error(), "inactivity") {
					t.Fatalf("gone without the reason: %v", got.Err)
				}
				_, err := db.GetExecutionRows(ctx, got)
				if !errors.Is(err, ErrGone) || !errors.Is(err, ErrNoResult) || !strings.Contains(err.Error(), "inactivity") {
					t.Fatalf("rows of a gone execution: %v", err)
				}
				checkErrorText(t, err, got.StatementID())
			}
			if exc.Status != StatusRunning {
				t.Fatal("CheckExecution modified its argument")
			}
		})
	}
}

// wrapped is an error with a text of its own that matches its cause.
type wrapped struct {
	err error
	msg string
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }

// checkErrorText checks the rule of error texts: one "async:" prefix and
// the statement ID once.
func checkErrorText(t *testing.T, err error, id string) {
	t.Helper()
	s := err.Error()
	if strings.Count(s, "async:") != 1 || strings.Count(s, id) != 1 {
		t.Fatalf("error text %q: want one async: prefix and the statement ID once", s)
	}
}

func TestErrorTexts(t *testing.T) {
	exc := testExecution()
	state := driver.StateCanceled
	canceled := &driver.ServerError{Message: "canceled by user", StatementID: exc.StatementID(), State: &state}
	for _, tt := range []struct {
		st  Status
		err error
	}{
		{StatusRunning, nil}, {StatusCanceled, canceled}, {StatusTimedOut, nil}, {StatusGone, nil}, {StatusFailed, nil},
		{StatusGone, &driver.ServerError{Message: "RESOURCE_DOES_NOT_EXIST", StatementID: exc.StatementID()}},
		{StatusGone, &driver.ServerError{Message: "Invalid OperationHandle: " + exc.StatementID(), StatementID: exc.StatementID()}},
	} {
		e := exc.clone()
		e.Status, e.Err = tt.st, tt.err
		err := outcomeErr(e)
		checkErrorText(t, err, e.StatementID())
		if tt.err != nil && !errors.Is(err, tt.err) {
			t.Errorf("%v does not wrap the server's error", err)
		}
	}
	if s := ErrWrongWarehouse.Error(); strings.Count(s, "async:") != 1 {
		t.Fatal(s)
	}
}

func TestForeignAndInvalidExecutions(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(&fakeBackend{warehouse: testWarehouse})
	defer db.Close()
	other := newTestDB(&fakeBackend{warehouse: otherWarehouse})
	defer other.Close()
	exc := testExecution()
	tok, err := exc.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.ParseExecution(string(tok)); !errors.Is(err, ErrWrongWarehouse) {
		t.Fatalf("foreign token: %v", err)
	}
	calls := []func(*DB, *Execution) error{
		func(db *DB, e *Execution) error { _, err := db.CheckExecution(ctx, e); return err },
		func(db *DB, e *Execution) error { _, _, err := db.Wait(ctx, e); return err },
		func(db *DB, e *Execution) error { _, _, err := db.Poll(ctx, e); return err },
		func(db *DB, e *Execution) error { _, err := db.GetExecutionRows(ctx, e); return err },
		func(db *DB, e *Execution) error { return db.CancelExecution(ctx, e) },
		func(db *DB, e *Execution) error { return db.CloseExecution(ctx, e) },
	}
	for i, call := range calls {
		if err := call(other, exc); !errors.Is(err, ErrWrongWarehouse) {
			t.Errorf("call %d with a foreign execution: %v", i, err)
		}
		if err := call(db, nil); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("call %d with nil: %v", i, err)
		}
		if err := call(db, &Execution{Ref: testRef()}); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("call %d with an unbound execution: %v", i, err)
		}
	}
	if got, err := db.ParseExecution("  " + string(tok) + "\n"); err != nil || got.StatementID() != exc.StatementID() {
		t.Fatalf("ParseExecution: %v %v", got, err)
	}
}

func TestWaitPollsWithBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{warehouse: testWarehouse, rows: []int64{4}, steps: []statusStep{
			running(), running(), running(), {st: status(driver.StateRunning), delay: 3 * time.Second}, running(), finished(),
		}}
		db := newTestDB(be, WithPollBackoff(100*time.Millisecond, time.Second))
		defer db.Close()
		start := time.Now()
		rows, exc, err := db.Wait(context.Background(), testExecution())
		if err != nil || exc.Status != StatusFinished {
			t.Fatalf("exc %v err %v", exc, err)
		}
		rows.Close()
		var offsets []time.Duration
		for _, c := range be.calls {
			offsets = append(offsets, c.Sub(start))
		}
		// 100, 200, 400 ms between starts; the held request (3 s) is
		// followed at once; then 1 s.
		want := []time.Duration{0, 100, 300, 700, 3700, 4700}
		if fmt.Sprint(offsets) != fmt.Sprint(msList(want)) {
			t.Fatalf("polls at %v, want %v", offsets, msList(want))
		}
	})
}

func msList(ms []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ms))
	for i, m := range ms {
		out[i] = m * time.Millisecond
	}
	return out
}

// Wait rides out transport errors and 5xx with jittered backoff, and ends
// on a definitive answer.
func TestWaitRidesOutOutage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var steps []statusStep
		for i := range 40 { // a minute or more of errors
			err := error(&rpc.HTTPError{StatusCode: 503})
			if i%2 == 0 {
				err = fmt.Errorf("rpc: %w", errConnRefused)
			}
			steps = append(steps, statusStep{err: err})
		}
		steps = append(steps, finished())
		be := &fakeBackend{warehouse: testWarehouse, steps: steps, rows: []int64{1}}
		db := newTestDB(be)
		defer db.Close()
		start := time.Now()
		rows, exc, err := db.Wait(context.Background(), testExecution())
		if err != nil || exc.Status != StatusFinished {
			t.Fatalf("exc %v err %v", exc, err)
		}
		rows.Close()
		took := time.Since(start)
		if took < 30*time.Second || took > 40*outageMax {
			t.Fatalf("the outage took %v", took)
		}
		for i := 1; i < len(be.calls); i++ {
			if gap := be.calls[i].Sub(be.calls[i-1]); gap > outageMax {
				t.Fatalf("gap %v between retries exceeds %v", gap, outageMax)
			}
		}

		// With a bound on the outage, Wait gives up with the error.
		be = &fakeBackend{warehouse: testWarehouse, steps: []statusStep{{err: &rpc.HTTPError{StatusCode: 502}}}}
		db2 := newTestDB(be, WithOutageLimit(10*time.Second))
		defer db2.Close()
		start = time.Now()
		_, last, err := db2.Wait(context.Background(), testExecution())
		if !driver.IsTransient(err) || last == nil || time.Since(start) < 10*time.Second || time.Since(start) > 10*time.Second+outageMax {
			t.Fatalf("bounded outage: %v after %v", err, time.Since(start))
		}

		// 401 ends the wait at once.
		be = &fakeBackend{warehouse: testWarehouse, steps: []statusStep{{err: &rpc.HTTPError{StatusCode: 401}}}}
		db3 := newTestDB(be)
		defer db3.Close()
		if _, _, err := db3.Wait(context.Background(), testExecution()); err == nil || be.statusCalls() != 1 {
			t.Fatalf("401: %v after %d calls", err, be.statusCalls())
		}
	})
}

var errConnRefused = &netError{}

type netError struct{}

func (*netError) Error() string   { return "connection refused" }
func (*netError) Timeout() bool   { return false }
func (*netError) Temporary() bool { return false }

func TestWaitContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{warehouse: testWarehouse, steps: []statusStep{{st: status(driver.StatePending)}}}
		db := newTestDB(be)
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, last, err := db.Wait(ctx, testExecution())
		if !errors.Is(err, context.DeadlineExceeded) || last.Status != StatusPending || be.canceled != 0 {
			t.Fatalf("last %v err %v canceled %d", last, err, be.canceled)
		}
		// The same for the wait of QueryContext: the execution resumes.
		_, exc, err := db.QueryContext(ctx, "SELECT 1")
		if !errors.Is(err, context.DeadlineExceeded) || exc == nil || be.canceled != 0 {
			t.Fatalf("exc %v err %v", exc, err)
		}
	})
}

func TestPoll(t *testing.T) {
	be := &fakeBackend{warehouse: testWarehouse, steps: []statusStep{running(), finished()}, rows: []int64{3, 4}}
	db := newTestDB(be)
	defer db.Close()
	rows, exc, err := db.Poll(context.Background(), testExecution())
	if rows != nil || err != nil || exc.Status != StatusRunning {
		t.Fatalf("running: %v %v %v", rows, exc, err)
	}
	rows, exc, err = db.Poll(context.Background(), exc)
	if err != nil || exc.Status != StatusFinished {
		t.Fatalf("finished: %v %v", exc, err)
	}
	if _, sum := sumRows(t, rows); sum != 7 {
		t.Fatalf("sum %d", sum)
	}
	calls := be.statusCalls()
	rows, _, err = db.Poll(context.Background(), exc) // known finished: no status call
	if err != nil || be.statusCalls() != calls {
		t.Fatalf("%v, %d status calls", err, be.statusCalls()-calls)
	}
	rows.Close()
}

func TestCancelAndCloseAreIdempotent(t *testing.T) {
	ctx := context.Background()
	be := &fakeBackend{warehouse: testWarehouse, cancelErr: &driver.ServerError{Message: "already finished"},
		steps: []statusStep{finished()}}
	db := newTestDB(be)
	defer db.Close()
	exc := testExecution()
	if err := db.CancelExecution(ctx, exc); err != nil {
		t.Fatalf("cancel of a finished statement: %v", err)
	}
	be.cancelErr = fmt.Errorf("x: %w", driver.ErrInvalidHandle)
	be.closeErr = fmt.Errorf("x: %w", driver.ErrInvalidHandle)
	if err := db.CancelExecution(ctx, exc); err != nil {
		t.Fatal(err)
	}
	if err := db.CloseExecution(ctx, exc); err != nil {
		t.Fatal(err)
	}
	be.closeErr = errBoom
	if err := db.CloseExecution(ctx, exc); !errors.Is(err, errBoom) {
		t.Fatal(err)
	}
}

// The keep-alive loop sends a status request for each held execution every
// interval, and stops for closed and gone executions and at Close.
func TestKeepAlive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{warehouse: testWarehouse, steps: []statusStep{running()}}
		db := newTestDB(be, WithKeepAlive(time.Minute))
		a := testExecution()
		if _, err := db.CheckExecution(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		b := a.clone()
		b.Ref = makeRef([]byte("other-statement!"), []byte("s"), nil, nil, true, 1)
		if _, err := db.CheckExecution(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		if db.KeptAlive() != 2 || be.statusCalls() != 2 {
			t.Fatalf("held %d after %d calls", db.KeptAlive(), be.statusCalls())
		}
		time.Sleep(time.Minute + time.Second)
		synctest.Wait()
		if got := be.statusCalls(); got != 4 {
			t.Fatalf("%d status calls after one interval, want 4", got)
		}
		if err := db.CloseExecution(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if got := be.statusCalls(); got != 5 || db.KeptAlive() != 1 {
			t.Fatalf("%d status calls, %d held after a close", got, db.KeptAlive())
		}
		// The server no longer knows b: it is dropped.
		be.mu.Lock()
		be.steps = []statusStep{{err: fmt.Errorf("x: %w", driver.ErrInvalidHandle)}}
		be.mu.Unlock()
		time.Sleep(time.Minute)
		synctest.Wait()
		if db.KeptAlive() != 0 {
			t.Fatal("a gone execution is still held")
		}
		db.Close()
		time.Sleep(3 * time.Minute)
		if got := be.statusCalls(); got != 6 {
			t.Fatalf("%d status calls after Close", got)
		}
	})
	// Off: no loop.
	be := &fakeBackend{warehouse: testWarehouse}
	db := newTestDB(be, WithKeepAlive(0))
	defer db.Close()
	if _, err := db.CheckExecution(context.Background(), testExecution()); err != nil || db.KeptAlive() != 0 {
		t.Fatalf("keep-alive off holds %d (%v)", db.KeptAlive(), err)
	}
}

func TestWithSharesLoopAndClose(t *testing.T) {
	be := &fakeBackend{warehouse: testWarehouse}
	closes := 0
	db := newDB(nil, be, nil, func() error { closes++; return nil })
	w := db.With(WithWait(time.Second))
	if w.opts.wait != time.Second || db.opts.wait != DefaultWait || w.shared != db.shared {
		t.Fatal("With")
	}
	w.Close()
	db.Close()
	if closes != 1 {
		t.Fatalf("%d closes", closes)
	}
}
