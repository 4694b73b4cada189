package driver

import (
	"fmt"
	"testing"
	"time"

	"github.com/asyncsql/databricks/internal/rpctest"
	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// testEnv is a connector wired to a fake server.
type testEnv struct {
	fake *tclitest.Server
	c    *Connector
}

// newHTTPEnv runs the fake behind httptest and the real RPC client.
func newHTTPEnv(t *testing.T, proto tcli.TProtocolVersion, mod ...func(*Config)) *testEnv {
	t.Helper()
	f := tclitest.New(proto)
	cfg := testConfig(mod...)
	c := newConnector(cfg, rpctest.OverHTTP(t, f))
	t.Cleanup(func() { c.Close() })
	return &testEnv{fake: f, c: c}
}

// newBubbleEnv is newHTTPEnv without a network: the real RPC client reaches
// the fake through its in-process transport, so that the test can run in a
// synctest bubble.
func newBubbleEnv(t *testing.T, proto tcli.TProtocolVersion, mod ...func(*Config)) *testEnv {
	t.Helper()
	f := tclitest.New(proto)
	cfg := testConfig(mod...)
	c := newConnector(cfg, rpctest.InProcess(f))
	t.Cleanup(func() { c.Close() })
	return &testEnv{fake: f, c: c}
}

// newDirectEnv uses the fake directly as the service (no HTTP), for synctest.
func newDirectEnv(proto tcli.TProtocolVersion, mod ...func(*Config)) *testEnv {
	f := tclitest.New(proto)
	cfg := testConfig(mod...)
	return &testEnv{fake: f, c: newConnector(cfg, f)}
}

// testConfig is the Config of the tests: Arrow and LZ4, fast polls, with
// the changes of mod.
func testConfig(mod ...func(*Config)) *Config {
	cfg := &Config{
		Host: "127.0.0.1", Port: 443, HTTPPath: "/sql/1.0/warehouses/test",
		UseArrow: true, UseLZ4: true, MaxRows: 1000,
		PollMin: time.Millisecond, PollMax: 4 * time.Millisecond,
	}
	for _, m := range mod {
		m(cfg)
	}
	return cfg
}

// operation returns the fake's state of the statement with ID id.
func (e *testEnv) operation(id string) tclitest.Operation {
	op, _ := e.fake.Operation(id)
	return op
}

func (e *testEnv) String() string { return fmt.Sprintf("fake(%d)", e.fake.Protocol()) }
