package staging

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asyncsql/databricks/internal/backoff"
	"github.com/asyncsql/databricks/internal/secret"
)

const (
	testSig    = "sig-0123456789abcdef"
	testHeader = "X-Required-Key"
	testValue  = "header-secret-value"
)

// store is a fake object store: it holds objects by path, checks the
// signature query and the required header, refuses an Authorization
// header, serves ranges, and fails the requests fail says to.
type store struct {
	mu      sync.Mutex
	objects map[string][]byte
	// fail is asked about every request (the count so far of its method);
	// a non-zero status is answered instead, -1 cuts a GET body short.
	fail    func(method string, n int) int
	counts  map[string]int
	headers []http.Header
}

func newStore(t *testing.T) (*store, *httptest.Server) {
	s := &store{objects: map[string][]byte{}, counts: map[string]int{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

func (s *store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.counts[r.Method]++
	n := s.counts[r.Method]
	s.headers = append(s.headers, r.Header.Clone())
	fail := s.fail
	s.mu.Unlock()
	if r.URL.Query().Get("sig") != testSig || r.Header.Get(testHeader) != testValue {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, "<Error><Code>SignatureDoesNotMatch</Code><SignatureProvided>"+r.URL.Query().Get("sig")+"</SignatureProvided></Error>")
		return
	}
	if r.Header.Get("Authorization") != "" {
		http.Error(w, "no Authorization", http.StatusBadRequest)
		return
	}
	status := 0
	if fail != nil {
		status = fail(r.Method, n)
	}
	if status > 0 {
		io.Copy(io.Discard, r.Body)
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "0")
		}
		w.WriteHeader(status)
		return
	}
	switch r.Method {
	case http.MethodPut:
		if r.ContentLength < 0 {
			w.WriteHeader(http.StatusLengthRequired)
			return
		}
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		s.mu.Lock()
		s.objects[r.URL.Path] = b
		s.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	case http.MethodGet:
		s.mu.Lock()
		b, ok := s.objects[r.URL.Path]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		if status == -1 {
			// Announce all, send half, cut the connection.
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			w.WriteHeader(http.StatusOK)
			w.Write(b[:len(b)/2])
			panic(http.ErrAbortHandler)
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
	case http.MethodDelete:
		s.mu.Lock()
		_, ok := s.objects[r.URL.Path]
		delete(s.objects, r.URL.Path)
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *store) count(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[method]
}

// instruction is the instruction of op on the store's object path.
func instruction(srv *httptest.Server, op Op, path, local string) *Instruction {
	return &Instruction{Op: op, URL: secret.NewString(srv.URL + path + "?sig=" + testSig),
		Headers: map[string]secret.String{testHeader: secret.NewString(testValue)}, LocalFile: local}
}

// fastClient retries quickly.
func fastClient(dirs ...string) *Client {
	return &Client{Dirs: dirs, Attempts: 4, Retry: backoff.Policy{Min: time.Millisecond, Max: 5 * time.Millisecond}}
}

func TestPutGetRemove(t *testing.T) {
	st, srv := newStore(t)
	dir := t.TempDir()
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789"), 100_000)
	src := filepath.Join(dir, "in.bin")
	os.WriteFile(src, data, 0o644)
	c := fastClient(dir)

	if err := c.Do(ctx, instruction(srv, Put, "/v/a.bin", src), Streams{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(st.objects["/v/a.bin"], data) {
		t.Fatalf("stored %d bytes, want the %d of the file", len(st.objects["/v/a.bin"]), len(data))
	}
	out := filepath.Join(dir, "out.bin")
	if err := c.Do(ctx, instruction(srv, Get, "/v/a.bin", out), Streams{}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); !bytes.Equal(b, data) {
		t.Fatalf("downloaded %d bytes, want %d", len(b), len(data))
	}
	if err := c.Do(ctx, instruction(srv, Get, "/v/a.bin", out), Streams{}); !errors.Is(err, ErrFileExists) {
		t.Errorf("GET over the file: got %v, want ErrFileExists", err)
	}
	if err := c.Do(ctx, instruction(srv, Remove, "/v/a.bin", ""), Streams{}); err != nil {
		t.Fatal(err)
	}
	if len(st.objects) != 0 {
		t.Errorf("store holds %d objects after REMOVE, want 0", len(st.objects))
	}
	// Exactly the listed header reached the store, never Authorization.
	for _, h := range st.headers {
		if h.Get(testHeader) != testValue || h.Get("Authorization") != "" {
			t.Errorf("request headers %v: want %s and no Authorization", h, testHeader)
		}
	}
	// A REMOVE of what is not there fails (404 on the first attempt).
	var se *StatusError
	if err := c.Do(ctx, instruction(srv, Remove, "/v/a.bin", ""), Streams{}); !errors.As(err, &se) || se.StatusCode != 404 {
		t.Errorf("REMOVE of a missing object: got %v, want HTTP 404", err)
	}
}

func TestStreams(t *testing.T) {
	st, srv := newStore(t)
	ctx := context.Background()
	c := fastClient() // no directory: streams need none
	data := bytes.Repeat([]byte("abc"), 50_000)

	// A plain reader of known size (no io.Seeker).
	r := io.MultiReader(bytes.NewReader(data))
	if err := c.Do(ctx, instruction(srv, Put, "/v/s.bin", InputStream), Streams{Reader: r, Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(st.objects["/v/s.bin"], data) {
		t.Fatalf("stored %d bytes, want %d", len(st.objects["/v/s.bin"]), len(data))
	}
	// A seeker of unknown size, from its current position.
	sr := bytes.NewReader(data)
	sr.Seek(3, io.SeekStart)
	if err := c.Do(ctx, instruction(srv, Put, "/v/t.bin", InputStream), Streams{Reader: sr, Size: -1}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(st.objects["/v/t.bin"], data[3:]) {
		t.Errorf("stored %d bytes, want %d", len(st.objects["/v/t.bin"]), len(data)-3)
	}
	var buf bytes.Buffer
	if err := c.Do(ctx, instruction(srv, Get, "/v/s.bin", OutputStream), Streams{Writer: &buf}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), data) {
		t.Errorf("writer got %d bytes, want %d", buf.Len(), len(data))
	}

	for _, tt := range []struct {
		name string
		in   *Instruction
		st   Streams
	}{
		{"PUT stream without reader", instruction(srv, Put, "/v/x", InputStream), Streams{}},
		{"GET stream without writer", instruction(srv, Get, "/v/s.bin", OutputStream), Streams{}},
		{"reader for a file PUT", instruction(srv, Put, "/v/x", "/tmp/f"), Streams{Reader: strings.NewReader("x"), Size: 1}},
		{"writer for a file GET", instruction(srv, Get, "/v/s.bin", "/tmp/f"), Streams{Writer: &buf}},
		{"unknown size, no seeker", instruction(srv, Put, "/v/x", InputStream), Streams{Reader: io.MultiReader(strings.NewReader("x")), Size: -1}},
		{"reader for a REMOVE", instruction(srv, Remove, "/v/x", ""), Streams{Reader: strings.NewReader("x")}},
	} {
		if err := c.Do(ctx, tt.in, tt.st); !errors.Is(err, ErrStream) {
			t.Errorf("%s: got %v, want ErrStream", tt.name, err)
		}
	}
	// A file path with no directory allowed.
	if err := c.Do(ctx, instruction(srv, Get, "/v/s.bin", filepath.Join(t.TempDir(), "f")), Streams{}); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("GET to a file, no directory allowed: got %v, want ErrNotAllowed", err)
	}
}

// TestRetries: 5xx and 429 are retried (the file body sent whole again);
// a cut GET body resumes by Range; a plain reader is not sent twice; a
// 4xx is final; attempts are bounded.
func TestRetries(t *testing.T) {
	st, srv := newStore(t)
	ctx := context.Background()
	dir := t.TempDir()
	data := bytes.Repeat([]byte("retry"), 40_000)
	src := filepath.Join(dir, "in.bin")
	os.WriteFile(src, data, 0o644)
	c := fastClient(dir)

	st.fail = func(m string, n int) int {
		if n <= 2 {
			return []int{http.StatusServiceUnavailable, http.StatusTooManyRequests}[n-1]
		}
		return 0
	}
	if err := c.Do(ctx, instruction(srv, Put, "/v/r.bin", src), Streams{}); err != nil {
		t.Fatal(err)
	}
	if st.count("PUT") != 3 || !bytes.Equal(st.objects["/v/r.bin"], data) {
		t.Errorf("%d PUTs storing %d bytes, want 3 and %d", st.count("PUT"), len(st.objects["/v/r.bin"]), len(data))
	}

	// The first GET is cut after half the body; the second asks for the
	// rest.
	st.fail = func(m string, n int) int {
		if m == "GET" && n == 1 {
			return -1
		}
		return 0
	}
	var buf bytes.Buffer
	if err := c.Do(ctx, instruction(srv, Get, "/v/r.bin", OutputStream), Streams{Writer: &buf}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), data) {
		t.Errorf("resumed GET wrote %d bytes, want %d", buf.Len(), len(data))
	}
	if h := st.headers[len(st.headers)-1].Get("Range"); h != "bytes="+strconv.Itoa(len(data)/2)+"-" {
		t.Errorf("second GET's Range %q, want bytes=%d-", h, len(data)/2)
	}
	// The same into a file.
	out := filepath.Join(dir, "resumed.bin")
	st.counts["GET"] = 0
	if err := c.Do(ctx, instruction(srv, Get, "/v/r.bin", out), Streams{}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); !bytes.Equal(b, data) {
		t.Errorf("resumed file has %d bytes, want %d", len(b), len(data))
	}

	// A plain reader whose bytes were sent is not retried; the upload fails.
	st.fail = func(m string, n int) int { return http.StatusBadGateway }
	r := io.MultiReader(bytes.NewReader(data))
	err := c.Do(ctx, instruction(srv, Put, "/v/p.bin", InputStream), Streams{Reader: r, Size: int64(len(data))})
	if err == nil || !strings.Contains(err.Error(), "cannot be repeated") {
		t.Errorf("plain reader after a 502: got %v, want a refusal to repeat", err)
	}
	// Attempts are bounded, and the error names the status.
	st.counts["DELETE"] = 0
	err = c.Do(ctx, instruction(srv, Remove, "/v/r.bin", ""), Streams{})
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusBadGateway || st.count("DELETE") != 4 {
		t.Errorf("REMOVE against 502s: %v after %d DELETEs, want HTTP 502 after 4", err, st.count("DELETE"))
	}
	// A 403 is final, and its body (which quotes the signature) stays out.
	st.fail = nil
	st.counts["GET"] = 0
	bad := instruction(srv, Get, "/v/r.bin", OutputStream)
	bad.URL = secret.NewString(srv.URL + "/v/r.bin?sig=tampered-signature-value")
	err = c.Do(ctx, bad, Streams{Writer: io.Discard})
	if !errors.As(err, &se) || se.StatusCode != 403 || se.Code != "SignatureDoesNotMatch" || st.count("GET") != 1 {
		t.Errorf("tampered URL: %v after %d GETs, want one HTTP 403 (SignatureDoesNotMatch)", err, st.count("GET"))
	}
	if strings.Contains(err.Error(), "tampered-signature-value") {
		t.Errorf("error %q quotes the signature", err)
	}
	// REMOVE: a 404 on a retry counts as done (the lost first answer).
	st.objects["/v/gone"] = []byte("x")
	st.counts["DELETE"] = 0
	st.fail = func(m string, n int) int {
		if m == "DELETE" && n == 1 {
			st.mu.Lock()
			delete(st.objects, "/v/gone")
			st.mu.Unlock()
			return http.StatusInternalServerError
		}
		return 0
	}
	if err := c.Do(ctx, instruction(srv, Remove, "/v/gone", ""), Streams{}); err != nil {
		t.Errorf("REMOVE whose first answer was lost: %v", err)
	}
}

// TestTransportErrorRedacted: a failed connection's error quotes neither
// the presigned URL nor the header values.
func TestTransportErrorRedacted(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens any more
	in := &Instruction{Op: Get, URL: secret.NewString(url + "/v/x?X-Amz-Signature=abcdef0123456789secret&X-Amz-Credential=AKIAEXAMPLEKEYID"),
		Headers: map[string]secret.String{"x-amz-server-side-encryption-customer-key": secret.NewString("c2VjcmV0LWtleS12YWx1ZQ==")}, LocalFile: OutputStream}
	err := fastClient().Do(context.Background(), in, Streams{Writer: io.Discard})
	if err == nil {
		t.Fatal("GET to a closed server succeeded")
	}
	for _, s := range []string{"abcdef0123456789secret", "AKIAEXAMPLEKEYID", "c2VjcmV0LWtleS12YWx1ZQ", "X-Amz-Signature"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q quotes %s", err, s)
		}
	}
	if !strings.Contains(err.Error(), "giving up after 4 attempts") {
		t.Errorf("error %q: want the attempts it made", err)
	}
}

// TestCancel: a cancelled context ends the transfer with the context's
// error and leaves no file.
func TestCancel(t *testing.T) {
	st, srv := newStore(t)
	dir := t.TempDir()
	st.objects["/v/slow"] = []byte("x")
	ctx, cancel := context.WithCancel(context.Background())
	st.fail = func(string, int) int { cancel(); return http.StatusServiceUnavailable }
	err := fastClient(dir).Do(ctx, instruction(srv, Get, "/v/slow", filepath.Join(dir, "f")), Streams{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if e, _ := os.ReadDir(dir); len(e) != 0 {
		t.Errorf("directory holds %d entries, want none", len(e))
	}
}

// TestStall: an attempt in which no byte moves for Client.Stall is ended
// and retried: a GET whose body stops midway resumes, a PUT whose answer
// never comes is sent again.
func TestStall(t *testing.T) {
	st, srv := newStore(t)
	dir := t.TempDir()
	data := bytes.Repeat([]byte("stall"), 20_000)
	st.objects["/v/s"] = data
	var hung sync.WaitGroup
	hang := func(w http.ResponseWriter, r *http.Request, part []byte) {
		hung.Add(1)
		defer hung.Done()
		if part != nil {
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
			w.WriteHeader(http.StatusOK)
			w.Write(part)
			http.NewResponseController(w).Flush()
		}
		<-r.Context().Done()
	}
	handler := st.ServeHTTP
	stalls := 0
	var mu sync.Mutex
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		first := stalls < 2 && (r.Method == http.MethodGet && stalls == 0 || r.Method == http.MethodPut && stalls == 1)
		if first {
			stalls++
		}
		mu.Unlock()
		switch {
		case first && r.Method == http.MethodGet:
			hang(w, r, data[:len(data)/3])
		case first:
			io.Copy(io.Discard, r.Body)
			hang(w, r, nil)
		default:
			handler(w, r)
		}
	})
	c := fastClient(dir)
	c.Stall = 50 * time.Millisecond
	var buf bytes.Buffer
	if err := c.Do(context.Background(), instruction(srv, Get, "/v/s", OutputStream), Streams{Writer: &buf}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), data) {
		t.Errorf("GET after a stall wrote %d bytes, want %d", buf.Len(), len(data))
	}
	src := filepath.Join(dir, "in")
	os.WriteFile(src, data, 0o644)
	if err := c.Do(context.Background(), instruction(srv, Put, "/v/p", src), Streams{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(st.objects["/v/p"], data) || stalls != 2 {
		t.Errorf("PUT after a stall stored %d bytes after %d stalls, want %d after 2", len(st.objects["/v/p"]), stalls, len(data))
	}
	hung.Wait()
}
