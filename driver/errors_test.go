package driver

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/asyncsql/databricks/internal/hs2"
	"github.com/asyncsql/databricks/internal/rpc"
	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

func errStatus(code tcli.TStatusCode, sqlState, msg string) *tcli.TStatus {
	return &tcli.TStatus{StatusCode: code, SqlState: ptr(sqlState), ErrorMessage: ptr(msg), ErrorCode: ptr(int32(42)), DisplayMessage: ptr("shown " + msg)}
}

func TestExecuteErrorStatus(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	e.fake.Script("bad", &tclitest.Script{ExecStatus: errStatus(tcli.TStatusCode_ERROR_STATUS, "42P01", "table not found")})
	_, err := e.db(t).QueryContext(context.Background(), "bad")
	var se *ServerError
	if !errors.As(err, &se) {
		t.Fatalf("%T %v", err, err)
	}
	if se.SQLState != "42P01" || se.Message != "table not found" || se.ErrorCode != 42 || se.DisplayMessage != "shown table not found" || se.Method != "ExecuteStatement" {
		t.Fatalf("%+v", se)
	}
	if !strings.Contains(err.Error(), "[42P01] table not found") {
		t.Fatalf("text %q", err)
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, ErrInvalidHandle) {
		t.Fatal("plain error flagged bad conn / invalid handle")
	}
}

// TestInvalidSessionIsBadConn: an unknown session on ExecuteStatement means
// nothing ran, so database/sql retries on a fresh session.
func TestInvalidSessionIsBadConn(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	e.fake.Inject(tclitest.ExecuteStatement, tclitest.Fault{Status: errStatus(tcli.TStatusCode_INVALID_HANDLE_STATUS, "", "Invalid SessionHandle")})
	var n int32
	if err := e.db(t).QueryRowContext(context.Background(), "SELECT 1").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if c := e.fake.Count(tclitest.OpenSession); c != 2 {
		t.Fatalf("OpenSession %d, want 2", c)
	}
	if c := e.fake.Count(tclitest.ExecuteStatement); c != 2 {
		t.Fatalf("ExecuteStatement %d, want 2", c)
	}
}

func TestOpenSessionError(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	e.fake.Inject(tclitest.OpenSession, tclitest.Fault{Status: errStatus(tcli.TStatusCode_ERROR_STATUS, "08001", "no warehouse")})
	err := e.db(t).PingContext(context.Background())
	var se *ServerError
	if !errors.As(err, &se) || se.SQLState != "08001" || se.Method != "OpenSession" {
		t.Fatalf("%v", err)
	}
}

func TestHTTPRetries(t *testing.T) {
	t.Run("503 Retry-After then success", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			e := newBubbleEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
			e.fake.Inject(tclitest.ExecuteStatement, tclitest.HTTPError(503, "1"))
			db := e.db(t)
			start := time.Now()
			var n int32
			if err := db.QueryRowContext(context.Background(), "SELECT 1").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d != time.Second {
				t.Fatalf("got the result after %v, want after the 1s of Retry-After", d)
			}
			if c := len(tclitest.Received[*tcli.TExecuteStatementReq](e.fake)); c != 1 {
				t.Fatalf("ExecuteStatement reached the handler %d times, want 1", c)
			}
		})
	})
	t.Run("500 on ExecuteStatement is not retried", func(t *testing.T) {
		e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
		e.fake.Inject(tclitest.ExecuteStatement, tclitest.HTTPError(500, ""))
		_, err := e.db(t).ExecContext(context.Background(), "SELECT 1")
		var he *rpc.HTTPError
		if !errors.As(err, &he) || he.StatusCode != 500 {
			t.Fatalf("got %v, want an HTTP 500 error", err)
		}
		if errors.Is(err, driver.ErrBadConn) {
			t.Fatal("500 may have run the statement: must not be ErrBadConn")
		}
	})
	t.Run("500 on GetOperationStatus is retried", func(t *testing.T) {
		e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
		s := intScript(1)
		s.States = []tcli.TOperationState{tcli.TOperationState_RUNNING_STATE, tcli.TOperationState_FINISHED_STATE}
		e.fake.Script("q", s)
		e.fake.Inject(tclitest.GetOperationStatus, tclitest.HTTPError(500, ""))
		if _, err := e.db(t).ExecContext(context.Background(), "q"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("429 exhausted is returned, not retried on a new session", func(t *testing.T) {
		e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
		for range 10 {
			e.fake.Inject(tclitest.ExecuteStatement, tclitest.HTTPError(429, "0"))
		}
		_, err := e.db(t).ExecContext(context.Background(), "SELECT 1")
		if err == nil || errors.Is(err, driver.ErrBadConn) || !strings.Contains(err.Error(), "429") {
			t.Fatalf("got %v, want the 429 error, not ErrBadConn", err)
		}
		if c := e.fake.Count(tclitest.OpenSession); c != 1 {
			t.Fatalf("got %d OpenSession requests, want 1", c)
		}
	})
	t.Run("401 at OpenSession is returned once", func(t *testing.T) {
		e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
		for range 10 {
			e.fake.Inject(tclitest.OpenSession, tclitest.HTTPError(401, ""))
		}
		err := e.db(t).PingContext(context.Background())
		if err == nil || errors.Is(err, driver.ErrBadConn) {
			t.Fatalf("got %v, want the 401 error, not ErrBadConn", err)
		}
		if n := e.fake.Count(tclitest.OpenSession); n != 1 { // one request, not one per database/sql retry
			t.Fatalf("got %d OpenSession requests, want 1", n)
		}
	})
}

// TestServerErrorIs: the driver's form of a failure keeps what the server
// said, matches ErrInvalidHandle for handle failures and unwraps to the RPC
// client's error.
func TestServerErrorIs(t *testing.T) {
	st := tcli.TOperationState_ERROR_STATE
	cause := &rpc.StatusError{Method: "GetOperationStatus", Status: &tcli.TStatus{StatusCode: tcli.TStatusCode_INVALID_HANDLE_STATUS}}
	err := newServerError(&hs2.Failure{SQLState: "42000", ErrorCode: 7, Message: "gone", DisplayMessage: "shown", StatementID: "id-1",
		ErrorDetailsJSON: "{}", State: &st, Method: "GetOperationStatus", InvalidHandle: true, Cause: cause})
	var se *ServerError
	if !errors.As(err, &se) || se.SQLState != "42000" || se.ErrorCode != 7 || se.Message != "gone" || se.DisplayMessage != "shown" ||
		se.StatementID != "id-1" || se.ErrorDetailsJSON != "{}" || se.State == nil || *se.State != StateError || se.Method != "GetOperationStatus" {
		t.Fatalf("got %#v, want every field of the failure", err)
	}
	var re *rpc.StatusError
	if !errors.Is(err, ErrInvalidHandle) || !errors.As(err, &re) {
		t.Fatalf("got %v, want ErrInvalidHandle unwrapping to the *rpc.StatusError", err)
	}
	if got, want := err.Error(), "databricks: [42000] gone (GetOperationStatus) (statement id-1)"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if err := newServerError(&hs2.Failure{Message: "no"}); errors.Is(err, ErrInvalidHandle) || errors.Unwrap(err) != nil {
		t.Fatalf("got %v, want no handle failure and no cause", err)
	}
}
