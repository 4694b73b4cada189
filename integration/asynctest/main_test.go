package asynctest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/asyncsql/databricks/async"
	"github.com/asyncsql/databricks/integration/emulator"
	"github.com/asyncsql/databricks/integration/internal/testbackend"
)

// srv is the emulator shared by tests that need no special options. Its
// status hold is short, so that a short wait returns a running statement
// quickly (a real warehouse holds a status request up to about 5 s).
var srv *emulator.Server

func TestMain(m *testing.M) {
	if role := os.Getenv(helperEnv); role != "" {
		os.Exit(runHelper(role))
	}
	s, err := emulator.New(emulator.WithStatusHold(100 * time.Millisecond))
	if err != nil {
		fmt.Fprintln(os.Stderr, "asynctest: starting the emulator:", err)
		os.Exit(1)
	}
	srv = s
	code := m.Run()
	if err := s.Close(); err != nil && code == 0 {
		fmt.Fprintln(os.Stderr, "asynctest: closing the emulator:", err)
		code = 1
	}
	// Every DB was closed: no keep-alive loop, pool or read-ahead is left.
	if err := goleak.Find(); err != nil && code == 0 {
		fmt.Fprintln(os.Stderr, "asynctest: leaked goroutines:", err)
		code = 1
	}
	os.Exit(code)
}

// The backend every test runs on (DATABRICKS_TEST_BACKEND); tests of what
// only the Thrift backend has call thriftOnly.
var (
	backend    = testbackend.Name
	testDSN    = testbackend.DSN
	thriftOnly = testbackend.ThriftOnly
)

// open opens an async.DB on s, closed at the end of the test.
func open(t *testing.T, s *emulator.Server, opts ...async.Option) *async.DB {
	t.Helper()
	db, err := async.Open(testDSN(s), opts...)
	if err != nil {
		t.Fatalf("async.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("db.Close: %v", err)
		}
	})
	return db
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// resultQuery returns a query of n rows (i, v) that sleeps sleepMS
// milliseconds before producing them (the filter on slept keeps DuckDB from
// dropping the sleep).
func resultQuery(n, sleepMS int) string {
	return fmt.Sprintf("SELECT i, (i * 7919) %% 1000003 AS v FROM range(%d) t(i) "+
		"CROSS JOIN (SELECT sleep_ms(%d) AS slept) WHERE slept >= 0 ORDER BY i", n, sleepMS)
}

// expectedSum is the checksum of the rows of resultQuery(n, ...).
func expectedSum(n int) uint64 {
	h := fnv.New64a()
	for i := range int64(n) {
		fmt.Fprintf(h, "%d:%d;", i, (i*7919)%1000003)
	}
	return h.Sum64()
}

// readResult reads every row of resultQuery and returns the count and the
// checksum; it checks that rows come in order.
func readResult(t *testing.T, rows *sql.Rows) (int, uint64) {
	t.Helper()
	defer rows.Close()
	h := fnv.New64a()
	n := 0
	for rows.Next() {
		var i, v int64
		if err := rows.Scan(&i, &v); err != nil {
			t.Fatalf("row %d: %v", n, err)
		}
		if i != int64(n) {
			t.Fatalf("row %d has i = %d", n, i)
		}
		fmt.Fprintf(h, "%d:%d;", i, v)
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("after %d rows: %v", n, err)
	}
	return n, h.Sum64()
}

func checkResult(t *testing.T, rows *sql.Rows, n int) {
	t.Helper()
	got, sum := readResult(t, rows)
	if got != n || sum != expectedSum(n) {
		t.Fatalf("read %d rows (checksum %x), want %d (checksum %x)", got, sum, n, expectedSum(n))
	}
}

// waitStatus polls until exc reaches want or the deadline passes.
func waitStatus(t *testing.T, db *async.DB, exc *async.Execution, want async.Status) *async.Execution {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		cur, err := db.CheckExecution(t.Context(), exc)
		if err != nil {
			t.Fatalf("CheckExecution: %v", err)
		}
		if cur.Status == want {
			return cur
		}
		if time.Now().After(deadline) || (cur.Status.Terminal() && cur.Status != want) {
			t.Fatalf("status %v, want %v", cur.Status, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func mustToken(t *testing.T, exc *async.Execution) string {
	t.Helper()
	tok, err := exc.MarshalText()
	if err != nil {
		t.Fatalf("MarshalText: %v", err)
	}
	return string(tok)
}

func isNotFinished(err error) bool { return errors.Is(err, async.ErrNotFinished) }
