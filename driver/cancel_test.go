package driver

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// TestCancelDuringExecute: the context ends while ExecuteStatement is in
// flight. The call returns at once; the reply is read in the background and
// the operation cancelled and closed.
func TestCancelDuringExecute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newDirectEnv(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
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
		synctest.Wait() // the server holds the ExecuteStatement
		if got := tclitest.Received[*tcli.TExecuteStatementReq](e.fake); len(got) != 2 || got[1].Statement != "slow" {
			t.Fatalf("got %d ExecuteStatement requests, want the ping's and slow's", len(got))
		}
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		close(s.Block)
		e.c.thrift().hs.Close()
		op := e.operation(e.fake.LastStatementID())
		if !op.Closed || !op.Canceled {
			t.Fatalf("got %+v, want the operation closed and canceled", op)
		}
	})
}

// TestCancelDuringPolling: the context ends while the statement runs.
func TestCancelDuringPolling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newDirectEnv(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
		s := intScript(1)
		s.States = []tcli.TOperationState{tcli.TOperationState_PENDING_STATE, tcli.TOperationState_RUNNING_STATE}
		e.fake.Script("slow", s)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := e.db(t).ExecContext(ctx, "slow")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want context.DeadlineExceeded", err)
		}
		synctest.Wait()
		op := e.operation(e.fake.LastStatementID())
		if !op.Closed || !op.Canceled {
			t.Fatalf("got %+v, want the operation closed and canceled", op)
		}
		if n := e.fake.Count(tclitest.CancelOperation); n != 1 {
			t.Fatalf("got %d CancelOperation requests, want 1", n)
		}
	})
}

// TestCancelDuringFetch: the context ends while FetchResults is in flight:
// the read ends at once, and closing the rows closes the operation.
func TestCancelDuringFetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newDirectEnv(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
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
			t.Fatalf("got %v, want context.Canceled", rows.Err())
		}
		if d := time.Since(start); d != 20*time.Millisecond {
			t.Fatalf("the read ended %v after its start, want 20ms (when the context ended)", d)
		}
		rows.Close()
		synctest.Wait()
		if op := e.operation(e.fake.LastStatementID()); !op.Closed {
			t.Fatalf("got %+v, want the operation closed", op)
		}
	})
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
