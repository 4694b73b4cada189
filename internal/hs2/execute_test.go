package hs2

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/asyncsql/databricks/internal/backoff"
	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// open returns a client with an open session on a fake in-process server.
func open(t *testing.T, proto tcli.TProtocolVersion, opts Options) (*Client, *tclitest.Server, *Session) {
	t.Helper()
	c, f := direct(proto, opts)
	t.Cleanup(c.Close)
	s, err := c.OpenSession(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c, f, s
}

// TestBuildExecuteGating: what a statement asks for follows the options and
// the session's protocol.
func TestBuildExecuteGating(t *testing.T) {
	cases := []struct {
		proto                    tcli.TProtocolVersion
		direct, arrow, lz4, link bool
	}{
		{tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, true, true, true, true},
		{tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V5, true, true, false, true},
		{tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V3, true, false, false, true},
		{tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V2, true, false, false, false},
		{tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10, false, false, false, false},
	}
	c := New(nil, testOptions())
	for _, tc := range cases {
		req, err := c.BuildExecute(&Session{Protocol: tc.proto}, "q", ExecOptions{DirectResults: true})
		if err != nil {
			t.Fatal(err)
		}
		got := [4]bool{req.GetDirectResults != nil, req.GetCanReadArrowResult_(), req.GetCanDecompressLZ4Result_(), req.GetCanDownloadResult_()}
		if want := [4]bool{tc.direct, tc.arrow, tc.lz4, tc.link}; got != want {
			t.Errorf("%v: got direct, arrow, lz4, links %v, want %v", tc.proto, got, want)
		}
	}
	params := []*tcli.TSparkParameter{{Name: ptr("x")}}
	_, err := c.BuildExecute(&Session{Protocol: tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V7}, "q", ExecOptions{Params: params})
	if !errors.Is(err, ErrParametersNotSupported) {
		t.Fatalf("parameters below V8: got %v, want ErrParametersNotSupported", err)
	}
	req, err := c.BuildExecute(&Session{Protocol: tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8}, "q", ExecOptions{Params: params})
	if err != nil || len(req.Parameters) != 1 {
		t.Fatalf("parameters at V8: got %v and %d parameters, want 1", err, len(req.Parameters))
	}
}

// TestWaitFollowsPollPolicy checks with the fake clock that the gaps between
// status polls are the steps of Options.Poll.
func TestWaitFollowsPollPolicy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		opts := testOptions()
		opts.Poll = backoff.Policy{Min: 100 * time.Millisecond, Max: 300 * time.Millisecond, Factor: 1.5}
		c, f, s := open(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, opts)
		sc := tclitest.OneInt(1)
		sc.States = []tcli.TOperationState{
			tcli.TOperationState_PENDING_STATE, // direct results
			tcli.TOperationState_RUNNING_STATE,
			tcli.TOperationState_RUNNING_STATE,
			tcli.TOperationState_RUNNING_STATE,
			tcli.TOperationState_RUNNING_STATE,
			tcli.TOperationState_FINISHED_STATE,
		}
		f.Script("q", sc)
		op, err := c.Execute(context.Background(), s, "q", ExecOptions{DirectResults: true})
		if err != nil {
			t.Fatal(err)
		}
		st, err := c.Wait(context.Background(), op)
		if err != nil || st.GetOperationState() != tcli.TOperationState_FINISHED_STATE {
			t.Fatalf("got %v, %v, want FINISHED", st.GetOperationState(), err)
		}
		polls := f.Requests(tclitest.GetOperationStatus)
		want := []time.Duration{100, 150, 225, 300}
		if len(polls) != len(want)+1 {
			t.Fatalf("got %d polls, want %d", len(polls), len(want)+1)
		}
		for i, w := range want {
			if gap := polls[i+1].At.Sub(polls[i].At); gap != w*time.Millisecond {
				t.Errorf("gap %d: got %v, want %vms", i+1, gap, int64(w))
			}
		}
		if err := c.Outcome(st, op.ID); err != nil {
			t.Fatalf("Outcome of FINISHED: got %v, want nil", err)
		}
	})
}

// TestWaitCancelsOnContext: a statement still running when ctx ends is
// cancelled and closed, and Wait returns ctx's error.
func TestWaitCancelsOnContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, f, s := open(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, testOptions())
		sc := tclitest.OneInt(1)
		sc.States = []tcli.TOperationState{tcli.TOperationState_RUNNING_STATE}
		f.Script("q", sc)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		op, err := c.Execute(ctx, s, "q", ExecOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Wait(ctx, op); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want context.DeadlineExceeded", err)
		}
		if got, _ := f.Operation(op.ID); !got.Canceled || !got.Closed || op.Lifetime != Closed {
			t.Fatalf("got server side %+v and lifetime %v, want canceled, closed and Closed", got, op.Lifetime)
		}
	})
}

// TestExecuteAbandonedDuringSubmit: when ctx ends while ExecuteStatement is
// in flight, Execute returns at once and the reply, read in the background,
// has its operation cancelled and closed before Close returns.
func TestExecuteAbandonedDuringSubmit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, f, s := open(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, testOptions())
		sc := tclitest.OneInt(1)
		sc.Block = make(chan struct{})
		f.Script("slow", sc)
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := c.Execute(ctx, s, "slow", ExecOptions{})
			errc <- err
		}()
		synctest.Wait() // the request is held by the server
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		close(sc.Block)
		c.Close()
		if got, ok := f.Operation(f.LastStatementID()); !ok || !got.Canceled || !got.Closed {
			t.Fatalf("got %+v (known %v), want the abandoned operation canceled and closed", got, ok)
		}
	})
}

// TestCleanupLeavesKeptAndClosed: only an operation the driver owns is
// closed, once.
func TestCleanupLeavesKeptAndClosed(t *testing.T) {
	c, f, s := open(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, testOptions())
	for _, tc := range []struct {
		from, to Lifetime
		closes   int
	}{{Owned, Closed, 1}, {Kept, Kept, 0}, {Closed, Closed, 0}} {
		op, err := c.Execute(context.Background(), s, "q", ExecOptions{})
		if err != nil {
			t.Fatal(err)
		}
		op.Lifetime = tc.from
		before := f.Count(tclitest.CloseOperation)
		c.Cleanup(context.Background(), op, Close)
		c.Cleanup(context.Background(), op, Close)
		if got := f.Count(tclitest.CloseOperation) - before; got != tc.closes || op.Lifetime != tc.to {
			t.Errorf("from lifetime %d: got %d CloseOperation requests and lifetime %d, want %d and %d", tc.from, got, op.Lifetime, tc.closes, tc.to)
		}
	}
}
