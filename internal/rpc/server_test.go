package rpc

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// fakeService is a TCLIService whose replies tests can shape.
type fakeService struct {
	mu         sync.Mutex
	statements []string
	// execStatus, when set, is the status ExecuteStatement replies with.
	execStatus *tcli.TStatus
	// execErr, when set, makes ExecuteStatement fail with a non-Thrift error,
	// which the processor turns into a TApplicationException.
	execErr error
}

func okStatus() *tcli.TStatus { return &tcli.TStatus{StatusCode: tcli.TStatusCode_SUCCESS_STATUS} }

func testHandle() *tcli.TOperationHandle {
	return &tcli.TOperationHandle{
		OperationId:   &tcli.THandleIdentifier{GUID: []byte("0123456789abcdef"), Secret: []byte("secret0123456789")},
		OperationType: tcli.TOperationType_EXECUTE_STATEMENT,
		HasResultSet:  true,
	}
}

func (f *fakeService) OpenSession(context.Context, *tcli.TOpenSessionReq) (*tcli.TOpenSessionResp, error) {
	return &tcli.TOpenSessionResp{Status: okStatus(), ServerProtocolVersion: tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8}, nil
}

func (f *fakeService) CloseSession(context.Context, *tcli.TCloseSessionReq) (*tcli.TCloseSessionResp, error) {
	return &tcli.TCloseSessionResp{Status: okStatus()}, nil
}

func (f *fakeService) ExecuteStatement(_ context.Context, req *tcli.TExecuteStatementReq) (*tcli.TExecuteStatementResp, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statements = append(f.statements, req.Statement)
	if f.execErr != nil {
		return nil, f.execErr
	}
	st := okStatus()
	if f.execStatus != nil {
		st = f.execStatus
	}
	return &tcli.TExecuteStatementResp{Status: st, OperationHandle: testHandle()}, nil
}

func (f *fakeService) GetOperationStatus(context.Context, *tcli.TGetOperationStatusReq) (*tcli.TGetOperationStatusResp, error) {
	state := tcli.TOperationState_FINISHED_STATE
	return &tcli.TGetOperationStatusResp{Status: okStatus(), OperationState: &state}, nil
}

func (f *fakeService) CancelOperation(context.Context, *tcli.TCancelOperationReq) (*tcli.TCancelOperationResp, error) {
	return &tcli.TCancelOperationResp{Status: okStatus()}, nil
}

func (f *fakeService) CloseOperation(context.Context, *tcli.TCloseOperationReq) (*tcli.TCloseOperationResp, error) {
	return &tcli.TCloseOperationResp{Status: okStatus()}, nil
}

func (f *fakeService) GetResultSetMetadata(context.Context, *tcli.TGetResultSetMetadataReq) (*tcli.TGetResultSetMetadataResp, error) {
	return &tcli.TGetResultSetMetadataResp{Status: okStatus()}, nil
}

func (f *fakeService) FetchResults(context.Context, *tcli.TFetchResultsReq) (*tcli.TFetchResultsResp, error) {
	more := false
	return &tcli.TFetchResultsResp{Status: okStatus(), HasMoreRows: &more}, nil
}

// fault answers one request instead of the service; it returns false to let
// the service answer.
type fault func(w http.ResponseWriter, r *http.Request) bool

// testServer runs svc behind a queue of faults, one consumed per request, and
// records the headers of every request.
type testServer struct {
	*httptest.Server
	mu      sync.Mutex
	faults  []fault
	headers []http.Header
}

func newTestServer(t testing.TB, svc tcli.TCLIService, faults ...fault) *testServer {
	t.Helper()
	pf := thrift.NewTBinaryProtocolFactoryConf(thriftConf)
	h := thrift.NewThriftHandlerFunc(tcli.NewTCLIServiceProcessor(svc), pf, pf)
	ts := &testServer{faults: faults}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		ts.headers = append(ts.headers, r.Header.Clone())
		var f fault
		if len(ts.faults) > 0 {
			f, ts.faults = ts.faults[0], ts.faults[1:]
		}
		ts.mu.Unlock()
		if f != nil && f(w, r) {
			return
		}
		h(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// header returns the headers of request i.
func (ts *testServer) header(i int) http.Header {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.headers[i]
}

func (ts *testServer) requests() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.headers)
}

// status is a fault replying with an HTTP status and headers.
func status(code int, kv ...string) fault {
	return func(w http.ResponseWriter, _ *http.Request) bool {
		for i := 0; i+1 < len(kv); i += 2 {
			w.Header().Set(kv[i], kv[i+1])
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte("server error page"))
		return true
	}
}

// hangUp is a fault closing the connection without a reply.
func hangUp(w http.ResponseWriter, _ *http.Request) bool {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
	return true
}

// body is a fault replying 200 with a fixed body.
func body(b []byte) fault {
	return func(w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Content-Type", "application/x-thrift")
		_, _ = w.Write(b)
		return true
	}
}

// fakeClock is the time of a test client; sleeping advances it.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

var clockBase = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.t = c.t.Add(d)
	return nil
}

func (c *fakeClock) waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// newTestClient returns a client of url whose time is a fake clock and whose
// jitter always picks the largest wait.
func newTestClient(url string, o Options) (*Client, *fakeClock) {
	o.URL = url
	c := New(o)
	clk := &fakeClock{t: clockBase}
	c.now, c.sleep = clk.now, clk.sleep
	c.randN = func(n int64) int64 { return n - 1 }
	return c, clk
}

type bearer string

func (b bearer) Authenticate(r *http.Request) error {
	r.Header.Set("Authorization", "Bearer "+string(b))
	return nil
}

type failingAuth struct{}

func (failingAuth) Authenticate(*http.Request) error { return errors.New("no token") }
