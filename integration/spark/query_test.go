package spark

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/asyncsql/databricks/driver"
)

// TestLargeResult reads a million rows in many pages (maxRows=50000: at
// least 20 FetchResults calls, then the empty page Spark ends with) and
// checks the exact count and sum.
func TestLargeResult(t *testing.T) {
	db := openDB(t, "maxRows=50000")
	start := time.Now()
	rows, err := db.QueryContext(testCtx(t), "SELECT id FROM range(1000000)")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var n, sum, prev int64
	prev = -1
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		if id != prev+1 {
			t.Fatalf("row %d: id %d after %d", n, id, prev)
		}
		prev = id
		n++
		sum += id
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 1000000 || sum != 499999500000 {
		t.Errorf("count %d sum %d, want 1000000 and 499999500000", n, sum)
	}
	t.Logf("1,000,000 rows in %s", time.Since(start).Round(time.Millisecond))
}

// TestErrors checks that compile-time and run-time failures surface from
// QueryContext as a *driver.ServerError with SQLSTATE and message.
//
// Spark 3.5 gives a SQLSTATE to errors raised while planning or evaluating on
// the driver (parse, analysis, ANSI errors of constant expressions) but none
// to errors raised inside a task: those arrive wrapped in "Job aborted due
// to stage failure" with an empty sqlState, so only the message is checked.
func TestErrors(t *testing.T) {
	db := openDB(t, "")
	ctx := testCtx(t)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET spark.sql.ansi.enabled=true"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, query, sqlState, message string
	}{
		{"syntax", "SELEC 1", "42601", "PARSE_SYNTAX_ERROR"},
		{"missing table", "SELECT * FROM no_such_table_xyz", "42P01", "no_such_table_xyz"},
		{"divide by zero", "SELECT 1/0", "22012", "DIVIDE_BY_ZERO"},
		{"invalid cast", "SELECT CAST('x' AS INT)", "22018", "CAST_INVALID_INPUT"},
		{"task raise_error", "SELECT raise_error(concat('boom-', CAST(id AS STRING))) FROM range(1)", "", "boom-0"},
		{"task divide by zero", "SELECT 1/(id-1) FROM range(3)", "", "DIVIDE_BY_ZERO"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := conn.QueryContext(testCtx(t), tc.query)
			if err == nil {
				for rows.Next() {
				}
				err = rows.Err()
				rows.Close()
				if err != nil {
					t.Errorf("error reported by rows, not by QueryContext: %v", err)
				}
			}
			if err == nil {
				t.Fatal("no error")
			}
			var se *driver.ServerError
			if !errors.As(err, &se) {
				t.Fatalf("%T %v: not a *driver.ServerError", err, err)
			}
			if tc.sqlState != "" && se.SQLState != tc.sqlState {
				t.Errorf("SQLSTATE %q, want %q", se.SQLState, tc.sqlState)
			}
			if !strings.Contains(se.Message, tc.message) {
				t.Errorf("message %q does not mention %q", se.Message, tc.message)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("Error() %q does not mention %q", err.Error(), tc.message)
			}
			t.Logf("SQLSTATE %q: %.160q", se.SQLState, se.Message)
		})
	}
	// The connection survives the errors.
	var one int32
	if err := conn.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 after errors: %v %d", err, one)
	}
}

const slowQuery = "SELECT reflect('java.lang.Thread', 'sleep', 20000L)"

// TestCancel cancels a 20 s statement once Spark reported it RUNNING (the
// driver polls it; the sleeping task holds a slot) and expects the call to
// return promptly with the context's error, and the server to be free for
// the next statement. The cancel never comes on a clock: a timer could fire
// before the statement reached Spark on a loaded machine.
func TestCancel(t *testing.T) {
	db, watch := openWatched(t)
	for _, mode := range []string{"query", "exec"} {
		t.Run(mode, func(t *testing.T) {
			ctx, cancel := context.WithCancel(testCtx(t))
			defer cancel()
			running := watch.Running()
			cancelled := make(chan time.Time, 1)
			go func() {
				select {
				case <-running:
					cancelled <- time.Now()
					cancel()
				case <-ctx.Done():
					cancelled <- time.Time{}
				}
			}()
			var err error
			if mode == "query" {
				var rows *sql.Rows
				rows, err = db.QueryContext(ctx, slowQuery)
				if err == nil {
					for rows.Next() {
					}
					err = rows.Err()
					rows.Close()
				}
			} else {
				_, err = db.ExecContext(ctx, slowQuery)
			}
			returned := time.Now()
			cancel()
			at := <-cancelled
			if at.IsZero() {
				t.Fatalf("returned before Spark reported the statement RUNNING: %v", err)
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err %v, want context.Canceled", err)
			}
			// Generous for a loaded machine, and half the 20 s sleep.
			took := returned.Sub(at)
			if took > 10*time.Second {
				t.Errorf("returned %s after the cancel, want promptly", took)
			}
			t.Logf("returned %s after the cancel", took.Round(time.Millisecond))
		})
	}
	// With local[2], two un-cancelled 20 s sleeps would still hold both
	// task slots: a quick query answering fast shows the cancel reached Spark.
	start := time.Now()
	var n int64
	if err := db.QueryRowContext(testCtx(t), "SELECT count(*) FROM range(10) GROUP BY id % 1").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("next query took %s: cancelled statements still running?", took)
	}
}

// TestDeadline uses a context deadline instead of a cancel.
func TestDeadline(t *testing.T) {
	db := openDB(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := db.ExecContext(ctx, slowQuery)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want context.DeadlineExceeded", err)
	}
	if took := time.Since(start); took > 10*time.Second { // half the 20 s sleep
		t.Errorf("returned after %s", took)
	}
}

// TestParametersRefused checks that query arguments are refused with
// driver.ErrParametersNotSupported: Spark's Thrift server has no native
// parameters and the driver never interpolates.
func TestParametersRefused(t *testing.T) {
	db := openDB(t, "")
	for name, args := range map[string][]any{
		"positional": {int64(1)},
		"named":      {sql.Named("x", "a")},
	} {
		t.Run(name, func(t *testing.T) {
			rows, err := db.QueryContext(testCtx(t), "SELECT ?", args...)
			if err == nil {
				rows.Close()
				t.Fatal("query with arguments succeeded")
			}
			if !errors.Is(err, driver.ErrParametersNotSupported) {
				t.Errorf("err %v, want ErrParametersNotSupported", err)
			}
			_, err = db.ExecContext(testCtx(t), "SELECT ?", args...)
			if !errors.Is(err, driver.ErrParametersNotSupported) {
				t.Errorf("exec err %v, want ErrParametersNotSupported", err)
			}
		})
	}
}

// TestStatements runs DDL through Exec and reads the result back on the
// same connection (temporary views live in one Spark session).
func TestStatements(t *testing.T) {
	db := openDB(t, "")
	ctx := testCtx(t)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, stmt := range []string{
		"DROP VIEW IF EXISTS spark_test_v",
		"CREATE TEMPORARY VIEW spark_test_v AS SELECT id, CAST(id * 2 AS STRING) AS s FROM range(5)",
	} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	var n int64
	var s string
	if err := conn.QueryRowContext(ctx, "SELECT count(*), max(s) FROM spark_test_v").Scan(&n, &s); err != nil {
		t.Fatal(err)
	}
	if n != 5 || s != "8" {
		t.Errorf("count %d max %q, want 5 and \"8\"", n, s)
	}
}
