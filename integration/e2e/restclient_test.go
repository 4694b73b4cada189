package e2e_test

// The Statement Execution API client (internal/rest) and the result
// scheduler's REST lister (internal/results, Format Chunks) against the
// emulator's REST endpoint: below the driver, so that the transport is
// checked on its own, with the emulator's faults.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/asyncsql/databricks/integration/emulator"
	"github.com/asyncsql/databricks/internal/rest"
	"github.com/asyncsql/databricks/internal/results"
	"github.com/asyncsql/databricks/internal/rpc"
	"github.com/asyncsql/databricks/internal/secret"
)

// restEnv is a REST client of s and its warehouse ID.
type restEnv struct {
	c  *rest.Client
	wh string
	s  *emulator.Server
}

func newRESTEnv(t *testing.T, s *emulator.Server) *restEnv {
	t.Helper()
	base := strings.TrimSuffix(s.URL(), s.HTTPPath())
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c := rest.New(rest.Options{BaseURL: base, HTTPClient: &http.Client{Transport: tr},
		Auth:  rpc.Bearer(secret.NewString(s.Token())),
		Retry: rpc.RetryPolicy{MaxAttempts: 4, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, MaxRetryAfter: 10 * time.Millisecond}})
	return &restEnv{c: c, wh: path.Base(s.HTTPPath()), s: s}
}

// wait polls id until its state is terminal.
func (e *restEnv) wait(t *testing.T, resp *rest.StatementResponse) *rest.StatementResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	for !resp.Status.State.Terminal() {
		time.Sleep(20 * time.Millisecond)
		var err error
		if resp, err = e.c.Status(ctx, resp.StatementID); err != nil {
			t.Fatal(err)
		}
	}
	return resp
}

// readChunks reads a succeeded statement's result through the scheduler,
// its schema from the first file, and returns the first column's values.
func (e *restEnv) readChunks(t *testing.T, resp *rest.StatementResponse) []int64 {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	src := results.Open(t.Context(), results.Config{Format: results.Chunks, StatementID: resp.StatementID,
		Manifest: resp.Manifest, FirstChunk: resp.Result, HTTPClient: &http.Client{Transport: tr},
		Chunk: func(ctx context.Context, i int) (*rest.ResultData, error) { return e.c.Chunk(ctx, resp.StatementID, i) },
	}).(results.SchemaSource)
	defer src.Close(results.CancelFetch)
	if _, err := src.Schema(t.Context()); err != nil {
		t.Fatal(err)
	}
	var out []int64
	for {
		b, err := src.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b.Record.Column(0).(*array.Int64).Int64Values()...)
	}
}

func checkRange(t *testing.T, got []int64, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("%d rows, want %d", len(got), n)
	}
	for i, v := range got {
		if v != int64(i) {
			t.Fatalf("row %d = %d", i, v)
		}
	}
}

func TestRESTClientResults(t *testing.T) {
	s := emulator.Start(t, emulator.WithREST(emulator.RESTOptions{ChunkRows: 1000}))
	e := newRESTEnv(t, s)
	for _, tc := range []struct {
		name        string
		disposition rest.Disposition
		compression rest.Compression
		downloads   int
	}{
		{"links lz4", rest.ExternalLinks, rest.LZ4Frame, 3},
		{"links plain", rest.ExternalLinks, rest.NoCompression, 3},
		{"inline lz4", rest.Inline, rest.LZ4Frame, 0},
		{"inline plain", rest.Inline, rest.NoCompression, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.LinkStats().Served
			resp, err := e.c.Submit(t.Context(), &rest.ExecuteRequest{Statement: "SELECT range AS n FROM range(2500)", WarehouseID: e.wh,
				Disposition: tc.disposition, Format: rest.ArrowStream, Compression: tc.compression,
				WaitTimeout: 10 * time.Second, OnWaitTimeout: rest.Continue})
			if err != nil {
				t.Fatal(err)
			}
			resp = e.wait(t, resp)
			if resp.Status.State != rest.Succeeded || resp.Manifest == nil || resp.Manifest.TotalChunkCount != 3 {
				t.Fatalf("status %+v, manifest %+v", resp.Status, resp.Manifest)
			}
			if resp.Manifest.Compression != tc.compression {
				t.Errorf("result_compression %q, want %q", resp.Manifest.Compression, tc.compression)
			}
			checkRange(t, e.readChunks(t, resp), 2500)
			st := s.LinkStats()
			if n := int(st.Served - before); n != tc.downloads {
				t.Errorf("%d files downloaded, want %d", n, tc.downloads)
			}
			if err := e.c.Close(t.Context(), resp.StatementID); err != nil {
				t.Error(err)
			}
		})
	}
	if st := s.LinkStats(); st.Forbidden != 0 {
		t.Errorf("downloads refused: %+v (a storage request carried the token?)", st)
	}
}

// Async submission, cancel, close and a failure, with their states and
// errors as the client reports them.
func TestRESTClientLifecycle(t *testing.T) {
	s := emulator.Start(t)
	e := newRESTEnv(t, s)
	ctx := t.Context()
	resp, err := e.c.Submit(ctx, &rest.ExecuteRequest{Statement: "SELECT sleep_ms(20000)", WarehouseID: e.wh,
		Format: rest.ArrowStream, Disposition: rest.Inline, WaitTimeout: 0})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status.State.Terminal() {
		t.Fatalf("state %s right after an asynchronous submit", resp.Status.State)
	}
	if err := e.c.Cancel(ctx, resp.StatementID); err != nil {
		t.Fatal(err)
	}
	resp = e.wait(t, resp)
	var ae *rest.Error
	if err := resp.Err("status"); resp.Status.State != rest.Canceled || !errors.As(err, &ae) || ae.StatementID != resp.StatementID {
		t.Fatalf("after cancel: state %s, error %v", resp.Status.State, err)
	}
	if err := e.c.Close(ctx, resp.StatementID); err != nil {
		t.Fatal(err)
	}
	if st, err := e.c.Status(ctx, resp.StatementID); err != nil || st.Status.State != rest.Closed {
		t.Errorf("after close: %v, %v; want CLOSED", st, err)
	}

	failed, err := e.c.Submit(ctx, &rest.ExecuteRequest{Statement: "SELECT * FROM no_such_table", WarehouseID: e.wh, WaitTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	failed = e.wait(t, failed)
	if err := failed.Err("status"); !errors.As(err, &ae) || ae.State != rest.Failed || ae.SQLState == "" || ae.Message == "" {
		t.Errorf("failure: %v (%+v), want FAILED with SQLSTATE and message", err, ae)
	}

	if _, err := e.c.Status(ctx, "00000000-0000-0000-0000-000000000000"); !errors.As(err, &ae) || !ae.NotFound() {
		t.Errorf("unknown statement: %v, want HTTP 404", err)
	}
	_, err = e.c.Submit(ctx, &rest.ExecuteRequest{Statement: "SELECT 1", WarehouseID: e.wh, Parameters: []rest.Parameter{{}}})
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest {
		t.Errorf("bad parameter: %v, want HTTP 400", err)
	}
}

// The retry rules against the emulator's faults: a 503 before processing
// sends the submit again; a reply lost after processing does not (one
// statement ran); a status reply cut short is asked again; a download
// refused with 403 refreshes its link from the chunk.
func TestRESTClientFaults(t *testing.T) {
	s := emulator.Start(t, emulator.WithREST(emulator.RESTOptions{ChunkRows: 500}))
	e := newRESTEnv(t, s)
	ctx := t.Context()
	submit := func() (*rest.StatementResponse, error) {
		return e.c.Submit(ctx, &rest.ExecuteRequest{Statement: "SELECT range AS n FROM range(1500)", WarehouseID: e.wh,
			Disposition: rest.ExternalLinks, Format: rest.ArrowStream, WaitTimeout: 10 * time.Second})
	}

	must(t, s.InjectFault(emulator.Fault{Method: emulator.RESTSubmit, Status: http.StatusServiceUnavailable, RetryAfter: time.Second}))
	s.ResetRequests()
	resp, err := submit()
	if err != nil {
		t.Fatalf("submit after a 503: %v", err)
	}
	if n := s.Requests().Count(emulator.RESTSubmit); n != 2 {
		t.Errorf("%d submits, want 2 (the 503, then the statement)", n)
	}

	s.ClearFaults()
	must(t, s.InjectFault(emulator.Fault{Method: emulator.RESTSubmit, DropResponse: true}))
	s.ResetRequests()
	if _, err := submit(); err == nil {
		t.Error("a submit whose reply was lost succeeded")
	}
	if n := s.Requests().Count(emulator.RESTSubmit); n != 1 {
		t.Errorf("%d submits after a lost reply, want 1: never repeated blindly", n)
	}

	s.ClearFaults()
	must(t, s.InjectFault(emulator.Fault{Method: emulator.RESTStatus, Truncate: true}))
	s.ResetRequests()
	if _, err := e.c.Status(ctx, resp.StatementID); err != nil {
		t.Errorf("status after a cut reply: %v", err)
	}
	if n := s.Requests().Count(emulator.RESTStatus); n != 2 {
		t.Errorf("%d status calls, want 2", n)
	}

	s.ClearFaults()
	must(t, s.InjectFault(emulator.Fault{Method: emulator.Download, Skip: 1, Status: http.StatusForbidden}))
	s.ResetRequests()
	checkRange(t, e.readChunks(t, resp), 1500)
	if n := s.Requests().Count(emulator.RESTChunk); n != 3 {
		t.Errorf("%d chunk calls, want 3 (chunks 1 and 2, one refresh)", n)
	}
	s.ClearFaults()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
