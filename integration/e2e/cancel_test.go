package e2e_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	dbx "github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// slowQuery sleeps far longer than any test waits for it.
const slowQuery = "SELECT sleep_ms(30000) AS slept"

// eventually waits up to d for cond.
func eventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cancelSlow runs slowQuery through run and cancels it cancelAfter after
// its ExecuteStatement reached s (so that a slow start under load cannot
// cancel before the statement exists); it checks that the call returns
// promptly with context.Canceled.
func cancelSlow(t *testing.T, ctx context.Context, s *emulator.Server, run func(context.Context) error, cancelAfter time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	submitted := s.Requests().Count(call(emulator.ExecuteStatement))
	stop := make(chan struct{})
	defer close(stop)
	var cancelled atomic.Int64 // UnixNano of the cancel
	go func() {
		for s.Requests().Count(call(emulator.ExecuteStatement)) == submitted {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
		select {
		case <-stop:
		case <-time.After(cancelAfter):
			cancelled.Store(time.Now().UnixNano())
			cancel()
		}
	}()
	err := run(ctx)
	returned := time.Now()
	if err == nil {
		t.Fatalf("slow statement succeeded")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v does not wrap context.Canceled", err)
	}
	if at := cancelled.Load(); at == 0 {
		t.Errorf("the call returned before the cancel: %v", err)
	} else if late := returned.Sub(time.Unix(0, at)); late > 2*time.Second {
		t.Errorf("returned %v after the cancel", late)
	}
}

// checkCancelled waits for the server to have received CancelOperation and
// to hold no operation left to close, then checks that the session is free.
func checkCancelled(t *testing.T, s *emulator.Server, wait time.Duration) {
	t.Helper()
	if !eventually(wait, func() bool { return s.Requests().Count(call(emulator.CancelOperation)) > 0 }) {
		t.Errorf("no CancelOperation reached the server within %v (requests: %v)", wait, s.Requests())
	}
	if !eventually(wait, func() bool { return s.UnreleasedOperations() == 0 }) {
		t.Errorf("the server still holds %d operations (requests: %v)", s.UnreleasedOperations(), s.Requests())
	}
}

// TestCancelDuringSubmit cancels while ExecuteStatement is held by the
// server (direct results hold of 1 s): the call returns at once; the driver
// reads the reply in the background and cancels the statement.
func TestCancelDuringSubmit(t *testing.T) {
	s := emulator.Start(t, emulator.WithDirectResultsHold(time.Second))
	db := open(t, s, nil)
	bg := testCtx(t)
	if err := db.PingContext(bg); err != nil {
		t.Fatal(err)
	}
	cancelSlow(t, bg, s, func(ctx context.Context) error {
		rows, err := db.QueryContext(ctx, slowQuery)
		if err == nil {
			rows.Close()
		}
		return err
	}, 300*time.Millisecond)
	checkCancelled(t, s, 15*time.Second)
}

// TestCancelWhilePolling cancels while the driver polls the statement.
func TestCancelWhilePolling(t *testing.T) {
	s := emulator.Start(t, emulator.WithDirectResultsHold(100*time.Millisecond),
		emulator.WithStatusHold(500*time.Millisecond))
	// On REST the driver polls once the server's wait (at least 5 s) is
	// over.
	p, after := params(), 800*time.Millisecond
	if backend == "rest" {
		p, after = params("waitTimeout", "5"), 5800*time.Millisecond
	}
	db := open(t, s, p)
	bg := testCtx(t)
	conn, err := db.Conn(bg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var id string
	ctx := dbx.WithStatementIDCallback(bg, func(s string) { id = s })
	cancelSlow(t, ctx, s, func(ctx context.Context) error {
		rows, err := conn.QueryContext(ctx, slowQuery)
		if err == nil {
			rows.Close()
		}
		return err
	}, after)
	if id == "" {
		t.Errorf("no statement ID before the cancel")
	}
	checkCancelled(t, s, 15*time.Second)

	start := time.Now()
	var one int32
	if err := conn.QueryRowContext(bg, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("next statement: %d, %v", one, err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("next statement took %v", d)
	}
}

// TestCancelExec cancels a slow ExecContext.
func TestCancelExec(t *testing.T) {
	s := emulator.Start(t, emulator.WithDirectResultsHold(100*time.Millisecond),
		emulator.WithStatusHold(500*time.Millisecond))
	db := open(t, s, nil)
	cancelSlow(t, testCtx(t), s, func(ctx context.Context) error {
		_, err := db.ExecContext(ctx, slowQuery)
		return err
	}, 600*time.Millisecond)
	checkCancelled(t, s, 15*time.Second)
}

// TestCancelDuringFetch cancels while rows of a multi-page result are read:
// Next stops, Err reports the cancellation and the operation is closed.
func TestCancelDuringFetch(t *testing.T) {
	s := emulator.Start(t)
	db := open(t, s, params("maxRows", "1000"))
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	rows, err := db.QueryContext(ctx, "SELECT i FROM range(100000) t(i)")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
		if n == 2500 {
			cancel()
		}
	}
	if n >= 100000 {
		t.Fatalf("read all %d rows despite the cancel", n)
	}
	if err := rows.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("rows.Err() = %v, want context.Canceled", err)
	}
	if !eventually(3*time.Second, func() bool { return s.UnreleasedOperations() == 0 }) {
		t.Errorf("the server still holds %d operations", s.UnreleasedOperations())
	}
}

// TestQueryTimeout sets the DSN timeout (seconds): the server stops the
// statement and the driver reports the failure.
func TestQueryTimeout(t *testing.T) {
	thriftOnly(t, "the statement timeout is Thrift's queryTimeout; the Statement Execution API has none")
	s := emulator.Start(t, emulator.WithDirectResultsHold(200*time.Millisecond),
		emulator.WithStatusHold(500*time.Millisecond))
	db := open(t, s, params("timeout", "1"))
	start := time.Now()
	_, err := db.QueryContext(testCtx(t), slowQuery)
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("no error")
	}
	if elapsed > 5*time.Second {
		t.Errorf("timeout of 1s reported after %v", elapsed)
	}
	var se *dbx.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *driver.ServerError", err, err)
	}
	t.Logf("timeout: %v (state %v)", err, se.State)
}

// TestDeadline uses a context deadline.
func TestDeadline(t *testing.T) {
	s := emulator.Start(t, emulator.WithDirectResultsHold(100*time.Millisecond),
		emulator.WithStatusHold(500*time.Millisecond))
	db := open(t, s, nil)
	ctx, cancel := context.WithTimeout(testCtx(t), 700*time.Millisecond)
	defer cancel()
	start := time.Now()
	rows, err := db.QueryContext(ctx, slowQuery)
	if err == nil {
		rows.Close()
		t.Fatal("no error")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v does not wrap context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("deadline of 0.7s reported after %v", d)
	}
	checkCancelled(t, s, 15*time.Second)
}
