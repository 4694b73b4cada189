package asynctest

import (
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/asyncsql/databricks/async"
	"github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// connector returns a connector for dsn.
func connector(t *testing.T, dsn string) *driver.Connector {
	t.Helper()
	cfg, err := driver.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	c, err := driver.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A small result that finishes within the wait costs at most 4 requests from
// submit to its last row through async (OpenSession, ExecuteStatement,
// GetOperationStatus, FetchResults with the metadata), and stays readable.
func TestRequestCounts(t *testing.T) {
	ctx := testContext(t)
	s := emulator.Start(t) // the stock 5 s status hold: one status call
	db := async.OpenDB(connector(t, testDSN(s)), async.WithWait(time.Minute))
	t.Cleanup(func() { _ = db.Close() })

	s.ResetRequests()
	rows, exc, err := db.QueryContext(ctx, "SELECT i, (i * 7919) % 1000003 AS v FROM range(50) t(i) ORDER BY i")
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, rows, 50)
	// On REST: the submission returns at once (a detached statement), and
	// the status calls of async's wait replace OpenSession and the held
	// GetOperationStatus: submit, at most 4 polls, the download.
	most := 4
	if backend == "rest" {
		most = 6
	}
	if log := s.Requests(); len(log) > most {
		t.Fatalf("%d requests from submit to the last row (%v), want at most %d", len(log), log, most)
	}
	s.ResetRequests()
	rows, err = db.GetExecutionRows(ctx, exc)
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, rows, 50)
	// On REST: one status call, whose reply holds the manifest and the
	// whole result inline (INLINE_OR_EXTERNAL_LINKS).
	want := "FetchResults×1"
	if backend == "rest" {
		want = "rest.status×1"
	}
	if log := s.Requests(); log.String() != want {
		t.Fatalf("requests to read the result again: %v, want %s", log, want)
	}
	if err := db.CloseExecution(ctx, exc); err != nil {
		t.Fatal(err)
	}

	// database/sql on a warm pool: one request (direct results).
	if err := db.PingContext(ctx); err != nil {
		t.Fatal(err)
	}
	s.ResetRequests()
	sqlRows, err := db.DB.QueryContext(ctx, "SELECT i, (i * 7919) % 1000003 AS v FROM range(50) t(i) ORDER BY i")
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, sqlRows, 50)
	// On REST: the submission alone (finished within its wait, the result
	// inline in its reply, which needs no close).
	want = "ExecuteStatement×1"
	if backend == "rest" {
		want = "rest.submit×1"
	}
	if log := s.Requests(); log.String() != want {
		t.Fatalf("requests through database/sql: %v, want %s", log, want)
	}
}

// A sync *sql.DB and an async DB on one connector, each closed in turn:
// closing one never breaks the other.
func TestSyncAndAsyncOnOneConnector(t *testing.T) {
	ctx := testContext(t)
	for _, syncFirst := range []bool{true, false} {
		c := connector(t, testDSN(srv))
		sqlDB := sql.OpenDB(c)
		adb := async.OpenDB(c)
		wrapped, err := async.NewDB(ctx, sqlDB)
		if err != nil {
			t.Fatal(err)
		}
		first, second := func() error { return sqlDB.Close() }, adb.Close
		if !syncFirst {
			first, second = second, first
		}
		if err := first(); err != nil {
			t.Fatal(err)
		}
		// Whichever remains works, and so does the wrapper's own API.
		if syncFirst {
			rows, exc, err := adb.QueryContext(ctx, resultQuery(5, 0))
			if err != nil {
				t.Fatalf("async DB after the sync DB closed: %v", err)
			}
			checkResult(t, rows, 5)
			if err := adb.CloseExecution(ctx, exc); err != nil {
				t.Fatal(err)
			}
			rows, exc, err = wrapped.QueryContext(ctx, resultQuery(5, 0))
			if err != nil {
				t.Fatalf("wrapping DB after its *sql.DB closed: %v", err)
			}
			checkResult(t, rows, 5)
			_ = wrapped.CloseExecution(ctx, exc)
		} else {
			var n int
			if err := sqlDB.QueryRowContext(ctx, "SELECT 7").Scan(&n); err != nil || n != 7 {
				t.Fatalf("sync DB after the async DB closed: %d %v", n, err)
			}
		}
		if err := second(); err != nil {
			t.Fatal(err)
		}
		if err := wrapped.Close(); err != nil {
			t.Fatal(err)
		}
		// Now everything is closed: the connector refuses work.
		if _, _, err := c.SubmitDetached(ctx, "SELECT 1"); !errors.Is(err, driver.ErrClosed) {
			t.Fatalf("connector after every DB closed: %v", err)
		}
	}
}

// On a server without the Databricks extensions (a Hive protocol version:
// column-based results, no metadata with the first page) a result is read
// twice the same, and Poll's one-call loop reaches it.
func TestHiveProtocolRereadAndPoll(t *testing.T) {
	ctx := testContext(t)
	s := emulator.Start(t, emulator.WithMaxProtocol(emulator.HiveV10),
		emulator.WithStatusHold(50*time.Millisecond), emulator.WithMaxPageRows(700))
	db := open(t, s, async.WithWait(0))
	rows, exc, err := db.QueryContext(ctx, resultQuery(2000, 500))
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	t.Cleanup(func() { _ = db.CloseExecution(ctx, exc) })
	polls := 0
	for {
		polls++
		rows, exc, err = db.Poll(ctx, exc)
		if err != nil {
			t.Fatal(err)
		}
		if rows != nil {
			break
		}
		if polls > 300 {
			t.Fatalf("still %v after %d polls", exc.Status, polls)
		}
		time.Sleep(20 * time.Millisecond)
	}
	checkResult(t, rows, 2000)
	rows, err = db.GetExecutionRows(ctx, exc)
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, rows, 2000)
}
