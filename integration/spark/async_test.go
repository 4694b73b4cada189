package spark

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/asyncsql/databricks/async"
	"github.com/asyncsql/databricks/driver"
)

// asyncQuery sleeps twenty seconds once, then returns 5000 rows.
const asyncQuery = `SELECT r.id, s.slept FROM range(5000) r
	CROSS JOIN (SELECT reflect('java.lang.Thread', 'sleep', 20000L) AS slept) s`

// childEnv selects the helper-process role of the test binary: "kill"
// (submit, print the token, wait to be killed), "close" (submit, print the
// token, close the DB gracefully and exit) or "cancel" (cancel the execution
// whose token is in childTokenEnv and exit).
const (
	childEnv      = "SPARK_ASYNC_CHILD"
	childTokenEnv = "SPARK_ASYNC_TOKEN"
)

func asyncDB(t *testing.T, opts ...async.Option) *async.DB {
	t.Helper()
	db := async.OpenDB(connector(t, ""), opts...)
	t.Cleanup(func() { db.Close() })
	return db
}

// startChild re-executes the test binary running only test in the given
// role, with stdout piped back.
func startChild(t *testing.T, ctx context.Context, test, role string, env ...string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), childEnv+"="+role), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(out)
}

// readToken returns the token a child printed ("TOKEN <token>").
func readToken(sc *bufio.Scanner) string {
	for sc.Scan() {
		if tok, ok := strings.CutPrefix(sc.Text(), "TOKEN "); ok {
			return tok
		}
	}
	return ""
}

// TestAsyncRestart submits a 20 s statement from a child process (process A)
// that prints the execution's token and then either is killed with SIGKILL
// or closes its DB gracefully and exits; this process (B) resumes the
// statement from the token, waits for it and reads every row. Both variants
// run in parallel, so the pair takes about 20 s.
func TestAsyncRestart(t *testing.T) {
	if role := os.Getenv(childEnv); role == "kill" || role == "close" {
		asyncChild(t, role)
		return
	}
	dsn(t)
	for _, role := range []string{"kill", "close"} {
		t.Run(role, func(t *testing.T) {
			t.Parallel()
			asyncRestart(t, role)
		})
	}
}

func asyncRestart(t *testing.T, role string) {
	ctx := testCtx(t)
	cmd, sc := startChild(t, ctx, "TestAsyncRestart", role)
	token := readToken(sc)
	if role == "kill" {
		// The child is blocked after printing: kill it the hard way, so
		// nothing of it (deferred closes, connection cleanup) runs.
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
	} else {
		for sc.Scan() {
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("child after a graceful close: %v", err)
		}
	}
	if token == "" {
		t.Fatal("child printed no token")
	}
	submitted := time.Now()

	db := asyncDB(t, async.WithPollBackoff(50*time.Millisecond, 500*time.Millisecond))
	exc, err := db.ParseExecution(token)
	if err != nil {
		t.Fatalf("ParseExecution: %v", err)
	}
	exc, err = db.CheckExecution(ctx, exc)
	if err != nil {
		t.Fatalf("CheckExecution: %v", err)
	}
	if exc.Status.Terminal() {
		// Only on a very slow machine: the child took the whole sleep to
		// start and print. The resume below still reads the result.
		t.Logf("status %v right after submission, expected pending or running", exc.Status)
	}
	rows, last, err := db.Wait(ctx, exc)
	if err != nil {
		t.Fatalf("Wait: %v (last %v)", err, last)
	}
	if last.Status != async.StatusFinished {
		t.Errorf("status %v, want FINISHED", last.Status)
	}
	var n, sum int64
	for rows.Next() {
		var id int64
		var slept any
		if err := rows.Scan(&id, &slept); err != nil {
			t.Fatal(err)
		}
		n++
		sum += id
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if n != 5000 || sum != 4999*5000/2 {
		t.Errorf("count %d sum %d, want 5000 and %d", n, sum, 4999*5000/2)
	}
	t.Logf("%s: resumed and read %d rows %s after the child submitted", role, n, time.Since(submitted).Round(time.Millisecond))
	// Reading to the end left the result on the server until CloseExecution.
	kept, err := db.CheckExecution(ctx, last)
	if err != nil || kept.Status != async.StatusFinished {
		t.Fatalf("status after reading everything %v (%v), want FINISHED", kept, err)
	}
	if err := db.CloseExecution(ctx, last); err != nil {
		t.Fatal(err)
	}
	gone, err := db.CheckExecution(ctx, last)
	if err != nil {
		t.Fatal(err)
	}
	if gone.Status != async.StatusGone && gone.Status != async.StatusClosed {
		t.Errorf("status after CloseExecution %v, want GONE", gone.Status)
	}
}

// asyncChild is the child side of TestAsyncRestart: submit, print the token,
// then wait to be killed or close the DB and return.
func asyncChild(t *testing.T, role string) {
	submitted := make(chan string, 1)
	db := async.OpenDB(connector(t, ""), async.WithWait(0), async.WithOnSubmit(func(e *async.Execution) {
		b, err := e.MarshalText()
		if err != nil {
			fmt.Fprintln(os.Stderr, "marshal:", err)
			return
		}
		submitted <- string(b)
	}))
	rows, exc, err := db.QueryContext(testCtx(t), asyncQuery)
	if err != nil {
		t.Fatalf("child QueryContext: %v", err)
	}
	if exc.Status == async.StatusFinished {
		t.Errorf("child: statement finished before the wait")
	}
	if rows.Next() {
		t.Errorf("child: a row from an unfinished statement")
	}
	if !errors.Is(rows.Err(), async.ErrNotFinished) {
		t.Errorf("child: rows.Err() %v, want ErrNotFinished", rows.Err())
	}
	rows.Close()
	fmt.Printf("TOKEN %s\n", <-submitted)
	if role == "close" {
		if err := db.Close(); err != nil {
			t.Errorf("child: Close: %v", err)
		}
		return
	}
	time.Sleep(2 * time.Minute)
	t.Error("child was not killed")
}

// TestAsyncCancelFromOtherProcess submits the 20 s statement here and has a
// child process cancel it from the token; this process then sees CANCELED.
func TestAsyncCancelFromOtherProcess(t *testing.T) {
	if os.Getenv(childEnv) == "cancel" {
		cancelChild(t)
		return
	}
	db := asyncDB(t, async.WithWait(0), async.WithPollBackoff(50*time.Millisecond, 500*time.Millisecond))
	ctx := testCtx(t)
	_, exc, err := db.ExecContext(ctx, asyncQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.CloseExecution(testCtx(t), exc); err != nil {
			t.Errorf("CloseExecution: %v", err)
		}
	}()
	token, err := exc.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	waitRunning(t, db, exc)
	start := time.Now()
	cmd, sc := startChild(t, ctx, "TestAsyncCancelFromOtherProcess", "cancel", childTokenEnv+"="+string(token))
	for sc.Scan() {
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("cancelling child: %v", err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	_, last, err := db.Wait(waitCtx, exc)
	if last == nil || last.Status != async.StatusCanceled {
		t.Fatalf("after the child's cancel: status %v err %v, want CANCELED", last, err)
	}
	if !errors.Is(err, async.ErrNoResult) {
		t.Errorf("after cancel: err %v, want ErrNoResult", err)
	}
	t.Logf("CANCELED %s after starting the cancelling child", time.Since(start).Round(time.Millisecond))
}

// cancelChild is the child side of TestAsyncCancelFromOtherProcess.
func cancelChild(t *testing.T) {
	db := asyncDB(t)
	ctx := testCtx(t)
	exc, err := db.ParseExecution(os.Getenv(childTokenEnv))
	if err != nil {
		t.Fatalf("child ParseExecution: %v", err)
	}
	if err := db.CancelExecution(ctx, exc); err != nil {
		t.Fatalf("child CancelExecution: %v", err)
	}
}

// TestAsyncFailureAndCancel checks a failing statement's SQLSTATE through
// the async API and that CancelExecution stops a running statement.
func TestAsyncFailureAndCancel(t *testing.T) {
	db := asyncDB(t, async.WithWait(0), async.WithPollBackoff(50*time.Millisecond, 500*time.Millisecond))
	ctx := testCtx(t)

	_, exc, err := db.ExecContext(ctx, "SELECT * FROM no_such_table_xyz")
	if err == nil {
		_, exc, err = db.Wait(ctx, exc)
	}
	var se *driver.ServerError
	if !errors.As(err, &se) || se.SQLState != "42P01" {
		t.Errorf("failure: err %v, want a *driver.ServerError with SQLSTATE 42P01", err)
	}
	if exc == nil || exc.Status != async.StatusFailed {
		t.Errorf("failure: execution %v, want FAILED", exc)
	}

	_, exc, err = db.ExecContext(ctx, slowQuery)
	if err != nil {
		t.Fatal(err)
	}
	waitRunning(t, db, exc)
	start := time.Now()
	if err := db.CancelExecution(ctx, exc); err != nil {
		t.Fatalf("CancelExecution: %v", err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	_, last, err := db.Wait(waitCtx, exc)
	if last == nil || last.Status != async.StatusCanceled {
		t.Errorf("after cancel: status %v err %v, want CANCELED", last, err)
	} else if !errors.Is(err, async.ErrNoResult) {
		t.Errorf("after cancel: err %v, want ErrNoResult", err)
	}
	t.Logf("canceled in %s", time.Since(start).Round(time.Millisecond))
	if err := db.CloseExecution(ctx, exc); err != nil {
		t.Errorf("CloseExecution: %v", err)
	}
	if err := db.CloseExecution(ctx, exc); err != nil {
		t.Errorf("second CloseExecution: %v", err)
	}
}

// TestAsyncReread reads part of a finished execution's rows, closes them,
// and reads the whole result again from the first row (FETCH_FIRST).
func TestAsyncReread(t *testing.T) {
	db := asyncDB(t, async.WithWait(30*time.Second))
	ctx := testCtx(t)
	rows, exc, err := db.QueryContext(ctx, "SELECT id FROM range(1000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.CloseExecution(context.Background(), exc) })
	if exc.Status != async.StatusFinished {
		rows.Close()
		t.Fatalf("status %v after a 30 s wait", exc.Status)
	}
	for i := 0; i < 10 && rows.Next(); i++ {
	}
	rows.Close()

	rows, err = db.GetExecutionRows(ctx, exc)
	if err != nil {
		t.Fatalf("GetExecutionRows: %v", err)
	}
	defer rows.Close()
	var n, sum int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		if id != n {
			t.Fatalf("row %d: id %d", n, id)
		}
		n++
		sum += id
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 1000 || sum != 999*1000/2 {
		t.Errorf("count %d sum %d, want 1000 and %d", n, sum, 999*1000/2)
	}
}

// waitRunning polls exc until Spark reports it RUNNING, so that a cancel
// stops a statement Spark runs rather than one it has yet to start (or one a
// guessed delay let finish).
func waitRunning(t *testing.T, db *async.DB, exc *async.Execution) {
	t.Helper()
	ctx := testCtx(t)
	for {
		cur, err := db.CheckExecution(ctx, exc)
		if err != nil {
			t.Fatalf("CheckExecution: %v", err)
		}
		switch cur.Status {
		case async.StatusRunning:
			return
		case async.StatusInitialized, async.StatusPending:
		default:
			t.Fatalf("status %v before the cancel, want PENDING, then RUNNING", cur.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
