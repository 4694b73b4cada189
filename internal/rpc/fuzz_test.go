package rpc

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// FuzzDecodeReply checks that an arbitrary reply body decodes to a value or an
// error, never a panic, for every result type.
func FuzzDecodeReply(f *testing.F) {
	for _, seed := range seedReplies(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		results := map[string]thrift.TStruct{
			"OpenSession":          &tcli.TCLIServiceOpenSessionResult{},
			"ExecuteStatement":     &tcli.TCLIServiceExecuteStatementResult{},
			"GetOperationStatus":   &tcli.TCLIServiceGetOperationStatusResult{},
			"GetResultSetMetadata": &tcli.TCLIServiceGetResultSetMetadataResult{},
			"FetchResults":         &tcli.TCLIServiceFetchResultsResult{},
			"CloseOperation":       &tcli.TCLIServiceCloseOperationResult{},
		}
		for method, res := range results {
			// Sequence id 1 is the id of every seed.
			_ = decodeReply(body, method, 1, res)
		}
	})
}

// seedReplies returns well-formed and damaged replies.
func seedReplies(t testing.TB) [][]byte {
	state := tcli.TOperationState_RUNNING_STATE
	more := true
	msg := "boom"
	seeds := [][]byte{
		nil,
		[]byte("<html>Bad Gateway</html>"),
		reply(t, "OpenSession", thrift.REPLY, 1, &tcli.TCLIServiceOpenSessionResult{
			Success: &tcli.TOpenSessionResp{Status: tclitest.OK(), ServerProtocolVersion: tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8,
				SessionHandle: &tcli.TSessionHandle{SessionId: &tcli.THandleIdentifier{GUID: []byte("g"), Secret: []byte("s")}},
				Configuration: map[string]string{"a": "b"}}}),
		reply(t, "ExecuteStatement", thrift.REPLY, 1, &tcli.TCLIServiceExecuteStatementResult{
			Success: &tcli.TExecuteStatementResp{Status: tclitest.OK(), OperationHandle: testHandle()}}),
		reply(t, "GetOperationStatus", thrift.REPLY, 1, &tcli.TCLIServiceGetOperationStatusResult{
			Success: &tcli.TGetOperationStatusResp{Status: tclitest.OK(), OperationState: &state}}),
		reply(t, "FetchResults", thrift.REPLY, 1, &tcli.TCLIServiceFetchResultsResult{
			Success: &tcli.TFetchResultsResp{Status: tclitest.OK(), HasMoreRows: &more, Results: &tcli.TRowSet{
				Columns: []*tcli.TColumn{{I64Val: &tcli.TI64Column{Values: []int64{1, 2, 3}, Nulls: []byte{0}}}},
			}}}),
		reply(t, "ExecuteStatement", thrift.REPLY, 1, &tcli.TCLIServiceExecuteStatementResult{
			Success: &tcli.TExecuteStatementResp{Status: &tcli.TStatus{StatusCode: tcli.TStatusCode_ERROR_STATUS, ErrorMessage: &msg}}}),
		reply(t, "ExecuteStatement", thrift.EXCEPTION, 1, thrift.NewTApplicationException(thrift.INTERNAL_ERROR, "internal")),
	}
	return seeds
}

// FuzzErrorHeaders checks that any error headers give a bounded reason and a
// bounded, non-negative Retry-After, never a panic.
func FuzzErrorHeaders(f *testing.F) {
	for _, h := range seedHeaders() {
		f.Add(h[0], h[1], h[2])
	}
	f.Fuzz(func(t *testing.T, phrase, message, retryAfter string) {
		h := http.Header{}
		h.Set("X-Databricks-Reason-Phrase", phrase)
		h.Set("X-Thriftserver-Error-Message", message)
		h.Set("Retry-After", retryAfter)
		e := newHTTPError("ExecuteStatement", &http.Response{StatusCode: 503, Header: h}, clockBase)
		if len(e.Reason) > maxReasonLen+len("…") {
			t.Errorf("reason of %d bytes", len(e.Reason))
		}
		if e.RetryAfter < 0 || e.RetryAfter > 24*time.Hour {
			t.Errorf("RetryAfter = %v", e.RetryAfter)
		}
		_ = e.Error()
	})
}

// seedHeaders returns reason phrase, error message and Retry-After values.
func seedHeaders() [][3]string {
	return [][3]string{
		{"warehouse is starting", "", "30"},
		{"", "Invalid access token", clockBase.Add(time.Minute).Format(http.TimeFormat)},
		{"  \r\n", "\xff\xfe", "-1"},
		{"x", "y", "Wed, 21 Oct 2015 07:28:00 GMT"},
		{strings.Repeat("é", 600), "", "99999999999"},
	}
}

// testHandle is the operation handle of the seed replies.
func testHandle() *tcli.TOperationHandle {
	return &tcli.TOperationHandle{
		OperationId:   &tcli.THandleIdentifier{GUID: []byte("0123456789abcdef"), Secret: []byte("secret0123456789")},
		OperationType: tcli.TOperationType_EXECUTE_STATEMENT,
		HasResultSet:  true,
	}
}
