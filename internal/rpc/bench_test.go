package rpc

import (
	"testing"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

func BenchmarkEncodeCall(b *testing.B) {
	args := &tcli.TCLIServiceExecuteStatementArgs{Req: &tcli.TExecuteStatementReq{
		SessionHandle: &tcli.TSessionHandle{SessionId: &tcli.THandleIdentifier{GUID: []byte("g"), Secret: []byte("s")}},
		Statement:     "SELECT * FROM range(10)",
	}}
	b.ReportAllocs()
	for b.Loop() {
		buf := getBuffer()
		if err := encodeCall(buf, "ExecuteStatement", 1, args); err != nil {
			b.Fatal(err)
		}
		putBuffer(buf)
	}
}

func BenchmarkDecodeFetchResults(b *testing.B) {
	vals := make([]int64, 10000)
	for i := range vals {
		vals[i] = int64(i)
	}
	more := true
	body := reply(b, "FetchResults", thrift.REPLY, 1, &tcli.TCLIServiceFetchResultsResult{
		Success: &tcli.TFetchResultsResp{Status: tclitest.OK(), HasMoreRows: &more, Results: &tcli.TRowSet{
			Columns: []*tcli.TColumn{{I64Val: &tcli.TI64Column{Values: vals, Nulls: []byte{0}}}},
		}},
	})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var res tcli.TCLIServiceFetchResultsResult
		if err := decodeReply(body, "FetchResults", 1, &res); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRoundTrip(b *testing.B) {
	ts := newTestServer(b)
	c := New(Options{URL: ts.URL})
	req := ts.statusReq()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetOperationStatus(b.Context(), req); err != nil {
			b.Fatal(err)
		}
		ts.fake.Drain() // the log would grow with every iteration
	}
}
