package e2e_test

import (
	"database/sql"
	"fmt"
	"net/url"
	"testing"

	"github.com/asyncsql/databricks/integration/emulator"
)

const bigRows = 100000

// readBig reads `SELECT i FROM range(n)` and checks count, order, sum and an
// order-sensitive checksum.
func readBig(t *testing.T, db *sql.DB, n int64) {
	t.Helper()
	rows, err := db.QueryContext(testCtx(t), fmt.Sprintf("SELECT i FROM range(%d) t(i)", n))
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	defer rows.Close()
	var (
		count, sum int64
		mix, want  uint64
	)
	for rows.Next() {
		var i int64
		if err := rows.Scan(&i); err != nil {
			t.Fatalf("scan row %d: %v", count, err)
		}
		if i != count {
			t.Fatalf("row %d holds %d: rows lost, repeated or out of order", count, i)
		}
		sum += i
		mix = mix*1099511628211 ^ uint64(i)
		want = want*1099511628211 ^ uint64(count)
		count++
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("rows.Err after %d rows: %v", count, err)
	}
	if count != n || sum != n*(n-1)/2 || mix != want {
		t.Fatalf("got %d rows, sum %d, checksum %x; want %d rows, sum %d, checksum %x", count, sum, mix, n, n*(n-1)/2, want)
	}
}

// TestMultiPage reads 100,000 rows in pages of 7,000 (not a divisor, so the
// last page is short) in every result format.
func TestMultiPage(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			p := url.Values{}
			for k, v := range f.params {
				p[k] = v
			}
			p.Set("maxRows", "7000")
			readBig(t, open(t, srv, p), bigRows)
		})
	}
}

// TestDefaultPageSize reads the same result with the default page size.
func TestDefaultPageSize(t *testing.T) {
	readBig(t, open(t, srv, nil), bigRows)
}

// TestPageBoundaries reads results whose size sits at page boundaries.
func TestPageBoundaries(t *testing.T) {
	db := open(t, srv, params("maxRows", "10"))
	for _, n := range []int64{0, 1, 9, 10, 11, 20, 21} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			if n == 0 {
				rows, err := db.QueryContext(testCtx(t), "SELECT i FROM range(0) t(i)")
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				if cols, err := rows.Columns(); err != nil || len(cols) != 1 || cols[0] != "i" {
					t.Fatalf("Columns = %v, %v", cols, err)
				}
				if rows.Next() {
					t.Fatal("a row in an empty result")
				}
				if err := rows.Err(); err != nil {
					t.Fatal(err)
				}
				return
			}
			readBig(t, db, n)
		})
	}
}

// TestEarlyClose closes rows in the middle of a multi-page result; the
// connection must stay usable.
func TestEarlyClose(t *testing.T) {
	db := open(t, srv, params("maxRows", "1000"))
	db.SetMaxOpenConns(1)
	ctx := testCtx(t)
	for range 3 {
		rows, err := db.QueryContext(ctx, "SELECT i FROM range(50000) t(i)")
		if err != nil {
			t.Fatal(err)
		}
		for range 1500 {
			if !rows.Next() {
				t.Fatalf("ended early: %v", rows.Err())
			}
		}
		if err := rows.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	var n int64
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM range(10) t(i)").Scan(&n); err != nil || n != 10 {
		t.Fatalf("after early closes: %d, %v", n, err)
	}
}

// TestConcurrentQueries runs queries on several connections at once.
func TestConcurrentQueries(t *testing.T) {
	db := open(t, srv, params("maxRows", "5000"))
	errs := make(chan error, 4)
	for w := range 4 {
		go func() {
			var sum int64
			err := db.QueryRowContext(testCtx(t),
				fmt.Sprintf("SELECT sum(i) FROM range(%d) t(i)", 1000*(w+1))).Scan(&sum)
			if err == nil {
				n := int64(1000 * (w + 1))
				if sum != n*(n-1)/2 {
					err = fmt.Errorf("worker %d: sum %d", w, sum)
				}
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestManyBatchesPerPage reads pages made of many Arrow batches of 333 rows
// (pages of 7,000 rows, of 999 rows ending on a batch boundary, and of 3,000
// rows), compressed or not; column sets for comparison.
func TestManyBatchesPerPage(t *testing.T) {
	s := emulator.Start(t, emulator.WithBatchRows(333))
	for _, f := range formats {
		for _, maxRows := range []string{"7000", "999", "3000"} {
			t.Run(f.name+"/"+maxRows, func(t *testing.T) {
				p := url.Values{}
				for k, v := range f.params {
					p[k] = v
				}
				p.Set("maxRows", maxRows)
				readBig(t, open(t, s, p), 20000)
			})
		}
	}
}

// TestServerPageCap reads a result from a server that caps pages below the
// maxRows the driver asks for.
func TestServerPageCap(t *testing.T) {
	s := emulator.Start(t, emulator.WithMaxPageRows(1234))
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			readBig(t, open(t, s, f.params), 20000)
		})
	}
}
