package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/asyncsql/databricks/internal/rpc"
	"github.com/asyncsql/databricks/internal/secret"
)

// request is what the fake server received.
type request struct {
	Method, Path string
	Header       http.Header
	Body         string
}

// fake is an httptest server that answers each request with the next
// reply of its script (the last one repeats) and records the requests.
type fake struct {
	*httptest.Server
	mu    sync.Mutex
	reqs  []request
	reply []func(w http.ResponseWriter, r *http.Request)
}

func newFake(t *testing.T, replies ...func(w http.ResponseWriter, r *http.Request)) *fake {
	f := &fake{reply: replies}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		n := len(f.reqs)
		f.reqs = append(f.reqs, request{r.Method, r.URL.Path, r.Header.Clone(), string(b)})
		h := f.reply[min(n, len(f.reply)-1)]
		f.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fake) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.reqs...)
}

// status answers with an HTTP status, headers (name, value, ...) and body.
func status(code int, body string, hdr ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

// ok answers 200 with body.
func ok(body string) func(http.ResponseWriter, *http.Request) { return status(200, body) }

// hangUp closes the connection without a reply.
func hangUp(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// testRetry retries at once (waits and Retry-After capped at a millisecond).
var testRetry = rpc.RetryPolicy{MaxAttempts: 4, MinBackoff: time.Microsecond, MaxBackoff: time.Millisecond, MaxRetryAfter: time.Millisecond}

func newClient(url string, o Options) *Client {
	o.BaseURL = url
	if o.Retry == (rpc.RetryPolicy{}) {
		o.Retry = testRetry
	}
	return New(o)
}

const succeeded = `{"statement_id":"01ef-1","status":{"state":"SUCCEEDED"},
 "manifest":{"format":"ARROW_STREAM","schema":{"column_count":1,"columns":[{"name":"n","position":0,"type_name":"INT","type_text":"INT"}]},
  "result_compression":"LZ4_FRAME","total_chunk_count":2,"chunks":[{"chunk_index":0,"row_offset":0,"row_count":"3"},{"chunk_index":1,"row_offset":3,"row_count":2}],
  "total_row_count":"5","truncated":false},
 "result":{"chunk_index":0,"row_offset":0,"row_count":3,"next_chunk_index":1,"attachment":"QVJST1c="}}`

func TestSubmitRequest(t *testing.T) {
	f := newFake(t, ok(succeeded))
	c := newClient(f.URL, Options{Auth: rpc.Bearer(secret.NewString("dapi-tok")), UserAgent: "ua/1"})
	v := "x"
	resp, err := c.Submit(t.Context(), &ExecuteRequest{
		Statement: "SELECT :a, ?", WarehouseID: "wh1", Catalog: "main", Schema: "s",
		Parameters: []Parameter{{Name: "a", Value: &v, Type: "STRING"}, {Ordinal: 1, Type: "INT"}},
		RowLimit:   10, ByteLimit: 1 << 20, Disposition: ExternalLinks, Format: ArrowStream, Compression: LZ4Frame,
		WaitTimeout: 10 * time.Second, OnWaitTimeout: Continue, QueryTags: []QueryTag{{Key: "team", Value: &v}, {Key: "solo"}},
	})
	require.NoError(t, err)
	reqs := f.requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	require.Equal(t, "POST", r.Method)
	require.Equal(t, "/api/2.0/sql/statements", r.Path)
	require.Equal(t, "Bearer dapi-tok", r.Header.Get("Authorization"))
	require.Equal(t, "ua/1", r.Header.Get("User-Agent"))
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	require.JSONEq(t, `{"statement":"SELECT :a, ?","warehouse_id":"wh1","catalog":"main","schema":"s",
		"parameters":[{"name":"a","value":"x","type":"STRING"},{"ordinal":1,"type":"INT"}],
		"row_limit":10,"byte_limit":1048576,"disposition":"EXTERNAL_LINKS","format":"ARROW_STREAM",
		"result_compression":"LZ4_FRAME","wait_timeout":"10s","on_wait_timeout":"CONTINUE",
		"query_tags":[{"key":"team","value":"x"},{"key":"solo"}]}`, r.Body)

	require.Equal(t, "01ef-1", resp.StatementID)
	require.Equal(t, Succeeded, resp.Status.State)
	require.NoError(t, resp.Err("submit"))
	m := resp.Manifest
	require.Equal(t, LZ4Frame, m.Compression)
	require.Equal(t, Int64(5), m.TotalRowCount)
	require.Equal(t, []ChunkInfo{{0, 0, 3, 0}, {1, 3, 2, 0}}, m.Chunks)
	require.Equal(t, "INT", m.Schema.Columns[0].TypeName)
	require.Equal(t, []byte("ARROW"), resp.Result.Attachment)
	require.Equal(t, 1, *resp.Result.NextChunkIndex)
}

func TestSubmitMinimalSendsWaitTimeout(t *testing.T) {
	f := newFake(t, ok(`{"statement_id":"s","status":{"state":"PENDING"}}`))
	_, err := newClient(f.URL, Options{}).Submit(t.Context(), &ExecuteRequest{Statement: "SELECT 1", WarehouseID: "w"})
	require.NoError(t, err)
	require.JSONEq(t, `{"statement":"SELECT 1","warehouse_id":"w","wait_timeout":"0s"}`, f.requests()[0].Body)
	require.Empty(t, f.requests()[0].Header.Get("Authorization"))
}

func TestSubmitRefusedBeforeSending(t *testing.T) {
	f := newFake(t, ok(`{}`))
	c := newClient(f.URL, Options{})
	for name, req := range map[string]*ExecuteRequest{
		"no statement":   {WarehouseID: "w"},
		"no warehouse":   {Statement: "SELECT 1"},
		"wait too short": {Statement: "SELECT 1", WarehouseID: "w", WaitTimeout: 4 * time.Second},
		"wait too long":  {Statement: "SELECT 1", WarehouseID: "w", WaitTimeout: 51 * time.Second},
		"wait fraction":  {Statement: "SELECT 1", WarehouseID: "w", WaitTimeout: 5500 * time.Millisecond},
	} {
		_, err := c.Submit(t.Context(), req)
		require.ErrorIs(t, err, ErrInvalidRequest, name)
	}
	require.Empty(t, f.requests())
}

func TestCallsPathsAndMethods(t *testing.T) {
	f := newFake(t, ok(`{"statement_id":"a/b","status":{"state":"RUNNING"}}`), ok(`{"chunk_index":2,"row_offset":"7","row_count":1}`), ok(`{}`), ok(`{}`))
	c := newClient(f.URL, Options{})
	ctx := t.Context()
	st, err := c.Status(ctx, "a/b")
	require.NoError(t, err)
	require.Equal(t, Running, st.Status.State)
	require.False(t, st.Status.State.Terminal())
	rd, err := c.Chunk(ctx, "a/b", 2)
	require.NoError(t, err)
	require.Equal(t, Int64(7), rd.RowOffset)
	require.NoError(t, c.Cancel(ctx, "a/b"))
	require.NoError(t, c.Close(ctx, "a/b"))
	var got []string
	for _, r := range f.requests() {
		got = append(got, r.Method+" "+r.Path)
	}
	require.Equal(t, []string{
		"GET /api/2.0/sql/statements/a/b",
		"GET /api/2.0/sql/statements/a/b/result/chunks/2",
		"POST /api/2.0/sql/statements/a/b/cancel",
		"DELETE /api/2.0/sql/statements/a/b",
	}, got)
	_, err = c.Status(ctx, "")
	require.ErrorIs(t, err, ErrInvalidRequest)
	_, err = c.Chunk(ctx, "x", -1)
	require.ErrorIs(t, err, ErrInvalidRequest)
}

func TestStatementIDEscaped(t *testing.T) {
	f := newFake(t, ok(`{"status":{"state":"RUNNING"}}`))
	st, err := newClient(f.URL, Options{}).Status(t.Context(), "a b?c")
	require.NoError(t, err)
	require.Equal(t, "a b?c", st.StatementID, "the ID asked for when the reply names none")
	require.Equal(t, "/api/2.0/sql/statements/a b?c", f.requests()[0].Path)
}

func TestErrorReply(t *testing.T) {
	f := newFake(t, status(400, `{"error_code":"BAD_REQUEST","message":"wait_timeout\u0007 is bad"}`))
	_, err := newClient(f.URL, Options{}).Submit(t.Context(), &ExecuteRequest{Statement: "x", WarehouseID: "w"})
	var ae *Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, &Error{Op: "submit", StatusCode: 400, ErrorCode: "BAD_REQUEST", Message: "wait_timeout  is bad"}, ae)
	require.Equal(t, "rest: submit: HTTP 400 Bad Request: BAD_REQUEST: wait_timeout  is bad", err.Error())

	f = newFake(t, status(404, `not json`, "X-Databricks-Reason-Phrase", "no such statement"))
	_, err = newClient(f.URL, Options{}).Status(t.Context(), "gone")
	require.ErrorAs(t, err, &ae)
	require.True(t, ae.NotFound())
	require.Equal(t, "gone", ae.StatementID)
	require.Equal(t, "no such statement", ae.Message)
	require.Len(t, f.requests(), 1, "a 404 is not retried")
}

func TestFailedStatus(t *testing.T) {
	f := newFake(t, ok(`{"statement_id":"s1","status":{"state":"FAILED","sql_state":"42P01","error":{"error_code":"BAD_REQUEST","message":"[TABLE_OR_VIEW_NOT_FOUND] t"}}}`))
	resp, err := newClient(f.URL, Options{}).Status(t.Context(), "s1")
	require.NoError(t, err, "a failed statement is a reply")
	err = resp.Err("status")
	var ae *Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, &Error{Op: "status", StatementID: "s1", State: Failed, SQLState: "42P01", ErrorCode: "BAD_REQUEST", Message: "[TABLE_OR_VIEW_NOT_FOUND] t"}, ae)
	require.Equal(t, "rest: status of statement s1: statement FAILED: BAD_REQUEST (SQLSTATE 42P01): [TABLE_OR_VIEW_NOT_FOUND] t", err.Error())
	for _, s := range []State{Canceled, Closed} {
		require.Error(t, (&StatementResponse{Status: StatementStatus{State: s}}).Err("status"), s)
	}
}

// TestRetries pins which failures each call retries: 429/503 for every
// call, Retry-After honoured; other 5xx, dropped connections and garbled
// replies only for the calls that may be repeated; Submit never after the
// server may have received it.
func TestRetries(t *testing.T) {
	submit := func(c *Client) error {
		_, err := c.Submit(context.Background(), &ExecuteRequest{Statement: "x", WarehouseID: "w"})
		return err
	}
	statusCall := func(c *Client) error { _, err := c.Status(context.Background(), "s"); return err }
	chunk := func(c *Client) error { _, err := c.Chunk(context.Background(), "s", 0); return err }
	cancel := func(c *Client) error { return c.Cancel(context.Background(), "s") }
	closeCall := func(c *Client) error { return c.Close(context.Background(), "s") }
	good := ok(`{"statement_id":"s","status":{"state":"SUCCEEDED"}}`)
	for _, tc := range []struct {
		name     string
		fail     func(http.ResponseWriter, *http.Request)
		call     func(*Client) error
		attempts int
	}{
		{"submit 429", status(429, `{"error_code":"RESOURCE_EXHAUSTED"}`, "Retry-After", "1"), submit, 2},
		{"submit 503", status(503, ``), submit, 2},
		{"submit 500", status(500, ``), submit, 1},
		{"submit 502", status(502, ``), submit, 1},
		{"submit hang-up", hangUp, submit, 1},
		{"submit garbled", ok(`{"statement_id":`), submit, 1},
		{"status 500", status(500, ``), statusCall, 2},
		{"status hang-up", hangUp, statusCall, 2},
		{"status garbled", ok(`{"status":{"state":`), statusCall, 2},
		{"status 400", status(400, ``), statusCall, 1},
		{"chunk 502", status(502, ``), chunk, 2},
		{"cancel hang-up", hangUp, cancel, 2},
		{"close 500", status(500, ``), closeCall, 2},
		{"close 429", status(429, ``), closeCall, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.fail, good)
			err := tc.call(newClient(f.URL, Options{}))
			require.Len(t, f.requests(), tc.attempts)
			if tc.attempts == 2 {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
				require.False(t, NotProcessed(err))
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	f := newFake(t, status(503, ``, "Retry-After", "7"), ok(`{"statement_id":"s","status":{"state":"PENDING"}}`))
	c := newClient(f.URL, Options{Retry: rpc.RetryPolicy{MaxAttempts: 3, MaxRetryAfter: time.Minute}})
	var waits []time.Duration
	c.sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	_, err := c.Submit(t.Context(), &ExecuteRequest{Statement: "x", WarehouseID: "w"})
	require.NoError(t, err)
	require.Equal(t, []time.Duration{7 * time.Second}, waits)
}

func TestRetriesBounded(t *testing.T) {
	f := newFake(t, status(503, `{"error_code":"TEMPORARILY_UNAVAILABLE","message":"busy"}`))
	_, err := newClient(f.URL, Options{}).Status(t.Context(), "s")
	var ae *Error
	require.ErrorAs(t, err, &ae)
	require.True(t, NotProcessed(err))
	require.Len(t, f.requests(), testRetry.MaxAttempts)

	// A Retry-After beyond the context's deadline ends the call at once.
	f = newFake(t, status(429, ``, "Retry-After", "30"))
	c := newClient(f.URL, Options{Retry: rpc.RetryPolicy{MaxAttempts: 3, MaxRetryAfter: time.Minute}})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err = c.Status(ctx, "s")
	require.ErrorAs(t, err, &ae)
	require.Len(t, f.requests(), 1)
}

// TestSubmitRetriedWhenNotSent: a connection that could not be made sends
// the submit again (the request never left the client).
func TestSubmitRetriedWhenNotSent(t *testing.T) {
	f := newFake(t, ok(`{"statement_id":"s","status":{"state":"PENDING"}}`))
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := closed.Addr().String()
	closed.Close()
	var dials int
	var mu sync.Mutex
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dials++
		n := dials
		mu.Unlock()
		if n == 1 {
			addr = dead
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	defer tr.CloseIdleConnections()
	c := newClient(f.URL, Options{HTTPClient: &http.Client{Transport: tr}})
	_, err = c.Submit(t.Context(), &ExecuteRequest{Statement: "x", WarehouseID: "w"})
	require.NoError(t, err)
	require.Len(t, f.requests(), 1, "one submit reached the server")
	require.Equal(t, 2, dials)
}

func TestContextEnds(t *testing.T) {
	f := newFake(t, status(503, ``))
	ctx, cancel := context.WithCancel(t.Context())
	c := newClient(f.URL, Options{Retry: rpc.RetryPolicy{MaxAttempts: 5, MinBackoff: time.Hour, MaxBackoff: time.Hour, Budget: 10 * time.Hour}})
	c.sleep = func(ctx context.Context, _ time.Duration) error { cancel(); return sleepCtx(ctx, time.Hour) }
	_, err := c.Status(ctx, "s")
	require.ErrorIs(t, err, context.Canceled)
}

func TestReplyBounded(t *testing.T) {
	big := `{"statement_id":"s","status":{"state":"SUCCEEDED"},"result":{"attachment":"` + strings.Repeat("A", 4096) + `"}}`
	f := newFake(t, ok(big))
	c := newClient(f.URL, Options{MaxReply: 1024})
	_, err := c.Status(t.Context(), "s")
	require.ErrorIs(t, err, errReplyTooLarge)
	require.Len(t, f.requests(), 1, "a reply too large is not asked for again")

	// Without a Content-Length (chunked), the limit holds all the same.
	f = newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		w.(http.Flusher).Flush()
		io.WriteString(w, big)
	})
	_, err = newClient(f.URL, Options{MaxReply: 1024}).Chunk(t.Context(), "s", 0)
	require.ErrorIs(t, err, errReplyTooLarge)

	body, err := readReply(strings.NewReader("{}"), 1<<40, 1<<50)
	require.NoError(t, err, "a huge Content-Length reserves no memory of its own")
	require.Equal(t, "{}", string(body))
}

// TestSecretsNeverPrinted: a link's URL and headers, and the token, appear in
// no printed form of a reply nor in any error.
func TestSecretsNeverPrinted(t *testing.T) {
	const url = "https://store.example/f?X-Amz-Signature=sig-0123456789"
	reply := `{"statement_id":"s","status":{"state":"SUCCEEDED"},"result":{"external_links":[{"chunk_index":0,"row_offset":0,"row_count":"4","byte_count":"99",
	  "external_link":"` + url + `","expiration":"2026-12-03T16:00:00.5Z","http_headers":{"x-ms-encryption-key":"key-0123456789"},"next_chunk_index":1}]}}`
	f := newFake(t, ok(reply), status(500, `{"message":"boom"}`))
	c := newClient(f.URL, Options{Auth: rpc.Bearer(secret.NewString("dapi-0123456789")), Retry: rpc.RetryPolicy{MaxAttempts: 1}})
	resp, err := c.Status(t.Context(), "s")
	require.NoError(t, err)
	lk := resp.Result.ExternalLinks[0]
	require.Equal(t, url, lk.URL.Reveal())
	require.Equal(t, "key-0123456789", lk.Headers["x-ms-encryption-key"].Reveal())
	require.Equal(t, time.Date(2026, 12, 3, 16, 0, 0, 5e8, time.UTC), lk.Expiration)
	require.Equal(t, int64(4), lk.RowCount)
	require.Equal(t, int64(99), lk.ByteCount)
	_, err = c.Status(t.Context(), "s")
	require.Error(t, err)
	for _, s := range []string{fmt.Sprintf("%v %+v %#v", resp, *resp.Result, lk), fmt.Sprint(lk.Headers), err.Error()} {
		for _, secretText := range []string{"sig-0123456789", "key-0123456789", "dapi-0123456789"} {
			require.NotContains(t, s, secretText)
		}
	}
	// The wire form round-trips (fakes of the API send links).
	b, err := json.Marshal(lk)
	require.NoError(t, err)
	var back ExternalLink
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, url, back.URL.Reveal())
	require.Equal(t, lk.Expiration, back.Expiration)
}

func TestDecodeErrorsQuoteNoBytes(t *testing.T) {
	for _, reply := range []string{
		`{"result":{"external_links":[{"external_link":"https://x/?sig=secret-0123456789","expiration":"soon-secret-0123456789"}]}}`,
		`{"result":{"row_count":"secret-0123456789"}}`,
		`{"result":{"attachment":"secret-0123456789!"}}`,
		`{"statement_id":"secret-0123456789"} trailing`,
		`{"statement_id":"s","status":{"state":"secret-0123456789`,
	} {
		var r StatementResponse
		err := decodeReply([]byte(reply), &r)
		require.ErrorIs(t, err, errMalformedReply, reply)
		require.NotContains(t, err.Error(), "secret-0123456789", reply)
	}
	var r StatementResponse
	require.True(t, errors.Is(decodeReply([]byte(`{"statement_id":"s"}`), &r), nil))
}
