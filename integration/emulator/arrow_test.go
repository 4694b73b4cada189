package emulator

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/asyncsql/databricks/thrift/tcli"
)

func TestDirectResultsArrow(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	sess := open(t, c)
	resp := exec(t, c, arrowReq(sess, `SELECT 42::BIGINT AS n, 'hi' AS s, 12.50::DECIMAL(10,2) AS d,
		DATE '2024-02-29' AS dt, TIMESTAMP '2024-01-02 03:04:05.123456' AS ts, NULL::INTEGER AS nul,
		[1,2] AS arr, {'x': 1, 'y': 'a"b'} AS st, MAP {'k': 1.5} AS m, INTERVAL 3 DAY AS iv,
		'\x01\x02'::BLOB AS bin, true AS b, 1.5::FLOAT AS f, 170141183460469231731687303715884105727::HUGEINT AS h`, 100))
	dr := resp.DirectResults
	if dr == nil || dr.OperationStatus.GetOperationState() != tcli.TOperationState_FINISHED_STATE {
		t.Fatalf("direct results %v", dr)
	}
	if dr.CloseOperation == nil {
		t.Fatal("whole result returned but closeOperation not set")
	}
	md := dr.ResultSetMetadata
	if md.GetResultFormat() != tcli.TSparkRowSetType_ARROW_BASED_SET || md.GetLz4Compressed() {
		t.Fatalf("format %v lz4 %v", md.GetResultFormat(), md.GetLz4Compressed())
	}
	wantTypes := []tcli.TTypeId{tcli.TTypeId_BIGINT_TYPE, tcli.TTypeId_STRING_TYPE, tcli.TTypeId_DECIMAL_TYPE,
		tcli.TTypeId_DATE_TYPE, tcli.TTypeId_TIMESTAMP_TYPE, tcli.TTypeId_INT_TYPE, tcli.TTypeId_ARRAY_TYPE,
		tcli.TTypeId_STRUCT_TYPE, tcli.TTypeId_MAP_TYPE, tcli.TTypeId_INTERVAL_DAY_TIME_TYPE,
		tcli.TTypeId_BINARY_TYPE, tcli.TTypeId_BOOLEAN_TYPE, tcli.TTypeId_FLOAT_TYPE, tcli.TTypeId_DECIMAL_TYPE}
	cols := md.Schema.Columns
	if len(cols) != len(wantTypes) {
		t.Fatalf("%d columns", len(cols))
	}
	for i, w := range wantTypes {
		if got := cols[i].TypeDesc.Types[0].PrimitiveEntry.Type; got != w {
			t.Errorf("column %s: type %v, want %v", cols[i].ColumnName, got, w)
		}
	}
	q := cols[2].TypeDesc.Types[0].PrimitiveEntry.TypeQualifiers.Qualifiers
	if q["precision"].GetI32Value() != 10 || q["scale"].GetI32Value() != 2 {
		t.Errorf("decimal qualifiers %v", q)
	}
	rs := dr.ResultSet
	if rs.GetHasMoreRows() {
		t.Error("hasMoreRows")
	}
	recs := decode(t, md.ArrowSchema, rs.Results.ArrowBatches, false)
	if len(recs) != 1 || recs[0].NumRows() != 1 {
		t.Fatalf("records %v", recs)
	}
	r := recs[0]
	checks := []struct {
		col  int
		typ  arrow.DataType
		want string
	}{
		{0, arrow.PrimitiveTypes.Int64, "42"},
		{1, arrow.BinaryTypes.String, "hi"},
		{2, &arrow.Decimal128Type{Precision: 10, Scale: 2}, "12.50"},
		{3, arrow.FixedWidthTypes.Date32, "2024-02-29"},
		{4, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, "2024-01-02T03:04:05.123456Z"},
		{5, arrow.PrimitiveTypes.Int32, "(null)"},
		{6, arrow.BinaryTypes.String, "[1,2]"},
		{7, arrow.BinaryTypes.String, `{"x":1,"y":"a\"b"}`},
		{8, arrow.BinaryTypes.String, `{"k":1.5}`},
		{9, arrow.BinaryTypes.String, "3 days"},
		{11, arrow.FixedWidthTypes.Boolean, "true"},
		{13, &arrow.Decimal128Type{Precision: 38, Scale: 0}, "170141183460469231731687303715884105727"},
	}
	for _, ck := range checks {
		col := r.Column(ck.col)
		if !arrow.TypeEqual(col.DataType(), ck.typ) {
			t.Errorf("column %d: arrow type %v, want %v", ck.col, col.DataType(), ck.typ)
			continue
		}
		got := col.ValueStr(0)
		if d, ok := col.(*array.Decimal128); ok {
			got = d.Value(0).ToString(d.DataType().(*arrow.Decimal128Type).Scale)
		}
		if got != ck.want {
			t.Errorf("column %d: %q, want %q", ck.col, got, ck.want)
		}
	}
	if b := r.Column(10).(*array.Binary).Value(0); string(b) != "\x01\x02" {
		t.Errorf("binary %q", b)
	}
	if s.OpenOperations() != 0 {
		t.Errorf("%d operations left after closeOperation", s.OpenOperations())
	}
}

func TestDecimalAsString(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	sess := open(t, c)
	req := arrowReq(sess, "SELECT -0.05::DECIMAL(5,2) AS d", 10)
	req.UseArrowNativeTypes = nil
	dr := exec(t, c, req).DirectResults
	recs := decode(t, dr.ResultSetMetadata.ArrowSchema, dr.ResultSet.Results.ArrowBatches, false)
	col := recs[0].Column(0)
	if col.DataType().ID() != arrow.STRING || col.ValueStr(0) != "-0.05" {
		t.Fatalf("%v %q", col.DataType(), col.ValueStr(0))
	}
}

func TestBareNullIsVoid(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	sess := open(t, c)
	req := arrowReq(sess, "SELECT NULL AS v, NULL::INTEGER AS i, ? AS p;", 10)
	req.Parameters = []*tcli.TSparkParameter{param("", 1, "INT", ptr("1"))}
	dr := exec(t, c, req).DirectResults
	cols := dr.ResultSetMetadata.Schema.Columns
	if got := cols[0].TypeDesc.Types[0].PrimitiveEntry.Type; got != tcli.TTypeId_NULL_TYPE {
		t.Errorf("bare NULL: %v", got)
	}
	if got := cols[1].TypeDesc.Types[0].PrimitiveEntry.Type; got != tcli.TTypeId_INT_TYPE {
		t.Errorf("NULL::INTEGER: %v", got)
	}
	recs := decode(t, dr.ResultSetMetadata.ArrowSchema, dr.ResultSet.Results.ArrowBatches, false)
	if !recs[0].Column(0).IsNull(0) || recs[0].Column(0).DataType().ID() != arrow.STRING {
		t.Errorf("void column %v", recs[0].Column(0))
	}
}
