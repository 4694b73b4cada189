//go:build linux || darwin

package driver

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/pierrec/lz4/v4"

	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// linkBenchFile is an LZ4-compressed IPC stream of the eight columns for rows
// [start, start+n), in record batches of batchRows rows.
func linkBenchFile(tb testing.TB, start, n, batchRows int) []byte {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(eightColumnSchema))
	for pos := start; pos < start+n; pos += batchRows {
		rb := array.NewRecordBuilder(alloc, eightColumnSchema)
		for i := pos; i < min(pos+batchRows, start+n); i++ {
			appendEightColumnRow(rb, i)
		}
		rec := rb.NewRecordBatch()
		if err := w.Write(rec); err != nil {
			tb.Fatal(err)
		}
		rec.Release()
		rb.Release()
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	var out bytes.Buffer
	zw := lz4.NewWriter(&out)
	zw.Write(buf.Bytes())
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

// peakHeap samples the heap's object bytes (live and unswept, as the
// repository's benchmark does) every 2 ms until stop is called.
func peakHeap() (stop func() (peak, live uint64)) {
	var done atomic.Bool
	var peak, live uint64
	var wg sync.WaitGroup
	wg.Go(func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
		for !done.Load() {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			live = max(live, s[1].Value.Uint64())
			time.Sleep(2 * time.Millisecond)
		}
	})
	return func() (uint64, uint64) {
		done.Store(true)
		wg.Wait()
		return peak, live
	}
}

// BenchmarkLinks8Columns scans 2,000,000 rows of eight column types served
// as 20 LZ4 result files of 100,000 rows (20 ms per download) through
// database/sql, like the repository's benchmark: rows/s from the first row
// to the last, the process's CPU time per row (the storage's included) and
// the peak heap. LINKBENCH_LATENCY (a Go duration) sets another delay per
// download, e.g. 200ms for a network-bound read.
func BenchmarkLinks8Columns(b *testing.B) {
	const files, fileRows, batchRows = 20, 100000, 10000
	st := tclitest.NewStorage(b)
	st.SetLatency(20 * time.Millisecond)
	if d, err := time.ParseDuration(os.Getenv("LINKBENCH_LATENCY")); err == nil {
		st.SetLatency(d)
	}
	var links []*tcli.TSparkArrowResultLink
	for f := range files {
		id := fmt.Sprintf("f%d", f)
		data := offHeap(b, linkBenchFile(b, f*fileRows, fileRows, batchRows))
		st.Put(id, data)
		if f == 0 {
			b.Logf("file of %d rows: %d bytes compressed", fileRows, len(data))
		}
		links = append(links, st.Link(id, int64(f*fileRows), fileRows))
	}
	var sb bytes.Buffer
	w := ipc.NewWriter(&sb, ipc.WithSchema(eightColumnSchema))
	w.Close()
	s := &tclitest.Script{Meta: &tcli.TGetResultSetMetadataResp{
		Status: tclitest.OK(), ResultFormat: ptr(tcli.TSparkRowSetType_URL_BASED_SET), Lz4Compressed: ptr(true),
		ArrowSchema: sb.Bytes()[:sb.Len()-8],
		Schema:      eightColumnTableSchema(),
	}}
	for _, lk := range links {
		s.Pages = append(s.Pages, &tcli.TRowSet{Rows: []*tcli.TRow{}, ResultLinks: []*tcli.TSparkArrowResultLink{lk}})
	}
	e := newDirectEnv(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	e.c.httpClient = st.Client()
	e.fake.Script("q", s)
	db := e.db(b)
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		b.Fatal(err)
	}
	var (
		i64     int64
		f64     float64
		str     string
		dec     string
		ts, day time.Time
		bo      bool
		ni      sql.NullInt32
	)
	var rps, heap, liveMax, cpu []float64
	{
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		runtime.GC()
		metrics.Read(s)
		b.Logf("live heap before: %.1f MB", float64(s[0].Value.Uint64())/1e6)
	}
	runtime.GC()
	for b.Loop() {
		runtime.GC()
		stop := peakHeap()
		cpu0 := processCPUTime()
		rows, err := db.QueryContext(context.Background(), "q")
		if err != nil {
			b.Fatal(err)
		}
		var first time.Time
		n := 0
		for rows.Next() {
			if n == 0 {
				first = time.Now()
			}
			if err := rows.Scan(&i64, &f64, &str, &dec, &ts, &day, &bo, &ni); err != nil {
				b.Fatal(err)
			}
			if n == 1050000 && heapProfile != "" {
				f, _ := os.Create(heapProfile)
				runtime.GC()
				pprof.WriteHeapProfile(f)
				f.Close()
			}
			if i64 != int64(n) {
				b.Fatalf("row %d holds %d", n, i64)
			}
			n++
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
		rows.Close()
		el := time.Since(first)
		cpu = append(cpu, float64((processCPUTime()-cpu0).Nanoseconds())/float64(n))
		peak, live := stop()
		liveMax = append(liveMax, float64(live)/1e6)
		if n != files*fileRows {
			b.Fatalf("%d rows", n)
		}
		rps = append(rps, float64(n)/el.Seconds())
		heap = append(heap, float64(peak)/1e6)
	}
	b.ReportMetric(median(rps)/1e6, "Mrows/s")
	b.ReportMetric(median(heap), "peakMB")
	b.ReportMetric(median(liveMax), "maxliveMB")
	b.ReportMetric(median(cpu), "cpu-ns/row")
}

// heapProfile, when set, is where BenchmarkLinks8Columns writes a heap
// profile in the middle of the scan.
var heapProfile = os.Getenv("LINKBENCH_HEAP")

// median returns the median of xs (which it sorts).
func median(xs []float64) float64 {
	for i := range xs {
		for j := i + 1; j < len(xs); j++ {
			if xs[j] < xs[i] {
				xs[i], xs[j] = xs[j], xs[i]
			}
		}
	}
	return xs[len(xs)/2]
}

// offHeap copies data into memory mapped outside the Go heap, so that the
// files the test's storage serves do not count in the peak heap measured
// (in the repository's benchmark the storage is another process).
func offHeap(tb testing.TB, data []byte) []byte {
	m, err := syscall.Mmap(-1, 0, len(data), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		tb.Fatal(err)
	}
	copy(m, data)
	tb.Cleanup(func() { syscall.Munmap(m) })
	return m
}
