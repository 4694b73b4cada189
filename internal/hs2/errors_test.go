package hs2

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/asyncsql/databricks/internal/rpc"
	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// custom is what a NewError of the test makes of a failure.
type custom struct{ f *Failure }

func (e *custom) Error() string { return "custom: " + e.f.Message }
func (e *custom) Unwrap() error { return e.f.Cause }

// TestFailuresGoThroughNewError: every failure the server reports, from a
// call's status or a statement's state, is made by Options.NewError, with
// the server's fields.
func TestFailuresGoThroughNewError(t *testing.T) {
	opts := testOptions()
	opts.NewError = func(f *Failure) error { return &custom{f} }
	c, f, s := open(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, opts)

	sc := tclitest.OneInt(1)
	sc.States = []tcli.TOperationState{tcli.TOperationState_ERROR_STATE}
	sc.SQLState, sc.ErrorMessage, sc.ErrorCode = "42000", "boom", 7
	f.Script("bad", sc)
	op, err := c.Execute(context.Background(), s, "bad", ExecOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Wait(context.Background(), op)
	if err != nil {
		t.Fatal(err)
	}
	var ce *custom
	if err := c.Outcome(st, op.ID); !errors.As(err, &ce) || ce.f.SQLState != "42000" || ce.f.Message != "boom" ||
		ce.f.ErrorCode != 7 || ce.f.StatementID != op.ID || ce.f.State == nil || *ce.f.State != tcli.TOperationState_ERROR_STATE {
		t.Fatalf("got %#v, want the statement's failure made by NewError", err)
	}

	f.Inject(tclitest.GetOperationStatus, tclitest.Fault{Status: &tcli.TStatus{
		StatusCode: tcli.TStatusCode_ERROR_STATUS, SqlState: ptr("HY000"), ErrorMessage: ptr("no"),
	}})
	_, err = c.Status(context.Background(), op.Handle)
	if !errors.As(err, &ce) || ce.f.Method != "GetOperationStatus" || ce.f.SQLState != "HY000" || ce.f.State != nil || ce.f.InvalidHandle {
		t.Fatalf("got %#v, want the call's failure made by NewError", err)
	}
}

// TestRPCErrMapping: status errors become failures that keep the RPC
// error, transport errors get the statement's prefix, context errors pass.
func TestRPCErrMapping(t *testing.T) {
	c := New(nil, testOptions())
	st := &tcli.TStatus{StatusCode: tcli.TStatusCode_INVALID_HANDLE_STATUS, ErrorMessage: ptr("gone")}
	err := c.rpcErr(&rpc.StatusError{Method: "CloseOperation", Status: st}, "id-1")
	var fl *Failure
	var re *rpc.StatusError
	if !errors.As(err, &fl) || fl.StatementID != "id-1" || !errors.Is(err, ErrInvalidHandle) || !errors.As(err, &re) || !NotRun(err) {
		t.Fatalf("got %#v, want a Failure for id-1 matching ErrInvalidHandle and keeping the *rpc.StatusError", err)
	}
	down := errors.New("network down")
	err = c.rpcErr(down, "id-2")
	if !errors.Is(err, down) || err.Error() != "databricks: statement id-2: network down" {
		t.Fatalf("got %q, want the statement prefix wrapping the transport error", err)
	}
	if err := c.rpcErr(context.Canceled, "id-3"); err != context.Canceled {
		t.Fatalf("got %v, want context.Canceled unwrapped", err)
	}
	if c.rpcErr(nil, "x") != nil {
		t.Fatal("got an error for nil, want nil")
	}
	// Spark's texts for handles it no longer knows match too.
	for _, msg := range []string{"Invalid OperationHandle [x]", "RESOURCE_DOES_NOT_EXIST: y", "Invalid SessionHandle", "Session does not exist"} {
		err := c.checkStatus("FetchResults", &tcli.TStatus{StatusCode: tcli.TStatusCode_ERROR_STATUS, ErrorMessage: ptr(msg)}, "id")
		if !errors.Is(err, ErrInvalidHandle) || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: got %v, want ErrInvalidHandle", msg, err)
		}
	}
	if err := c.checkStatus("FetchResults", tclitest.OK(), "id"); err != nil {
		t.Fatalf("success status: got %v, want nil", err)
	}
}
