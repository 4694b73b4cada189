package asynctest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/asyncsql/databricks/async"
	"github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// 1. A fast query finishes within the wait: rows are readable at once, and
// again from the first row, here and in another DB from the token, until
// CloseExecution.
func TestFastQueryWithinWait(t *testing.T) {
	ctx := testContext(t)
	var submitted []*async.Execution
	db := open(t, srv, async.WithOnSubmit(func(e *async.Execution) { submitted = append(submitted, e) }))

	rows, exc, err := db.QueryContext(ctx, resultQuery(50, 0))
	if err != nil {
		t.Fatal(err)
	}
	if exc.Status != async.StatusFinished || !exc.Status.Terminal() {
		t.Fatalf("status %v", exc.Status)
	}
	if len(submitted) != 1 || submitted[0].StatementID() != exc.StatementID() {
		t.Fatalf("OnSubmit saw %v", submitted)
	}
	checkResult(t, rows, 50)
	// Read to the end: the result is still there.
	if cur, err := db.CheckExecution(ctx, exc); err != nil || cur.Status != async.StatusFinished {
		t.Fatalf("after EOF: %v %v", cur.Status, err)
	}
	rows, err = db.GetExecutionRows(ctx, exc)
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, rows, 50)
	if err := db.CloseExecution(ctx, exc); err != nil {
		t.Fatal(err)
	}
	if cur, err := db.CheckExecution(ctx, exc); err != nil || cur.Status != async.StatusGone {
		t.Fatalf("after CloseExecution: %v %v", cur.Status, err)
	}

	// Again, closing the rows early and resuming in a new DB.
	rows, exc, err = db.QueryContext(ctx, resultQuery(50, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatalf("no first row: %v", rows.Err())
	}
	rows.Close()
	token := mustToken(t, exc)

	db2 := open(t, srv)
	resumed, err := db2.ParseExecution(token)
	if err != nil {
		t.Fatal(err)
	}
	if resumed.Status != async.StatusFinished || resumed.StatementID() != exc.StatementID() {
		t.Fatalf("resumed %v", resumed)
	}
	rows, err = db2.GetExecutionRows(ctx, resumed)
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, rows, 50)
	if err := db2.CloseExecution(ctx, resumed); err != nil {
		t.Fatal(err)
	}
	if cur, err := db2.CheckExecution(ctx, resumed); err != nil || cur.Status != async.StatusGone {
		t.Fatalf("after CloseExecution: %v %v", cur.Status, err)
	}
}

// 2. A slow query outlives the wait: empty rows reporting ErrNotFinished, a
// pending or running status, then Wait returns every row.
func TestSlowQuery(t *testing.T) {
	ctx := testContext(t)
	// The server holds a status request until the statement ends, up to the
	// status hold: keep it short so the 200 ms wait is what ends the call.
	s := emulator.Start(t, emulator.WithMaxPageRows(700), emulator.WithBatchRows(300), emulator.WithStatusHold(50*time.Millisecond))
	db := open(t, s, async.WithWait(200*time.Millisecond), async.WithPollBackoff(20*time.Millisecond, 500*time.Millisecond))

	rows, exc, err := db.QueryContext(ctx, resultQuery(3000, 2000))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	// QueryContext returned before the 2 s statement ended (no clock
	// bound: on a loaded machine the submission alone may take a second):
	// not finished; INITIALIZED when the first status request was held past
	// the wait (the status last heard is then the submission's).
	if s := exc.Status; s != async.StatusInitialized && s != async.StatusPending && s != async.StatusRunning {
		t.Fatalf("status %v", s)
	}
	if rows.Next() {
		t.Fatal("a running query yielded a row")
	}
	if err := rows.Err(); !errors.Is(err, async.ErrNotFinished) || !errors.Is(err, driver.ErrNotFinished) {
		t.Fatalf("rows.Err() = %v", err)
	}
	cur, err := db.CheckExecution(ctx, exc)
	if err != nil || cur.Status.Terminal() {
		t.Fatalf("CheckExecution: %v %v", cur.Status, err)
	}
	if _, err := db.GetExecutionRows(ctx, cur); !errors.Is(err, async.ErrNotFinished) {
		t.Fatalf("GetExecutionRows of a running query: %v", err)
	}

	rows2, done, err := db.Wait(ctx, cur)
	if err != nil {
		t.Fatal(err)
	}
	// The Statement Execution API reports no start and end times.
	if done.Status != async.StatusFinished || backend != "rest" && (done.Started.IsZero() || done.Completed.Before(done.Started)) {
		t.Fatalf("finished execution %v started %v completed %v", done.Status, done.Started, done.Completed)
	}
	checkResult(t, rows2, 3000)
}

// 3. Restart: a helper process submits a slow query, saves the token from the
// OnSubmit hook and dies (SIGKILL while waiting, or a graceful db.Close);
// this process resumes from the token and reads every row.
func TestRestart(t *testing.T) {
	for _, role := range []string{"submit-kill", "submit-close"} {
		t.Run(role, func(t *testing.T) {
			ctx := testContext(t)
			s := emulator.Start(t, emulator.WithMaxPageRows(1500), emulator.WithBatchRows(500),
				emulator.WithStatusHold(50*time.Millisecond))
			const n = 8000
			path := tokenPath(t)
			cmd := startHelper(t, role, testDSN(s), resultQuery(n, 2500), path)
			token := waitForFile(t, path)
			if role == "submit-kill" {
				killHelper(t, cmd)
			} else if err := cmd.Wait(); err != nil {
				t.Fatalf("helper: %v", err)
			}

			db := open(t, s, async.WithPollBackoff(20*time.Millisecond, time.Second))
			exc, err := db.ParseExecution(token)
			if err != nil {
				t.Fatal(err)
			}
			if exc.Status != async.StatusInitialized {
				t.Fatalf("saved status %v", exc.Status)
			}
			cur, err := db.CheckExecution(ctx, exc)
			if err != nil {
				t.Fatal(err)
			}
			if cur.Status != async.StatusRunning && cur.Status != async.StatusPending && cur.Status != async.StatusFinished {
				t.Fatalf("after the restart: %v", cur.Status)
			}
			rows, done, err := db.Wait(ctx, cur)
			if err != nil {
				t.Fatal(err)
			}
			if done.Status != async.StatusFinished {
				t.Fatalf("status %v", done.Status)
			}
			checkResult(t, rows, n)
			// The acknowledgement releases the operation and its session.
			if err := db.CloseExecution(ctx, done); err != nil {
				t.Fatal(err)
			}
			if cur, err := db.CheckExecution(ctx, done); err != nil || cur.Status != async.StatusGone {
				t.Fatalf("after CloseExecution: %v %v", cur.Status, err)
			}
			if ops := s.OpenOperations(); ops != 0 {
				t.Errorf("%d operations left open", ops)
			}
		})
	}
}

// 4. Cancel from another process; cancel twice; cancel a finished execution.
func TestCancel(t *testing.T) {
	ctx := testContext(t)
	db := open(t, srv, async.WithWait(100*time.Millisecond))
	rows, exc, err := db.QueryContext(ctx, resultQuery(10, 60000))
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	path := tokenPath(t)
	if err := saveToken(path, exc); err != nil {
		t.Fatal(err)
	}
	runHelperProcess(t, "cancel", testDSN(srv), "", path)

	cur := waitStatus(t, db, exc, async.StatusCanceled)
	if !cur.Status.Terminal() {
		t.Fatal("canceled is not terminal")
	}
	if err := db.CancelExecution(ctx, exc); err != nil {
		t.Fatalf("third cancel: %v", err)
	}
	_, last, err := db.Wait(ctx, exc)
	if !errors.Is(err, async.ErrNoResult) || last.Status != async.StatusCanceled {
		t.Fatalf("Wait on a canceled execution: %v %v", last.Status, err)
	}
	if _, err := db.GetExecutionRows(ctx, exc); !errors.Is(err, async.ErrNoResult) {
		t.Fatalf("GetExecutionRows on a canceled execution: %v", err)
	}
	for range 2 {
		if err := db.CloseExecution(ctx, exc); err != nil {
			t.Fatalf("CloseExecution: %v", err)
		}
	}
	if cur, err := db.CheckExecution(ctx, exc); err != nil || cur.Status != async.StatusGone {
		t.Fatalf("after close: %v %v", cur.Status, err)
	}
	if err := db.CancelExecution(ctx, exc); err != nil {
		t.Fatalf("cancel after close: %v", err)
	}

	// Canceling a finished execution changes nothing.
	rows, fin, err := db.QueryContext(ctx, resultQuery(10, 0))
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	// The 100 ms wait may end before any status is heard on a loaded
	// machine (fin is then INITIALIZED): Wait has no such bound.
	if rows, fin, err = db.Wait(ctx, fin); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if fin.Status != async.StatusFinished {
		t.Fatalf("status %v", fin.Status)
	}
	if err := db.CancelExecution(ctx, fin); err != nil {
		t.Fatalf("cancel finished: %v", err)
	}
	rows, err = db.GetExecutionRows(ctx, fin)
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, rows, 10)
}

// 5. An execution the server evicted, or never knew, is StatusGone.
func TestGone(t *testing.T) {
	ctx := testContext(t)
	// REST retention runs from the last call, including the submission's
	// own: 1 s, so that a loaded machine does not close it before the rows.
	idle := 1500 * time.Millisecond
	if backend == "rest" {
		idle = 3 * time.Second
	}
	s := emulator.Start(t, emulator.WithIdleEviction(300*time.Millisecond),
		emulator.WithREST(emulator.RESTOptions{Retention: time.Second}))
	db := open(t, s, async.WithKeepAlive(0))
	rows, exc, err := db.QueryContext(ctx, resultQuery(10, 0))
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	time.Sleep(idle) // nobody polls: evicted

	cur, err := db.CheckExecution(ctx, exc)
	reason := "inactivity"
	if backend == "rest" {
		reason = "retention"
	}
	if err != nil || cur.Status != async.StatusGone || !cur.Status.Terminal() || cur.Err == nil ||
		!strings.Contains(cur.Err.Error(), reason) {
		t.Fatalf("evicted: %v %v %v; want GONE with the server's reason", cur.Status, cur.Err, err)
	}
	_, last, err := db.Wait(ctx, exc)
	if !errors.Is(err, async.ErrGone) || !errors.Is(err, async.ErrNoResult) || last.Status != async.StatusGone {
		t.Fatalf("Wait: %v %v", last.Status, err)
	}
	if _, err := db.GetExecutionRows(ctx, exc); !errors.Is(err, async.ErrGone) {
		t.Fatalf("GetExecutionRows: %v", err)
	}
	if err := db.CloseExecution(ctx, exc); err != nil {
		t.Fatalf("CloseExecution: %v", err)
	}

	// A handle the server never issued.
	guid := make([]byte, 16)
	_, _ = rand.Read(guid)
	unknown := *exc
	ref := append(append([]byte{1, 1, 16}, guid...), 0, 0, 0, 0)
	if backend == "rest" {
		// A REST reference: the statement ID and the warehouse ID.
		id, wh := fmt.Sprintf("%x-%x-%x-%x-%x", guid[:4], guid[4:6], guid[6:8], guid[8:10], guid[10:]), path.Base(s.HTTPPath())
		ref = append(append(append([]byte{2, 0, byte(len(id))}, id...), byte(len(wh))), wh...)
	}
	if err := unknown.Ref.UnmarshalBinary(ref); err != nil {
		t.Fatal(err)
	}
	cur, err = db.CheckExecution(ctx, &unknown)
	if err != nil || cur.Status != async.StatusGone {
		t.Fatalf("unknown: %v %v", cur.Status, err)
	}
}

// 6. Tampered, truncated and foreign tokens.
func TestTokens(t *testing.T) {
	ctx := testContext(t)
	db := open(t, srv, async.WithWait(0))
	rows, exc, err := db.QueryContext(ctx, resultQuery(10, 30000))
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	t.Cleanup(func() { _ = db.CloseExecution(ctx, exc) })
	token := mustToken(t, exc)
	if strings.Contains(exc.String(), token[len("dbx2."):]) {
		t.Fatal("String shows the token")
	}

	tampered := []byte(token)
	tampered[len(tampered)/2] ^= 1
	for name, bad := range map[string]string{
		"tampered":  string(tampered),
		"truncated": token[:len(token)-5],
		"empty":     "",
		"garbage":   "not a token",
	} {
		if _, err := db.ParseExecution(bad); !errors.Is(err, async.ErrInvalidToken) {
			t.Errorf("%s: %v", name, err)
		}
	}

	// Another warehouse on the same host, and another host:port.
	other := emulator.Start(t, emulator.WithWarehouseID("otherwarehouse"))
	dbOther := open(t, other)
	if _, err := dbOther.ParseExecution(token); !errors.Is(err, async.ErrWrongWarehouse) {
		t.Fatalf("foreign token: %v", err)
	}
	if _, err := dbOther.CheckExecution(ctx, exc); !errors.Is(err, async.ErrWrongWarehouse) {
		t.Fatalf("foreign execution: %v", err)
	}
	if err := dbOther.CancelExecution(ctx, exc); !errors.Is(err, async.ErrWrongWarehouse) {
		t.Fatalf("foreign cancel: %v", err)
	}

	// JSON round trip through a new DB on the right warehouse.
	js, err := json.Marshal(exc)
	if err != nil {
		t.Fatal(err)
	}
	db2 := open(t, srv)
	back, err := db2.ParseExecution(string(js))
	if err != nil {
		t.Fatal(err)
	}
	cur, err := db2.CheckExecution(ctx, back)
	if err != nil || (cur.Status != async.StatusRunning && cur.Status != async.StatusPending) {
		t.Fatalf("resumed from JSON: %v %v", cur.Status, err)
	}
}

// 7. The statuses real statements go through.
func TestStatusTable(t *testing.T) {
	ctx := testContext(t)
	// A short status hold, so that a zero wait returns running statements,
	// and an eviction time longer than it.
	// REST retention runs from the last call: 3 s, so that a loaded
	// machine's gaps between the calls of one execution stay inside it.
	evictWait := 2500 * time.Millisecond
	if backend == "rest" {
		evictWait = 5 * time.Second
	}
	s := emulator.Start(t, emulator.WithStatusHold(50*time.Millisecond), emulator.WithIdleEviction(time.Second),
		emulator.WithREST(emulator.RESTOptions{Retention: 3 * time.Second}))
	tests := []struct {
		name string
		run  func(t *testing.T, db *async.DB) *async.Execution
		want async.Status
		errs errMode
	}{
		{"finished", func(t *testing.T, db *async.DB) *async.Execution {
			rows, exc, err := db.QueryContext(ctx, "SELECT 1")
			if err != nil {
				t.Fatal(err)
			}
			rows.Close()
			return exc
		}, async.StatusFinished, noErr},
		{"running", func(t *testing.T, db *async.DB) *async.Execution {
			rows, exc, err := db.With(async.WithWait(0)).QueryContext(ctx, "SELECT sleep_ms(20000)")
			if err != nil {
				t.Fatal(err)
			}
			rows.Close()
			t.Cleanup(func() { _ = db.CloseExecution(ctx, exc) })
			return waitStatus(t, db, exc, async.StatusRunning)
		}, async.StatusRunning, noErr},
		{"failed", func(t *testing.T, db *async.DB) *async.Execution {
			_, exc, err := db.With(async.WithWait(0)).ExecContext(ctx, "SELECT CASE WHEN sleep_ms(300) > 0 THEN error('boom') END")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.CloseExecution(ctx, exc) })
			return waitStatus(t, db, exc, async.StatusFailed)
		}, async.StatusFailed, serverErr},
		{"failed at once", func(t *testing.T, db *async.DB) *async.Execution {
			_, exc, err := db.QueryContext(ctx, "SELECT no_such_column FROM no_such_table")
			var se *driver.ServerError
			if !errors.As(err, &se) || exc == nil || exc.Err != err {
				t.Fatalf("QueryContext: %v", err)
			}
			return exc
		}, async.StatusFailed, serverErr},
		{"canceled", func(t *testing.T, db *async.DB) *async.Execution {
			_, exc, err := db.With(async.WithWait(0)).ExecContext(ctx, "SELECT sleep_ms(20000)")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.CloseExecution(ctx, exc) })
			if err := db.CancelExecution(ctx, exc); err != nil {
				t.Fatal(err)
			}
			return waitStatus(t, db, exc, async.StatusCanceled)
		}, async.StatusCanceled, anyErr},
		{"timed out", func(t *testing.T, db *async.DB) *async.Execution {
			thriftOnly(t, "on REST the statement timeout is a session's STATEMENT_TIMEOUT, which detached statements refuse")
			tdb, err := async.Open(testDSN(s) + "&timeout=1")
			if err != nil {
				t.Fatal(err)
			}
			defer tdb.Close()
			_, exc, err := tdb.With(async.WithWait(0)).ExecContext(ctx, "SELECT sleep_ms(20000)")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.CloseExecution(ctx, exc) })
			return waitStatus(t, db, exc, async.StatusTimedOut)
		}, async.StatusTimedOut, anyErr},
		{"closed", func(t *testing.T, db *async.DB) *async.Execution {
			rows, exc, err := db.QueryContext(ctx, "SELECT 1")
			if err != nil {
				t.Fatal(err)
			}
			rows.Close()
			if err := db.CloseExecution(ctx, exc); err != nil {
				t.Fatal(err)
			}
			cur, err := db.CheckExecution(ctx, exc)
			if err != nil {
				t.Fatal(err)
			}
			return cur
		}, async.StatusGone, anyErr},
		{"evicted", func(t *testing.T, db *async.DB) *async.Execution {
			rows, exc, err := db.With().QueryContext(ctx, "SELECT 1")
			if err != nil {
				t.Fatal(err)
			}
			rows.Close()
			time.Sleep(evictWait)
			cur, err := db.CheckExecution(ctx, exc)
			if err != nil {
				t.Fatal(err)
			}
			return cur
		}, async.StatusGone, anyErr},
	}
	db := open(t, s, async.WithKeepAlive(0))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exc := tt.run(t, db)
			if exc.Status != tt.want {
				t.Fatalf("status %v, want %v", exc.Status, tt.want)
			}
			var se *driver.ServerError
			switch tt.errs {
			case noErr:
				if exc.Err != nil {
					t.Fatalf("Err %v", exc.Err)
				}
			case serverErr:
				if !errors.As(exc.Err, &se) || se.Message == "" {
					t.Fatalf("Err %#v", exc.Err)
				}
			}
			// The status survives the token.
			back, err := db.ParseExecution(mustToken(t, exc))
			if err != nil || back.Status != exc.Status {
				t.Fatalf("token: %v %v", back, err)
			}
		})
	}
}

// errMode says what Execution.Err holds in a status table row.
type errMode int

const (
	noErr     errMode = iota // nil
	serverErr                // a *driver.ServerError with a message
	anyErr                   // nil or the server's explanation
)

// The documented rule: the context bounds the call, never the statement. A
// ctx that ends while QueryContext or Wait waits returns its error and an
// execution that still resumes; the statement runs on.
func TestContextEnds(t *testing.T) {
	ctx := testContext(t)
	db := open(t, srv, async.WithWait(time.Minute))
	// A session first, so that the 300 ms below (a clock) need only cover
	// sending the statement, not opening a session too.
	rows, warm, err := db.QueryContext(ctx, "SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if err := db.CloseExecution(ctx, warm); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, exc, err := db.QueryContext(short, resultQuery(10, 1500))
	if !errors.Is(err, context.DeadlineExceeded) || exc == nil {
		t.Fatalf("QueryContext: %v %v", exc, err)
	}
	t.Cleanup(func() { _ = db.CloseExecution(ctx, exc) })
	rows, last, err := db.Wait(ctx, exc)
	if err != nil || last.Status != async.StatusFinished {
		t.Fatalf("after ctx ended in QueryContext: %v %v", last, err)
	}
	checkResult(t, rows, 10)

	rows, exc, err = db.With(async.WithWait(0)).QueryContext(ctx, resultQuery(10, 30000))
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	t.Cleanup(func() { _ = db.CloseExecution(ctx, exc) })
	short, cancel = context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, last, err := db.Wait(short, exc); !errors.Is(err, context.DeadlineExceeded) || last.Status.Terminal() {
		t.Fatalf("Wait: %v %v", last.Status, err)
	}
	// The statement runs on: it is (or becomes) RUNNING, never CANCELED.
	// Not "RUNNING at once": the server may not have started it yet.
	waitStatus(t, db, exc, async.StatusRunning)
}
