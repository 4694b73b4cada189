package peer_test

import (
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dbsql "github.com/databricks/databricks-sql-go"
	"github.com/databricks/databricks-sql-go/driverctx"

	"github.com/asyncsql/databricks/integration/emulator"
)

// BenchmarkStagingHeapOfficial PUTs a 200 MB local file and GETs it back
// into a new local file through the official driver, and reports how far
// the heap in use rose above its level before (sampled every 2 ms, the
// emulator in the same process): the official driver reads a GET's whole
// body into memory before it writes the file. Our driver's figure for the
// same transfers is BenchmarkStagingHeap/files of integration/e2e (the two
// drivers register the same name, so they cannot share a test binary).
func BenchmarkStagingHeapOfficial(b *testing.B) {
	const size = 200 << 20
	volumes, local := b.TempDir(), b.TempDir()
	s, err := emulator.New(emulator.WithVolumes(volumes))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	src := filepath.Join(local, "src.bin")
	f, err := os.Create(src)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.CopyN(f, zeros{}, size); err != nil {
		b.Fatal(err)
	}
	f.Close()
	c, err := dbsql.NewConnector(dbsql.WithServerHostname("localhost"), dbsql.WithPort(s.Port()),
		dbsql.WithHTTPPath(s.HTTPPath()), dbsql.WithAccessToken(s.Token()))
	if err != nil {
		b.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	ctx := driverctx.NewContextWithStagingInfo(context.Background(), []string{local})
	var grow uint64
	for b.Loop() {
		out := filepath.Join(local, "out.bin")
		os.Remove(out)
		var before runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var peak atomic.Uint64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go samplePeak(stop, &peak, &wg)
		if _, err := db.ExecContext(ctx, "PUT '"+src+"' INTO '/Volumes/main/default/vol/big.bin' OVERWRITE"); err != nil {
			b.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "GET '/Volumes/main/default/vol/big.bin' TO '"+out+"'"); err != nil {
			b.Fatal(err)
		}
		close(stop)
		wg.Wait()
		if st, err := os.Stat(out); err != nil || st.Size() != size {
			b.Fatalf("downloaded file: %v, %v", st, err)
		}
		if p := peak.Load(); p > before.HeapInuse {
			grow = max(grow, p-before.HeapInuse)
		}
	}
	b.SetBytes(2 * size)
	b.ReportMetric(float64(grow)/(1<<20), "peak-heap-MiB")
}

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}

// samplePeak samples the heap in use until stop is closed.
func samplePeak(stop <-chan struct{}, peak *atomic.Uint64, wg *sync.WaitGroup) {
	defer wg.Done()
	var ms runtime.MemStats
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for {
		runtime.ReadMemStats(&ms)
		if ms.HeapInuse > peak.Load() {
			peak.Store(ms.HeapInuse)
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}
