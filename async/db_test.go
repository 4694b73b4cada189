package async

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/thrift/tcli"
)

func status(st tcli.TOperationState) driver.OperationStatus {
	return driver.OperationStatus{State: st, HasResultSet: true}
}

func countRows(t *testing.T, rows *sql.Rows) int {
	t.Helper()
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestQueryFinishedWithinWait(t *testing.T) {
	f := &fakeSQL{ref: testRef(), status: status(tcli.TOperationState_FINISHED_STATE),
		rows: [][]sqldriver.Value{{int64(1)}, {int64(2)}}}
	var saved []*Execution
	db := newFakeDB(f, &fakeBackend{warehouse: testWarehouse}, WithOnSubmit(func(e *Execution) { saved = append(saved, e) }))
	defer db.Close()
	args := make([]any, 1, 4)
	args[0] = 7
	rows, exc, err := db.QueryContext(context.Background(), "SELECT ?", args...)
	if err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, rows); n != 2 {
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
	if len(f.lastArgs) != 1 || f.lastArgs[0].Value != int64(7) {
		t.Fatalf("driver got args %v", f.lastArgs)
	}
	if args[:cap(args)][1] != nil {
		t.Fatal("QueryContext wrote into the caller's argument array")
	}
}

func TestQueryNotFinished(t *testing.T) {
	f := &fakeSQL{ref: testRef(), status: status(tcli.TOperationState_RUNNING_STATE)}
	db := newFakeDB(f, &fakeBackend{warehouse: testWarehouse})
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
	if exc.Status != StatusRunning {
		t.Fatalf("status %v", exc.Status)
	}
}

func TestQueryFailed(t *testing.T) {
	state := tcli.TOperationState_ERROR_STATE
	se := &driver.ServerError{SQLState: "42703", Message: "column x not found", State: &state}
	f := &fakeSQL{ref: testRef(), err: se}
	db := newFakeDB(f, &fakeBackend{warehouse: testWarehouse})
	defer db.Close()
	rows, exc, err := db.QueryContext(context.Background(), "SELECT x")
	if rows != nil || !errors.Is(err, se) {
		t.Fatalf("rows %v err %v", rows, err)
	}
	if exc == nil || exc.Status != StatusFailed || exc.Err != se {
		t.Fatalf("execution %v", exc)
	}
}

func TestQueryNotSubmitted(t *testing.T) {
	f := &fakeSQL{err: errors.New("unreachable")}
	f.ref = driver.OperationRef{}
	db := newFakeDB(f, &fakeBackend{warehouse: testWarehouse})
	defer db.Close()
	if _, exc, err := db.QueryContext(context.Background(), "SELECT 1"); err == nil || exc != nil {
		t.Fatalf("exc %v err %v", exc, err)
	}
}

func TestExec(t *testing.T) {
	st := status(tcli.TOperationState_FINISHED_STATE)
	st.RowsAffected, st.HasResultSet = 3, false
	f := &fakeSQL{ref: testRef(), status: st}
	db := newFakeDB(f, &fakeBackend{warehouse: testWarehouse})
	defer db.Close()
	exc, err := db.ExecContext(context.Background(), "DELETE FROM t")
	if err != nil || exc.Status != StatusFinished || exc.RowsAffected != 3 {
		t.Fatalf("exc %v rows %d err %v", exc, exc.RowsAffected, err)
	}
	f.status = status(tcli.TOperationState_PENDING_STATE)
	exc, err = db.ExecContext(context.Background(), "DELETE FROM t")
	if err != nil || exc.Status != StatusPending {
		t.Fatalf("exc %v err %v", exc, err)
	}
}

func TestCheckExecution(t *testing.T) {
	ctx := context.Background()
	state := tcli.TOperationState_ERROR_STATE
	se := &driver.ServerError{SQLState: "22012", Message: "divide by zero", State: &state}
	transport := errors.New("connection refused")
	tests := []struct {
		name    string
		step    statusStep
		want    Status
		wantErr error
	}{
		{"running", statusStep{st: status(tcli.TOperationState_RUNNING_STATE)}, StatusRunning, nil},
		{"failed", statusStep{st: driver.OperationStatus{State: tcli.TOperationState_ERROR_STATE, Err: se}}, StatusFailed, nil},
		{"canceled", statusStep{st: status(tcli.TOperationState_CANCELED_STATE)}, StatusCanceled, nil},
		{"gone", statusStep{err: &wrapped{driver.ErrInvalidHandle}}, StatusGone, nil},
		{"gone in status", statusStep{st: driver.OperationStatus{State: tcli.TOperationState_ERROR_STATE, Err: driver.ErrInvalidHandle}}, StatusGone, nil},
		{"transport", statusStep{err: transport}, StatusRunning, transport},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := &fakeBackend{warehouse: testWarehouse, steps: []statusStep{tt.step}}
			db := newDB(nil, be, nil)
			in := testExecution()
			got, err := db.CheckExecution(ctx, in)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if got.Status != tt.want {
				t.Fatalf("status %v, want %v", got.Status, tt.want)
			}
			if in.Status != StatusRunning {
				t.Fatal("CheckExecution modified its argument")
			}
			if tt.want == StatusFailed && got.Err != se {
				t.Fatalf("failure %v", got.Err)
			}
		})
	}
}

type wrapped struct{ err error }

func (w *wrapped) Error() string { return "wrapped: " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }

func TestForeignAndInvalidExecutions(t *testing.T) {
	ctx := context.Background()
	be := &fakeBackend{warehouse: testWarehouse, steps: []statusStep{{st: status(tcli.TOperationState_RUNNING_STATE)}}}
	db := newDB(nil, be, nil)
	other := newDB(nil, &fakeBackend{warehouse: otherWarehouse}, nil)

	tok, err := testExecution().MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.ParseExecution(string(tok)); !errors.Is(err, ErrWrongWarehouse) {
		t.Fatalf("foreign token: %v", err)
	}
	exc, err := db.ParseExecution(" " + string(tok) + "\n")
	if err != nil {
		t.Fatal(err)
	}
	js, _ := exc.MarshalJSON()
	if _, err := db.ParseExecution(string(js)); err != nil {
		t.Fatalf("JSON: %v", err)
	}
	if _, err := other.ParseExecution(string(js)); !errors.Is(err, ErrWrongWarehouse) {
		t.Fatalf("foreign JSON: %v", err)
	}
	if _, err := db.ParseExecution(string(tok[:len(tok)-3])); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("truncated: %v", err)
	}

	for name, call := range map[string]func(*DB, *Execution) error{
		"check":  func(d *DB, e *Execution) error { _, err := d.CheckExecution(ctx, e); return err },
		"rows":   func(d *DB, e *Execution) error { _, err := d.GetExecutionRows(ctx, e); return err },
		"wait":   func(d *DB, e *Execution) error { _, _, err := d.Wait(ctx, e); return err },
		"cancel": func(d *DB, e *Execution) error { return d.CancelExecution(ctx, e) },
		"close":  func(d *DB, e *Execution) error { return d.CloseExecution(ctx, e) },
	} {
		if err := call(other, exc); !errors.Is(err, ErrWrongWarehouse) {
			t.Errorf("%s foreign: %v", name, err)
		}
		for what, e := range map[string]*Execution{"nil": nil, "zero": {}, "unbound": {Ref: testRef()}} {
			if err := call(db, e); !errors.Is(err, ErrInvalidToken) {
				t.Errorf("%s %s: %v", name, what, err)
			}
		}
	}
	if len(be.calls) != 0 || be.canceled != 0 || be.closed != 0 {
		t.Fatal("invalid executions reached the server")
	}
}

func TestWaitPollsWithBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		running := statusStep{st: driver.OperationStatus{State: tcli.TOperationState_RUNNING_STATE}}
		done := driver.OperationStatus{State: tcli.TOperationState_FINISHED_STATE, RowsAffected: 4,
			Completed: time.Now().Add(time.Minute)}
		be := &fakeBackend{warehouse: testWarehouse, steps: []statusStep{
			{st: driver.OperationStatus{State: tcli.TOperationState_PENDING_STATE}}, running, running, running, running,
			{st: driver.OperationStatus{State: tcli.TOperationState_RUNNING_STATE}, delay: 5 * time.Second}, // long poll
			running, {st: done}}}
		db := newFakeDB(&fakeSQL{}, be, WithPollBackoff(100*time.Millisecond, 500*time.Millisecond))
		defer db.Close()
		start := time.Now()
		rows, exc, err := db.Wait(context.Background(), testExecution())
		if err != nil {
			t.Fatal(err)
		}
		countRows(t, rows)
		if exc.Status != StatusFinished || exc.RowsAffected != 4 || exc.Completed.IsZero() {
			t.Fatalf("execution %v", exc)
		}
		var offsets []time.Duration
		for _, c := range be.calls {
			offsets = append(offsets, c.Sub(start))
		}
		// Intervals 100, 200, 400, 500 ms; the long-polled request (5 s)
		// is followed at once, then the schedule continues at 500 ms.
		want := []time.Duration{0, 100, 300, 700, 1200, 1700, 6700, 7200}
		if len(offsets) != len(want) {
			t.Fatalf("polled at %v", offsets)
		}
		for i := range want {
			if offsets[i] != want[i]*time.Millisecond {
				t.Fatalf("polled at %v, want %v ms", offsets, want)
			}
		}
	})
}

func TestWaitOutcomes(t *testing.T) {
	ctx := context.Background()
	state := tcli.TOperationState_ERROR_STATE
	se := &driver.ServerError{SQLState: "42000", Message: "syntax", State: &state}
	tests := []struct {
		name     string
		step     statusStep
		want     Status
		wantErrs []error
	}{
		{"failed", statusStep{st: driver.OperationStatus{State: tcli.TOperationState_ERROR_STATE, Err: se}}, StatusFailed, []error{se}},
		{"canceled", statusStep{st: status(tcli.TOperationState_CANCELED_STATE)}, StatusCanceled, []error{ErrNoResult}},
		{"timed out", statusStep{st: status(tcli.TOperationState_TIMEDOUT_STATE)}, StatusTimedOut, []error{ErrNoResult}},
		{"closed", statusStep{st: status(tcli.TOperationState_CLOSED_STATE)}, StatusClosed, []error{ErrNoResult}},
		{"gone", statusStep{err: driver.ErrInvalidHandle}, StatusGone, []error{ErrNoResult, ErrGone}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := newDB(nil, &fakeBackend{warehouse: testWarehouse, steps: []statusStep{tt.step}}, nil)
			rows, exc, err := db.Wait(ctx, testExecution())
			if rows != nil || exc.Status != tt.want {
				t.Fatalf("rows %v status %v", rows, exc.Status)
			}
			for _, want := range tt.wantErrs {
				if !errors.Is(err, want) {
					t.Fatalf("err %v, want %v", err, want)
				}
			}
			// GetExecutionRows reports the same.
			_, err = db.GetExecutionRows(ctx, testExecution())
			for _, want := range tt.wantErrs {
				if !errors.Is(err, want) {
					t.Fatalf("GetExecutionRows err %v, want %v", err, want)
				}
			}
		})
	}
}

func TestWaitContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{warehouse: testWarehouse, steps: []statusStep{{st: status(tcli.TOperationState_PENDING_STATE)}}}
		db := newDB(nil, be, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, exc, err := db.Wait(ctx, testExecution())
		if !errors.Is(err, context.DeadlineExceeded) || exc.Status != StatusPending {
			t.Fatalf("status %v err %v", exc.Status, err)
		}
	})
}

func TestWaitAndGetRows(t *testing.T) {
	ctx := context.Background()
	f := &fakeSQL{rows: [][]sqldriver.Value{{int64(1)}, {int64(2)}, {int64(3)}}}
	be := &fakeBackend{warehouse: testWarehouse, steps: []statusStep{{st: status(tcli.TOperationState_FINISHED_STATE)}}}
	db := newFakeDB(f, be)
	defer db.Close()
	rows, exc, err := db.Wait(ctx, testExecution())
	if err != nil || exc.Status != StatusFinished {
		t.Fatalf("status %v err %v", exc.Status, err)
	}
	if n := countRows(t, rows); n != 3 {
		t.Fatalf("%d rows", n)
	}
	// A finished execution is read without another status request.
	calls := len(be.calls)
	f.rows = [][]sqldriver.Value{{int64(1)}}
	rows, err = db.GetExecutionRows(ctx, exc)
	if err != nil || countRows(t, rows) != 1 || len(be.calls) != calls {
		t.Fatalf("GetExecutionRows: %v, %d status calls", err, len(be.calls)-calls)
	}
	if len(f.resumed) != 2 || f.resumed[0].Operation.String() != exc.StatementID() {
		t.Fatalf("resumed %v", f.resumed)
	}
	// A running one is not read.
	be.steps = []statusStep{{st: status(tcli.TOperationState_RUNNING_STATE)}}
	if _, err := db.GetExecutionRows(ctx, testExecution()); !errors.Is(err, ErrNotFinished) {
		t.Fatalf("running: %v", err)
	}
	// Reading rows of an execution that disappeared marks it gone.
	f.err = &wrapped{driver.ErrInvalidHandle}
	_, exc, err = db.Wait(ctx, exc)
	if !errors.Is(err, ErrGone) || exc.Status != StatusGone {
		t.Fatalf("gone: %v %v", exc.Status, err)
	}
}

func TestCancelAndCloseAreIdempotent(t *testing.T) {
	ctx := context.Background()
	state := tcli.TOperationState_FINISHED_STATE
	be := &fakeBackend{warehouse: testWarehouse, steps: []statusStep{{st: status(state)}}}
	db := newDB(nil, be, nil)
	exc := testExecution()
	if err := db.CancelExecution(ctx, exc); err != nil {
		t.Fatal(err)
	}
	be.cancelErr = driver.ErrInvalidHandle
	if err := db.CancelExecution(ctx, exc); err != nil {
		t.Fatalf("cancel gone: %v", err)
	}
	be.cancelErr = &driver.ServerError{Message: "operation already finished"}
	if err := db.CancelExecution(ctx, exc); err != nil {
		t.Fatalf("cancel finished: %v", err)
	}
	be.steps = []statusStep{{st: status(tcli.TOperationState_RUNNING_STATE)}}
	if err := db.CancelExecution(ctx, exc); err == nil {
		t.Fatal("a refused cancel of a running statement succeeded")
	}
	transport := errors.New("connection reset")
	be.cancelErr = transport
	if err := db.CancelExecution(ctx, exc); !errors.Is(err, transport) {
		t.Fatalf("cancel transport: %v", err)
	}

	if err := db.CloseExecution(ctx, exc); err != nil {
		t.Fatal(err)
	}
	be.closeErr = &wrapped{driver.ErrInvalidHandle}
	if err := db.CloseExecution(ctx, exc); err != nil {
		t.Fatalf("close gone: %v", err)
	}
	be.closeErr = transport
	if err := db.CloseExecution(ctx, exc); !errors.Is(err, transport) {
		t.Fatalf("close transport: %v", err)
	}
	if be.canceled != 5 || be.closed != 3 {
		t.Fatalf("canceled %d closed %d", be.canceled, be.closed)
	}
}

func TestWithSharesPool(t *testing.T) {
	f := &fakeSQL{ref: testRef(), status: status(tcli.TOperationState_RUNNING_STATE)}
	db := newFakeDB(f, &fakeBackend{warehouse: testWarehouse})
	defer db.Close()
	quick := db.With(WithWait(0))
	if quick.DB != db.DB || quick.opts.wait != 0 || db.opts.wait != DefaultWait {
		t.Fatalf("With: %v %v", quick.opts.wait, db.opts.wait)
	}
}
