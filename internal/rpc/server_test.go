package rpc

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// testServer is the repository's fake TCLIService behind httptest, holding a
// session and an operation opened in-process before the test starts, so
// that its log holds only the test's own requests.
type testServer struct {
	*httptest.Server
	fake    *tclitest.Server
	session *tcli.TSessionHandle
	op      *tcli.TOperationHandle
}

func newTestServer(t testing.TB) *testServer {
	t.Helper()
	fake := tclitest.New(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	session, op := fake.Start(t, "SELECT 1")
	fake.Drain()
	ts := &testServer{Server: httptest.NewServer(fake), fake: fake, session: session, op: op}
	t.Cleanup(ts.Close)
	return ts
}

// header returns the headers of request i.
func (ts *testServer) header(i int) http.Header { return ts.fake.Log()[i].Header }

// requests returns the number of requests received.
func (ts *testServer) requests() int { return len(ts.fake.Log()) }

func (ts *testServer) execReq(stmt string) *tcli.TExecuteStatementReq {
	return &tcli.TExecuteStatementReq{SessionHandle: ts.session, Statement: stmt}
}

func (ts *testServer) statusReq() *tcli.TGetOperationStatusReq {
	return &tcli.TGetOperationStatusReq{OperationHandle: ts.op}
}

// status is a fault replying with an HTTP status and headers.
func status(code int, kv ...string) tclitest.Fault {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return tclitest.Fault{HTTPStatus: code, Header: h, Body: []byte("server error page")}
}

// hangUp is a fault closing the connection without a reply.
func hangUp() tclitest.Fault { return tclitest.Fault{HangUp: true} }

// body is a fault replying 200 with a fixed body.
func body(b []byte) tclitest.Fault {
	return tclitest.Fault{HTTPStatus: http.StatusOK, Header: http.Header{"Content-Type": {"application/x-thrift"}}, Body: b}
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
