package emulator

import (
	"context"
	"database/sql/driver"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// benchTableSQL creates table t with n rows of the eight column types of the
// benchmark program (integration/peer/cmd/bench, seed).
func benchTableSQL(n int) string {
	return fmt.Sprintf(`CREATE OR REPLACE TABLE t AS SELECT
		i::BIGINT AS b,
		(i * 0.25)::DOUBLE AS d,
		'value-' || lpad(i::VARCHAR, 14, '0') AS s,
		((i %% 10000000) / 100)::DECIMAL(18,2) AS dec,
		TIMESTAMP '2024-01-01 00:00:00' + to_microseconds(i * 1000) AS ts,
		DATE '2020-01-01' + (i %% 3650)::INTEGER AS dt,
		i %% 2 = 0 AS bo,
		CASE WHEN i %% 10 = 0 THEN NULL ELSE (i %% 100000)::INTEGER END AS ni
		FROM range(%d) r(i)`, n)
}

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestResultFootprint measures the result store on the benchmark's table:
// bytes held per row, collect throughput and page-building throughput
// (Arrow pages of 100,000 rows in batches of 10,000, no LZ4; column-based
// pages). It runs only when EMULATOR_FOOTPRINT_ROWS is set, e.g.
//
//	EMULATOR_FOOTPRINT_ROWS=1000000 go test -run TestResultFootprint -v ./emulator/
func TestResultFootprint(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("EMULATOR_FOOTPRINT_ROWS"))
	if n <= 0 {
		t.Skip("EMULATOR_FOOTPRINT_ROWS not set")
	}
	s := start(t)
	if _, err := s.DB().Exec(benchTableSQL(n)); err != nil {
		t.Fatal(err)
	}
	conn, err := s.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	before := heapInUse()
	began := time.Now()
	var res *result
	err = queryDriver(context.Background(), conn, "SELECT b, d, s, dec, ts, dt, bo, ni FROM t", nil,
		func(st duckdb.StmtType, rows driver.Rows) error {
			var err error
			res, err = collect(context.Background(), rows, st, 0)
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	collectTime := time.Since(began)
	held := heapInUse() - before
	t.Logf("collect: %d rows in %s (%.2f M rows/s); held %.1f MB = %.1f bytes/row",
		n, collectTime.Round(time.Millisecond), float64(n)/collectTime.Seconds()/1e6,
		float64(held)/1e6, float64(held)/float64(n))

	for _, arrow := range []bool{true, false} {
		op := newOperation(handleKey{}, "", nil, namespace{})
		op.arrow = arrow
		op.complete(res, nil, nil)
		began = time.Now()
		got := 0
		for {
			rs, more, st := op.fetch(100000, 0, 100000, 10000, false, nil)
			if st != nil {
				t.Fatal(st.GetErrorMessage())
			}
			if arrow {
				for _, b := range rs.ArrowBatches {
					got += int(b.RowCount)
				}
			} else if len(rs.Columns) > 0 {
				got += len(rs.Columns[0].I64Val.Values)
			}
			if !more {
				break
			}
		}
		el := time.Since(began)
		if got != n {
			t.Fatalf("fetched %d rows, want %d", got, n)
		}
		t.Logf("fetch arrow=%t: %.2f M rows/s (%s)", arrow, float64(n)/el.Seconds()/1e6, el.Round(time.Millisecond))
	}
	runtime.KeepAlive(res)
}
