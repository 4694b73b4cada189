package emulator

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/thrift/lib/go/thrift"
	"github.com/pierrec/lz4/v4"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// client is a TCLIService client over HTTP for one goroutine.
func client(t *testing.T, s *Server) *tcli.TCLIServiceClient {
	t.Helper()
	return clientWith(t, s.URL(), s.Token())
}

func clientWith(t *testing.T, url, token string) *tcli.TCLIServiceClient {
	t.Helper()
	trans, err := thrift.NewTHttpClientWithOptions(url, thrift.THttpClientOptions{Client: &http.Client{Timeout: 30 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	trans.(*thrift.THttpClient).SetHeader("Authorization", "Bearer "+token)
	conf := &thrift.TConfiguration{}
	return tcli.NewTCLIServiceClientFactory(trans, thrift.NewTBinaryProtocolFactoryConf(conf))
}

var ctx = context.Background()

// open opens a session with the Databricks protocol fields.
func open(t *testing.T, c *tcli.TCLIServiceClient) *tcli.TSessionHandle {
	t.Helper()
	v := int64(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	resp, err := c.OpenSession(ctx, &tcli.TOpenSessionReq{
		ClientProtocol:    tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10,
		ClientProtocolI64: &v,
	})
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, resp.Status)
	if resp.ServerProtocolVersion != tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8 {
		t.Fatalf("protocol %v", resp.ServerProtocolVersion)
	}
	return resp.SessionHandle
}

func mustOK(t *testing.T, st *tcli.TStatus) {
	t.Helper()
	if st == nil || st.StatusCode != tcli.TStatusCode_SUCCESS_STATUS {
		t.Fatalf("status %v", st)
	}
}

func ptr[T any](v T) *T { return &v }

// arrowReq is an asynchronous Arrow request with direct results.
func arrowReq(sess *tcli.TSessionHandle, stmt string, maxRows int64) *tcli.TExecuteStatementReq {
	return &tcli.TExecuteStatementReq{
		SessionHandle:       sess,
		Statement:           stmt,
		RunAsync:            true,
		GetDirectResults:    &tcli.TSparkGetDirectResults{MaxRows: maxRows},
		CanReadArrowResult_: ptr(true),
		UseArrowNativeTypes: &tcli.TSparkArrowTypes{TimestampAsArrow: ptr(true), DecimalAsArrow: ptr(true)},
	}
}

func exec(t *testing.T, c *tcli.TCLIServiceClient, req *tcli.TExecuteStatementReq) *tcli.TExecuteStatementResp {
	t.Helper()
	resp, err := c.ExecuteStatement(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, resp.Status)
	return resp
}

// decode decodes Arrow batches with the schema message into records.
func decode(t *testing.T, schema []byte, batches []*tcli.TSparkArrowBatch, compressed bool) []arrow.RecordBatch {
	t.Helper()
	var recs []arrow.RecordBatch
	for _, b := range batches {
		msg := b.Batch
		if compressed {
			out, err := io.ReadAll(lz4.NewReader(bytes.NewReader(msg)))
			if err != nil {
				t.Fatal(err)
			}
			msg = out
		}
		stream := append(append([]byte{}, schema...), msg...)
		r, err := ipc.NewReader(bytes.NewReader(stream))
		if err != nil {
			t.Fatal(err)
		}
		if !r.Next() {
			t.Fatalf("no record: %v", r.Err())
		}
		rec := r.RecordBatch()
		rec.Retain()
		if rec.NumRows() != b.RowCount {
			t.Fatalf("rows %d, rowCount %d", rec.NumRows(), b.RowCount)
		}
		recs = append(recs, rec)
		r.Release()
		t.Cleanup(rec.Release)
	}
	return recs
}

// column0Int64 collects column 0 of the records as int64.
func column0Int64(recs []arrow.RecordBatch) []int64 {
	var out []int64
	for _, r := range recs {
		for i := 0; i < int(r.NumRows()); i++ {
			out = append(out, r.Column(0).(interface{ Value(int) int64 }).Value(i))
		}
	}
	return out
}
