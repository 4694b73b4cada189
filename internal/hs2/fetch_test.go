package hs2

import (
	"context"
	"errors"
	"testing"

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
	if err != nil || tclitest.RowSetLen(resp.Results) != 1 {
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
