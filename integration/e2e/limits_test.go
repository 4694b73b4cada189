package e2e_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	dbx "github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// countRows reads every row of query on ctx and returns their number and
// rows.Err.
func countRows(t *testing.T, ctx context.Context, db *sql.DB, query string) (int, error) {
	t.Helper()
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var i int64
		if err := rows.Scan(&i); err != nil {
			t.Fatal(err)
		}
		if i != int64(n) {
			t.Fatalf("row %d holds %d", n, i)
		}
		n++
	}
	return n, rows.Err()
}

// TestRowLimit: a result cut by WithRowLimit ends after its last kept row
// with ErrTruncated, one that fits ends cleanly, on every result format
// (Thrift: resultRowLimit of n+1, the extra row telling the cut; REST:
// row_limit and manifest.truncated). QueryRow is unaffected.
func TestRowLimit(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			s := emulator.Start(t, emulator.WithREST(emulator.RESTOptions{ChunkRows: 100}))
			db := open(t, s, f.params)
			for _, c := range []struct {
				limit, rows int64
				truncated   bool
			}{{10, 1000, true}, {1000, 1000, false}, {999, 1000, true}, {1, 0, false}, {250, 251, true}} {
				ctx := dbx.WithRowLimit(testCtx(t), c.limit)
				n, err := countRows(t, ctx, db, fmt.Sprintf("SELECT i FROM range(%d) t(i)", c.rows))
				want := min(c.limit, c.rows)
				if int64(n) != want {
					t.Errorf("limit %d of %d rows: %d rows, want %d", c.limit, c.rows, n, want)
				}
				if got := errors.Is(err, dbx.ErrTruncated); got != c.truncated || (err != nil && !got) {
					t.Errorf("limit %d of %d rows: rows.Err() = %v, want truncated %v", c.limit, c.rows, err, c.truncated)
				}
			}
			var v int64
			if err := db.QueryRowContext(dbx.WithRowLimit(testCtx(t), 1), "SELECT i FROM range(5) t(i)").Scan(&v); err != nil || v != 0 {
				t.Errorf("QueryRow with a row limit: %d, %v", v, err)
			}
			if n, err := countRows(t, testCtx(t), db, "SELECT i FROM range(300) t(i)"); n != 300 || err != nil {
				t.Errorf("without a limit: %d rows, %v", n, err)
			}
			if !eventually(3*time.Second, func() bool { return s.UnreleasedOperations() == 0 }) {
				t.Errorf("%d operations left to close", s.UnreleasedOperations())
			}
		})
	}
}

// TestRowLimitArrow: QueryArrow's batches stop at the limit too, the batch
// crossing it cut, and Err matches ErrTruncated.
func TestRowLimitArrow(t *testing.T) {
	db := open(t, srv, nil)
	ctx := dbx.WithRowLimit(testCtx(t), 1500)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	it, err := dbx.QueryArrow(ctx, conn, "SELECT i FROM range(5000) t(i)")
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var n int64
	for it.Next() {
		n += it.Record().NumRows()
	}
	if n != 1500 || !errors.Is(it.Err(), dbx.ErrTruncated) {
		t.Errorf("%d rows, Err %v; want 1500 and ErrTruncated", n, it.Err())
	}
}

// TestByteLimit: on REST byte_limit cuts the result, which ends with
// ErrTruncated; on Thrift the option is refused before anything is sent.
func TestByteLimit(t *testing.T) {
	s := emulator.Start(t, emulator.WithREST(emulator.RESTOptions{ChunkRows: 100}))
	db := open(t, s, nil)
	if err := db.PingContext(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	s.ResetRequests()
	ctx := dbx.WithByteLimit(testCtx(t), 2000)
	n, err := countRows(t, ctx, db, "SELECT i FROM range(10000) t(i)")
	if backend != "rest" {
		if !errors.Is(err, dbx.ErrLimitNotSupported) || n != 0 {
			t.Errorf("Thrift byte limit: %d rows, %v; want ErrLimitNotSupported", n, err)
		}
		if log := s.Requests(); len(log) != 0 {
			t.Errorf("requests %v, want none", log)
		}
		return
	}
	if n == 0 || n >= 10000 || !errors.Is(err, dbx.ErrTruncated) {
		t.Errorf("REST byte limit: %d rows, %v; want fewer than 10000 and ErrTruncated", n, err)
	}
	if n, err := countRows(t, dbx.WithByteLimit(testCtx(t), 1<<30), db, "SELECT i FROM range(10000) t(i)"); n != 10000 || err != nil {
		t.Errorf("REST byte limit over the result: %d rows, %v", n, err)
	}
}
