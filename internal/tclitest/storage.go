package tclitest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/pierrec/lz4/v4"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// Storage is an object store for result files, behind httptest or in
// process: the target of presigned result links. A file is served at /<id> only to a request
// with the header X-Sig: <id> (the link's HttpHeaders carry it), as a
// presigned URL is valid only with its signature; any other request is
// refused with 403. Faults are set per file and consumed in order.
type Storage struct {
	t   testing.TB
	srv *httptest.Server

	mu      sync.Mutex
	files   map[string][]byte
	expired map[string]bool // answered 403 once
	fail    map[string]int  // answers 503 this many times
	trunc   map[string]int  // sends half the body this many times
	stall   map[string]int  // sends half the body and stalls this many times
	// holdHead and holdBody make a file's answer wait for a channel to be
	// closed: before anything is sent, or after the status line and
	// headers.
	holdHead, holdBody map[string]<-chan struct{}
	latency            time.Duration
	lz4                []lz4.Option

	conc, maxConc, gets, served atomic.Int64
	sawAuth                     atomic.Bool
}

// Compression says whether a stored file is an LZ4 frame.
type Compression bool

// The compressions of a stored file.
const (
	Plain Compression = false
	LZ4   Compression = true
)

// NewStorage starts a storage server behind httptest, closed when the test
// ends.
func NewStorage(t testing.TB) *Storage {
	s := newStorage(t)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// NewLocalStorage returns a storage that serves only in process, through
// its Transport (and Client): it opens no socket, so a testing/synctest
// bubble may create and use it. Its URLs are under http://storage.invalid.
func NewLocalStorage(t testing.TB) *Storage { return newStorage(t) }

func newStorage(t testing.TB) *Storage {
	return &Storage{t: t, files: map[string][]byte{}, expired: map[string]bool{}, fail: map[string]int{},
		trunc: map[string]int{}, stall: map[string]int{}, holdHead: map[string]<-chan struct{}{}, holdBody: map[string]<-chan struct{}{}}
}

// URL is the base URL of the files.
func (s *Storage) URL() string {
	if s.srv == nil {
		return "http://storage.invalid"
	}
	return s.srv.URL
}

// Client returns an HTTP client for the storage (a new one on every call):
// over the network, or in process for a local storage.
func (s *Storage) Client() *http.Client {
	if s.srv == nil {
		return &http.Client{Transport: s.Transport()}
	}
	return s.srv.Client()
}

// SetLatency delays every answer by d, or until the request is abandoned.
func (s *Storage) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// SetLZ4 sets the options of the LZ4 frames File writes (pierrec's
// defaults, 4 MiB blocks, without it).
func (s *Storage) SetLZ4(opts ...lz4.Option) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lz4 = opts
}

// Put stores data as file id, replacing what was there.
func (s *Storage) Put(id string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[id] = data
}

// Data returns the bytes of file id.
func (s *Storage) Data(id string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.files[id]
}

// Delete removes file id: requests for it are answered 404.
func (s *Storage) Delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.files, id)
}

// Expire answers the next request for id with 403, as for a presigned URL
// past its expiry.
func (s *Storage) Expire(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expired[id] = true
}

// Fail answers the next n requests for id with 503.
func (s *Storage) Fail(id string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[id] += n
}

// Truncate answers the next n requests for id with half the body, then
// aborts the connection.
func (s *Storage) Truncate(id string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trunc[id] += n
}

// Stall answers the next n requests for id with half the body, then sends
// nothing until the request is abandoned.
func (s *Storage) Stall(id string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stall[id] += n
}

// HoldHead makes every answer for id wait, before anything is sent, until
// release is closed.
func (s *Storage) HoldHead(id string, release <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holdHead[id] = release
}

// HoldBody makes every answer for id send its status line and headers,
// then wait until release is closed before the body.
func (s *Storage) HoldBody(id string, release <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holdBody[id] = release
}

// Concurrent returns the number of requests being answered now.
func (s *Storage) Concurrent() int64 { return s.conc.Load() }

// MaxConcurrent returns the largest number of requests answered at once.
func (s *Storage) MaxConcurrent() int64 { return s.maxConc.Load() }

// Gets returns the number of requests received.
func (s *Storage) Gets() int64 { return s.gets.Load() }

// Served returns the number of files sent whole.
func (s *Storage) Served() int64 { return s.served.Load() }

// SawAuthorization reports whether any request carried an Authorization
// header (which must never be sent to storage).
func (s *Storage) SawAuthorization() bool { return s.sawAuth.Load() }

func (s *Storage) serve(w http.ResponseWriter, r *http.Request) {
	s.gets.Add(1)
	c := s.conc.Add(1)
	defer s.conc.Add(-1)
	for m := s.maxConc.Load(); c > m && !s.maxConc.CompareAndSwap(m, c); m = s.maxConc.Load() {
	}
	if r.Header.Get("Authorization") != "" {
		s.sawAuth.Store(true)
	}
	id := strings.TrimPrefix(r.URL.Path, "/")
	s.mu.Lock()
	latency := s.latency
	s.mu.Unlock()
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	s.mu.Lock()
	data, ok := s.files[id]
	expired := s.expired[id]
	delete(s.expired, id)
	// One fault per request, in a fixed order, so that faults set together
	// are met one after the other.
	fail := !expired && take(s.fail, id)
	trunc := !expired && !fail && take(s.trunc, id)
	stall := !expired && !fail && !trunc && take(s.stall, id)
	holdHead, holdBody := s.holdHead[id], s.holdBody[id]
	s.mu.Unlock()
	if holdHead != nil {
		select {
		case <-holdHead:
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case !ok:
		http.Error(w, "no such file", http.StatusNotFound)
	case expired || r.Header.Get("X-Sig") != id:
		http.Error(w, "expired", http.StatusForbidden)
	case fail:
		http.Error(w, "busy", http.StatusServiceUnavailable)
	case stall:
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		_, _ = w.Write(data[:len(data)/2])
		_ = http.NewResponseController(w).Flush()
		<-r.Context().Done()
	case trunc:
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		_, _ = w.Write(data[:len(data)/2])
		// Sent, so that the client sees a body cut short rather than a
		// connection closed before the answer (which it may retry).
		_ = http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	default:
		if holdBody != nil {
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
			w.WriteHeader(http.StatusOK)
			_ = http.NewResponseController(w).Flush()
			select {
			case <-holdBody:
			case <-r.Context().Done():
				return
			}
		}
		_, _ = w.Write(data)
		s.served.Add(1)
	}
}

// take consumes one of the n[id] faults left, reporting whether there was
// one.
func take(n map[string]int, id string) bool {
	if n[id] <= 0 {
		return false
	}
	n[id]--
	return true
}

// File stores an Arrow IPC stream of one nullable BIGINT column holding
// vals, in record batches of at most 3 rows, and returns its link for rows
// [start, start+rowCount).
func (s *Storage) File(id string, start, rowCount int64, vals []int64, c Compression) *tcli.TSparkArrowResultLink {
	s.t.Helper()
	var buf bytes.Buffer
	schema := arrow.NewSchema([]arrow.Field{{Name: "stale", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	alloc := memory.NewGoAllocator()
	for i := 0; i < len(vals); i += 3 {
		b := array.NewInt64Builder(alloc)
		b.AppendValues(vals[i:min(i+3, len(vals))], nil)
		arr := b.NewArray()
		rec := array.NewRecordBatch(schema, []arrow.Array{arr}, int64(arr.Len()))
		err := w.Write(rec)
		rec.Release()
		arr.Release()
		b.Release()
		if err != nil {
			s.t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		s.t.Fatal(err)
	}
	data := buf.Bytes()
	if c == LZ4 {
		var out bytes.Buffer
		zw := lz4.NewWriter(&out)
		s.mu.Lock()
		opts := s.lz4
		s.mu.Unlock()
		if err := zw.Apply(opts...); err != nil {
			s.t.Fatal(err)
		}
		if _, err := zw.Write(data); err != nil {
			s.t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			s.t.Fatal(err)
		}
		data = out.Bytes()
	}
	s.Put(id, data)
	return s.Link(id, start, rowCount)
}

// Link returns the presigned link of file id for rows [start,
// start+rowCount), valid for an hour.
func (s *Storage) Link(id string, start, rowCount int64) *tcli.TSparkArrowResultLink {
	return &tcli.TSparkArrowResultLink{FileLink: s.URL() + "/" + id, ExpiryTime: time.Now().Add(time.Hour).Unix(),
		StartRowOffset: start, RowCount: rowCount, BytesNum: int64(len(s.Data(id))), HttpHeaders: map[string]string{"X-Sig": id}}
}
