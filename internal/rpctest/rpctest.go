package rpctest

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/asyncsql/databricks/internal/rpc"
	"github.com/asyncsql/databricks/internal/tclitest"
)

// Retry retries quickly, honouring a Retry-After of up to 2s.
var Retry = rpc.RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxRetryAfter: 2 * time.Second, Budget: 10 * time.Second}

// OverHTTP serves f through httptest and returns the RPC client that calls
// it with Retry. The server closes when the test ends, after the cleanups
// the caller registers later (closing the client's users first).
func OverHTTP(t testing.TB, f *tclitest.Server) *rpc.Client {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return rpc.New(rpc.Options{
		URL:        srv.URL + "/sql/1.0/warehouses/test",
		HTTPClient: srv.Client(),
		Retry:      Retry,
	})
}

// InProcess returns the RPC client that calls f with Retry through f's
// in-process transport: no network, so it runs inside synctest bubbles.
func InProcess(f *tclitest.Server) *rpc.Client {
	return rpc.New(rpc.Options{
		URL:        "http://warehouse.invalid/sql/1.0/warehouses/test",
		HTTPClient: &http.Client{Transport: f.Transport()},
		Retry:      Retry,
	})
}
