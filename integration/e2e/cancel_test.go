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

// promptly bounds how long a cancelled call may take to return: generous
// for a loaded machine, yet half of slowQuery's sleep, so that a driver
// waiting for the statement instead of returning on the cancel fails.
const promptly = 15 * time.Second

// cancelSlow runs slowQuery through run and cancels its context once a
// request of method at (the Thrift name; call maps it to the backend under
// test) has reached s, never on a clock: ExecuteStatement cancels while the
// server holds the submission, GetOperationStatus while the driver polls.
// It checks that the call returns after the cancel, with context.Canceled,
// and long before the statement could end. It returns the request log as it
// was when the call returned.
func cancelSlow(t *testing.T, ctx context.Context, s *emulator.Server, at emulator.Method, run func(context.Context) error) emulator.RequestLog {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	at = call(at)
	before := s.Requests().Count(at)
	stop := make(chan struct{})
	defer close(stop)
	var cancelled atomic.Int64 // UnixNano of the cancel
	go func() {
		for s.Requests().Count(at) == before {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
		cancelled.Store(time.Now().UnixNano())
		cancel()
	}()
	err := run(ctx)
	returned := time.Now()
	reqs := s.Requests()
	if err == nil {
		t.Fatalf("slow statement succeeded")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v does not wrap context.Canceled", err)
	}
	if c := cancelled.Load(); c == 0 {
		t.Errorf("the call returned before any %s reached the server: %v (requests: %v)", at, err, reqs)
	} else if late := returned.Sub(time.Unix(0, c)); late > promptly {
		t.Errorf("returned %v after the cancel (requests: %v)", late, reqs)
	}
	return reqs
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
// server (direct results hold of 5 s; on REST the submission's wait of
// 5 s): the call returns before the server answers; the driver reads the
// reply in the background and cancels the statement.
func TestCancelDuringSubmit(t *testing.T) {
	s := emulator.Start(t, emulator.WithDirectResultsHold(5*time.Second))
	db := open(t, s, params("waitTimeout", "5"))
	bg := testCtx(t)
	if err := db.PingContext(bg); err != nil {
		t.Fatal(err)
	}
	reqs := cancelSlow(t, bg, s, emulator.ExecuteStatement, func(ctx context.Context) error {
		rows, err := db.QueryContext(ctx, slowQuery)
		if err == nil {
			rows.Close()
		}
		return err
	})
	// The last submission is the slow query's (the ping may submit too).
	if sub := reqs.Of(call(emulator.ExecuteStatement)); len(sub) == 0 || sub[len(sub)-1].Outcome != emulator.OutcomePending {
		t.Errorf("the call did not return while the server held the submission (requests: %v)", reqs)
	}
	checkCancelled(t, s, 30*time.Second)
}

// TestCancelWhilePolling cancels once the driver polls the statement (on
// REST after the server's wait of at least 5 s).
func TestCancelWhilePolling(t *testing.T) {
	s := emulator.Start(t, emulator.WithDirectResultsHold(100*time.Millisecond),
		emulator.WithStatusHold(500*time.Millisecond))
	db := open(t, s, params("waitTimeout", "5"))
	bg := testCtx(t)
	conn, err := db.Conn(bg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var id string
	ctx := dbx.WithStatementIDCallback(bg, func(s string) { id = s })
	cancelSlow(t, ctx, s, emulator.GetOperationStatus, func(ctx context.Context) error {
		rows, err := conn.QueryContext(ctx, slowQuery)
		if err == nil {
			rows.Close()
		}
		return err
	})
	if id == "" {
		t.Errorf("no statement ID before the cancel")
	}
	checkCancelled(t, s, 15*time.Second)

	start := time.Now()
	var one int32
	if err := conn.QueryRowContext(bg, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("next statement: %d, %v", one, err)
	}
	if d := time.Since(start); d > promptly {
		t.Errorf("next statement took %v: the cancelled sleep kept the session busy", d)
	}
}

// TestCancelExec cancels a slow ExecContext while the driver polls it.
func TestCancelExec(t *testing.T) {
	s := emulator.Start(t, emulator.WithDirectResultsHold(100*time.Millisecond),
		emulator.WithStatusHold(500*time.Millisecond))
	db := open(t, s, params("waitTimeout", "5"))
	cancelSlow(t, testCtx(t), s, emulator.GetOperationStatus, func(ctx context.Context) error {
		_, err := db.ExecContext(ctx, slowQuery)
		return err
	})
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
	if !eventually(promptly, func() bool { return s.UnreleasedOperations() == 0 }) {
		t.Errorf("the server still holds %d operations", s.UnreleasedOperations())
	}
}

// TestQueryTimeout sets the DSN timeout (seconds): the server stops the
// statement and the driver reports the failure. On REST the timeout is the
// connection's session's STATEMENT_TIMEOUT.
func TestQueryTimeout(t *testing.T) {
	s := emulator.Start(t, emulator.WithDirectResultsHold(200*time.Millisecond),
		emulator.WithStatusHold(500*time.Millisecond))
	db := open(t, s, params("timeout", "1"))
	start := time.Now()
	_, err := db.QueryContext(testCtx(t), slowQuery)
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("no error")
	}
	if elapsed > promptly {
		t.Errorf("timeout of 1s reported after %v", elapsed)
	}
	var se *dbx.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *driver.ServerError", err, err)
	}
	t.Logf("timeout: %v (state %v)", err, se.State)
}

// TestDeadline uses a context deadline. A deadline is a clock: on a loaded
// machine it may pass before ExecuteStatement reached the server, and then
// there is nothing to cancel.
func TestDeadline(t *testing.T) {
	s := emulator.Start(t, emulator.WithDirectResultsHold(100*time.Millisecond),
		emulator.WithStatusHold(500*time.Millisecond))
	db := open(t, s, nil)
	// The session is opened outside the deadline.
	if err := db.PingContext(testCtx(t)); err != nil {
		t.Fatal(err)
	}
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
	if d := time.Since(start); d > promptly {
		t.Errorf("deadline of 0.7s reported after %v", d)
	}
	if s.Requests().Count(call(emulator.ExecuteStatement)) == 0 {
		t.Logf("the deadline passed before the statement reached the server")
		return
	}
	checkCancelled(t, s, 15*time.Second)
}
