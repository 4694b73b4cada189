package driver

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestCancelDuringExecute: the context ends while ExecuteStatement is in
// flight. The call returns at once; the reply is read in the background and
// the operation cancelled and closed.
func TestCancelDuringExecute(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	s := intScript(1)
	s.States = []tcli.TOperationState{tcli.TOperationState_RUNNING_STATE}
	s.Block = make(chan struct{})
	e.fake.Script("slow", s)
	db := e.db(t)
	if err := db.PingContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := db.QueryContext(ctx, "slow")
		errc <- err
	}()
	waitFor(t, "ExecuteStatement", func() bool { return e.fake.Count(tclitest.ExecuteStatement) == 2 })
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("QueryContext did not return on cancel")
	}
	close(s.Block)
	e.c.hs.Close()
	op := e.operation(e.fake.LastStatementID())
	if !op.Closed || !op.Canceled {
		t.Fatalf("got %+v, want the operation closed and canceled", op)
	}
}

// TestCancelDuringPolling: the context ends while the statement runs.
func TestCancelDuringPolling(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	s := intScript(1)
	s.States = []tcli.TOperationState{tcli.TOperationState_PENDING_STATE, tcli.TOperationState_RUNNING_STATE}
	e.fake.Script("slow", s)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := e.db(t).ExecContext(ctx, "slow")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	op := e.operation(e.fake.LastStatementID())
	if !op.Closed || !op.Canceled {
		t.Fatalf("got %+v, want the operation closed and canceled", op)
	}
	if n := e.fake.Count(tclitest.CancelOperation); n != 1 {
		t.Fatalf("CancelOperation %d", n)
	}
}

// TestCancelDuringFetch: the context ends while FetchResults is in flight.
func TestCancelDuringFetch(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	schema, p1 := int64Records([]int64{1})
	_, p2 := int64Records([]int64{2})
	e.fake.Script("q", arrowScript(t, tableSchema(colDesc{name: "n", typ: tcli.TTypeId_BIGINT_TYPE}), schema, false, []arrow.RecordBatch{p1[0]}, []arrow.RecordBatch{p2[0]}))
	e.fake.SetLatency(tclitest.FetchResults, 10*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rows, err := e.db(t).QueryContext(ctx, "q")
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatal(rows.Err())
	}
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	for rows.Next() {
	}
	if !errors.Is(rows.Err(), context.Canceled) {
		t.Fatalf("err %v", rows.Err())
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("fetch not interrupted")
	}
	rows.Close()
	waitFor(t, "CloseOperation", func() bool { return e.operation(e.fake.LastStatementID()).Closed })
}

// TestCancelBeforeExecute: a context that is already done sends nothing.
func TestCancelBeforeExecute(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	cn, err := e.c.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer cn.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := cn.(*conn).QueryContext(ctx, "SELECT 1", nil); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if n := e.fake.Count(tclitest.ExecuteStatement); n != 0 {
		t.Fatalf("ExecuteStatement sent %d times", n)
	}
}
