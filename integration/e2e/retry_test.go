package e2e_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	dbx "github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// TestRetryTransient injects 429 and 503 replies into every RPC of a
// multi-page query; each is retried and the result is complete.
func TestRetryTransient(t *testing.T) {
	for _, method := range []emulator.Method{emulator.OpenSession, call(emulator.ExecuteStatement), call(emulator.GetOperationStatus),
		call(emulator.FetchResults), call(emulator.CloseOperation)} {
		t.Run(string(method), func(t *testing.T) {
			if backend == "rest" && (method == emulator.OpenSession || method == emulator.RESTStatus) {
				t.Skip("the REST backend opens no session, and waits on the server instead of polling a 200 ms statement")
			}
			s := emulator.Start(t,
				emulator.WithREST(emulator.RESTOptions{ChunkRows: 20000}),
				emulator.WithDirectResultsHold(50*time.Millisecond),
				emulator.WithFaults(
					emulator.Fault{Method: method, Status: http.StatusTooManyRequests},
					emulator.Fault{Method: method, Status: http.StatusServiceUnavailable},
				))
			db := open(t, s, params("maxRows", "20000"))
			// sleep_ms makes the statement outlast the 50 ms hold: it is polled.
			rows, err := db.QueryContext(testCtx(t), "WITH w AS (SELECT sleep_ms(200) AS z) SELECT z, i FROM w, range(50000) t(i) ORDER BY i")
			if err != nil {
				t.Fatalf("query: %v (requests %v)", err, s.Requests())
			}
			var n, sum int64
			for rows.Next() {
				var z, i int64
				if err := rows.Scan(&z, &i); err != nil {
					t.Fatal(err)
				}
				n++
				sum += i
			}
			if err := rows.Err(); err != nil {
				t.Fatalf("rows: %v (requests %v)", err, s.Requests())
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
			if n != 50000 || sum != 50000*49999/2 {
				t.Fatalf("%d rows, sum %d", n, sum)
			}
			if got := s.Requests().Count(method); got < 3 {
				t.Errorf("%s reached the server %d times, want the 2 faults and a success", method, got)
			}
		})
	}
}

// TestRetryAfterHonoured checks that the driver waits for Retry-After.
func TestRetryAfterHonoured(t *testing.T) {
	s := emulator.Start(t)
	db := open(t, s, nil)
	ctx := testCtx(t)
	if err := db.PingContext(ctx); err != nil {
		t.Fatal(err)
	}
	s.ResetRequests()
	s.InjectFault(emulator.Fault{
		Method: call("ExecuteStatement"), Status: http.StatusServiceUnavailable, RetryAfter: time.Second,
	})
	start := time.Now()
	var one int32
	if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("retried after %v despite Retry-After: 1", d)
	}
	if got := s.Requests().Count(call(emulator.ExecuteStatement)); got != 2 {
		t.Errorf("ExecuteStatement reached the server %d times, want 2", got)
	}
}

// TestNoRetryOfUnsafeExecute checks that a 500 reply or a dropped connection
// on ExecuteStatement is not retried (the statement may have run).
func TestNoRetryOfUnsafeExecute(t *testing.T) {
	for _, c := range []struct {
		name  string
		fault emulator.Fault
	}{
		{"500", emulator.Fault{Method: call("ExecuteStatement"), Status: http.StatusInternalServerError}},
		{"lost_response", emulator.Fault{Method: call("ExecuteStatement"), DropResponse: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := emulator.Start(t)
			db := open(t, s, nil)
			db.SetMaxOpenConns(1)
			ctx := testCtx(t)
			if err := db.PingContext(ctx); err != nil {
				t.Fatal(err)
			}
			s.ResetRequests()
			s.InjectFault(c.fault)
			_, err := db.ExecContext(ctx, "SELECT 1")
			if err == nil {
				t.Fatalf("no error (requests %v)", s.Requests())
			}
			if got := s.Requests().Count(call(emulator.ExecuteStatement)); got != 1 {
				t.Errorf("ExecuteStatement sent %d times: an unsafe call was retried", got)
			}
			var se *dbx.ServerError
			if errors.As(err, &se) {
				t.Errorf("transport failure reported as a server error: %v", err)
			}
			if c.name == "500" && !strings.Contains(err.Error(), "500") {
				t.Errorf("error %q does not show the HTTP status", err)
			}
			// The next statement works.
			var one int32
			if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
				t.Fatalf("next statement: %d, %v", one, err)
			}
		})
	}
}

// TestRetrySafeAfterServerError checks that a 500 or a lost response on a
// safe call (GetOperationStatus) is retried.
func TestRetrySafeAfterServerError(t *testing.T) {
	for _, f := range []emulator.Fault{
		{Method: call("GetOperationStatus"), Status: http.StatusInternalServerError},
		{Method: call("GetOperationStatus"), DropResponse: true},
		{Method: call("GetOperationStatus"), Drop: true},
	} {
		s := emulator.Start(t, emulator.WithDirectResultsHold(50*time.Millisecond), emulator.WithFaults(f))
		db := open(t, s, nil)
		var v int64
		if err := db.QueryRowContext(testCtx(t), "SELECT sleep_ms(300)").Scan(&v); err != nil || v != 300 {
			t.Errorf("fault %+v: %d, %v (requests %v)", f, v, err, s.Requests())
		}
	}
}

// TestRetryGivesUp checks retryMax: a server that always answers 503 fails
// the call after retryMax requests.
func TestRetryGivesUp(t *testing.T) {
	// The REST backend has no session: its first request is the
	// submission.
	first := emulator.OpenSession
	if backend == "rest" {
		first = emulator.RESTSubmit
	}
	s := emulator.Start(t, emulator.WithFaults(emulator.Fault{
		Method: first, Status: http.StatusServiceUnavailable, Times: -1,
	}))
	db := open(t, s, params("retryMax", "3"))
	start := time.Now()
	err := db.PingContext(testCtx(t))
	if err == nil {
		t.Fatal("no error")
	}
	// database/sql itself retries a connection that fails with
	// driver.ErrBadConn (a 503 on OpenSession ran nothing) up to 3 times.
	if got := s.Requests().Count(first); got != 3 && got != 9 {
		t.Errorf("%s sent %d times with retryMax=3", first, got)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("gave up after %v", d)
	}
	if !strings.Contains(err.Error(), "503") {
		t.Logf("error does not show the status: %v", err)
	}
}

// TestFetchFailureNeverLosesRows breaks one FetchResults call in the middle
// of a multi-page result (HTTP 500, a connection dropped before or after the
// server advanced its cursor, a 503): the driver may recover or fail, but it
// must never return a silently incomplete or reordered result.
func TestFetchFailureNeverLosesRows(t *testing.T) {
	for _, c := range []struct {
		name  string
		fault emulator.Fault
	}{
		{"500", emulator.Fault{Method: call("FetchResults"), Skip: 1, Status: http.StatusInternalServerError}},
		{"503", emulator.Fault{Method: call("FetchResults"), Skip: 1, Status: http.StatusServiceUnavailable}},
		{"drop", emulator.Fault{Method: call("FetchResults"), Skip: 1, Drop: true}},
		{"lost_response", emulator.Fault{Method: call("FetchResults"), Skip: 1, DropResponse: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := emulator.Start(t, emulator.WithFaults(c.fault), emulator.WithREST(emulator.RESTOptions{ChunkRows: 1000}))
			db := open(t, s, params("maxRows", "1000"))
			rows, err := db.QueryContext(testCtx(t), "SELECT i FROM range(5000) t(i)")
			if err != nil {
				t.Fatalf("query: %v", err)
			}
			defer rows.Close()
			var n int64
			for rows.Next() {
				var i int64
				if err := rows.Scan(&i); err != nil {
					t.Fatal(err)
				}
				if i != n {
					t.Fatalf("row %d holds %d: a page was lost or repeated (requests %v)", n, i, s.Requests())
				}
				n++
			}
			err = rows.Err()
			if err == nil && n != 5000 {
				t.Fatalf("%d rows and no error: rows silently lost", n)
			}
			if s.Requests().Count(call(emulator.FetchResults)) < 2 {
				t.Fatalf("the fault was never hit (requests %v)", s.Requests())
			}
			t.Logf("%d rows, err %v, requests %v", n, err, s.Requests())
			if c.name == "503" && err != nil {
				t.Errorf("a 503 (not processed) on FetchResults must be retried: %v", err)
			}
		})
	}
}
