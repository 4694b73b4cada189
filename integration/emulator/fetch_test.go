package emulator

import (
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/asyncsql/databricks/thrift/tcli"
)

func seq(from, to int64) []int64 {
	var out []int64
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func fetch(t *testing.T, c *tcli.TCLIServiceClient, h *tcli.TOperationHandle, o tcli.TFetchOrientation, maxRows int64, offset *int64) *tcli.TFetchResultsResp {
	t.Helper()
	resp, err := c.FetchResults(ctx, &tcli.TFetchResultsReq{OperationHandle: h, Orientation: o, MaxRows: maxRows, StartRowOffset: offset})
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, resp.Status)
	return resp
}

func TestPagingFetchFirstAndOffset(t *testing.T) {
	s := Start(t, WithBatchRows(4))
	c := client(t, s)
	sess := open(t, c)
	resp := exec(t, c, arrowReq(sess, "SELECT range AS n FROM range(25)", 10))
	dr := resp.DirectResults
	if dr.CloseOperation != nil || !dr.ResultSet.GetHasMoreRows() {
		t.Fatalf("first page should leave rows: close=%v more=%v", dr.CloseOperation, dr.ResultSet.GetHasMoreRows())
	}
	schema := dr.ResultSetMetadata.ArrowSchema
	if n := len(dr.ResultSet.Results.ArrowBatches); n != 3 {
		t.Errorf("%d batches for 10 rows of 4", n)
	}
	got := column0Int64(decode(t, schema, dr.ResultSet.Results.ArrowBatches, false))
	h := resp.OperationHandle
	for _, want := range []struct {
		n    int
		more bool
	}{{10, true}, {5, false}} {
		page := fetch(t, c, h, tcli.TFetchOrientation_FETCH_NEXT, 10, nil)
		if page.Results.StartRowOffset != int64(len(got)) || page.GetHasMoreRows() != want.more {
			t.Fatalf("page at %d more=%v", page.Results.StartRowOffset, page.GetHasMoreRows())
		}
		rows := column0Int64(decode(t, schema, page.Results.ArrowBatches, false))
		if len(rows) != want.n {
			t.Fatalf("%d rows, want %d", len(rows), want.n)
		}
		got = append(got, rows...)
	}
	if !slices.Equal(got, seq(0, 25)) {
		t.Fatalf("rows %v", got)
	}
	empty := fetch(t, c, h, tcli.TFetchOrientation_FETCH_NEXT, 10, nil)
	if len(empty.Results.ArrowBatches) != 0 || empty.GetHasMoreRows() {
		t.Fatalf("after end: %d batches", len(empty.Results.ArrowBatches))
	}
	first := fetch(t, c, h, tcli.TFetchOrientation_FETCH_FIRST, 3, nil)
	if rows := column0Int64(decode(t, schema, first.Results.ArrowBatches, false)); !slices.Equal(rows, seq(0, 3)) {
		t.Fatalf("FETCH_FIRST rows %v", rows)
	}
	off := int64(20)
	at := fetch(t, c, h, tcli.TFetchOrientation_FETCH_NEXT, 100, &off)
	if rows := column0Int64(decode(t, schema, at.Results.ArrowBatches, false)); !slices.Equal(rows, seq(20, 25)) {
		t.Fatalf("offset rows %v", rows)
	}
	// maxBytes: one batch per page at least, fewer rows than maxRows.
	small, err := c.FetchResults(ctx, &tcli.TFetchResultsReq{OperationHandle: h, Orientation: tcli.TFetchOrientation_FETCH_FIRST, MaxRows: 25, MaxBytes: ptr(int64(1))})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(small.Results.ArrowBatches); n != 1 || !small.GetHasMoreRows() {
		t.Fatalf("maxBytes page: %d batches more=%v", n, small.GetHasMoreRows())
	}
	cl, err := c.CloseOperation(ctx, &tcli.TCloseOperationReq{OperationHandle: h})
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, cl.Status)
	if s.OpenOperations() != 0 {
		t.Fatal("operation not freed")
	}
}

func TestLZ4(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	sess := open(t, c)
	req := arrowReq(sess, "SELECT range AS n, 'row ' || range AS s FROM range(1000)", 5000)
	req.CanDecompressLZ4Result_ = ptr(true)
	dr := exec(t, c, req).DirectResults
	if !dr.ResultSetMetadata.GetLz4Compressed() {
		t.Fatal("lz4Compressed not set")
	}
	recs := decode(t, dr.ResultSetMetadata.ArrowSchema, dr.ResultSet.Results.ArrowBatches, true)
	if got := column0Int64(recs); !slices.Equal(got, seq(0, 1000)) {
		t.Fatalf("%d rows", len(got))
	}
	if v := recs[0].Column(1).(*array.String).Value(7); v != "row 7" {
		t.Fatalf("s = %q", v)
	}
}

func TestColumnSets(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	sess := open(t, c)
	req := arrowReq(sess, `SELECT i::INTEGER AS i, CASE WHEN i = 1 THEN NULL ELSE 'v' || i END AS s,
		(i / 4)::DECIMAL(6,2) AS d, DATE '2024-01-01' + i::INTEGER AS dt, TIMESTAMP '2024-01-01 00:00:00.5' AS ts,
		[i, i] AS a, i % 2 = 0 AS b, i::DOUBLE / 2 AS f, '\xff'::BLOB AS bin FROM range(3) t(i) ORDER BY i`, 2)
	req.CanReadArrowResult_ = nil
	resp := exec(t, c, req)
	dr := resp.DirectResults
	if f := dr.ResultSetMetadata.GetResultFormat(); f != tcli.TSparkRowSetType_COLUMN_BASED_SET {
		t.Fatalf("format %v", f)
	}
	cols := dr.ResultSet.Results.Columns
	if got := cols[0].I32Val.Values; !slices.Equal(got, []int32{0, 1}) {
		t.Errorf("i %v", got)
	}
	if cols[1].StringVal.Nulls[0] != 0b10 || cols[1].StringVal.Values[0] != "v0" {
		t.Errorf("s %+v", cols[1].StringVal)
	}
	if got := cols[2].StringVal.Values; !slices.Equal(got, []string{"0.00", "0.25"}) {
		t.Errorf("d %v", got)
	}
	if got := cols[3].StringVal.Values[1]; got != "2024-01-02" {
		t.Errorf("dt %q", got)
	}
	if got := cols[4].StringVal.Values[0]; got != "2024-01-01 00:00:00.5" {
		t.Errorf("ts %q", got)
	}
	if got := cols[5].StringVal.Values[1]; got != "[1,1]" {
		t.Errorf("a %q", got)
	}
	if got := cols[6].BoolVal.Values; !slices.Equal(got, []bool{true, false}) {
		t.Errorf("b %v", got)
	}
	if got := cols[7].DoubleVal.Values; !slices.Equal(got, []float64{0, 0.5}) {
		t.Errorf("f %v", got)
	}
	if got := cols[8].BinaryVal.Values[0]; string(got) != "\xff" {
		t.Errorf("bin %q", got)
	}
	page := fetch(t, c, resp.OperationHandle, tcli.TFetchOrientation_FETCH_NEXT, 10, nil)
	if page.GetHasMoreRows() || page.Results.Columns[0].I32Val.Values[0] != 2 {
		t.Fatalf("second page %+v", page)
	}
}

func TestHiveClient(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	resp, err := c.OpenSession(ctx, &tcli.TOpenSessionReq{
		ClientProtocol: tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10,
		Configuration:  map[string]string{"use:database": "default", "other": "x"},
	})
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, resp.Status)
	if resp.ServerProtocolVersion != tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10 || resp.Configuration["other"] != "x" {
		t.Fatalf("protocol %v conf %v", resp.ServerProtocolVersion, resp.Configuration)
	}
	ex := exec(t, c, arrowReq(resp.SessionHandle, "SELECT current_schema() AS s", 10))
	if ex.DirectResults != nil {
		t.Fatal("direct results for a Hive client")
	}
	st, err := c.GetOperationStatus(ctx, &tcli.TGetOperationStatusReq{OperationHandle: ex.OperationHandle})
	if err != nil || st.GetOperationState() != tcli.TOperationState_FINISHED_STATE {
		t.Fatalf("status %v %v", st, err)
	}
	md, err := c.GetResultSetMetadata(ctx, &tcli.TGetResultSetMetadataReq{OperationHandle: ex.OperationHandle})
	if err != nil || md.GetResultFormat() != tcli.TSparkRowSetType_COLUMN_BASED_SET || md.ArrowSchema != nil {
		t.Fatalf("metadata %v %v", md, err)
	}
	page := fetch(t, c, ex.OperationHandle, tcli.TFetchOrientation_FETCH_NEXT, 10, nil)
	if got := page.Results.Columns[0].StringVal.Values; !slices.Equal(got, []string{"default"}) {
		t.Fatalf("schema %v", got)
	}
}

// A Hive-protocol session is paged like Apache Spark's Thrift server: the
// request's startRowOffset is ignored (it is not in Spark's IDL), every page
// says hasMoreRows=false and carries the offset of its first row, an empty
// page ends the result.
func TestHivePaging(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	resp, err := c.OpenSession(ctx, &tcli.TOpenSessionReq{ClientProtocol: tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10})
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, resp.Status)
	ex := exec(t, c, arrowReq(resp.SessionHandle, "SELECT range AS n FROM range(25)", 10))
	for {
		st, err := c.GetOperationStatus(ctx, &tcli.TGetOperationStatusReq{OperationHandle: ex.OperationHandle})
		if err != nil {
			t.Fatal(err)
		}
		if st.GetOperationState() == tcli.TOperationState_FINISHED_STATE {
			break
		}
		if isTerminal(st.GetOperationState()) {
			t.Fatalf("state %v", st.GetOperationState())
		}
	}
	var got []int32
	off := int64(20) // ignored
	for {
		page := fetch(t, c, ex.OperationHandle, tcli.TFetchOrientation_FETCH_NEXT, 10, &off)
		if page.GetHasMoreRows() {
			t.Fatal("hasMoreRows=true from a Hive session")
		}
		if page.Results.StartRowOffset != int64(len(got)) {
			t.Fatalf("page at %d after %d rows", page.Results.StartRowOffset, len(got))
		}
		if len(page.Results.Columns) == 0 || len(page.Results.Columns[0].I64Val.GetValues()) == 0 {
			break
		}
		for _, v := range page.Results.Columns[0].I64Val.Values {
			got = append(got, int32(v))
		}
	}
	if len(got) != 25 || got[0] != 0 || got[24] != 24 {
		t.Fatalf("rows %v", got)
	}
}

func TestSessionTimeZoneText(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	v := int64(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	resp, err := c.OpenSession(ctx, &tcli.TOpenSessionReq{ClientProtocolI64: &v,
		Configuration: map[string]string{"TIMEZONE": "America/New_York"}})
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, resp.Status)
	req := arrowReq(resp.SessionHandle, "SELECT TIMESTAMP '2024-07-01 12:00:00' AS ts", 10)
	req.CanReadArrowResult_ = nil
	dr := exec(t, c, req).DirectResults
	if got := dr.ResultSet.Results.Columns[0].StringVal.Values[0]; got != "2024-07-01 08:00:00" {
		t.Fatalf("ts %q", got)
	}
	bad, err := c.OpenSession(ctx, &tcli.TOpenSessionReq{ClientProtocolI64: &v,
		Configuration: map[string]string{"timezone": "Mars/Olympus"}})
	if err != nil || bad.Status.StatusCode != tcli.TStatusCode_ERROR_STATUS {
		t.Fatalf("bad zone: %v %v", bad, err)
	}
}
