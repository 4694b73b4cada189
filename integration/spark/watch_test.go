package spark

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// stateWatch is an http.RoundTripper between the driver and Spark that
// decodes the GetOperationStatus replies, so that a test can act once Spark
// reported a state (e.g. cancel a statement Spark runs) instead of after a
// guessed delay.
type stateWatch struct {
	base http.RoundTripper

	mu      sync.Mutex
	running chan struct{} // closed at the first RUNNING_STATE reply
}

// openWatched is openDB with a stateWatch in the driver's transport.
func openWatched(t *testing.T) (*sql.DB, *stateWatch) {
	t.Helper()
	cfg, err := driver.ParseDSN(dsn(t))
	if err != nil {
		t.Fatalf("ParseDSN: %v", err)
	}
	w := &stateWatch{base: http.DefaultTransport.(*http.Transport).Clone()}
	cfg.Transport = w
	c, err := driver.NewConnector(cfg)
	if err != nil {
		t.Fatalf("NewConnector: %v", err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	if err := db.PingContext(testCtx(t)); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	return db, w
}

// Running returns a channel closed once a GetOperationStatus reply said
// RUNNING_STATE after the call; each call starts a new watch.
func (w *stateWatch) Running() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.running = make(chan struct{})
	return w.running
}

// RoundTrip implements http.RoundTripper.
func (w *stateWatch) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := w.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return resp, nil // the driver sees the short body and reports it
	}
	if statusState(body) == tcli.TOperationState_RUNNING_STATE {
		w.mu.Lock()
		if w.running != nil {
			close(w.running)
			w.running = nil
		}
		w.mu.Unlock()
	}
	return resp, nil
}

// statusState is the operation state of a GetOperationStatus reply, -1 for
// any other message.
func statusState(body []byte) tcli.TOperationState {
	in := thrift.NewTMemoryBufferLen(len(body))
	_, _ = in.Write(body)
	p := thrift.NewTBinaryProtocolConf(in, &thrift.TConfiguration{})
	name, typ, _, err := p.ReadMessageBegin(context.Background())
	if err != nil || name != "GetOperationStatus" || typ != thrift.REPLY {
		return -1
	}
	var res tcli.TCLIServiceGetOperationStatusResult
	if err := res.Read(context.Background(), p); err != nil || res.Success == nil || res.Success.OperationState == nil {
		return -1
	}
	return *res.Success.OperationState
}
