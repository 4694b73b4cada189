package tclitest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/asyncsql/databricks/colset"
	"github.com/asyncsql/databricks/internal/rpc"
	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

const v8 = tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8

// overHTTP serves srv behind httptest and returns the real RPC client of
// it, retrying 503 at once.
func overHTTP(t *testing.T, srv *tclitest.Server) *rpc.Client {
	t.Helper()
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return rpc.New(rpc.Options{URL: hs.URL, HTTPClient: hs.Client(), UserAgent: "tclitest/1",
		Retry: rpc.RetryPolicy{MaxAttempts: 3, MinBackoff: time.Microsecond, MaxBackoff: time.Microsecond}})
}

// open opens a session and runs statement on svc.
func open(t *testing.T, svc tcli.TCLIService, statement string) (*tcli.TSessionHandle, *tcli.TExecuteStatementResp) {
	t.Helper()
	ctx := context.Background()
	s, err := svc.OpenSession(ctx, &tcli.TOpenSessionReq{})
	if err != nil || s.GetStatus().GetStatusCode() != tcli.TStatusCode_SUCCESS_STATUS {
		t.Fatalf("OpenSession: got %v, %v; want success", s, err)
	}
	ex, err := svc.ExecuteStatement(ctx, &tcli.TExecuteStatementReq{SessionHandle: s.SessionHandle, Statement: statement})
	if err != nil {
		t.Fatalf("ExecuteStatement: got %v, want success", err)
	}
	return s.SessionHandle, ex
}

func TestScriptStatesAndError(t *testing.T) {
	srv := tclitest.New(v8)
	srv.Script("q", &tclitest.Script{
		States:   []tcli.TOperationState{tcli.TOperationState_PENDING_STATE, tcli.TOperationState_RUNNING_STATE, tcli.TOperationState_ERROR_STATE},
		SQLState: "42P01", ErrorMessage: "no such table", ErrorCode: 7,
	})
	_, ex := open(t, srv, "q")
	var got []tcli.TOperationState
	var last *tcli.TGetOperationStatusResp
	for range 4 {
		st, err := srv.GetOperationStatus(context.Background(), &tcli.TGetOperationStatusReq{OperationHandle: ex.OperationHandle})
		if err != nil {
			t.Fatal(err)
		}
		got, last = append(got, st.GetOperationState()), st
	}
	want := []tcli.TOperationState{tcli.TOperationState_PENDING_STATE, tcli.TOperationState_RUNNING_STATE, tcli.TOperationState_ERROR_STATE, tcli.TOperationState_ERROR_STATE}
	if !slices.Equal(got, want) {
		t.Errorf("states: got %v, want %v", got, want)
	}
	if last.GetSqlState() != "42P01" || last.GetErrorMessage() != "no such table" || last.GetErrorCode() != 7 {
		t.Errorf("error fields: got %q %q %d, want 42P01, no such table, 7", last.GetSqlState(), last.GetErrorMessage(), last.GetErrorCode())
	}
}

// pagesScript is three column pages of 2, 1 and 2 rows.
func pagesScript() *tclitest.Script {
	s := tclitest.OneInt(0)
	col := func(v ...int32) *tcli.TRowSet {
		return &tcli.TRowSet{Rows: []*tcli.TRow{}, Columns: []*tcli.TColumn{{I32Val: &tcli.TI32Column{Values: v, Nulls: []byte{0}}}}}
	}
	s.Pages = []*tcli.TRowSet{col(0, 1), col(2), col(3, 4)}
	return s
}

func TestPagesAndOffsets(t *testing.T) {
	srv := tclitest.New(v8)
	srv.Script("q", pagesScript())
	_, ex := open(t, srv, "q")
	fetch := func(off *int64) *tcli.TFetchResultsResp {
		t.Helper()
		r, err := srv.FetchResults(context.Background(), &tcli.TFetchResultsReq{OperationHandle: ex.OperationHandle, StartRowOffset: off})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	type page struct {
		start int64
		rows  int
		more  bool
	}
	var got []page
	for range 4 {
		r := fetch(nil)
		got = append(got, page{r.Results.StartRowOffset, colset.RowCount(r.Results), r.GetHasMoreRows()})
	}
	want := []page{{0, 2, true}, {2, 1, true}, {3, 2, false}, {5, 0, false}}
	if !slices.Equal(got, want) {
		t.Errorf("pages: got %v, want %v", got, want)
	}
	// An offset at a page moves the cursor there; any other is an error.
	off := int64(2)
	if r := fetch(&off); r.Results.StartRowOffset != 2 || colset.RowCount(r.Results) != 1 {
		t.Errorf("page at 2: got start %d, %d rows; want 2, 1", r.Results.StartRowOffset, colset.RowCount(r.Results))
	}
	off = 1
	if r := fetch(&off); r.GetStatus().GetStatusCode() != tcli.TStatusCode_ERROR_STATUS {
		t.Errorf("offset 1: got status %v, want ERROR_STATUS", r.GetStatus())
	}
}

func TestDirectResultsAndHandles(t *testing.T) {
	srv := tclitest.New(v8)
	srv.Script("q", &tclitest.Script{Meta: tclitest.OneInt(5).Meta, Pages: tclitest.OneInt(5).Pages, CloseInline: true})
	ctx := context.Background()
	s, _ := open(t, srv, "other")
	ex, err := srv.ExecuteStatement(ctx, &tcli.TExecuteStatementReq{SessionHandle: s, Statement: "q", GetDirectResults: &tcli.TSparkGetDirectResults{MaxRows: 10}})
	if err != nil {
		t.Fatal(err)
	}
	d := ex.GetDirectResults()
	if d.GetOperationStatus().GetOperationState() != tcli.TOperationState_FINISHED_STATE || colset.RowCount(d.GetResultSet().GetResults()) != 1 || d.GetCloseOperation() == nil {
		t.Fatalf("direct results: got %v, want FINISHED with one row, closed", d)
	}
	if op, ok := srv.Operation(srv.LastStatementID()); !ok || !op.Closed {
		t.Errorf("operation: got %+v, %v; want known and closed", op, ok)
	}
	st, _ := srv.GetOperationStatus(ctx, &tcli.TGetOperationStatusReq{OperationHandle: ex.OperationHandle})
	if st.GetStatus().GetStatusCode() != tcli.TStatusCode_INVALID_HANDLE_STATUS {
		t.Errorf("status of a closed operation: got %v, want INVALID_HANDLE_STATUS", st.GetStatus())
	}
	if n := srv.OpenSessions(); n != 1 {
		t.Errorf("open sessions: got %d, want 1", n)
	}
	if _, err := srv.CloseSession(ctx, &tcli.TCloseSessionReq{SessionHandle: s}); err != nil {
		t.Fatal(err)
	}
	again, _ := srv.ExecuteStatement(ctx, &tcli.TExecuteStatementReq{SessionHandle: s, Statement: "q"})
	if again.GetStatus().GetStatusCode() != tcli.TStatusCode_INVALID_HANDLE_STATUS || srv.OpenSessions() != 0 {
		t.Errorf("after CloseSession: got %v and %d open sessions, want INVALID_HANDLE_STATUS and 0", again.GetStatus(), srv.OpenSessions())
	}
}

func TestLogOverHTTP(t *testing.T) {
	srv := tclitest.New(v8)
	c := overHTTP(t, srv)
	_, ex := open(t, c, "SELECT 1")
	srv.Inject(tclitest.GetOperationStatus, tclitest.HTTPError(http.StatusServiceUnavailable, "0"))
	if _, err := c.GetOperationStatus(context.Background(), &tcli.TGetOperationStatusReq{OperationHandle: ex.OperationHandle}); err != nil {
		t.Fatalf("GetOperationStatus after one 503: got %v, want success", err)
	}
	log := srv.Log()
	var methods []tclitest.Method
	for _, r := range log {
		methods = append(methods, r.Method)
		if got := r.Header.Get("User-Agent"); got != "tclitest/1" {
			t.Errorf("%s: User-Agent %q, want tclitest/1", r.Method, got)
		}
	}
	want := []tclitest.Method{tclitest.OpenSession, tclitest.ExecuteStatement, tclitest.GetOperationStatus, tclitest.GetOperationStatus}
	if !slices.Equal(methods, want) {
		t.Fatalf("log: got %v, want %v", methods, want)
	}
	// The request the fault answered was never decoded.
	if log[2].Req != nil || log[3].Req == nil {
		t.Errorf("requests: got %v and %v, want nil and the decoded retry", log[2].Req, log[3].Req)
	}
	if got := tclitest.Received[*tcli.TExecuteStatementReq](srv); len(got) != 1 || got[0].Statement != "SELECT 1" {
		t.Errorf("ExecuteStatement requests: got %v, want one of SELECT 1", got)
	}
	if n := len(srv.Drain()); n != 4 || len(srv.Log()) != 0 {
		t.Errorf("drain: got %d requests and %d left, want 4 and 0", n, len(srv.Log()))
	}
}

func TestFaults(t *testing.T) {
	t.Run("status", func(t *testing.T) {
		srv := tclitest.New(v8)
		st := &tcli.TStatus{StatusCode: tcli.TStatusCode_ERROR_STATUS, SqlState: ptr("08001")}
		srv.Inject(tclitest.OpenSession, tclitest.Fault{Status: st})
		_, err := overHTTP(t, srv).OpenSession(context.Background(), &tcli.TOpenSessionReq{})
		var se *rpc.StatusError
		if !errors.As(err, &se) || srv.OpenSessions() != 0 || srv.Pending(tclitest.OpenSession) != 0 {
			t.Errorf("got %v and %d open sessions, want a StatusError and none", err, srv.OpenSessions())
		}
	})
	t.Run("handler error", func(t *testing.T) {
		srv := tclitest.New(v8)
		srv.Inject(tclitest.OpenSession, tclitest.Fault{Err: errors.New("exploded")})
		_, err := overHTTP(t, srv).OpenSession(context.Background(), &tcli.TOpenSessionReq{})
		var ae thrift.TApplicationException
		if !errors.As(err, &ae) {
			t.Errorf("got %v, want a TApplicationException", err)
		}
	})
	t.Run("dropped reply", func(t *testing.T) {
		srv := tclitest.New(v8)
		c := overHTTP(t, srv)
		s, _ := open(t, c, "x")
		srv.Inject(tclitest.ExecuteStatement, tclitest.Fault{DropReply: true})
		before := srv.LastStatementID()
		_, err := c.ExecuteStatement(context.Background(), &tcli.TExecuteStatementReq{SessionHandle: s, Statement: "y"})
		if err == nil || srv.LastStatementID() == before {
			t.Errorf("got %v, a statement run: %v; want an error and the statement run", err, srv.LastStatementID() != before)
		}
	})
	t.Run("hang-up", func(t *testing.T) {
		srv := tclitest.New(v8)
		srv.Inject(tclitest.OpenSession, tclitest.Fault{HangUp: true}, tclitest.Fault{HangUp: true}, tclitest.Fault{HangUp: true})
		_, err := overHTTP(t, srv).OpenSession(context.Background(), &tcli.TOpenSessionReq{})
		if err == nil || srv.OpenSessions() != 0 || srv.Count(tclitest.OpenSession) != 3 {
			t.Errorf("got %v, %d sessions after %d requests; want an error, none after 3", err, srv.OpenSessions(), srv.Count(tclitest.OpenSession))
		}
	})
	t.Run("garbage", func(t *testing.T) {
		srv := tclitest.New(v8)
		srv.Inject(tclitest.CloseSession, tclitest.Fault{HTTPStatus: http.StatusOK, Body: []byte("<html>")})
		c := rpc.New(rpc.Options{URL: httptestURL(t, srv), Retry: rpc.RetryPolicy{MaxAttempts: 1}})
		if _, err := c.CloseSession(context.Background(), &tcli.TCloseSessionReq{}); err == nil {
			t.Error("got success, want an error for a garbage reply")
		}
	})
}

func httptestURL(t *testing.T, h http.Handler) string {
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs.URL
}

// Latency and lag run on the bubble's clock in-process: latency gives way
// to the request context, lag does not.
func TestLatencyAndLagInProcess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := tclitest.New(v8)
		srv.SetLatency(tclitest.OpenSession, time.Hour)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		start := time.Now()
		if _, err := srv.OpenSession(ctx, &tcli.TOpenSessionReq{}); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != time.Minute {
			t.Errorf("latency: got %v after %v, want DeadlineExceeded after 1m", err, time.Since(start))
		}
		srv.Inject(tclitest.CloseSession, tclitest.Fault{Lag: 2 * time.Hour})
		start = time.Now()
		if _, err := srv.CloseSession(ctx, &tcli.TCloseSessionReq{}); err != nil || time.Since(start) != 2*time.Hour {
			t.Errorf("lag: got %v after %v, want an answer after 2h", err, time.Since(start))
		}
	})
}

func ptr[T any](v T) *T { return &v }

// A page of result links is answered from the link holding the row a
// request names; a page answered again carries fresh expiries.
func TestLinkPages(t *testing.T) {
	srv := tclitest.New(v8)
	expired := time.Now().Add(-time.Minute).Unix()
	link := func(start int64) *tcli.TSparkArrowResultLink {
		return &tcli.TSparkArrowResultLink{FileLink: "http://storage/f", StartRowOffset: start, RowCount: 5, ExpiryTime: expired}
	}
	s := tclitest.OneInt(0)
	s.Pages = []*tcli.TRowSet{tclitest.LinkPage(link(0), link(5)), tclitest.LinkPage(link(10))}
	srv.Script("q", s)
	_, op := srv.Start(t, "q")
	fetch := func(off int64) *tcli.TFetchResultsResp {
		t.Helper()
		r, err := srv.FetchResults(context.Background(), &tcli.TFetchResultsReq{OperationHandle: op, StartRowOffset: &off})
		if err != nil || r.GetStatus().GetStatusCode() != tcli.TStatusCode_SUCCESS_STATUS {
			t.Fatalf("FetchResults at %d: got %v, %v; want success", off, r.GetStatus(), err)
		}
		return r
	}
	first := fetch(0)
	if lks := first.Results.ResultLinks; len(lks) != 2 || lks[0].ExpiryTime != expired {
		t.Fatalf("first page: got %v, want the 2 links as scripted", lks)
	}
	again := fetch(7)
	lks := again.Results.ResultLinks
	if again.Results.StartRowOffset != 5 || len(lks) != 1 || lks[0].StartRowOffset != 5 || lks[0].ExpiryTime <= time.Now().Unix() || !again.GetHasMoreRows() {
		t.Fatalf("page at row 7: got start %d, links %v; want the link of row 5 with a fresh expiry, more rows", again.Results.StartRowOffset, lks)
	}
	if next := fetch(10); len(next.Results.ResultLinks) != 1 || next.Results.ResultLinks[0].ExpiryTime != expired || next.GetHasMoreRows() {
		t.Fatalf("last page: got %v, want the link of row 10 as scripted, no more rows", next.Results.ResultLinks)
	}
}

// A Wait fault holds a request until the test lets it go, and sees the
// request context end when the client gives up.
func TestWaitFault(t *testing.T) {
	srv := tclitest.New(v8)
	arrived, gaveUp := make(chan struct{}), make(chan error, 1)
	srv.Inject(tclitest.OpenSession, tclitest.Fault{Wait: func(ctx context.Context) error {
		close(arrived)
		<-ctx.Done()
		gaveUp <- ctx.Err()
		return ctx.Err()
	}})
	ctx, cancel := context.WithCancel(context.Background())
	c := overHTTP(t, srv)
	done := make(chan error, 1)
	go func() {
		_, err := c.OpenSession(ctx, &tcli.TOpenSessionReq{})
		done <- err
	}()
	<-arrived
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("client: got %v, want context.Canceled", err)
	}
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Errorf("server side: got %v, want the request context canceled", err)
	}
	if n := srv.OpenSessions(); n != 0 {
		t.Errorf("open sessions: got %d, want 0", n)
	}
}

// Over the in-process transport the real RPC client runs in a synctest
// bubble: a Retry-After is waited on the bubble's clock, and a lost reply
// is a failed round trip after the request ran.
func TestTransportInBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := tclitest.New(v8)
		c := rpc.New(rpc.Options{URL: "http://warehouse.invalid/sql", HTTPClient: &http.Client{Transport: srv.Transport()}, UserAgent: "bubble/1"})
		srv.Inject(tclitest.OpenSession, tclitest.HTTPError(http.StatusServiceUnavailable, "30"))
		start := time.Now()
		s, err := c.OpenSession(context.Background(), &tcli.TOpenSessionReq{})
		if err != nil || time.Since(start) != 30*time.Second {
			t.Fatalf("OpenSession after a 503: got %v after %v, want success after the 30s Retry-After", err, time.Since(start))
		}
		if h := srv.Log()[1].Header.Get("User-Agent"); h != "bubble/1" {
			t.Errorf("User-Agent: got %q, want bubble/1", h)
		}
		srv.Inject(tclitest.ExecuteStatement, tclitest.Fault{DropReply: true})
		_, err = c.ExecuteStatement(context.Background(), &tcli.TExecuteStatementReq{SessionHandle: s.SessionHandle, Statement: "q"})
		if err == nil || rpc.NotProcessed(err) || srv.LastStatementID() == "" {
			t.Errorf("lost reply: got %v (not processed: %v), statement %q; want an error of a request that ran", err, rpc.NotProcessed(err), srv.LastStatementID())
		}
		srv.Inject(tclitest.CloseSession, tclitest.Fault{HangUp: true})
		if _, err := c.CloseSession(context.Background(), &tcli.TCloseSessionReq{SessionHandle: s.SessionHandle}); err != nil || srv.OpenSessions() != 0 {
			t.Errorf("CloseSession after a hang-up: got %v and %d open sessions, want it retried and closed", err, srv.OpenSessions())
		}
	})
}
