package hs2

import (
	"context"
	"errors"
	"testing"

	"github.com/asyncsql/databricks/colset"
	"github.com/asyncsql/databricks/internal/rpc"
	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// TestFetchResultsRepeatsOnlyPositionedRequests: a FetchResults that names
// its row is retried after a 502; one that does not is not repeated.
func TestFetchResultsRepeatsOnlyPositionedRequests(t *testing.T) {
	c, f := overHTTP(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, testOptions())
	f.Script("q", tclitest.OneInt(5))
	s, err := c.OpenSession(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	op, err := c.Execute(context.Background(), s, "q", ExecOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.Inject(tclitest.FetchResults, tclitest.HTTPError(502, ""))
	req := &tcli.TFetchResultsReq{OperationHandle: op.Handle, Orientation: tcli.TFetchOrientation_FETCH_NEXT, MaxRows: 10}
	var he *rpc.HTTPError
	if _, err := c.FetchResults(context.Background(), req, op.ID); !errors.As(err, &he) || he.StatusCode != 502 {
		t.Fatalf("unpositioned: got %v, want the HTTP 502 unretried", err)
	}
	f.Inject(tclitest.FetchResults, tclitest.HTTPError(502, ""))
	req.StartRowOffset = ptr(int64(0))
	before := f.Count(tclitest.FetchResults)
	resp, err := c.FetchResults(context.Background(), req, op.ID)
	if err != nil || colset.RowCount(resp.Results) != 1 {
		t.Fatalf("positioned: got %v, want the page after a retry", err)
	}
	if n := f.Count(tclitest.FetchResults) - before; n != 2 {
		t.Fatalf("positioned: got %d requests, want 2", n)
	}
}

// TestDetachedLifecycle submits a statement in a session of its own, reads
// its first page by reference, and closes it twice.
func TestDetachedLifecycle(t *testing.T) {
	c, f := direct(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, testOptions())
	defer c.Close()
	f.Script("q", tclitest.OneInt(3))
	var seen string
	ref, err := c.SubmitDetached(context.Background(), "q", ExecOptions{DirectResults: true, Submitted: func(id string) { seen = id }})
	if err != nil {
		t.Fatal(err)
	}
	ex := tclitest.Received[*tcli.TExecuteStatementReq](f)
	if ref.Op.IsZero() || ref.Session.IsZero() || seen != ref.StatementID() || ex[0].GetDirectResults != nil {
		t.Fatalf("got ref %v (callback %q, direct results %v), want a ref with session, the callback, no direct results", ref.StatementID(), seen, ex[0].GetDirectResults)
	}
	op, err := c.FirstPage(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	fr := tclitest.Received[*tcli.TFetchResultsReq](f)
	if op.Lifetime != Kept || op.Direct.ResultSetMetadata == nil || fr[0].Orientation != tcli.TFetchOrientation_FETCH_FIRST || fr[0].GetStartRowOffset() != 0 || fr[0].StartRowOffset == nil {
		t.Fatalf("got lifetime %v, metadata %v, request %+v, want a kept operation with metadata from FETCH_FIRST at row 0", op.Lifetime, op.Direct.ResultSetMetadata != nil, fr[0])
	}
	for i := range 2 {
		if err := c.CloseRef(context.Background(), ref); err != nil {
			t.Fatalf("close %d: got %v, want nil", i+1, err)
		}
	}
	if n := f.OpenSessions(); n != 0 {
		t.Fatalf("got %d open sessions, want 0", n)
	}
}

// TestSubmitDetachedFailureClosesSession: a statement the server refuses,
// or one that cannot be sent, leaves no session open.
func TestSubmitDetachedFailureClosesSession(t *testing.T) {
	c, f := direct(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V7, testOptions())
	defer c.Close()
	_, err := c.SubmitDetached(context.Background(), "q", ExecOptions{Params: []*tcli.TSparkParameter{{Name: ptr("x")}}})
	if !errors.Is(err, ErrParametersNotSupported) || f.OpenSessions() != 0 {
		t.Fatalf("got %v with %d open sessions, want ErrParametersNotSupported and none", err, f.OpenSessions())
	}
	f.Script("bad", &tclitest.Script{ExecStatus: &tcli.TStatus{StatusCode: tcli.TStatusCode_ERROR_STATUS, ErrorMessage: ptr("syntax")}})
	ref, err := c.SubmitDetached(context.Background(), "bad", ExecOptions{})
	var fl *Failure
	if !errors.As(err, &fl) || fl.Message != "syntax" || !ref.Op.IsZero() || f.OpenSessions() != 0 {
		t.Fatalf("got %v, ref %v, %d open sessions, want the server's failure, no ref, none open", err, ref.StatementID(), f.OpenSessions())
	}
}

// TestResultSetMetadata: metadata come from direct results when there (their
// statuses checked), else from GetResultSetMetadata; an operation the server
// closed without them is a failure, without a request.
func TestResultSetMetadata(t *testing.T) {
	c, f, s := open(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, testOptions())
	sc := tclitest.OneInt(1)
	sc.Modified = 4
	f.Script("q", sc)
	op, err := c.Execute(context.Background(), s, "q", ExecOptions{DirectResults: true})
	if err != nil {
		t.Fatal(err)
	}
	if !op.HasResultSet() || op.RowsAffected() != 4 || !op.SparkProtocol() {
		t.Fatalf("got result set %v, %d rows affected, Spark protocol %v; want true, 4, true", op.HasResultSet(), op.RowsAffected(), op.SparkProtocol())
	}
	if meta, err := c.ResultSetMetadata(context.Background(), op); err != nil || meta != op.Direct.ResultSetMetadata || f.Count(tclitest.GetResultSetMetadata) != 0 {
		t.Fatalf("direct: got %v, %d requests; want the direct results' metadata and none", err, f.Count(tclitest.GetResultSetMetadata))
	}
	op.Direct.ResultSet.Status = &tcli.TStatus{StatusCode: tcli.TStatusCode_ERROR_STATUS, ErrorMessage: ptr("page lost")}
	var fl *Failure
	if _, err := c.ResultSetMetadata(context.Background(), op); !errors.As(err, &fl) || fl.Method != "FetchResults" || fl.StatementID != op.ID {
		t.Fatalf("direct page with an error status: got %v, want its FetchResults failure", err)
	}
	op.Direct = nil
	if meta, err := c.ResultSetMetadata(context.Background(), op); err != nil || meta.Schema == nil || f.Count(tclitest.GetResultSetMetadata) != 1 {
		t.Fatalf("no direct results: got %v, %d requests; want the metadata from one request", err, f.Count(tclitest.GetResultSetMetadata))
	}
	op.Lifetime = Closed
	if _, err := c.ResultSetMetadata(context.Background(), op); !errors.As(err, &fl) || f.Count(tclitest.GetResultSetMetadata) != 1 {
		t.Fatalf("closed: got %v, want a failure without a request", err)
	}
}

// TestExecuteWithoutHandle: a success reply without an operation handle is
// a failure, not an operation.
func TestExecuteWithoutHandle(t *testing.T) {
	c, f, s := open(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, testOptions())
	f.Inject(tclitest.ExecuteStatement, tclitest.Fault{Status: tclitest.OK()})
	var fl *Failure
	if op, err := c.Execute(context.Background(), s, "q", ExecOptions{}); !errors.As(err, &fl) || fl.Method != "ExecuteStatement" || op != nil {
		t.Fatalf("got %v, %v; want the ExecuteStatement failure and no operation", op, err)
	}
}

// TestStateErrorNames: a failure without a message says the state, in the
// protocol's name or as a number for states the protocol does not name.
func TestStateErrorNames(t *testing.T) {
	c := New(nil, testOptions())
	for st, want := range map[tcli.TOperationState]string{
		tcli.TOperationState_CANCELED_STATE: "statement ended in state CANCELED_STATE",
		42:                                  "statement ended in state OperationState(42)",
	} {
		var fl *Failure
		if err := c.StateError(&tcli.TGetOperationStatusResp{OperationState: &st}, "id"); !errors.As(err, &fl) || fl.Message != want {
			t.Errorf("state %d: got %v, want message %q", st, err, want)
		}
	}
}
