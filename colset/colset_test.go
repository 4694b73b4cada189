package colset

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/asyncsql/databricks/thrift/tcli"
)

func boolCol(v []bool, nulls ...byte) *tcli.TColumn {
	return &tcli.TColumn{BoolVal: &tcli.TBoolColumn{Values: v, Nulls: nulls}}
}
func byteCol(v []int8, nulls ...byte) *tcli.TColumn {
	return &tcli.TColumn{ByteVal: &tcli.TByteColumn{Values: v, Nulls: nulls}}
}
func i16Col(v []int16, nulls ...byte) *tcli.TColumn {
	return &tcli.TColumn{I16Val: &tcli.TI16Column{Values: v, Nulls: nulls}}
}
func i32Col(v []int32, nulls ...byte) *tcli.TColumn {
	return &tcli.TColumn{I32Val: &tcli.TI32Column{Values: v, Nulls: nulls}}
}
func i64Col(v []int64, nulls ...byte) *tcli.TColumn {
	return &tcli.TColumn{I64Val: &tcli.TI64Column{Values: v, Nulls: nulls}}
}
func dblCol(v []float64, nulls ...byte) *tcli.TColumn {
	return &tcli.TColumn{DoubleVal: &tcli.TDoubleColumn{Values: v, Nulls: nulls}}
}
func strCol(v []string, nulls ...byte) *tcli.TColumn {
	return &tcli.TColumn{StringVal: &tcli.TStringColumn{Values: v, Nulls: nulls}}
}
func binCol(v [][]byte, nulls ...byte) *tcli.TColumn {
	return &tcli.TColumn{BinaryVal: &tcli.TBinaryColumn{Values: v, Nulls: nulls}}
}

var ny = func() *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		return time.FixedZone("EST", -5*3600)
	}
	return loc
}()

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestDecodeTypes(t *testing.T) {
	tests := []struct {
		name string
		typ  ColumnType
		loc  *time.Location
		col  *tcli.TColumn
		want []any
	}{
		{"boolean", ColumnType{Type: tcli.TTypeId_BOOLEAN_TYPE}, nil, boolCol([]bool{true, false, true}, 0b100), []any{true, false, nil}},
		{"tinyint", ColumnType{Type: tcli.TTypeId_TINYINT_TYPE}, nil, byteCol([]int8{math.MinInt8, math.MaxInt8, 0}, 0b100), []any{int8(math.MinInt8), int8(math.MaxInt8), nil}},
		{"smallint", ColumnType{Type: tcli.TTypeId_SMALLINT_TYPE}, nil, i16Col([]int16{math.MinInt16, math.MaxInt16, 0}, 0b100), []any{int16(math.MinInt16), int16(math.MaxInt16), nil}},
		{"int", ColumnType{Type: tcli.TTypeId_INT_TYPE}, nil, i32Col([]int32{math.MinInt32, math.MaxInt32, 0}, 0b100), []any{int32(math.MinInt32), int32(math.MaxInt32), nil}},
		{"bigint", ColumnType{Type: tcli.TTypeId_BIGINT_TYPE}, nil, i64Col([]int64{math.MinInt64, math.MaxInt64, 0}, 0b100), []any{int64(math.MinInt64), int64(math.MaxInt64), nil}},
		{"float from double", ColumnType{Type: tcli.TTypeId_FLOAT_TYPE}, nil, dblCol([]float64{-1.5, math.MaxFloat32, 0}, 0b100), []any{float32(-1.5), float32(math.MaxFloat32), nil}},
		{"double", ColumnType{Type: tcli.TTypeId_DOUBLE_TYPE}, nil, dblCol([]float64{math.Inf(-1), math.SmallestNonzeroFloat64, 0}, 0b100), []any{math.Inf(-1), math.SmallestNonzeroFloat64, nil}},
		{"string", ColumnType{Type: tcli.TTypeId_STRING_TYPE}, nil, strCol([]string{"héllo", "", ""}, 0b100), []any{"héllo", "", nil}},
		{"varchar", ColumnType{Type: tcli.TTypeId_VARCHAR_TYPE}, nil, strCol([]string{"v"}), []any{"v"}},
		{"char", ColumnType{Type: tcli.TTypeId_CHAR_TYPE}, nil, strCol([]string{"c "}), []any{"c "}},
		{"binary", ColumnType{Type: tcli.TTypeId_BINARY_TYPE}, nil, binCol([][]byte{{0, 255}, {}, nil}, 0b100), []any{[]byte{0, 255}, []byte{}, nil}},
		{"decimal", ColumnType{Type: tcli.TTypeId_DECIMAL_TYPE, Scale: 2}, nil,
			strCol([]string{"-12.5", "0.05", "999.99", "7", "+1.234", "", "-0.00", "99999999999999999999999999999999999999"}, 0b100000),
			[]any{"-12.50", "0.05", "999.99", "7.00", "1.234", nil, "-0.00", "99999999999999999999999999999999999999.00"}},
		{"decimal scale 0", ColumnType{Type: tcli.TTypeId_DECIMAL_TYPE}, nil, strCol([]string{"-5", "+5"}), []any{"-5", "5"}},
		{"date", ColumnType{Type: tcli.TTypeId_DATE_TYPE}, ny, strCol([]string{"2024-02-29", "0001-01-01", "9999-12-31", "garbage"}, 0b1000),
			[]any{date(2024, 2, 29), date(1, 1, 1), date(9999, 12, 31), nil}},
		{"timestamp utc", ColumnType{Type: tcli.TTypeId_TIMESTAMP_TYPE}, nil,
			strCol([]string{"2023-11-14 22:13:20.123456", "1969-12-31 23:59:59", "2000-01-01T00:00:00.5", "0001-01-01 00:00:00.000000001"}),
			[]any{time.Date(2023, 11, 14, 22, 13, 20, 123456000, time.UTC), time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC),
				time.Date(2000, 1, 1, 0, 0, 0, 500000000, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)}},
		{"timestamp location", ColumnType{Type: tcli.TTypeId_TIMESTAMP_TYPE}, ny, strCol([]string{"2023-07-01 12:00:00", ""}, 0b10),
			[]any{time.Date(2023, 7, 1, 12, 0, 0, 0, time.UTC).In(ny), nil}},
		{"timestamp with zone", ColumnType{Type: tcli.TTypeId_TIMESTAMP_TYPE}, ny,
			strCol([]string{"2023-07-01T12:00:00Z", "2023-07-01 12:00:00.25+02:00", "2023-07-01 12:00:00-0130"}),
			[]any{time.Date(2023, 7, 1, 8, 0, 0, 0, ny), time.Date(2023, 7, 1, 6, 0, 0, 250000000, ny), time.Date(2023, 7, 1, 9, 30, 0, 0, ny)}},
		{"interval ym", ColumnType{Type: tcli.TTypeId_INTERVAL_YEAR_MONTH_TYPE}, nil, strCol([]string{"1-2", "-0-1"}), []any{"1-2", "-0-1"}},
		{"interval dt", ColumnType{Type: tcli.TTypeId_INTERVAL_DAY_TIME_TYPE}, nil, strCol([]string{"1 02:03:04.000000000"}), []any{"1 02:03:04.000000000"}},
		{"array", ColumnType{Type: tcli.TTypeId_ARRAY_TYPE}, nil, strCol([]string{`[1,2,null]`, ""}, 0b10), []any{`[1,2,null]`, nil}},
		{"map", ColumnType{Type: tcli.TTypeId_MAP_TYPE}, nil, strCol([]string{`{"a":1}`}), []any{`{"a":1}`}},
		{"struct", ColumnType{Type: tcli.TTypeId_STRUCT_TYPE}, nil, strCol([]string{`{"x":"y"}`}), []any{`{"x":"y"}`}},
		{"null type", ColumnType{Type: tcli.TTypeId_NULL_TYPE}, nil, strCol([]string{"", ""}, 0b11), []any{nil, nil}},
		{"null type any member", ColumnType{Type: tcli.TTypeId_NULL_TYPE}, nil, boolCol([]bool{false}), []any{nil}},
		{"short bitmap", ColumnType{Type: tcli.TTypeId_INT_TYPE}, nil,
			i32Col([]int32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 0b10000001), []any{nil, int32(1), int32(2), int32(3), int32(4), int32(5), int32(6), nil, int32(8), int32(9)}},
		{"long bitmap", ColumnType{Type: tcli.TTypeId_INT_TYPE}, nil,
			i32Col([]int32{1, 2}, 0b10, 0xff, 0xff), []any{int32(1), nil}},
		{"empty", ColumnType{Type: tcli.TTypeId_INT_TYPE}, nil, i32Col(nil), []any{}},
		{"unknown type", ColumnType{Type: tcli.TTypeId(99)}, nil, i64Col([]int64{7}), []any{int64(7)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Decode([]*tcli.TColumn{tt.col}, []ColumnType{tt.typ}, Options{Location: tt.loc})
			if err != nil {
				t.Fatal(err)
			}
			if p.NumRows() != len(tt.want) || p.NumColumns() != 1 {
				t.Fatalf("rows, columns = %d, %d; want %d, 1", p.NumRows(), p.NumColumns(), len(tt.want))
			}
			for i, want := range tt.want {
				got := p.Value(0, i)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("row %d = %#v, want %#v", i, got, want)
				}
				if tm, ok := got.(time.Time); ok {
					wl := time.UTC
					if tt.typ.Type == tcli.TTypeId_TIMESTAMP_TYPE && tt.loc != nil {
						wl = tt.loc
					}
					if tm.Location() != wl {
						t.Errorf("row %d location = %v, want %v", i, tm.Location(), wl)
					}
				}
			}
		})
	}
}

func TestBinaryIsCopied(t *testing.T) {
	src := []byte{1, 2, 3}
	p, err := Decode([]*tcli.TColumn{binCol([][]byte{src})}, []ColumnType{{Type: tcli.TTypeId_BINARY_TYPE}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := p.Value(0, 0).([]byte)
	b[0] = 9
	if src[0] != 1 || p.Value(0, 0).([]byte)[0] != 1 {
		t.Fatal("Value aliases the page's bytes")
	}
}

func TestDecodeMultipleColumns(t *testing.T) {
	types := []ColumnType{{Type: tcli.TTypeId_INT_TYPE}, {Type: tcli.TTypeId_STRING_TYPE}, {Type: tcli.TTypeId_DECIMAL_TYPE, Scale: 1}}
	d, err := NewDecoder(types, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := d.Decode([]*tcli.TColumn{i32Col([]int32{1, 2}), strCol([]string{"a", ""}, 2), strCol([]string{"1", "-2.5"})})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{{int32(1), "a", "1.0"}, {int32(2), nil, "-2.5"}}
	for r, row := range want {
		for c, w := range row {
			if got := p.Value(c, r); !reflect.DeepEqual(got, w) {
				t.Errorf("(%d,%d) = %#v, want %#v", c, r, got, w)
			}
		}
	}
	// A page without columns is empty, whatever the schema.
	p, err = d.Decode(nil)
	if err != nil || p.NumRows() != 0 || p.NumColumns() != 0 {
		t.Fatalf("empty page: %v, %v", p, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	intT := ColumnType{Type: tcli.TTypeId_INT_TYPE}
	tests := []struct {
		name  string
		cols  []*tcli.TColumn
		types []ColumnType
		want  string
	}{
		{"column count", []*tcli.TColumn{i32Col([]int32{1})}, []ColumnType{intT, intT}, "page has 1 columns, schema has 2"},
		{"lengths differ", []*tcli.TColumn{i32Col([]int32{1}), i32Col([]int32{1, 2})}, []ColumnType{intT, intT}, "column 1 has 2 rows"},
		{"nil column", []*tcli.TColumn{nil}, []ColumnType{intT}, "missing"},
		{"no member", []*tcli.TColumn{{}}, []ColumnType{intT}, "0 union members"},
		{"two members", []*tcli.TColumn{{I32Val: &tcli.TI32Column{}, I64Val: &tcli.TI64Column{}}}, []ColumnType{intT}, "2 union members"},
		{"wrong family", []*tcli.TColumn{i64Col([]int64{1})}, []ColumnType{intT}, "got i64Val, want i32Val"},
		{"float as float", []*tcli.TColumn{i32Col([]int32{1})}, []ColumnType{{Type: tcli.TTypeId_FLOAT_TYPE}}, "want doubleVal"},
		{"decimal as double", []*tcli.TColumn{dblCol([]float64{1})}, []ColumnType{{Type: tcli.TTypeId_DECIMAL_TYPE}}, "want stringVal"},
		{"scale", []*tcli.TColumn{strCol(nil)}, []ColumnType{{Type: tcli.TTypeId_DECIMAL_TYPE, Scale: -1}}, "scale -1"},
	}
	for _, s := range []string{"", "1.", ".5", "1e5", "--1", "1.2.3", "NaN", " 1", "１"} {
		tests = append(tests, struct {
			name  string
			cols  []*tcli.TColumn
			types []ColumnType
			want  string
		}{"decimal " + s, []*tcli.TColumn{strCol([]string{"1", s})}, []ColumnType{{Type: tcli.TTypeId_DECIMAL_TYPE, Scale: 2}}, "row 1: invalid text for DECIMAL"})
	}
	for _, s := range []string{"", "2023-02-29", "2023-13-01", "2023-00-10", "2023-1-01", "2023-01-01 ", "20230101", "abcd-ef-gh"} {
		tests = append(tests, struct {
			name  string
			cols  []*tcli.TColumn
			types []ColumnType
			want  string
		}{"date " + s, []*tcli.TColumn{strCol([]string{s})}, []ColumnType{{Type: tcli.TTypeId_DATE_TYPE}}, "row 0: invalid text for DATE"})
	}
	for _, s := range []string{"", "2023-01-01", "2023-01-01 24:00:00", "2023-01-01 00:60:00", "2023-01-01 00:00:60",
		"2023-01-01 00:00:00.", "2023-01-01 00:00:00.1234567890", "2023-01-01 00:00:00z", "2023-01-01x00:00:00", "2023-01-01 00:00:00.-1",
		"2023-01-01 00:00:00+1:00", "2023-01-01 00:00:00+19:00", "2023-01-01 00:00:00+01:60", "2023-01-01 00:00:00+01-00", "2023-01-01 00:00:00.5 ",
		"2023-01-01 00:00:00Z ", "2023-01-01 00:00:00+01:00:00"} {
		tests = append(tests, struct {
			name  string
			cols  []*tcli.TColumn
			types []ColumnType
			want  string
		}{"timestamp " + s, []*tcli.TColumn{strCol([]string{s})}, []ColumnType{{Type: tcli.TTypeId_TIMESTAMP_TYPE}}, "row 0: invalid text for TIMESTAMP"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Decode(tt.cols, tt.types, Options{})
			if err == nil {
				t.Fatalf("no error, page %+v", p)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
		})
	}
	_, err := Decode([]*tcli.TColumn{i64Col(nil)}, []ColumnType{intT}, Options{})
	if !errors.Is(err, errFamily) {
		t.Fatalf("errors.Is(%v, errFamily) = false", err)
	}
}

func TestDecodeDoesNotLeakText(t *testing.T) {
	_, err := Decode([]*tcli.TColumn{strCol([]string{"secret-value"})}, []ColumnType{{Type: tcli.TTypeId_DATE_TYPE}}, Options{})
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("err = %v", err)
	}
}

// TestParseTimestampMatchesTimePackage compares the hand-written TIMESTAMP
// and DATE parsers with package time on generated text.
func TestParseTimestampMatchesTimePackage(t *testing.T) {
	const layout = "2006-01-02 15:04:05.999999999"
	base := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 20000 {
		// Spread instants over years 1..9999 with varying fractions.
		tm := base.AddDate(0, 0, i*181).Add(time.Duration(i) * 1234567891)
		if tm.Year() > 9999 {
			break
		}
		for _, frac := range []string{"", ".5", ".123456", ".000000001"} {
			s := tm.Format("2006-01-02 15:04:05") + frac
			for _, loc := range []*time.Location{time.UTC, ny} {
				want, err := time.ParseInLocation(layout, s, loc)
				if err != nil {
					t.Fatal(err)
				}
				got, err := parseTimestamp(s, loc)
				if err != nil || !got.Equal(want) || got.Location() != want.Location() {
					t.Fatalf("parseTimestamp(%q) = %v, %v; want %v", s, got, err, want)
				}
			}
		}
		ds := tm.Format(time.DateOnly)
		want, _ := time.Parse(time.DateOnly, ds)
		if got, err := parseDate(ds); err != nil || !got.Equal(want) {
			t.Fatalf("parseDate(%q) = %v, %v; want %v", ds, got, err, want)
		}
	}
}

// TestTextZone: TIMESTAMP text is read in the server's session zone and
// returned in Location.
func TestTextZone(t *testing.T) {
	p, err := Decode([]*tcli.TColumn{strCol([]string{"2023-07-01 12:00:00"})},
		[]ColumnType{{Type: tcli.TTypeId_TIMESTAMP_TYPE}}, Options{TextZone: ny})
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2023, 7, 1, 12, 0, 0, 0, ny).UTC()
	if got := p.Value(0, 0); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestRowCount(t *testing.T) {
	for _, tt := range []struct {
		name string
		rs   *tcli.TRowSet
		want int
	}{
		{"nil", nil, 0},
		{"arrow batches", &tcli.TRowSet{ArrowBatches: []*tcli.TSparkArrowBatch{{RowCount: 3}, nil, {RowCount: 4}}}, 7},
		{"columns", &tcli.TRowSet{Columns: []*tcli.TColumn{boolCol([]bool{true, false})}}, 2},
		{"rows", &tcli.TRowSet{Rows: []*tcli.TRow{{}, {}, {}}}, 3},
		{"result links", &tcli.TRowSet{ResultLinks: []*tcli.TSparkArrowResultLink{{RowCount: 5}}}, 0},
	} {
		if got := RowCount(tt.rs); got != tt.want {
			t.Errorf("%s: got %d rows, want %d", tt.name, got, tt.want)
		}
	}
}
