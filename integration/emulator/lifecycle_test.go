package emulator

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asyncsql/databricks/thrift/tcli"
)

func status(t *testing.T, c *tcli.TCLIServiceClient, h *tcli.TOperationHandle) *tcli.TGetOperationStatusResp {
	t.Helper()
	st, err := c.GetOperationStatus(ctx, &tcli.TGetOperationStatusReq{OperationHandle: h})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestLongPollAndCancel(t *testing.T) {
	s := Start(t, WithStatusHold(300*time.Millisecond), WithDirectResultsHold(100*time.Millisecond))
	c := client(t, s)
	sess := open(t, c)
	begin := time.Now()
	// The bounds are half the (cancelled) sleep: generous for a loaded
	// machine, yet a call that waited for the statement fails them.
	resp := exec(t, c, arrowReq(sess, "SELECT sleep_ms(30000) AS n", 10))
	if d := time.Since(begin); d < 100*time.Millisecond || d > 15*time.Second {
		t.Errorf("direct results hold took %v", d)
	}
	if st := resp.DirectResults.OperationStatus.GetOperationState(); st != tcli.TOperationState_RUNNING_STATE &&
		st != tcli.TOperationState_PENDING_STATE {
		t.Fatalf("state %v", st)
	}
	h := resp.OperationHandle
	begin = time.Now()
	st := status(t, c, h)
	mustOK(t, st.Status)
	if d := time.Since(begin); st.GetOperationState() != tcli.TOperationState_RUNNING_STATE || d < 250*time.Millisecond {
		t.Fatalf("long poll: %v after %v", st.GetOperationState(), d)
	}
	if st.GetOperationStarted() == 0 || st.OperationCompleted != nil {
		t.Errorf("started %d completed %v", st.GetOperationStarted(), st.OperationCompleted)
	}
	// Cancel from another session and connection.
	c2 := client(t, s)
	open(t, c2)
	cr, err := c2.CancelOperation(ctx, &tcli.TCancelOperationReq{OperationHandle: h})
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, cr.Status)
	st = status(t, c, h)
	if st.GetOperationState() != tcli.TOperationState_CANCELED_STATE || st.GetOperationCompleted() == 0 {
		t.Fatalf("after cancel: %v", st)
	}
	if time.Since(begin) > 15*time.Second {
		t.Fatal("cancel did not stop sleep_ms")
	}
	md, _ := c.GetResultSetMetadata(ctx, &tcli.TGetResultSetMetadataReq{OperationHandle: h})
	if md.Status.StatusCode != tcli.TStatusCode_ERROR_STATUS {
		t.Fatalf("metadata of a cancelled operation: %v", md.Status)
	}
}

func TestSynchronousExecute(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	sess := open(t, c)
	resp := exec(t, c, &tcli.TExecuteStatementReq{SessionHandle: sess, Statement: "SELECT sleep_ms(200) AS n"})
	if resp.DirectResults != nil {
		t.Fatal("direct results not asked for")
	}
	st := status(t, c, resp.OperationHandle)
	if st.GetOperationState() != tcli.TOperationState_FINISHED_STATE {
		t.Fatalf("state %v", st.GetOperationState())
	}
	page := fetch(t, c, resp.OperationHandle, tcli.TFetchOrientation_FETCH_NEXT, 10, nil)
	if v := page.Results.Columns[0].I64Val.Values; len(v) != 1 || v[0] != 200 {
		t.Fatalf("sleep_ms returned %v", v)
	}
}

func TestQueryTimeout(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	sess := open(t, c)
	req := arrowReq(sess, "SELECT sleep_ms(10000)", 10)
	req.QueryTimeout = 1
	resp := exec(t, c, req)
	st := resp.DirectResults.OperationStatus
	if st.GetOperationState() != tcli.TOperationState_TIMEDOUT_STATE {
		t.Fatalf("state %v", st.GetOperationState())
	}
}

func TestErrors(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	sess := open(t, c)
	for _, tc := range []struct{ sql, state string }{
		{"SELEC 1", "42601"},
		{"SELECT * FROM no_such_table", "42P01"},
		{"SELECT no_such_column FROM range(1)", "42703"},
		{"SELECT 1 + 'x'::INTEGER", "22018"},
		{"SELECT 1/0", "22012"},
	} {
		resp := exec(t, c, arrowReq(sess, tc.sql, 10))
		st := resp.DirectResults.OperationStatus
		if st.GetOperationState() != tcli.TOperationState_ERROR_STATE || st.GetSqlState() != tc.state ||
			st.GetErrorMessage() == "" || st.ErrorCode == nil {
			t.Errorf("%s: state %v sqlState %q message %q", tc.sql, st.GetOperationState(), st.GetSqlState(), st.GetErrorMessage())
		}
		if resp.DirectResults.CloseOperation == nil {
			t.Errorf("%s: failed operation not closed inline", tc.sql)
		}
		// Without direct results the failed operation stays until closed.
		async := exec(t, c, &tcli.TExecuteStatementReq{SessionHandle: sess, Statement: tc.sql, RunAsync: true})
		if st := status(t, c, async.OperationHandle); st.GetSqlState() != tc.state {
			t.Errorf("%s: status %v", tc.sql, st)
		}
		md, _ := c.GetResultSetMetadata(ctx, &tcli.TGetResultSetMetadataReq{OperationHandle: async.OperationHandle})
		if md.Status.GetSqlState() != tc.state {
			t.Errorf("%s: metadata status %v", tc.sql, md.Status)
		}
	}
}

func TestDMLAndDDL(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	sess := open(t, c)
	ddl := exec(t, c, arrowReq(sess, "CREATE TABLE t (a INTEGER)", 10))
	if ddl.OperationHandle.HasResultSet || ddl.DirectResults.OperationStatus.GetHasResultSet() || ddl.DirectResults.CloseOperation == nil {
		t.Fatalf("DDL: %+v", ddl.DirectResults)
	}
	if md := ddl.DirectResults.ResultSetMetadata; md == nil || len(md.Schema.Columns) != 0 || md.GetIsStagingOperation() {
		t.Fatalf("DDL metadata: %v", md)
	}
	if rs := ddl.DirectResults.ResultSet; rs == nil || rs.GetHasMoreRows() || len(rs.Results.ArrowBatches) != 0 {
		t.Fatalf("DDL result set: %v", rs)
	}
	ins := exec(t, c, arrowReq(sess, "INSERT INTO t VALUES (1), (2), (3)", 10))
	st := ins.DirectResults.OperationStatus
	if st.GetNumModifiedRows() != 3 || ins.OperationHandle.GetModifiedRowCount() != 3 {
		t.Fatalf("insert: numModifiedRows %d", st.GetNumModifiedRows())
	}
	cols := ins.DirectResults.ResultSetMetadata.Schema.Columns
	if len(cols) != 2 || cols[0].ColumnName != "num_affected_rows" || cols[1].ColumnName != "num_inserted_rows" {
		t.Fatalf("insert result columns %v", cols)
	}
	upd := exec(t, c, arrowReq(sess, "UPDATE t SET a = a + 1 WHERE a > 1", 10))
	if n := upd.DirectResults.OperationStatus.GetNumModifiedRows(); n != 2 {
		t.Fatalf("update: %d", n)
	}
	del := exec(t, c, arrowReq(sess, "DELETE FROM t", 10))
	if n := del.DirectResults.OperationStatus.GetNumModifiedRows(); n != 3 {
		t.Fatalf("delete: %d", n)
	}
}

func TestNamespaces(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	v := int64(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	resp, err := c.OpenSession(ctx, &tcli.TOpenSessionReq{ClientProtocolI64: &v,
		InitialNamespace: &tcli.TNamespace{CatalogName: ptr("hive_metastore"), SchemaName: ptr("default")}})
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, resp.Status)
	if resp.InitialNamespace.GetSchemaName() != "default" {
		t.Fatalf("namespace %v", resp.InitialNamespace)
	}
	sess := resp.SessionHandle
	exec(t, c, arrowReq(sess, "CREATE TABLE d (x INTEGER)", 10))
	exec(t, c, arrowReq(sess, "CREATE SCHEMA other", 10))
	exec(t, c, arrowReq(sess, "USE other", 10))
	r := exec(t, c, arrowReq(sess, "SELECT current_schema() AS s, (SELECT count(*) FROM \"default\".d) AS n", 10))
	recs := decode(t, r.DirectResults.ResultSetMetadata.ArrowSchema, r.DirectResults.ResultSet.Results.ArrowBatches, false)
	if got := recs[0].Column(0).ValueStr(0); got != "other" {
		t.Fatalf("schema after USE: %q", got)
	}
	bad, err := c.OpenSession(ctx, &tcli.TOpenSessionReq{ClientProtocolI64: &v,
		InitialNamespace: &tcli.TNamespace{SchemaName: ptr("missing")}})
	if err != nil {
		t.Fatal(err)
	}
	if bad.Status.StatusCode != tcli.TStatusCode_ERROR_STATUS || bad.Status.GetSqlState() != "3F000" {
		t.Fatalf("missing schema: %v", bad.Status)
	}
	unset, err := c.OpenSession(ctx, tcli.NewTOpenSessionReq())
	if err != nil || unset.Status.StatusCode != tcli.TStatusCode_ERROR_STATUS {
		t.Fatalf("no protocol: %v %v", unset, err)
	}
}

func TestCloseSessionClosesOperations(t *testing.T) {
	s := Start(t, WithStatusHold(50*time.Millisecond))
	c := client(t, s)
	sess := open(t, c)
	resp := exec(t, c, &tcli.TExecuteStatementReq{SessionHandle: sess, Statement: "SELECT sleep_ms(10000)", RunAsync: true})
	cs, err := c.CloseSession(ctx, &tcli.TCloseSessionReq{SessionHandle: sess})
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, cs.Status)
	if st := status(t, c, resp.OperationHandle); st.Status.StatusCode != tcli.TStatusCode_INVALID_HANDLE_STATUS {
		t.Fatalf("operation after CloseSession: %v", st.Status)
	}
	if s.OpenSessions() != 0 || s.OpenOperations() != 0 {
		t.Fatalf("sessions %d operations %d", s.OpenSessions(), s.OpenOperations())
	}
	again, _ := c.CloseSession(ctx, &tcli.TCloseSessionReq{SessionHandle: sess})
	if again.Status.StatusCode != tcli.TStatusCode_INVALID_HANDLE_STATUS {
		t.Fatalf("second CloseSession: %v", again.Status)
	}
	ex, _ := c.ExecuteStatement(ctx, &tcli.TExecuteStatementReq{SessionHandle: sess, Statement: "SELECT 1"})
	if ex.Status.StatusCode != tcli.TStatusCode_INVALID_HANDLE_STATUS {
		t.Fatalf("execute on closed session: %v", ex.Status)
	}
}

func TestInvalidHandles(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	sess := open(t, c)
	fake := &tcli.TOperationHandle{OperationId: newHandle().thrift(), OperationType: tcli.TOperationType_EXECUTE_STATEMENT}
	if st := status(t, c, fake); st.Status.StatusCode != tcli.TStatusCode_INVALID_HANDLE_STATUS || st.Status.GetErrorMessage() == "" {
		t.Fatalf("status %v", st.Status)
	}
	fr, _ := c.FetchResults(ctx, &tcli.TFetchResultsReq{OperationHandle: fake, MaxRows: 1})
	if fr.Status.StatusCode != tcli.TStatusCode_INVALID_HANDLE_STATUS {
		t.Fatalf("fetch %v", fr.Status)
	}
	// Right guid, wrong secret: fetch refused.
	resp := exec(t, c, arrowReq(sess, "SELECT range FROM range(10)", 2))
	h := *resp.OperationHandle
	h.OperationId = &tcli.THandleIdentifier{GUID: h.OperationId.GUID, Secret: make([]byte, 16)}
	fr, _ = c.FetchResults(ctx, &tcli.TFetchResultsReq{OperationHandle: &h, MaxRows: 1})
	if fr.Status.StatusCode != tcli.TStatusCode_INVALID_HANDLE_STATUS {
		t.Fatalf("fetch with wrong secret: %v", fr.Status)
	}
	// Guid alone: status allowed.
	h.OperationId = &tcli.THandleIdentifier{GUID: h.OperationId.GUID}
	if st := status(t, c, &h); st.GetOperationState() != tcli.TOperationState_FINISHED_STATE {
		t.Fatalf("status by guid: %v", st)
	}
}

func TestIdleEviction(t *testing.T) {
	s := Start(t, WithIdleEviction(200*time.Millisecond))
	c := client(t, s)
	sess := open(t, c)
	resp := exec(t, c, arrowReq(sess, "SELECT range FROM range(10)", 2))
	// Wait for the janitor to evict it rather than a guessed delay.
	for deadline := time.Now().Add(30 * time.Second); s.OpenOperations() != 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("an operation idle for 30 s was not evicted (eviction after 200 ms)")
		}
	}
	st := status(t, c, resp.OperationHandle)
	if st.Status.StatusCode != tcli.TStatusCode_INVALID_HANDLE_STATUS ||
		!strings.Contains(st.Status.GetErrorMessage(), "Query has been timed out due to inactivity") {
		t.Fatalf("after idle: %v", st.Status)
	}
}

func TestConcurrentOperations(t *testing.T) {
	s := Start(t)
	setup := client(t, s)
	shared := open(t, setup)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client(t, s)
			sess := shared
			if i%2 == 0 {
				sess = open(t, c)
			}
			for range 5 {
				resp := exec(t, c, arrowReq(sess, "SELECT sum(range) AS n FROM range(1000), (SELECT sleep_ms(5))", 10))
				recs := decode(t, resp.DirectResults.ResultSetMetadata.ArrowSchema, resp.DirectResults.ResultSet.Results.ArrowBatches, false)
				if got := recs[0].Column(0).ValueStr(0); got != "499500" {
					t.Errorf("sum %s", got)
				}
			}
		}()
	}
	wg.Wait()
	if n := s.Requests().Count(ExecuteStatement); n != 40 {
		t.Errorf("%d ExecuteStatement requests logged, want 40", n)
	}
}
