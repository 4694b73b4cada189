package e2e_test

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"io"
	"testing"
	"time"

	"go.uber.org/goleak"

	dbdriver "github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// linkFaults spoil result-file downloads: 503s, answers cut off half-way
// and 403s (a link that expired early), each on a share of the downloads.
var linkFaults = emulator.WithFaults(
	emulator.Fault{Method: emulator.Download, Every: 7, Status: 503, Times: -1},
	emulator.Fault{Method: emulator.Download, Every: 11, Truncate: true, Times: -1},
	emulator.Fault{Method: emulator.Download, Every: 5, Status: 403, Times: -1},
)

// largeLinks is the emulator of TestLinksLargeResult and
// BenchmarkLinksHeap: result links of 40,000 rows with latency, padding
// rows, stale column names and faults.
func largeLinks(t testing.TB) *emulator.Server {
	return emulator.Start(t, linkFaults, emulator.WithLinks(emulator.LinkOptions{ThresholdRows: 1000, FileRows: 40_000,
		Latency: 5 * time.Millisecond, PadRows: 123, StaleNames: true}))
}

// scanLinks reads SELECT i FROM range(n) through db and checks the count,
// the order and the sum.
func scanLinks(ctx context.Context, t testing.TB, db *sql.DB, n int64) {
	t.Helper()
	rows, err := db.QueryContext(ctx, "SELECT i FROM range(?) t(i)", n)
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if len(cols) != 1 || cols[0] != "i" {
		t.Errorf("columns = %v, want [i] (from the metadata, not the files)", cols)
	}
	var count, sum int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatalf("scan: %v", err)
		}
		if v != count {
			t.Fatalf("row %d = %d: out of order", count, v)
		}
		count++
		sum += v
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("rows.Err: %v", err)
	}
	if want := n * (n - 1) / 2; count != n || sum != want {
		t.Fatalf("count %d sum %d, want %d and %d", count, sum, n, want)
	}
}

// TestLinksLargeResult reads 2,000,000 rows through result links with
// injected 503s, cut-off downloads, 403s and padding rows: exact count and
// checksum, bounded downloads, no goroutine left.
func TestLinksLargeResult(t *testing.T) {
	noLeaks(t)
	n := int64(2_000_000)
	if testing.Short() {
		n = 400_000
	}
	for _, lz4 := range []string{"true", "false"} {
		t.Run("lz4="+lz4, func(t *testing.T) {
			s := largeLinks(t)
			db := open(t, s, params("useLZ4", lz4, "maxDownloads", "4"))
			// 2,000,000 rows through faulty downloads take 20-30 s with
			// -race on an idle machine: bound the scan generously, so that
			// a loaded machine is not a failure.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			scanLinks(ctx, t, db, n)
			st := s.LinkStats()
			t.Logf("links %+v; downloads %v", st, s.Requests().Of(emulator.Download))
			if st.Failed == 0 || st.Forbidden == 0 {
				t.Errorf("no injected failure or expiry happened: %+v", st)
			}
			if st.MaxConcurrent > 4 {
				t.Errorf("%d downloads at once, maxDownloads is 4", st.MaxConcurrent)
			}
		})
	}
}

// TestLinksEarlyClose closes rows after a few rows and cancels a context
// mid-result: every download stops, nothing is left behind.
func TestLinksEarlyClose(t *testing.T) {
	noLeaks(t)
	s := emulator.Start(t, emulator.WithLinks(emulator.LinkOptions{ThresholdRows: 1000, FileRows: 5000, Latency: 50 * time.Millisecond}))
	db := open(t, s, nil)
	ctx := testCtx(t)
	rows, err := db.QueryContext(ctx, "SELECT i FROM range(200000) t(i)")
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	for i := 0; i < 10 && rows.Next(); i++ {
	}
	if err := rows.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	rows, err = db.QueryContext(cctx, "SELECT i FROM range(200000) t(i)")
	if err != nil {
		cancel()
		t.Fatalf("query: %v", err)
	}
	got := 0
	for rows.Next() {
		got++
		if got == 7000 {
			cancel()
		}
	}
	if rows.Err() == nil {
		t.Errorf("cancelled result ended without error after %d rows", got)
	}
	rows.Close()
	cancel()
	db.Close()
}

// TestLinksDisabled checks useCloudFetch=false gets inline Arrow batches.
func TestLinksDisabled(t *testing.T) {
	s := emulator.Start(t, emulator.WithLinks(emulator.LinkOptions{ThresholdRows: 10}))
	db := open(t, s, params("useCloudFetch", "false"))
	var c int64
	if err := db.QueryRowContext(testCtx(t), "SELECT count(*) FROM (SELECT i FROM range(100) t(i))").Scan(&c); err != nil || c != 100 {
		t.Fatalf("count = %d, %v", c, err)
	}
	rows, err := db.QueryContext(testCtx(t), "SELECT i FROM range(100) t(i)")
	if err != nil {
		t.Fatal(err)
	}
	k := 0
	for rows.Next() {
		k++
	}
	rows.Close()
	if rows.Err() != nil || k != 100 {
		t.Fatalf("%d rows, %v", k, rows.Err())
	}
	if st := s.LinkStats(); st.Links != 0 {
		t.Fatalf("links issued with useCloudFetch=false: %+v", st)
	}
}

// noLeaks checks, after every cleanup of t, that t left no goroutine behind.
func noLeaks(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

// TestLinksDetachedResume reads a link result of a detached statement
// halfway, then again in full from its first row (the async API's path).
func TestLinksDetachedResume(t *testing.T) {
	noLeaks(t)
	s := emulator.Start(t, emulator.WithLinks(emulator.LinkOptions{ThresholdRows: 1000, FileRows: 3000, PadRows: 5}),
		emulator.WithFaults(emulator.Fault{Method: emulator.Download, Every: 3, Status: 403, Times: -1}),
		emulator.WithREST(emulator.RESTOptions{HybridInlineLimit: 1})) // links on REST too
	db := open(t, s, params("maxDownloads", "2"))
	ctx := testCtx(t)
	c, err := dbdriver.ConnectorOf(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	ref, _, err := c.SubmitDetached(ctx, "SELECT i FROM range(20000) t(i)")
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseOperation(context.Background(), ref)
	for {
		st, err := c.OperationStatus(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		if st.Terminal() {
			break
		}
	}
	read := func(limit int64) (n, total int64) {
		t.Helper()
		rows, err := c.OperationRows(ctx, ref)
		if err != nil {
			t.Fatalf("rows: %v", err)
		}
		defer rows.Close()
		dest := make([]sqldriver.Value, 1)
		for n < limit {
			err := rows.Next(dest)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("rows.Next: %v", err)
			}
			n++
			total += dest[0].(int64)
		}
		return n, total
	}
	// Read half, close early: the operation stays on the server.
	read(10000)
	for range 2 {
		if n, total := read(1 << 62); n != 20000 || total != 20000*19999/2 {
			t.Fatalf("resumed: %d rows, sum %d", n, total)
		}
	}
	if st := s.LinkStats(); st.Links == 0 {
		t.Fatalf("no links issued: %+v", st)
	}
}

// BenchmarkLinks reads 1,000,000 rows through result links of 20,000 rows
// with 20 ms latency per file and reports rows/s.
func BenchmarkLinks(b *testing.B) {
	s := emulator.Start(b, emulator.WithLinks(emulator.LinkOptions{ThresholdRows: 1000, FileRows: 20_000, Latency: 20 * time.Millisecond}))
	db, err := sql.Open("databricks", testDSN(s))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const n = 1_000_000
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		rows, err := db.QueryContext(ctx, "SELECT i FROM range(1000000) t(i)")
		if err != nil {
			b.Fatal(err)
		}
		var k int64
		for rows.Next() {
			var v int64
			if err := rows.Scan(&v); err != nil {
				b.Fatal(err)
			}
			k++
		}
		if err := rows.Err(); err != nil || k != n {
			b.Fatalf("%d rows, %v", k, err)
		}
		rows.Close()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkLinksHeap reads 2,000,000 rows through the faulty result links
// of TestLinksLargeResult (maxDownloads 4) and reports how far the heap in
// use rose above its level before the query (sampled every 20 ms; the
// emulator in the same process holds the whole result as well).
func BenchmarkLinksHeap(b *testing.B) {
	s := largeLinks(b)
	db, err := sql.Open("databricks", testDSN(s)+"&maxDownloads=4")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var grow uint64
	for b.Loop() {
		grow = max(grow, heapGrowth(20*time.Millisecond, func() { scanLinks(ctx, b, db, 2_000_000) }))
	}
	b.ReportMetric(float64(grow)/(1<<20), "peak-heap-MiB")
}
