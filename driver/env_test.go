package driver

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/asyncsql/databricks/internal/rpc"
	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// testEnv is a connector wired to a fake server.
type testEnv struct {
	fake *tclitest.Server
	srv  *httptest.Server
	c    *Connector
}

// newHTTPEnv runs the fake behind httptest and the real RPC client.
func newHTTPEnv(t *testing.T, proto tcli.TProtocolVersion, mod ...func(*Config)) *testEnv {
	t.Helper()
	f := tclitest.New(proto)
	srv := httptest.NewServer(f)
	cfg := testConfig()
	for _, m := range mod {
		m(cfg)
	}
	svc := rpc.New(rpc.Options{
		URL:        srv.URL + "/sql/1.0/warehouses/test",
		HTTPClient: srv.Client(),
		Retry:      testRetry,
	})
	c := newConnector(cfg, svc)
	t.Cleanup(func() {
		c.Close()
		srv.Close()
	})
	return &testEnv{fake: f, srv: srv, c: c}
}

// newBubbleEnv is newHTTPEnv without a network: the real RPC client reaches
// the fake through its in-process transport, so that the test can run in a
// synctest bubble.
func newBubbleEnv(t *testing.T, proto tcli.TProtocolVersion, mod ...func(*Config)) *testEnv {
	t.Helper()
	f := tclitest.New(proto)
	cfg := testConfig()
	for _, m := range mod {
		m(cfg)
	}
	svc := rpc.New(rpc.Options{
		URL:        "http://warehouse.invalid/sql/1.0/warehouses/test",
		HTTPClient: &http.Client{Transport: f.Transport()},
		Retry:      testRetry,
	})
	c := newConnector(cfg, svc)
	t.Cleanup(func() { c.Close() })
	return &testEnv{fake: f, c: c}
}

// testRetry retries quickly, honouring a Retry-After of up to 2s.
var testRetry = rpc.RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxRetryAfter: 2 * time.Second, Budget: 10 * time.Second}

// newDirectEnv uses the fake directly as the service (no HTTP), for synctest.
func newDirectEnv(proto tcli.TProtocolVersion, mod ...func(*Config)) *testEnv {
	f := tclitest.New(proto)
	cfg := testConfig()
	for _, m := range mod {
		m(cfg)
	}
	return &testEnv{fake: f, c: newConnector(cfg, f)}
}

func testConfig() *Config {
	return &Config{
		Host: "127.0.0.1", Port: 443, HTTPPath: "/sql/1.0/warehouses/test",
		UseArrow: true, UseLZ4: true, MaxRows: 1000,
		PollMin: time.Millisecond, PollMax: 4 * time.Millisecond,
	}
}

// operation returns the fake's state of the statement with ID id.
func (e *testEnv) operation(id string) tclitest.Operation {
	op, _ := e.fake.Operation(id)
	return op
}

func (e *testEnv) String() string { return fmt.Sprintf("fake(%d)", e.fake.Protocol()) }
