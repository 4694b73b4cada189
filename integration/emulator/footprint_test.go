//go:build linux

package emulator

import (
	"context"
	"database/sql/driver"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
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
	s := Start(t)
	rss0 := procStatus("VmRSS")
	if _, err := s.DB().Exec(benchTableSQL(n)); err != nil {
		t.Fatal(err)
	}
	heapInUse()
	rssTable := procStatus("VmRSS")
	t.Logf("table t: RSS %+.0f MB (%.0f bytes/row in DuckDB)", mb(rssTable-rss0), float64(rssTable-rss0)/float64(n))
	resetPeakRSS()
	conn, err := s.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	before := heapInUse()
	began, cpu := time.Now(), cpuTime()
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
	collectTime, collectCPU := time.Since(began), cpuTime()-cpu
	peak := procStatus("VmHWM")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("collect: Go heap in use %.0f MB, heap from the OS %.0f MB, next GC %.0f MB, %d GCs",
		float64(ms.HeapInuse)/1e6, float64(ms.HeapSys-ms.HeapReleased)/1e6, float64(ms.NextGC)/1e6, ms.NumGC)
	heldHeap := heapInUse() - before
	var mapped int64
	if m, ok := any(res.rows).(interface{ mappedBytes() int64 }); ok {
		mapped = m.mappedBytes()
	}
	held := heldHeap + uint64(mapped)
	t.Logf("collect: held on the Go heap %.1f MB, mapped outside it %.1f MB", float64(heldHeap)/1e6, mb(mapped))
	rssAfter := procStatus("VmRSS")
	t.Logf("collect: RSS peak %+.0f MB, after GC %+.0f MB over the table's", mb(peak-rssTable), mb(rssAfter-rssTable))
	t.Logf("collect: %d rows in %s (%.2f M rows/s; %.2f M rows per CPU second); held %.1f MB = %.1f bytes/row",
		n, collectTime.Round(time.Millisecond), float64(n)/collectTime.Seconds()/1e6, float64(n)/collectCPU.Seconds()/1e6,
		float64(held)/1e6, float64(held)/float64(n))

	for _, arrow := range []bool{true, false} {
		op := newOperation(handleKey{}, "", nil, namespace{})
		op.arrow = arrow
		op.complete(res, nil, nil)
		began, cpu = time.Now(), cpuTime()
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
		el, elCPU := time.Since(began), cpuTime()-cpu
		if got != n {
			t.Fatalf("fetched %d rows, want %d", got, n)
		}
		t.Logf("fetch arrow=%t: %.2f M rows/s (%s; %.2f M rows per CPU second)", arrow, float64(n)/el.Seconds()/1e6,
			el.Round(time.Millisecond), float64(n)/elCPU.Seconds()/1e6)
	}
	runtime.KeepAlive(res)
}

// cpuTime is the process's user and system CPU time (GC workers included),
// steadier than wall time on a shared machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func mb(b int64) float64 { return float64(b) / 1e6 }

// procStatus returns a memory field of /proc/self/status in bytes (0 where
// there is none).
func procStatus(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// resetPeakRSS resets VmHWM to the current RSS (Linux).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }
