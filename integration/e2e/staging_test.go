package e2e_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// stagingEnv is an emulator with volumes in a directory of the test's and
// a local directory the driver may use.
type stagingEnv struct {
	s       *emulator.Server
	volumes string // the emulator's volumes directory
	local   string // the allowed local directory
}

func newStagingEnv(t *testing.T) *stagingEnv {
	t.Helper()
	e := &stagingEnv{volumes: t.TempDir(), local: t.TempDir()}
	e.s = emulator.Start(t, emulator.WithVolumes(e.volumes))
	return e
}

// db opens the driver on the emulator with the local directory allowed
// and extra DSN parameters as key, value pairs.
func (e *stagingEnv) db(t *testing.T, kv ...string) *sql.DB {
	t.Helper()
	return open(t, e.s, params(append([]string{"stagingAllowedPaths", e.local}, kv...)...))
}

// volumeFile is the emulator's file behind /Volumes/main/default/vol/<name>.
func (e *stagingEnv) volumeFile(name string) string {
	return filepath.Join(e.volumes, "main", "default", "vol", filepath.FromSlash(name))
}

const volume = "/Volumes/main/default/vol/"

// stagingRequests counts the staging transfers the emulator served for
// the statement with this ID.
func stagingRequests(s *emulator.Server, id string) emulator.RequestLog {
	return s.Requests().ForStatement(id).Of(emulator.Staging)
}

// TestStagingFiles: PUT a local file, GET it back into a new file, REMOVE
// it, through ExecContext and QueryContext, for Arrow and column-based
// results; the transfers carry the listed header and no Authorization
// (the emulator refuses them otherwise).
func TestStagingFiles(t *testing.T) {
	thriftOnly(t, "Volumes staging (TestRESTThriftOnlyFeatures checks the REST error)")
	for _, f := range []struct {
		name   string
		params []string
	}{{"arrow", nil}, {"columns", []string{"useArrow", "false"}}} {
		t.Run(f.name, func(t *testing.T) {
			e := newStagingEnv(t)
			db := e.db(t, f.params...)
			ctx := testCtx(t)
			data := bytes.Repeat([]byte("staging,data\n"), 10_000)
			src := filepath.Join(e.local, "in.csv")
			if err := os.WriteFile(src, data, 0o644); err != nil {
				t.Fatal(err)
			}
			var id string
			idCtx := driver.WithStatementIDCallback(ctx, func(s string) { id = s })
			res, err := db.ExecContext(idCtx, "PUT '"+src+"' INTO '"+volume+"d/in.csv'")
			if err != nil {
				t.Fatal(err)
			}
			if n, _ := res.RowsAffected(); n != 0 {
				t.Errorf("PUT: RowsAffected %d, want 0", n)
			}
			if got, err := os.ReadFile(e.volumeFile("d/in.csv")); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("volume file: %d bytes, %v; want the %d of the local file", len(got), err, len(data))
			}
			if log := stagingRequests(e.s, id); len(log) != 1 || log[0].HTTPStatus != 201 {
				t.Errorf("PUT: staging requests %v, want one answered 201", log)
			}

			// GET into a new file, through QueryContext: no rows.
			out := filepath.Join(e.local, "sub", "out.csv")
			os.Mkdir(filepath.Dir(out), 0o755)
			rows, err := db.QueryContext(ctx, "GET '"+volume+"d/in.csv' TO '"+out+"'")
			if err != nil {
				t.Fatal(err)
			}
			if rows.Next() {
				t.Error("GET through QueryContext returned a row")
			}
			rows.Close()
			if got, err := os.ReadFile(out); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("GET: local file %d bytes, %v; want %d", len(got), err, len(data))
			}

			// A GET never replaces a file; the file stays as it was.
			os.WriteFile(out, []byte("mine"), 0o644)
			_, err = db.ExecContext(ctx, "GET '"+volume+"d/in.csv' TO '"+out+"'")
			if !errors.Is(err, driver.ErrStagingFileExists) {
				t.Errorf("GET over a file: got %v, want ErrStagingFileExists", err)
			}
			if got, _ := os.ReadFile(out); string(got) != "mine" {
				t.Errorf("GET over a file changed it to %d bytes", len(got))
			}

			// A PUT over a volume file needs OVERWRITE.
			os.WriteFile(src, []byte("v2"), 0o644)
			_, err = db.ExecContext(ctx, "PUT '"+src+"' INTO '"+volume+"d/in.csv'")
			var se *driver.ServerError
			if !errors.As(err, &se) || se.SQLState != "42K04" {
				t.Errorf("PUT over a volume file without OVERWRITE: got %v, want SQLSTATE 42K04", err)
			}
			if _, err := db.ExecContext(ctx, "PUT '"+src+"' INTO '"+volume+"d/in.csv' OVERWRITE"); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(e.volumeFile("d/in.csv")); string(got) != "v2" {
				t.Errorf("PUT OVERWRITE: volume file holds %q, want v2", got)
			}

			if _, err := db.ExecContext(ctx, "REMOVE '"+volume+"d/in.csv'"); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(e.volumeFile("d/in.csv")); !os.IsNotExist(err) {
				t.Errorf("REMOVE: volume file still there (%v)", err)
			}
			_, err = db.ExecContext(ctx, "REMOVE '"+volume+"d/in.csv'")
			if !errors.As(err, &se) || se.SQLState != "42K03" {
				t.Errorf("REMOVE of a missing file: got %v, want SQLSTATE 42K03", err)
			}
			// Every statement's operation is closed.
			if n := e.s.OpenOperations(); n != 0 {
				t.Errorf("%d operations left open", n)
			}
		})
	}
}

// TestStagingLocalPaths: local files outside the allowed directories, by
// path, by ".." or through a symbolic link, and any local file when no
// directory is allowed, are refused before a byte moves.
func TestStagingLocalPaths(t *testing.T) {
	thriftOnly(t, "Volumes staging (TestRESTThriftOnlyFeatures checks the REST error)")
	e := newStagingEnv(t)
	ctx := testCtx(t)
	outside := t.TempDir()
	secretFile := filepath.Join(outside, "secret.txt")
	os.WriteFile(secretFile, []byte("do not upload"), 0o600)
	os.Symlink(secretFile, filepath.Join(e.local, "link-out"))
	os.Symlink(outside, filepath.Join(e.local, "dir-out"))
	os.MkdirAll(filepath.Dir(e.volumeFile("f")), 0o755)
	os.WriteFile(e.volumeFile("f"), []byte("volume"), 0o644)

	db := e.db(t)
	for _, q := range []string{
		"PUT '" + secretFile + "' INTO '" + volume + "x'",
		"PUT '" + e.local + "/../" + filepath.Base(outside) + "/secret.txt' INTO '" + volume + "x'",
		"PUT '" + filepath.Join(e.local, "link-out") + "' INTO '" + volume + "x'",
		"GET '" + volume + "f' TO '" + filepath.Join(e.local, "dir-out", "written") + "'",
		"GET '" + volume + "f' TO '" + filepath.Join(outside, "written") + "'",
	} {
		var id string
		_, err := db.ExecContext(driver.WithStatementIDCallback(ctx, func(s string) { id = s }), q)
		if !errors.Is(err, driver.ErrStagingNotAllowed) {
			t.Errorf("%s: got %v, want ErrStagingNotAllowed", q, err)
		}
		if log := stagingRequests(e.s, id); len(log) != 0 {
			t.Errorf("%s: %d transfers, want none", q, len(log))
		}
	}
	if _, err := os.Stat(e.volumeFile("x")); !os.IsNotExist(err) {
		t.Errorf("a refused PUT reached the volume (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(outside, "written")); !os.IsNotExist(err) {
		t.Errorf("a refused GET wrote outside (%v)", err)
	}

	// No directory allowed: the default.
	plain := open(t, e.s, nil)
	_, err := plain.ExecContext(ctx, "GET '"+volume+"f' TO '"+filepath.Join(e.local, "g")+"'")
	if !errors.Is(err, driver.ErrStagingNotAllowed) || !strings.Contains(err.Error(), "no directory is allowed") {
		t.Errorf("no allowed directory: got %v, want ErrStagingNotAllowed saying none is allowed", err)
	}
}

// TestStagingStreams: a PUT from an io.Reader and a GET to an io.Writer
// given through the context, with no local directory allowed at all.
func TestStagingStreams(t *testing.T) {
	thriftOnly(t, "Volumes staging (TestRESTThriftOnlyFeatures checks the REST error)")
	e := newStagingEnv(t)
	db := open(t, e.s, nil)
	ctx := testCtx(t)
	data := bytes.Repeat([]byte("stream!"), 100_000)
	// A reader that is no io.Seeker, of known size.
	r := io.MultiReader(bytes.NewReader(data[:1000]), bytes.NewReader(data[1000:]))
	put := driver.WithStagingReader(ctx, r, int64(len(data)))
	if _, err := db.ExecContext(put, "PUT '"+driver.StagingInputStream+"' INTO '"+volume+"s/stream.bin'"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(e.volumeFile("s/stream.bin")); !bytes.Equal(got, data) {
		t.Fatalf("uploaded %d bytes, want %d", len(got), len(data))
	}
	var buf bytes.Buffer
	if _, err := db.ExecContext(driver.WithStagingWriter(ctx, &buf), "GET '"+volume+"s/stream.bin' TO '"+driver.StagingOutputStream+"'"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), data) {
		t.Errorf("writer got %d bytes, want %d", buf.Len(), len(data))
	}
	// A stream path without its stream, a stream with a file path.
	_, err := db.ExecContext(ctx, "PUT '"+driver.StagingInputStream+"' INTO '"+volume+"s/none'")
	if !errors.Is(err, driver.ErrStagingStream) {
		t.Errorf("PUT of the input stream without a reader: got %v, want ErrStagingStream", err)
	}
	_, err = db.ExecContext(driver.WithStagingWriter(ctx, &buf), "GET '"+volume+"s/stream.bin' TO 'file.bin'")
	if !errors.Is(err, driver.ErrStagingStream) {
		t.Errorf("GET to a file with a writer: got %v, want ErrStagingStream", err)
	}
}

// TestStagingFaults: failing presigned URLs. 5xx answers are retried; a
// GET cut short resumes with a Range request; a URL that keeps failing
// ends in an error that names the status but not the URL, its signature
// or the header, and leaves no local file.
func TestStagingFaults(t *testing.T) {
	thriftOnly(t, "Volumes staging (TestRESTThriftOnlyFeatures checks the REST error)")
	e := newStagingEnv(t)
	db := e.db(t, "retryMax", "4")
	ctx := testCtx(t)
	data := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	src := filepath.Join(e.local, "in.bin")
	os.WriteFile(src, data, 0o644)

	e.s.InjectFault(emulator.Fault{Method: emulator.Staging, Status: 503, Times: 2})
	var id string
	idCtx := driver.WithStatementIDCallback(ctx, func(s string) { id = s })
	if _, err := db.ExecContext(idCtx, "PUT '"+src+"' INTO '"+volume+"f/in.bin'"); err != nil {
		t.Fatalf("PUT through two 503s: %v", err)
	}
	if log := stagingRequests(e.s, id); len(log) != 3 {
		t.Errorf("PUT: %d transfers, want 3 (two 503s, then the upload)", len(log))
	}
	if got, _ := os.ReadFile(e.volumeFile("f/in.bin")); !bytes.Equal(got, data) {
		t.Fatalf("volume file: %d bytes, want %d", len(got), len(data))
	}

	// A GET cut after half the file resumes, into a writer and into a file.
	e.s.InjectFault(emulator.Fault{Method: emulator.Staging, Truncate: true})
	var buf bytes.Buffer
	if _, err := db.ExecContext(driver.WithStagingWriter(idCtx, &buf), "GET '"+volume+"f/in.bin' TO '"+driver.StagingOutputStream+"'"); err != nil {
		t.Fatalf("GET to a writer, cut short: %v", err)
	}
	if !bytes.Equal(buf.Bytes(), data) {
		t.Errorf("resumed GET wrote %d bytes, want %d", buf.Len(), len(data))
	}
	e.s.InjectFault(emulator.Fault{Method: emulator.Staging, Truncate: true})
	out := filepath.Join(e.local, "resumed.bin")
	if _, err := db.ExecContext(idCtx, "GET '"+volume+"f/in.bin' TO '"+out+"'"); err != nil {
		t.Fatalf("GET to a file, cut short: %v", err)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, data) {
		t.Errorf("resumed file: %d bytes, want %d", len(got), len(data))
	}
	if log := stagingRequests(e.s, id); len(log) != 2 || log[0].Outcome != emulator.OutcomeDropped || log[1].HTTPStatus != 206 {
		t.Errorf("resumed GET: transfers %v, want a dropped one and a 206", log)
	}

	// A URL that keeps failing: the statement fails after retryMax
	// attempts, without a trace of the URL, and no file appears.
	e.s.InjectFault(emulator.Fault{Method: emulator.Staging, Status: 500, Times: -1})
	failed := filepath.Join(e.local, "failed.bin")
	_, err := db.ExecContext(idCtx, "GET '"+volume+"f/in.bin' TO '"+failed+"'")
	var se *driver.StagingStatusError
	if !errors.As(err, &se) || se.StatusCode != 500 {
		t.Fatalf("GET against 500s: got %v, want a StagingStatusError of 500", err)
	}
	if log := stagingRequests(e.s, id); len(log) != 4 {
		t.Errorf("GET against 500s: %d transfers, want 4 (retryMax)", len(log))
	}
	if !strings.Contains(err.Error(), id) || strings.Contains(err.Error(), "sig=") || strings.Contains(err.Error(), "/volumes/") {
		t.Errorf("error %q: want the statement ID and no URL", err)
	}
	if entries, _ := os.ReadDir(e.local); len(entries) != 2 {
		var names []string
		for _, en := range entries {
			names = append(names, en.Name())
		}
		t.Errorf("local directory holds %v, want in.bin and resumed.bin only", names)
	}
	// A refused request (403) is not retried.
	e.s.ClearFaults()
	e.s.InjectFault(emulator.Fault{Method: emulator.Staging, Status: 403})
	_, err = db.ExecContext(idCtx, "REMOVE '"+volume+"f/in.bin'")
	if !errors.As(err, &se) || se.StatusCode != 403 || len(stagingRequests(e.s, id)) != 1 {
		t.Errorf("REMOVE answered 403: %v after %d transfers, want one", err, len(stagingRequests(e.s, id)))
	}
}

// TestStagingWithoutDirectMetadata: a staging statement still running when
// ExecuteStatement answers brings no metadata in its direct results; the
// driver asks GetResultSetMetadata, since the text starts with PUT, and
// performs the transfer. Statements of other text are not asked about.
func TestStagingWithoutDirectMetadata(t *testing.T) {
	thriftOnly(t, "Volumes staging (TestRESTThriftOnlyFeatures checks the REST error)")
	volumes, local := t.TempDir(), t.TempDir()
	s := emulator.Start(t, emulator.WithVolumes(volumes), emulator.WithScript(emulator.Script{
		Match: regexp.MustCompile(`^(\s*PUT|SELECT 42)`),
		Steps: []emulator.Step{{State: emulator.StateRunning, Polls: 1}},
	}))
	db := open(t, s, params("stagingAllowedPaths", local))
	ctx := testCtx(t)
	src := filepath.Join(local, "in.txt")
	os.WriteFile(src, []byte("late metadata"), 0o644)
	var id string
	idCtx := driver.WithStatementIDCallback(ctx, func(s string) { id = s })
	if _, err := db.ExecContext(idCtx, "  PUT '"+src+"' INTO '"+volume+"late.txt'"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(volumes, "main", "default", "vol", "late.txt")); string(got) != "late metadata" {
		t.Errorf("volume file holds %q", got)
	}
	log := s.Requests().ForStatement(id)
	if log.Count(emulator.GetResultSetMetadata) != 1 || log.Count(emulator.Staging) != 1 {
		t.Errorf("requests of the PUT %v, want one GetResultSetMetadata and one transfer", log)
	}
	if _, err := db.ExecContext(idCtx, "SELECT 42"); err != nil {
		t.Fatal(err)
	}
	if n := s.Requests().ForStatement(id).Count(emulator.GetResultSetMetadata); n != 0 {
		t.Errorf("SELECT through ExecContext: %d GetResultSetMetadata calls, want none", n)
	}
}

// patternReader yields n bytes of a repeating pattern, so that a large
// upload needs no buffer of its size.
type patternReader struct{ left int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(b)), p.left)
	for i := range b[:n] {
		b[i] = byte(i % 251)
	}
	p.left -= n
	return int(n), nil
}

// hashWriter hashes what it receives.
type hashWriter struct {
	h hash.Hash
	n int64
}

func (w *hashWriter) Write(b []byte) (int, error) { w.n += int64(len(b)); return w.h.Write(b) }

// BenchmarkStagingHeap moves 200 MB up and down: files PUTs a local file
// and GETs it into a new local file (the transfers of the official
// driver's BenchmarkStagingHeapOfficial in integration/peer), streams PUTs
// from a reader and GETs to a writer. Each reports how far the heap in use
// rose above its level before (sampled every 2 ms, the emulator in the
// same process): the transfers stream, so it stays flat whatever the size.
func BenchmarkStagingHeap(b *testing.B) {
	const size = 200 << 20
	volumes, local := b.TempDir(), b.TempDir()
	s, err := emulator.New(emulator.WithVolumes(volumes))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	db, err := sql.Open("databricks", s.DSN()+"&stagingAllowedPaths="+local)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	src := filepath.Join(local, "src.bin")
	f, err := os.Create(src)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(f, &patternReader{left: size}); err != nil {
		b.Fatal(err)
	}
	f.Close()
	want := sha256.New()
	io.Copy(want, &patternReader{left: size})
	wantSum := fmt.Sprintf("%x", want.Sum(nil))
	exec := func(ctx context.Context, q string) {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	for _, bm := range []struct {
		name string
		run  func()
	}{
		{"files", func() {
			exec(ctx, "PUT '"+src+"' INTO '"+volume+"big/f.bin' OVERWRITE")
			out := filepath.Join(local, "out.bin")
			os.Remove(out)
			exec(ctx, "GET '"+volume+"big/f.bin' TO '"+out+"'")
			if st, err := os.Stat(out); err != nil || st.Size() != size {
				b.Fatalf("downloaded file: %v, %v", st, err)
			}
		}},
		{"streams", func() {
			exec(driver.WithStagingReader(ctx, &patternReader{left: size}, size), "PUT '__input_stream__' INTO '"+volume+"big/s.bin' OVERWRITE")
			hw := &hashWriter{h: sha256.New()}
			exec(driver.WithStagingWriter(ctx, hw), "GET '"+volume+"big/s.bin' TO '__output_stream__'")
			if got := fmt.Sprintf("%x", hw.h.Sum(nil)); hw.n != size || got != wantSum {
				b.Fatalf("downloaded %d bytes, sha256 %s; want %d, %s", hw.n, got, size, wantSum)
			}
		}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			var grow uint64
			for b.Loop() {
				grow = max(grow, heapGrowth(2*time.Millisecond, bm.run))
			}
			b.SetBytes(2 * size)
			b.ReportMetric(float64(grow)/(1<<20), "peak-heap-MiB")
		})
	}
}

// heapGrowth runs run after a GC and returns how far the heap in use rose
// above where it started, sampled every d.
func heapGrowth(d time.Duration, run func()) uint64 {
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		t := time.NewTicker(d)
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
	})
	run()
	close(stop)
	wg.Wait()
	return max(peak.Load(), before.HeapInuse) - before.HeapInuse
}
