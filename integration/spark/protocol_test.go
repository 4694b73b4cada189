package spark

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// These tests talk TCLIService to the server with the generated client and
// no driver code, pinning down the HiveThriftServer2 behaviour that
// /work/shared/PROTOCOL.md §8 describes, so a difference shows up here
// rather than as a driver bug.

// rawClient is a generated TCLIService client over one HTTP transport.
type rawClient struct {
	*tcli.TCLIServiceClient
	trans thrift.TTransport
}

// newRaw connects with the given Authorization header value ("" sends none).
func newRaw(t *testing.T, authorization string) *rawClient {
	t.Helper()
	url, _, _ := endpoint(t)
	trans, err := thrift.NewTHttpClient(url)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		trans.(*thrift.THttpClient).SetHeader("Authorization", authorization)
	}
	t.Cleanup(func() { trans.Close() })
	return &rawClient{
		TCLIServiceClient: tcli.NewTCLIServiceClientFactory(trans, thrift.NewTBinaryProtocolFactoryConf(nil)),
		trans:             trans,
	}
}

// basicRaw connects with the Basic credentials of SPARK_DSN.
func basicRaw(t *testing.T) *rawClient {
	t.Helper()
	_, user, password := endpoint(t)
	return newRaw(t, "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+password)))
}

func checkStatus(t *testing.T, what string, st *tcli.TStatus) {
	t.Helper()
	if st == nil {
		t.Fatalf("%s: no status", what)
	}
	switch st.GetStatusCode() {
	case tcli.TStatusCode_SUCCESS_STATUS, tcli.TStatusCode_SUCCESS_WITH_INFO_STATUS:
	default:
		t.Fatalf("%s: status %v sqlState=%q: %s", what, st.GetStatusCode(), st.GetSqlState(), st.GetErrorMessage())
	}
}

func (c *rawClient) open(t *testing.T) *tcli.TSessionHandle {
	t.Helper()
	ctx := testCtx(t)
	user := "spark"
	resp, err := c.OpenSession(ctx, &tcli.TOpenSessionReq{
		ClientProtocol: tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10,
		Username:       &user,
	})
	if err != nil {
		t.Fatalf("OpenSession: %v", err)
	}
	checkStatus(t, "OpenSession", resp.Status)
	t.Cleanup(func() {
		_, _ = c.CloseSession(context.Background(), &tcli.TCloseSessionReq{SessionHandle: resp.SessionHandle})
	})
	return resp.SessionHandle
}

func (c *rawClient) exec(t *testing.T, s *tcli.TSessionHandle, query string, async bool) *tcli.TOperationHandle {
	t.Helper()
	resp, err := c.ExecuteStatement(testCtx(t), &tcli.TExecuteStatementReq{SessionHandle: s, Statement: query, RunAsync: async})
	if err != nil {
		t.Fatalf("ExecuteStatement: %v", err)
	}
	checkStatus(t, "ExecuteStatement", resp.Status)
	return resp.OperationHandle
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestProtocolBasicAuthRequired(t *testing.T) {
	dsn(t)
	for name, auth := range map[string]string{
		"none":   "",
		"bearer": "Bearer dapi-not-a-real-token",
	} {
		t.Run(name, func(t *testing.T) {
			c := newRaw(t, auth)
			user := "spark"
			_, err := c.OpenSession(testCtx(t), &tcli.TOpenSessionReq{
				ClientProtocol: tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10,
				Username:       &user,
			})
			if err == nil {
				t.Fatalf("OpenSession with Authorization %q succeeded, want HTTP 401", name)
			}
			if !strings.Contains(err.Error(), "401") {
				t.Errorf("OpenSession with Authorization %q: %v, want HTTP 401", name, err)
			}
		})
	}
}

func TestProtocolServerVersion(t *testing.T) {
	c := basicRaw(t)
	user := "spark"
	resp, err := c.OpenSession(testCtx(t), &tcli.TOpenSessionReq{
		ClientProtocol: tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10,
		Username:       &user,
	})
	if err != nil {
		t.Fatal(err)
	}
	checkStatus(t, "OpenSession", resp.Status)
	defer c.CloseSession(context.Background(), &tcli.TCloseSessionReq{SessionHandle: resp.SessionHandle})
	if v := resp.ServerProtocolVersion; v >= tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V1 {
		t.Errorf("serverProtocolVersion %v: a Spark protocol version, want a Hive one", v)
	}
	t.Logf("serverProtocolVersion %v", resp.ServerProtocolVersion)
}

// TestProtocolPaging checks that hasMoreRows is always false and that a page
// comes back empty at the end.
func TestProtocolPaging(t *testing.T) {
	c := basicRaw(t)
	s := c.open(t)
	op := c.exec(t, s, "SELECT id FROM range(25)", false)
	var sizes []int
	var sum int64
	for i := 0; i < 10; i++ {
		resp, err := c.FetchResults(testCtx(t), &tcli.TFetchResultsReq{
			OperationHandle: op, Orientation: tcli.TFetchOrientation_FETCH_NEXT, MaxRows: 10,
		})
		if err != nil {
			t.Fatal(err)
		}
		checkStatus(t, "FetchResults", resp.Status)
		if resp.GetHasMoreRows() {
			t.Logf("page %d: hasMoreRows=true (PROTOCOL.md §8 says always false)", i)
		}
		n := 0
		if rs := resp.Results; rs != nil && len(rs.Columns) > 0 && rs.Columns[0].I64Val != nil {
			for _, v := range rs.Columns[0].I64Val.Values {
				sum += v
			}
			n = len(rs.Columns[0].I64Val.Values)
		}
		sizes = append(sizes, n)
		if n == 0 {
			break
		}
	}
	if got, want := len(sizes), 4; got != want || sizes[0] != 10 || sizes[1] != 10 || sizes[2] != 5 || sizes[3] != 0 {
		t.Errorf("page sizes %v, want [10 10 5 0]", sizes)
	}
	if sum != 300 {
		t.Errorf("sum %d, want 300", sum)
	}
	_, _ = c.CloseOperation(testCtx(t), &tcli.TCloseOperationReq{OperationHandle: op})
}

// TestProtocolTextTypes records how non-native types travel: as string
// columns in Hive text form, with the real type in the schema.
func TestProtocolTextTypes(t *testing.T) {
	c := basicRaw(t)
	s := c.open(t)
	cases := []struct {
		expr string
		typ  tcli.TTypeId
		text string
	}{
		{"CAST(-12.50 AS DECIMAL(10,2))", tcli.TTypeId_DECIMAL_TYPE, "-12.50"},
		{"DATE'2024-02-29'", tcli.TTypeId_DATE_TYPE, "2024-02-29"},
		{"TIMESTAMP'2024-02-29 12:34:56.123456'", tcli.TTypeId_TIMESTAMP_TYPE, "2024-02-29 12:34:56.123456"},
		{"array(1, 2, NULL)", tcli.TTypeId_ARRAY_TYPE, "[1,2,null]"},
		{"map('k', 1)", tcli.TTypeId_MAP_TYPE, `{"k":1}`},
		{"named_struct('x', 1, 's', 'a')", tcli.TTypeId_STRUCT_TYPE, `{"x":1,"s":"a"}`},
		{"INTERVAL '1-2' YEAR TO MONTH", tcli.TTypeId_INTERVAL_YEAR_MONTH_TYPE, "1-2"},
		{"INTERVAL '1 02:03:04.5' DAY TO SECOND", tcli.TTypeId_INTERVAL_DAY_TIME_TYPE, "1 02:03:04.500000000"},
	}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			op := c.exec(t, s, "SELECT "+tc.expr+" AS v", false)
			defer c.CloseOperation(context.Background(), &tcli.TCloseOperationReq{OperationHandle: op})
			md, err := c.GetResultSetMetadata(testCtx(t), &tcli.TGetResultSetMetadataReq{OperationHandle: op})
			if err != nil {
				t.Fatal(err)
			}
			checkStatus(t, "GetResultSetMetadata", md.Status)
			typ := md.GetSchema().GetColumns()[0].GetTypeDesc().GetTypes()[0].GetPrimitiveEntry().GetType()
			if typ != tc.typ {
				t.Errorf("type %v, want %v", typ, tc.typ)
			}
			resp, err := c.FetchResults(testCtx(t), &tcli.TFetchResultsReq{
				OperationHandle: op, Orientation: tcli.TFetchOrientation_FETCH_NEXT, MaxRows: 10,
			})
			if err != nil {
				t.Fatal(err)
			}
			checkStatus(t, "FetchResults", resp.Status)
			col := resp.GetResults().GetColumns()[0]
			if col.StringVal == nil {
				t.Fatalf("column is not a string column: %+v", col)
			}
			if got := col.StringVal.Values[0]; got != tc.text {
				t.Errorf("text %q, want %q", got, tc.text)
			}
		})
	}
}

// TestProtocolHandleAcrossSessions checks that another session can poll and
// fetch an operation started in a different, still open session.
func TestProtocolHandleAcrossSessions(t *testing.T) {
	a := basicRaw(t)
	sa := a.open(t)
	op := a.exec(t, sa, "SELECT 42 AS v", true)

	b := basicRaw(t)
	b.open(t)
	deadline := time.Now().Add(time.Minute)
	for {
		st, err := b.GetOperationStatus(testCtx(t), &tcli.TGetOperationStatusReq{OperationHandle: op})
		if err != nil {
			t.Fatal(err)
		}
		checkStatus(t, "GetOperationStatus", st.Status)
		if st.GetOperationState() == tcli.TOperationState_FINISHED_STATE {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("state %v after a minute", st.GetOperationState())
		}
		time.Sleep(100 * time.Millisecond)
	}
	resp, err := b.FetchResults(testCtx(t), &tcli.TFetchResultsReq{
		OperationHandle: op, Orientation: tcli.TFetchOrientation_FETCH_NEXT, MaxRows: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	checkStatus(t, "FetchResults from another session", resp.Status)
	if got := resp.GetResults().GetColumns()[0].GetI32Val().GetValues(); len(got) != 1 || got[0] != 42 {
		t.Errorf("values %v, want [42]", got)
	}
	cl, err := b.CloseOperation(testCtx(t), &tcli.TCloseOperationReq{OperationHandle: op})
	if err != nil {
		t.Fatal(err)
	}
	checkStatus(t, "CloseOperation from another session", cl.Status)
}
