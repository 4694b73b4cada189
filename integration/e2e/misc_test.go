package e2e_test

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/asyncsql/databricks/integration/emulator"
)

// TestPollBackoff runs a 2 s statement against a server that answers
// ExecuteStatement and GetOperationStatus at once: the driver must back off
// between polls instead of spinning.
func TestPollBackoff(t *testing.T) {
	s := emulator.Start(t, emulator.WithDirectResultsHold(0), emulator.WithStatusHold(0))
	// The REST backend first waits on the server (waitTimeout, at least
	// 5 s), then polls: the statement outlasts the wait by 2 s.
	p, ms := params(), int64(2000)
	if backend == "rest" {
		p, ms = params("waitTimeout", "5"), 7000
	}
	db := open(t, s, p)
	var v int64
	if err := db.QueryRowContext(testCtx(t), fmt.Sprintf("SELECT sleep_ms(%d)", ms)).Scan(&v); err != nil || v != ms {
		t.Fatalf("sleep_ms(%d) = %d, %v", ms, v, err)
	}
	n := s.Requests().Count(call(emulator.GetOperationStatus))
	if n < 2 || n > 20 {
		t.Errorf("%d GetOperationStatus calls for a 2 s statement (pollMin 100ms, pollMax 5s)", n)
	}
	t.Logf("%d GetOperationStatus calls", n)
}

// TestPreparedStatement reuses a prepared statement with different
// arguments.
func TestPreparedStatement(t *testing.T) {
	db := open(t, srv, nil)
	ctx := testCtx(t)
	stmt, err := db.PrepareContext(ctx, "SELECT CAST(? AS BIGINT) * 2, ?")
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	for i := range int64(5) {
		var n int64
		var s string
		if err := stmt.QueryRowContext(ctx, i, fmt.Sprint("v", i)).Scan(&n, &s); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if n != 2*i || s != fmt.Sprint("v", i) {
			t.Errorf("run %d: %d, %q", i, n, s)
		}
	}
}

// TestNoRows checks sql.ErrNoRows.
func TestNoRows(t *testing.T) {
	db := open(t, srv, nil)
	var x int64
	err := db.QueryRowContext(testCtx(t), "SELECT i FROM range(3) t(i) WHERE i > 10").Scan(&x)
	if !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("err = %v, want sql.ErrNoRows", err)
	}
}

// TestWideRow reads 300 columns of mixed types.
func TestWideRow(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			db := open(t, srv, f.params)
			var cols []string
			for i := range 300 {
				switch i % 3 {
				case 0:
					cols = append(cols, fmt.Sprintf("CAST(%d AS INTEGER) AS c%d", i, i))
				case 1:
					cols = append(cols, fmt.Sprintf("'s%d' AS c%d", i, i))
				default:
					cols = append(cols, fmt.Sprintf("CAST(NULL AS DOUBLE) AS c%d", i))
				}
			}
			vals, cts := queryOne(t, db, "SELECT "+strings.Join(cols, ", ")+" FROM range(1)")
			for i, v := range vals {
				if cts[i].Name() != fmt.Sprintf("c%d", i) {
					t.Fatalf("column %d named %q", i, cts[i].Name())
				}
				var want any
				switch i % 3 {
				case 0:
					want = int32(i)
				case 1:
					want = fmt.Sprintf("s%d", i)
				}
				if !sameValue(v, want) {
					t.Fatalf("column %d = %#v, want %#v", i, v, want)
				}
			}
		})
	}
}

// TestLongRunningRead reads a multi-page result slowly enough that pages
// are fetched over time (the operation must stay alive between fetches).
func TestLongRunningRead(t *testing.T) {
	db := open(t, srv, params("maxRows", "100"))
	rows, err := db.QueryContext(testCtx(t), "SELECT i FROM range(500) t(i)")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		var i int64
		if err := rows.Scan(&i); err != nil {
			t.Fatal(err)
		}
		if i != n {
			t.Fatalf("row %d holds %d", n, i)
		}
		if n%100 == 99 {
			time.Sleep(100 * time.Millisecond)
		}
		n++
	}
	if err := rows.Err(); err != nil || n != 500 {
		t.Fatalf("%d rows, %v", n, err)
	}
}
