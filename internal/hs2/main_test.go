package hs2

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/asyncsql/databricks/internal/backoff"
	"github.com/asyncsql/databricks/internal/rpctest"
	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testOptions are the options of a client under test: Arrow, LZ4 and links
// asked for, fast polls.
func testOptions() Options {
	return Options{
		UseArrow: true, UseLZ4: true, UseCloudFetch: true, MaxRows: 1000,
		Poll: backoff.Policy{Min: time.Millisecond, Max: 4 * time.Millisecond, Factor: 1.5},
	}
}

// direct returns a client calling the fake in-process (synctest allows no
// network); the fake's error statuses then reach the client as replies.
func direct(proto tcli.TProtocolVersion, opts Options) (*Client, *tclitest.Server) {
	f := tclitest.New(proto)
	return New(f, opts), f
}

// overHTTP returns a client calling the fake through httptest and the real
// RPC client, which turns error statuses into *rpc.StatusError.
func overHTTP(t *testing.T, proto tcli.TProtocolVersion, opts Options) (*Client, *tclitest.Server) {
	t.Helper()
	f := tclitest.New(proto)
	c := New(rpctest.OverHTTP(t, f), opts)
	t.Cleanup(c.Close)
	return c, f
}
