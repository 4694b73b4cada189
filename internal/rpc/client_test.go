package rpc

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/stretchr/testify/require"

	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

func TestRoundTrip(t *testing.T) {
	ts := newTestServer(t)
	c, _ := newTestClient(ts.URL, Options{Auth: bearer("tok"), UserAgent: "ua/1"})
	ctx := t.Context()

	resp, err := c.ExecuteStatement(ctx, ts.execReq("SELECT 2"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := uuid.UUID(resp.GetOperationHandle().GetOperationId().GetGUID()).String(), ts.fake.LastStatementID(); got != want {
		t.Errorf("GUID = %q, want %q", got, want)
	}
	if got := tclitest.Received[*tcli.TExecuteStatementReq](ts.fake); len(got) != 1 || got[0].Statement != "SELECT 2" {
		t.Errorf("server saw %v, want one ExecuteStatement of SELECT 2", got)
	}
	h := ts.header(0)
	for k, want := range map[string]string{
		"Content-Type":  "application/x-thrift",
		"User-Agent":    "ua/1",
		"Authorization": "Bearer tok",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}

	// Every method decodes its own result.
	if _, err := c.OpenSession(ctx, &tcli.TOpenSessionReq{}); err != nil {
		t.Error(err)
	}
	if r, err := c.GetOperationStatus(ctx, ts.statusReq()); err != nil || r.GetOperationState() != tcli.TOperationState_FINISHED_STATE {
		t.Errorf("GetOperationStatus: got %v, %v; want FINISHED", r, err)
	}
	if _, err := c.GetResultSetMetadata(ctx, &tcli.TGetResultSetMetadataReq{OperationHandle: ts.op}); err != nil {
		t.Error(err)
	}
	if r, err := c.FetchResults(ctx, &tcli.TFetchResultsReq{OperationHandle: ts.op, MaxRows: 10}); err != nil || r.GetHasMoreRows() {
		t.Errorf("FetchResults: got %v, %v; want the only page", r, err)
	}
	if _, err := c.CancelOperation(ctx, &tcli.TCancelOperationReq{OperationHandle: ts.op}); err != nil {
		t.Error(err)
	}
	if _, err := c.CloseOperation(ctx, &tcli.TCloseOperationReq{OperationHandle: ts.op}); err != nil {
		t.Error(err)
	}
	if _, err := c.CloseSession(ctx, &tcli.TCloseSessionReq{SessionHandle: ts.session}); err != nil {
		t.Error(err)
	}
}

func TestDefaultUserAgent(t *testing.T) {
	ts := newTestServer(t)
	c, _ := newTestClient(ts.URL, Options{})
	if _, err := c.CloseSession(t.Context(), &tcli.TCloseSessionReq{SessionHandle: ts.session}); err != nil {
		t.Fatal(err)
	}
	if got := ts.header(0).Get("User-Agent"); got != DefaultUserAgent {
		t.Errorf("User-Agent = %q, want %q", got, DefaultUserAgent)
	}
	if got := ts.header(0).Get("Authorization"); got != "" {
		t.Errorf("Authorization = %q without an authenticator, want none", got)
	}
}

func TestAuthError(t *testing.T) {
	ts := newTestServer(t)
	c, _ := newTestClient(ts.URL, Options{Auth: failingAuth{}})
	_, err := c.OpenSession(t.Context(), &tcli.TOpenSessionReq{})
	if err == nil || !strings.Contains(err.Error(), "no token") {
		t.Fatalf("err = %v, want the authenticator's error", err)
	}
	if ts.requests() != 0 {
		t.Errorf("%d requests sent without credentials, want none", ts.requests())
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter string
		maxWait    time.Duration
		want       time.Duration
	}{
		{"seconds", "3", 0, 3 * time.Second},
		{"http-date", clockBase.Add(7 * time.Second).Format(http.TimeFormat), 0, 7 * time.Second},
		{"capped", "3600", 30 * time.Second, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.fake.Inject(tclitest.ExecuteStatement, status(http.StatusTooManyRequests, "Retry-After", tt.retryAfter))
			c, clk := newTestClient(ts.URL, Options{Retry: RetryPolicy{MaxRetryAfter: tt.maxWait, Budget: time.Hour}})
			// 429 is retried even for ExecuteStatement.
			if _, err := c.ExecuteStatement(t.Context(), ts.execReq("x")); err != nil {
				t.Fatal(err)
			}
			if got := clk.waits(); len(got) != 1 || got[0] != tt.want {
				t.Errorf("waits = %v, want [%v]", got, tt.want)
			}
		})
	}
}

func TestRetryRules(t *testing.T) {
	type call func(*testServer, *Client) error
	tests := []struct {
		name     string
		method   tclitest.Method
		fault    tclitest.Fault
		call     call
		attempts int // requests made
		ok       bool
	}{
		{"503 ExecuteStatement retried", tclitest.ExecuteStatement, status(503), (*testServer).exec, 2, true},
		{"500 ExecuteStatement not retried", tclitest.ExecuteStatement, status(500), (*testServer).exec, 1, false},
		{"502 FetchResults not retried", tclitest.FetchResults, status(502), (*testServer).fetch, 1, false},
		{"500 GetOperationStatus retried", tclitest.GetOperationStatus, status(500), (*testServer).status, 2, true},
		{"hang-up ExecuteStatement not retried", tclitest.ExecuteStatement, hangUp(), (*testServer).exec, 1, false},
		{"hang-up FetchResults not retried", tclitest.FetchResults, hangUp(), (*testServer).fetch, 1, false},
		{"hang-up CloseOperation retried", tclitest.CloseOperation, hangUp(), (*testServer).close, 2, true},
		{"401 not retried", tclitest.GetOperationStatus, status(401), (*testServer).status, 1, false},
		{"302 not retried", tclitest.GetOperationStatus, status(302, "Location", "/login"), (*testServer).status, 1, false},
		{"garbage not retried", tclitest.GetOperationStatus, body([]byte("<html>oops</html>")), (*testServer).status, 1, false},
		{"502 repeatable FetchResults retried", tclitest.FetchResults, status(502), (*testServer).fetchAt, 2, true},
		{"hang-up repeatable FetchResults retried", tclitest.FetchResults, hangUp(), (*testServer).fetchAt, 2, true},
		{"garbage repeatable FetchResults retried", tclitest.FetchResults, body([]byte("<html>oops</html>")), (*testServer).fetchAt, 2, true},
		{"hang-up repeatable ExecuteStatement retried", tclitest.ExecuteStatement, hangUp(), func(ts *testServer, c *Client) error {
			_, err := c.ExecuteStatement(Repeatable(context.Background()), ts.execReq("x"))
			return err
		}, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.fake.Inject(tt.method, tt.fault)
			c, clk := newTestClient(ts.URL, Options{})
			err := tt.call(ts, c)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want success %v", err, tt.ok)
			}
			if got := ts.requests(); got != tt.attempts {
				t.Errorf("requests = %d, want %d", got, tt.attempts)
			}
			if got := len(clk.waits()); got != tt.attempts-1 {
				t.Errorf("waits = %d, want %d", got, tt.attempts-1)
			}
		})
	}
}

func (ts *testServer) exec(c *Client) error {
	_, err := c.ExecuteStatement(context.Background(), ts.execReq("x"))
	return err
}

func (ts *testServer) fetch(c *Client) error {
	_, err := c.FetchResults(context.Background(), &tcli.TFetchResultsReq{OperationHandle: ts.op})
	return err
}

// fetchAt makes a FetchResults call that names its row, marked repeatable
// as the driver marks it.
func (ts *testServer) fetchAt(c *Client) error {
	off := int64(0)
	_, err := c.FetchResults(Repeatable(context.Background()), &tcli.TFetchResultsReq{OperationHandle: ts.op, StartRowOffset: &off})
	return err
}

func (ts *testServer) status(c *Client) error {
	_, err := c.GetOperationStatus(context.Background(), ts.statusReq())
	return err
}

func (ts *testServer) close(c *Client) error {
	_, err := c.CloseOperation(context.Background(), &tcli.TCloseOperationReq{OperationHandle: ts.op})
	return err
}

func TestHTTPError(t *testing.T) {
	ts := newTestServer(t)
	ts.fake.Inject(tclitest.ExecuteStatement, status(500,
		"X-Databricks-Reason-Phrase", "  warehouse\r\nis gone  ",
		"X-Thriftserver-Error-Message", "other"))
	c, _ := newTestClient(ts.URL, Options{})
	err := ts.exec(c)
	var he *HTTPError
	if !errors.As(err, &he) {
		t.Fatalf("err = %#v, want an *HTTPError", err)
	}
	if he.Method != "ExecuteStatement" || he.StatusCode != 500 || he.Reason != "warehouse  is gone" {
		t.Errorf("got %+v, want ExecuteStatement, 500, reason \"warehouse  is gone\"", he)
	}
	if got, want := err.Error(), "rpc: ExecuteStatement: HTTP 500 Internal Server Error: warehouse  is gone"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}

	ts = newTestServer(t)
	ts.fake.Inject(tclitest.ExecuteStatement, status(400, "X-Thriftserver-Error-Message", "bad thing"))
	c, _ = newTestClient(ts.URL, Options{})
	if err := ts.exec(c); !errors.As(err, &he) || he.Reason != "bad thing" {
		t.Errorf("err = %v, want an *HTTPError with reason \"bad thing\"", err)
	}
}

func TestMaxAttempts(t *testing.T) {
	ts := newTestServer(t)
	ts.fake.Inject(tclitest.GetOperationStatus, status(503), status(503), status(503), status(503))
	c, clk := newTestClient(ts.URL, Options{Retry: RetryPolicy{MaxAttempts: 3, MinBackoff: time.Second, MaxBackoff: 3 * time.Second}})
	err := ts.status(c)
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 503 {
		t.Fatalf("err = %v, want the last 503", err)
	}
	if got := ts.requests(); got != 3 {
		t.Errorf("requests = %d, want 3", got)
	}
	// Full jitter at its largest: 1s, then 2s.
	want := []time.Duration{time.Second, 2 * time.Second}
	if got := clk.waits(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("waits = %v, want %v", got, want)
	}
}

func TestBudget(t *testing.T) {
	ts := newTestServer(t)
	for range 10 {
		ts.fake.Inject(tclitest.GetOperationStatus, status(503))
	}
	c, clk := newTestClient(ts.URL, Options{Retry: RetryPolicy{MaxAttempts: 10, MinBackoff: 400 * time.Millisecond, MaxBackoff: time.Minute, Budget: time.Second}})
	if err := ts.status(c); err == nil {
		t.Fatal("got no error, want the 503 once the budget is spent")
	}
	// Waits of 400ms then 800ms would end 1.2s after the start.
	if got := ts.requests(); got != 2 {
		t.Errorf("requests = %d, want 2", got)
	}
	if got := clk.waits(); len(got) != 1 {
		t.Errorf("waits = %v, want one", got)
	}
}

func TestDeadlineShorterThanWait(t *testing.T) {
	ts := newTestServer(t)
	ts.fake.Inject(tclitest.GetOperationStatus, status(503, "Retry-After", "30"))
	c, clk := newTestClient(ts.URL, Options{})
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(time.Hour))
	defer cancel()
	// The fake clock is in 2026-01-02, far before the deadline; move it close.
	clk.t = time.Now().Add(time.Hour - 10*time.Second)
	_, err := c.GetOperationStatus(ctx, ts.statusReq())
	var he *HTTPError
	if !errors.As(err, &he) || he.RetryAfter != 30*time.Second {
		t.Fatalf("err = %v, want the 503 with its Retry-After of 30s", err)
	}
	if len(clk.waits()) != 0 {
		t.Errorf("waited %v past the deadline, want no wait", clk.waits())
	}
}

func TestContextCanceledWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := tclitest.New(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
		_, op := fake.Start(t, "SELECT 1")
		fake.Inject(tclitest.GetOperationStatus, status(503))
		c := New(Options{URL: "http://warehouse.invalid/sql", HTTPClient: &http.Client{Transport: fake.Transport()},
			Retry: RetryPolicy{MinBackoff: time.Hour, MaxBackoff: time.Hour, Budget: 2 * time.Hour}})
		c.randN = func(n int64) int64 { return n - 1 }
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.GetOperationStatus(ctx, &tcli.TGetOperationStatusReq{OperationHandle: op})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if d := time.Since(start); d != 50*time.Millisecond {
			t.Errorf("returned after %v, want 50ms: when the context ended, an hour before the retry", d)
		}
	})
}

func TestContextCanceledBeforeCall(t *testing.T) {
	ts := newTestServer(t)
	c, _ := newTestClient(ts.URL, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.OpenSession(ctx, &tcli.TOpenSessionReq{})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "OpenSession") {
		t.Fatalf("err = %v, want context.Canceled naming OpenSession", err)
	}
}

func TestDialErrorRetriedForEveryMethod(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close()
	c, clk := newTestClient(url, Options{Retry: RetryPolicy{MaxAttempts: 3}})
	_, err = c.ExecuteStatement(context.Background(), &tcli.TExecuteStatementReq{Statement: "x"})
	if err == nil || !strings.Contains(err.Error(), "ExecuteStatement") {
		t.Fatalf("err = %v, want an error naming ExecuteStatement", err)
	}
	if got := len(clk.waits()); got != 2 {
		t.Errorf("waits = %d, want 2", got)
	}
	if !NotProcessed(err) {
		t.Errorf("NotProcessed(%v) = false, want true", err)
	}
}

func TestNotProcessed(t *testing.T) {
	for _, tt := range []struct {
		f    tclitest.Fault
		want bool
	}{
		{status(503), true},
		{status(429), true},
		{status(500), false},
		{hangUp(), false},
		{body([]byte("junk")), false},
	} {
		ts := newTestServer(t)
		ts.fake.Inject(tclitest.ExecuteStatement, tt.f)
		c, _ := newTestClient(ts.URL, Options{Retry: RetryPolicy{MaxAttempts: 1}})
		if err := ts.exec(c); NotProcessed(err) != tt.want {
			t.Errorf("NotProcessed(%v) = %v, want %v", err, !tt.want, tt.want)
		}
	}
	if NotProcessed(nil) || NotProcessed(context.Canceled) {
		t.Error("NotProcessed of nil or context.Canceled = true, want false")
	}
}

func TestApplicationException(t *testing.T) {
	ts := newTestServer(t)
	ts.fake.Inject(tclitest.ExecuteStatement, tclitest.Fault{Err: errors.New("handler exploded")})
	c, _ := newTestClient(ts.URL, Options{})
	err := ts.exec(c)
	var ae thrift.TApplicationException
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want a TApplicationException", err)
	}
	if !strings.Contains(err.Error(), "ExecuteStatement") {
		t.Errorf("err = %v, want it to name ExecuteStatement", err)
	}
	if ts.requests() != 1 {
		t.Errorf("requests = %d, want 1", ts.requests())
	}
}

func TestStatusError(t *testing.T) {
	msg, state := "Table not found", "42P01"
	for _, code := range []tcli.TStatusCode{tcli.TStatusCode_ERROR_STATUS, tcli.TStatusCode_INVALID_HANDLE_STATUS} {
		st := &tcli.TStatus{StatusCode: code, ErrorMessage: &msg, SqlState: &state}
		ts := newTestServer(t)
		ts.fake.Inject(tclitest.ExecuteStatement, tclitest.Fault{Status: st})
		c, _ := newTestClient(ts.URL, Options{})
		resp, err := c.ExecuteStatement(t.Context(), ts.execReq("x"))
		var se *StatusError
		if !errors.As(err, &se) {
			t.Fatalf("err = %v, want a *StatusError", err)
		}
		if resp == nil || resp.GetStatus().GetStatusCode() != code {
			t.Errorf("resp = %v, want the response with status %v", resp, code)
		}
		if se.Method != "ExecuteStatement" || se.InvalidHandle() != (code == tcli.TStatusCode_INVALID_HANDLE_STATUS) {
			t.Errorf("got %+v, want ExecuteStatement, invalid handle %v", se, code == tcli.TStatusCode_INVALID_HANDLE_STATUS)
		}
		if !strings.Contains(se.Error(), msg) || !strings.Contains(se.Error(), state) {
			t.Errorf("Error() = %q, want the message and SQLSTATE", se.Error())
		}
	}
	// SUCCESS_WITH_INFO and STILL_EXECUTING are not errors.
	st := &tcli.TStatus{StatusCode: tcli.TStatusCode_SUCCESS_WITH_INFO_STATUS}
	ts := newTestServer(t)
	ts.fake.Inject(tclitest.ExecuteStatement, tclitest.Fault{Status: st})
	c, _ := newTestClient(ts.URL, Options{})
	if _, err := c.ExecuteStatement(t.Context(), ts.execReq("x")); err != nil {
		t.Error(err)
	}
}

// reply encodes a reply message with the given header and payload.
func reply(t testing.TB, name string, typ thrift.TMessageType, seqID int32, payload thrift.TStruct) []byte {
	t.Helper()
	var buf bytes.Buffer
	ctx := context.Background()
	p := thrift.NewTBinaryProtocolConf(&thrift.TMemoryBuffer{Buffer: &buf}, thriftConf)
	if err := p.WriteMessageBegin(ctx, name, typ, seqID); err != nil {
		t.Fatal(err)
	}
	if err := payload.Write(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteMessageEnd(ctx); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestBadReplies(t *testing.T) {
	ok := &tcli.TCLIServiceGetOperationStatusResult{Success: &tcli.TGetOperationStatusResp{Status: tclitest.OK()}}
	tests := []struct {
		name string
		body []byte
	}{
		{"empty", nil},
		{"garbage", []byte("\x80\x01\x00\x02\xff\xff\xff\xffxyz")},
		{"no result", reply(t, "GetOperationStatus", thrift.REPLY, 1, &tcli.TCLIServiceGetOperationStatusResult{})},
		{"wrong method", reply(t, "FetchResults", thrift.REPLY, 1, ok)},
		{"wrong seqid", reply(t, "GetOperationStatus", thrift.REPLY, 99, ok)},
		{"call type", reply(t, "GetOperationStatus", thrift.CALL, 1, ok)},
		{"truncated", reply(t, "GetOperationStatus", thrift.REPLY, 1, ok)[:20]},
		{"missing required status", reply(t, "GetOperationStatus", thrift.REPLY, 1,
			&tcli.TCLIServiceGetOperationStatusResult{Success: &tcli.TGetOperationStatusResp{}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.fake.Inject(tclitest.GetOperationStatus, body(tt.body))
			c, _ := newTestClient(ts.URL, Options{})
			resp, err := c.GetOperationStatus(t.Context(), ts.statusReq())
			if err == nil || resp != nil {
				t.Fatalf("resp, err = %v, %v; want no response and an error", resp, err)
			}
			if !errors.Is(err, errMalformedReply) {
				t.Errorf("err = %v, want a malformed reply", err)
			}
			if ts.requests() != 1 {
				t.Errorf("requests = %d, want 1", ts.requests())
			}
		})
	}
}

func TestLogging(t *testing.T) {
	var out bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ts := newTestServer(t)
	ts.fake.Inject(tclitest.ExecuteStatement, status(503))
	c, _ := newTestClient(ts.URL, Options{Auth: bearer("dapi-secret-token"), Logger: logger})
	if _, err := c.ExecuteStatement(t.Context(), ts.execReq("SELECT secret_column")); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"method=ExecuteStatement", "attempt=1", "attempt=2", "503", "duration="} {
		if !strings.Contains(s, want) {
			t.Errorf("log lacks %q:\n%s", want, s)
		}
	}
	for _, bad := range []string{"dapi-secret-token", "Bearer", "secret_column"} {
		if strings.Contains(s, bad) {
			t.Errorf("log contains %q:\n%s", bad, s)
		}
	}
}

func TestConcurrentCalls(t *testing.T) {
	ts := newTestServer(t)
	c, _ := newTestClient(ts.URL, Options{})
	errs := make(chan error, 20)
	for range 20 {
		go func() { errs <- ts.status(c) }()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestDecodeReplySlicesBinaryValues(t *testing.T) {
	a, b := bytes.Repeat([]byte{1}, 1000), bytes.Repeat([]byte{2}, 700)
	body := reply(t, "FetchResults", thrift.REPLY, 1, &tcli.TCLIServiceFetchResultsResult{
		Success: &tcli.TFetchResultsResp{Status: tclitest.OK(), Results: &tcli.TRowSet{
			ArrowBatches: []*tcli.TSparkArrowBatch{{Batch: a, RowCount: 1}, {Batch: b, RowCount: 1}},
		}},
	})
	var res tcli.TCLIServiceFetchResultsResult
	require.NoError(t, decodeReply(body, "FetchResults", 1, &res))
	got := res.Success.Results.ArrowBatches
	require.Len(t, got, 2)
	require.Equal(t, a, got[0].Batch)
	require.Equal(t, b, got[1].Batch)
	require.Equal(t, len(got[0].Batch), cap(got[0].Batch), "capacity clipped")
	_ = append(got[0].Batch, 9)
	require.Equal(t, b, got[1].Batch, "appending to one value leaves the next intact")

	// A binary value longer than what is left of the reply is an error.
	cut := body[:len(body)-800]
	var short tcli.TCLIServiceFetchResultsResult
	err := decodeReply(cut, "FetchResults", 1, &short)
	require.ErrorIs(t, err, errMalformedReply)
}

func TestReadBody(t *testing.T) {
	reply := func(body string, length int64) *http.Response {
		return &http.Response{ContentLength: length, Body: io.NopCloser(strings.NewReader(body))}
	}
	got, err := readBody(reply("abcdef", 6))
	require.NoError(t, err)
	require.Equal(t, "abcdef", string(got))
	require.Equal(t, 6, cap(got), "announced size: one exact allocation")
	got, err = readBody(reply("abcdef", -1)) // chunked: size unknown
	require.NoError(t, err)
	require.Equal(t, "abcdef", string(got))
	_, err = readBody(reply("abc", 6)) // shorter than announced
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	_, err = readBody(reply("", 0))
	require.NoError(t, err)
}

// An announced length is not trusted further than the prealloc bound: a
// reply that claims a gigabyte and carries a few bytes costs a few bytes.
func TestReadExactBoundsAllocation(t *testing.T) {
	for _, tt := range []struct {
		body     string
		n        int64
		prealloc int
		wantErr  error
	}{
		{"abcdefghij", 10, 4, nil},
		{"abcdefghij", 10, 16, nil},
		{"abc", 1 << 30, 8, io.ErrUnexpectedEOF},
		{"abcdefghij", 5, 2, nil}, // only the announced bytes are read
	} {
		got, err := readExact(strings.NewReader(tt.body), tt.n, tt.prealloc)
		if tt.wantErr != nil {
			require.ErrorIs(t, err, tt.wantErr)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tt.body[:tt.n], string(got))
		require.Equal(t, int(tt.n), cap(got), "the buffer ends at the announced size")
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _ = readExact(strings.NewReader("short"), 1<<30, 8<<20)
	runtime.ReadMemStats(&after)
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(16<<20), "bytes allocated for a 5-byte reply announcing 1 GiB")
}
