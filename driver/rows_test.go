package driver

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

func collectInts(t *testing.T, rows *sql.Rows) []int64 {
	t.Helper()
	var got []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestArrowPages(t *testing.T) {
	cases := []struct {
		name        string
		proto       tcli.TProtocolVersion
		lz4         bool
		closeInline bool
		pages       [][][]int64
		wantFetches int
		wantCloses  int
	}{
		{"direct+2 pages", tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, false, false, [][][]int64{{{1, 2, 3}}, {{4, 5}, {6}}, {{7}}}, 2, 1},
		{"lz4", tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V6, true, false, [][][]int64{{{1, 2, 3}}, {{4, 5}, {6}}, {{7}}}, 2, 1},
		{"inline close", tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, true, true, [][][]int64{{{1, 2}, {3}}}, 0, 0},
		{"empty batches page", tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, false, false, [][][]int64{{{1}}, {}, {{2}}}, 2, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newHTTPEnv(t, c.proto)
			var schema *arrow.Schema
			var pages [][]arrow.RecordBatch
			var want []int64
			for _, p := range c.pages {
				var recs []arrow.RecordBatch
				for _, b := range p {
					want = append(want, b...)
				}
				schema, recs = int64Records(p...)
				pages = append(pages, recs)
			}
			s := arrowScript(t, tableSchema(colDesc{name: "n", typ: tcli.TTypeId_BIGINT_TYPE}), schema, c.lz4, pages...)
			s.CloseInline = c.closeInline
			e.fake.Script("q", s)
			rows, err := e.db(t).QueryContext(context.Background(), "q")
			if err != nil {
				t.Fatal(err)
			}
			got := collectInts(t, rows)
			rows.Close()
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("got %v want %v", got, want)
			}
			if n := e.fake.Count(tclitest.FetchResults); n != c.wantFetches {
				t.Errorf("FetchResults %d, want %d", n, c.wantFetches)
			}
			if n := e.fake.Count(tclitest.CloseOperation); n != c.wantCloses {
				t.Errorf("CloseOperation %d, want %d", n, c.wantCloses)
			}
			for _, fr := range tclitest.Received[*tcli.TFetchResultsReq](e.fake) {
				if fr.MaxRows != 1000 || fr.Orientation != tcli.TFetchOrientation_FETCH_NEXT {
					t.Errorf("fetch req %v", fr)
				}
			}
			ex := tclitest.Received[*tcli.TExecuteStatementReq](e.fake)[0]
			if ex.GetDirectResults == nil || ex.GetDirectResults.MaxRows != 1000 {
				t.Errorf("direct results %v", ex.GetDirectResults)
			}
			if ex.GetCanDecompressLZ4Result_() != true {
				t.Errorf("lz4 not offered")
			}
		})
	}
}

// TestColumnPagesSparkPaging: hasMoreRows is always false; the driver fetches
// until an empty page.
func TestColumnPagesSparkPaging(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10)
	s := intScript(0)
	s.SparkPaging = true
	s.Pages = []*tcli.TRowSet{colPage(i32Col([]byte{0}, 1, 2)), colPage(i32Col([]byte{0x2}, 3, 0)), colPage(i32Col(nil, 5))}
	e.fake.Script("q", s)
	rows, err := e.db(t).QueryContext(context.Background(), "q")
	if err != nil {
		t.Fatal(err)
	}
	var got []any
	for rows.Next() {
		var v sql.NullInt32
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v.Valid {
			got = append(got, v.Int32)
		} else {
			got = append(got, nil)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if fmt.Sprint(got) != "[1 2 3 <nil> 5]" {
		t.Fatalf("got %v", got)
	}
	if n := e.fake.Count(tclitest.FetchResults); n != 4 {
		t.Errorf("FetchResults %d, want 4", n)
	}
	if n := e.fake.Count(tclitest.CloseOperation); n != 1 {
		t.Errorf("CloseOperation %d", n)
	}
	ex := tclitest.Received[*tcli.TExecuteStatementReq](e.fake)[0]
	if ex.GetDirectResults != nil || ex.CanReadArrowResult_ != nil || !ex.RunAsync {
		t.Errorf("old server got Spark features: %+v", ex)
	}
}

// TestEarlyClose: closing rows before EOF stops the read-ahead and closes the
// operation exactly once.
func TestEarlyClose(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	schema, p1 := int64Records([]int64{1, 2})
	_, p2 := int64Records([]int64{3})
	_, p3 := int64Records([]int64{4})
	e.fake.Script("q", arrowScript(t, tableSchema(colDesc{name: "n", typ: tcli.TTypeId_BIGINT_TYPE}), schema, false, p1, p2, p3))
	rows, err := e.db(t).QueryContext(context.Background(), "q")
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatal(rows.Err())
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Count(tclitest.CloseOperation); n != 1 {
		t.Errorf("CloseOperation %d", n)
	}
	// At most one page read ahead.
	if n := e.fake.Count(tclitest.FetchResults); n > 1 {
		t.Errorf("FetchResults %d, want <= 1", n)
	}
}

func mustDecimal(t testing.TB, s string, p, sc int32) decimal128.Num {
	n, err := decimal128.FromString(s, p, sc)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestArrowTypes checks every type (and NULL) through the Arrow path,
// including the column metadata of the plan.
func TestArrowTypes(t *testing.T) {
	ts := tableSchema(
		colDesc{name: "b", typ: tcli.TTypeId_BOOLEAN_TYPE},
		colDesc{name: "i8", typ: tcli.TTypeId_TINYINT_TYPE},
		colDesc{name: "i16", typ: tcli.TTypeId_SMALLINT_TYPE},
		colDesc{name: "i32", typ: tcli.TTypeId_INT_TYPE},
		colDesc{name: "i64", typ: tcli.TTypeId_BIGINT_TYPE},
		colDesc{name: "f32", typ: tcli.TTypeId_FLOAT_TYPE},
		colDesc{name: "f64", typ: tcli.TTypeId_DOUBLE_TYPE},
		colDesc{name: "s", typ: tcli.TTypeId_STRING_TYPE},
		colDesc{name: "vc", typ: tcli.TTypeId_VARCHAR_TYPE, length: 10},
		colDesc{name: "bin", typ: tcli.TTypeId_BINARY_TYPE},
		colDesc{name: "d", typ: tcli.TTypeId_DATE_TYPE},
		colDesc{name: "ts", typ: tcli.TTypeId_TIMESTAMP_TYPE},
		colDesc{name: "dec", typ: tcli.TTypeId_DECIMAL_TYPE, precision: 10, scale: 2},
		colDesc{name: "arr", typ: tcli.TTypeId_ARRAY_TYPE},
		colDesc{name: "nul", typ: tcli.TTypeId_NULL_TYPE},
	)
	fields := []arrow.Field{
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "i16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: false},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "vc", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
		{Name: "arr", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "nul", Type: arrow.Null, Nullable: true},
	}
	schema := arrow.NewSchema(fields, nil)
	rb := array.NewRecordBuilder(alloc, schema)
	defer rb.Release()
	day := time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)
	stamp := time.Date(2024, 1, 31, 10, 11, 12, 123456000, time.UTC)
	rb.Field(0).(*array.BooleanBuilder).AppendValues([]bool{true, false}, []bool{true, false})
	rb.Field(1).(*array.Int8Builder).AppendValues([]int8{-8, 0}, []bool{true, false})
	rb.Field(2).(*array.Int16Builder).AppendValues([]int16{-16, 0}, []bool{true, false})
	rb.Field(3).(*array.Int32Builder).AppendValues([]int32{-32, 0}, []bool{true, false})
	rb.Field(4).(*array.Int64Builder).AppendValues([]int64{math.MaxInt64, 0}, nil)
	rb.Field(5).(*array.Float32Builder).AppendValues([]float32{1.5, 0}, []bool{true, false})
	rb.Field(6).(*array.Float64Builder).AppendValues([]float64{2.25, 0}, []bool{true, false})
	rb.Field(7).(*array.StringBuilder).AppendValues([]string{"héllo", ""}, []bool{true, false})
	rb.Field(8).(*array.StringBuilder).AppendValues([]string{"vc", ""}, []bool{true, false})
	rb.Field(9).(*array.BinaryBuilder).AppendValues([][]byte{{0, 1, 2}, nil}, []bool{true, false})
	rb.Field(10).(*array.Date32Builder).AppendValues([]arrow.Date32{arrow.Date32FromTime(day), 0}, []bool{true, false})
	rb.Field(11).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(stamp.UnixMicro()), 0}, []bool{true, false})
	rb.Field(12).(*array.Decimal128Builder).AppendValues([]decimal128.Num{mustDecimal(t, "-12.50", 10, 2), {}}, []bool{true, false})
	rb.Field(13).(*array.StringBuilder).AppendValues([]string{`[1,2,3]`, ""}, []bool{true, false})
	rb.Field(14).(*array.NullBuilder).AppendNulls(2)
	rec := rb.NewRecordBatch()

	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, func(c *Config) { c.Location = loc })
	e.fake.Script("q", arrowScript(t, ts, schema, true, []arrow.RecordBatch{rec}))
	rows, err := e.db(t).QueryContext(context.Background(), "q")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	wantTypes := []struct {
		name     string
		scan     any
		nullable bool
	}{
		{"BOOLEAN", false, true}, {"TINYINT", int8(0), true}, {"SMALLINT", int16(0), true}, {"INT", int32(0), true},
		{"BIGINT", int64(0), false}, {"FLOAT", float32(0), true}, {"DOUBLE", float64(0), true}, {"STRING", "", true},
		{"VARCHAR", "", true}, {"BINARY", []byte(nil), true}, {"DATE", time.Time{}, true}, {"TIMESTAMP", time.Time{}, true},
		{"DECIMAL", "", true}, {"ARRAY", "", true}, {"VOID", nil, true},
	}
	for i, ct := range types {
		w := wantTypes[i]
		if ct.DatabaseTypeName() != w.name {
			t.Errorf("col %d type %s want %s", i, ct.DatabaseTypeName(), w.name)
		}
		wantScan := reflect.TypeFor[any]()
		if w.scan != nil {
			wantScan = reflect.TypeOf(w.scan)
		}
		if ct.ScanType() != wantScan {
			t.Errorf("col %d scan %v want %v", i, ct.ScanType(), wantScan)
		}
		if n, ok := ct.Nullable(); !ok || n != w.nullable {
			t.Errorf("col %d nullable %v %v", i, n, ok)
		}
	}
	if p, s, ok := types[12].DecimalSize(); !ok || p != 10 || s != 2 {
		t.Errorf("decimal size %d %d %v", p, s, ok)
	}
	if _, _, ok := types[3].DecimalSize(); ok {
		t.Errorf("INT has decimal size")
	}
	if n, ok := types[8].Length(); !ok || n != 10 {
		t.Errorf("varchar length %d %v", n, ok)
	}
	if n, ok := types[7].Length(); !ok || n != math.MaxInt64 {
		t.Errorf("string length %d %v", n, ok)
	}
	if _, ok := types[3].Length(); ok {
		t.Errorf("INT has length")
	}

	vals := make([]any, len(fields))
	ptrs := make([]any, len(fields))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if !rows.Next() {
		t.Fatal(rows.Err())
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	want := []any{true, int8(-8), int16(-16), int32(-32), int64(math.MaxInt64), float32(1.5), 2.25, "héllo", "vc",
		[]byte{0, 1, 2}, day, stamp.In(loc), "-12.50", "[1,2,3]", nil}
	for i := range want {
		if !reflect.DeepEqual(vals[i], want[i]) {
			t.Errorf("col %d = %#v (%T), want %#v", i, vals[i], vals[i], want[i])
		}
	}
	if ts := vals[11].(time.Time); ts.Location().String() != "Europe/Paris" {
		t.Errorf("timestamp location %v", ts.Location())
	}
	if !rows.Next() {
		t.Fatal(rows.Err())
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	for i, v := range vals {
		if i == 4 {
			continue
		}
		if v != nil {
			t.Errorf("col %d = %#v, want NULL", i, v)
		}
	}
	var d Decimal
	var arr JSON[[]int]
	if err := e.db(t).QueryRowContext(context.Background(), "q").Scan(new(any), new(any), new(any), new(any), new(any), new(any), new(any), new(any), new(any), new(any), new(any), new(any), &d, &arr, new(any)); err != nil {
		t.Fatal(err)
	}
	if d.String() != "-12.50" || fmt.Sprint(arr.V) != "[1 2 3]" || !arr.Valid {
		t.Errorf("decimal %s json %v", d, arr)
	}
}

// TestColumnTypes checks the Hive text forms of a column-based server.
func TestColumnTypes(t *testing.T) {
	ts := tableSchema(
		colDesc{name: "b", typ: tcli.TTypeId_BOOLEAN_TYPE},
		colDesc{name: "i8", typ: tcli.TTypeId_TINYINT_TYPE},
		colDesc{name: "i16", typ: tcli.TTypeId_SMALLINT_TYPE},
		colDesc{name: "i64", typ: tcli.TTypeId_BIGINT_TYPE},
		colDesc{name: "f32", typ: tcli.TTypeId_FLOAT_TYPE},
		colDesc{name: "f64", typ: tcli.TTypeId_DOUBLE_TYPE},
		colDesc{name: "bin", typ: tcli.TTypeId_BINARY_TYPE},
		colDesc{name: "dec", typ: tcli.TTypeId_DECIMAL_TYPE, precision: 5, scale: 2},
		colDesc{name: "d", typ: tcli.TTypeId_DATE_TYPE},
		colDesc{name: "ts", typ: tcli.TTypeId_TIMESTAMP_TYPE},
		colDesc{name: "m", typ: tcli.TTypeId_MAP_TYPE},
		colDesc{name: "iv", typ: tcli.TTypeId_INTERVAL_DAY_TIME_TYPE},
		colDesc{name: "c", typ: tcli.TTypeId_CHAR_TYPE, length: 3},
	)
	page := colPage(
		&tcli.TColumn{BoolVal: &tcli.TBoolColumn{Values: []bool{true, false}, Nulls: []byte{2}}},
		&tcli.TColumn{ByteVal: &tcli.TByteColumn{Values: []int8{7, 0}, Nulls: []byte{2}}},
		&tcli.TColumn{I16Val: &tcli.TI16Column{Values: []int16{300, 0}, Nulls: []byte{2}}},
		&tcli.TColumn{I64Val: &tcli.TI64Column{Values: []int64{1 << 40, 0}, Nulls: []byte{2}}},
		&tcli.TColumn{DoubleVal: &tcli.TDoubleColumn{Values: []float64{0.5, 0}, Nulls: []byte{2}}},
		&tcli.TColumn{DoubleVal: &tcli.TDoubleColumn{Values: []float64{1e300, 0}, Nulls: []byte{2}}},
		&tcli.TColumn{BinaryVal: &tcli.TBinaryColumn{Values: [][]byte{[]byte("ab"), nil}, Nulls: []byte{2}}},
		strCol([]byte{2}, "12.5", ""),
		strCol([]byte{2}, "2024-02-29", ""),
		strCol([]byte{2}, "2024-02-29 23:59:58.5", ""),
		strCol([]byte{2}, `{"a":1}`, ""),
		strCol([]byte{2}, "1 02:03:04.000000000", ""),
		strCol([]byte{2}, "abc", ""),
	)
	e := newHTTPEnv(t, tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10)
	e.fake.Script("q", &tclitest.Script{
		Meta:        &tcli.TGetResultSetMetadataResp{Status: tclitest.OK(), Schema: ts, ResultFormat: ptr(tcli.TSparkRowSetType_COLUMN_BASED_SET)},
		Pages:       []*tcli.TRowSet{page},
		SparkPaging: true,
	})
	rows, err := e.db(t).QueryContext(context.Background(), "q")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	types, _ := rows.ColumnTypes()
	names := ""
	for _, ct := range types {
		names += ct.DatabaseTypeName() + " "
		if _, ok := ct.Nullable(); ok {
			t.Errorf("%s: nullability known without Arrow", ct.Name())
		}
	}
	if names != "BOOLEAN TINYINT SMALLINT BIGINT FLOAT DOUBLE BINARY DECIMAL DATE TIMESTAMP MAP INTERVAL_DAY_TIME CHAR " {
		t.Errorf("types %s", names)
	}
	if p, s, ok := types[7].DecimalSize(); !ok || p != 5 || s != 2 {
		t.Errorf("decimal %d %d", p, s)
	}
	if n, ok := types[12].Length(); !ok || n != 3 {
		t.Errorf("char length %d", n)
	}
	vals := make([]any, len(types))
	ptrs := make([]any, len(types))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	rows.Next()
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	want := []any{true, int8(7), int16(300), int64(1 << 40), float32(0.5), 1e300, []byte("ab"), "12.50",
		time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), time.Date(2024, 2, 29, 23, 59, 58, 500000000, time.UTC), `{"a":1}`, "1 02:03:04.000000000", "abc"}
	for i := range want {
		if !reflect.DeepEqual(vals[i], want[i]) {
			t.Errorf("col %d = %#v, want %#v", i, vals[i], want[i])
		}
	}
	rows.Next()
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	for i, v := range vals {
		if v != nil {
			t.Errorf("col %d = %#v, want NULL", i, v)
		}
	}
	if rows.Next() {
		t.Fatal("extra row")
	}
}
