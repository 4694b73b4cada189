package arrowbatch

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var (
	utc = time.UTC
	ny  = mustLoad("America/New_York")
)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone("EST", -5*3600)
	}
	return loc
}

// columnCase is one column: its type, how to fill it and the values
// expected back.
type columnCase struct {
	name string
	typ  arrow.DataType
	fill func(b array.Builder)
	want []any
}

func ts(s string, loc *time.Location) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.In(loc)
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func columnCases(loc *time.Location) []columnCase {
	dec := func(p, s int32) arrow.DataType { return &arrow.Decimal128Type{Precision: p, Scale: s} }
	return []columnCase{
		{"bool", arrow.FixedWidthTypes.Boolean, func(b array.Builder) {
			b.(*array.BooleanBuilder).AppendValues([]bool{true, false, false}, []bool{true, true, false})
		}, []any{true, false, nil}},
		{"int8", arrow.PrimitiveTypes.Int8, func(b array.Builder) {
			b.(*array.Int8Builder).AppendValues([]int8{math.MinInt8, math.MaxInt8, 0}, []bool{true, true, false})
		}, []any{int8(math.MinInt8), int8(math.MaxInt8), nil}},
		{"int16", arrow.PrimitiveTypes.Int16, func(b array.Builder) {
			b.(*array.Int16Builder).AppendValues([]int16{math.MinInt16, math.MaxInt16, 0}, []bool{true, true, false})
		}, []any{int16(math.MinInt16), int16(math.MaxInt16), nil}},
		{"int32", arrow.PrimitiveTypes.Int32, func(b array.Builder) {
			b.(*array.Int32Builder).AppendValues([]int32{math.MinInt32, math.MaxInt32, 0}, []bool{true, true, false})
		}, []any{int32(math.MinInt32), int32(math.MaxInt32), nil}},
		{"int64", arrow.PrimitiveTypes.Int64, func(b array.Builder) {
			b.(*array.Int64Builder).AppendValues([]int64{math.MinInt64, math.MaxInt64, 0}, []bool{true, true, false})
		}, []any{int64(math.MinInt64), int64(math.MaxInt64), nil}},
		{"float32", arrow.PrimitiveTypes.Float32, func(b array.Builder) {
			b.(*array.Float32Builder).AppendValues([]float32{-1.5, math.MaxFloat32, 0}, []bool{true, true, false})
		}, []any{float32(-1.5), float32(math.MaxFloat32), nil}},
		{"float64", arrow.PrimitiveTypes.Float64, func(b array.Builder) {
			b.(*array.Float64Builder).AppendValues([]float64{math.Inf(-1), math.SmallestNonzeroFloat64, 0}, []bool{true, true, false})
		}, []any{math.Inf(-1), math.SmallestNonzeroFloat64, nil}},
		{"string", arrow.BinaryTypes.String, func(b array.Builder) {
			b.(*array.StringBuilder).AppendValues([]string{"héllo", "", ""}, []bool{true, true, false})
		}, []any{"héllo", "", nil}},
		{"large_string", arrow.BinaryTypes.LargeString, func(b array.Builder) {
			b.(*array.LargeStringBuilder).AppendValues([]string{"a", "", ""}, []bool{true, true, false})
		}, []any{"a", "", nil}},
		{"binary", arrow.BinaryTypes.Binary, func(b array.Builder) {
			b.(*array.BinaryBuilder).AppendValues([][]byte{{0, 1, 255}, {}, nil}, []bool{true, true, false})
		}, []any{[]byte{0, 1, 255}, []byte{}, nil}},
		{"date32", arrow.FixedWidthTypes.Date32, func(b array.Builder) {
			b.(*array.Date32Builder).AppendValues([]arrow.Date32{0, -719162, 2932896}, []bool{true, true, true})
			b.(*array.Date32Builder).AppendNull()
		}, []any{date(1970, 1, 1), date(1, 1, 1), date(9999, 12, 31), nil}},
		{"timestamp_us_utc", &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, func(b array.Builder) {
			b.(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1700000000123456, -1, 0}, []bool{true, true, false})
		}, []any{ts("2023-11-14T22:13:20.123456Z", loc), ts("1969-12-31T23:59:59.999999Z", loc), nil}},
		{"timestamp_s", &arrow.TimestampType{Unit: arrow.Second}, func(b array.Builder) {
			b.(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{86400, -86400}, nil)
		}, []any{ts("1970-01-02T00:00:00Z", loc), ts("1969-12-31T00:00:00Z", loc)}},
		{"timestamp_ms", &arrow.TimestampType{Unit: arrow.Millisecond}, func(b array.Builder) {
			b.(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1500, -1500}, nil)
		}, []any{ts("1970-01-01T00:00:01.5Z", loc), ts("1969-12-31T23:59:58.5Z", loc)}},
		{"timestamp_ns", &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "America/New_York"}, func(b array.Builder) {
			b.(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1, math.MaxInt64}, nil)
		}, []any{ts("1970-01-01T00:00:00.000000001Z", loc), time.Unix(0, math.MaxInt64).In(loc)}},
		{"decimal_5_2", dec(5, 2), func(b array.Builder) {
			b.(*array.Decimal128Builder).AppendValues([]decimal128.Num{
				decimal128.FromI64(-1250), decimal128.FromI64(5), decimal128.FromI64(99999), decimal128.FromI64(0), decimal128.FromI64(-5),
			}, nil)
			b.AppendNull()
		}, []any{"-12.50", "0.05", "999.99", "0.00", "-0.05", nil}},
		{"decimal_38_0", dec(38, 0), func(b array.Builder) {
			b.(*array.Decimal128Builder).AppendValues([]decimal128.Num{
				decimal128.GetMaxValue(38), decimal128.GetMaxValue(38).Negate(), decimal128.FromI64(math.MinInt64),
			}, nil)
		}, []any{strings.Repeat("9", 38), "-" + strings.Repeat("9", 38), "-9223372036854775808"}},
		{"decimal_38_10", dec(38, 10), func(b array.Builder) {
			b.(*array.Decimal128Builder).AppendValues([]decimal128.Num{
				decimal128.New(1, 0), decimal128.New(-1, 0),
			}, nil)
		}, []any{"1844674407.3709551616", "-1844674407.3709551616"}},
		{"null", arrow.Null, func(b array.Builder) {
			b.AppendNull()
			b.AppendNull()
		}, []any{nil, nil}},
		{"list_int", arrow.ListOf(arrow.PrimitiveTypes.Int32), func(b array.Builder) {
			lb := b.(*array.ListBuilder)
			vb := lb.ValueBuilder().(*array.Int32Builder)
			lb.Append(true)
			vb.AppendValues([]int32{1, -2}, nil)
			vb.AppendNull()
			lb.Append(true)
			lb.AppendNull()
		}, []any{"[1,-2,null]", "[]", nil}},
		{"map_string_decimal", arrow.MapOf(arrow.BinaryTypes.String, dec(4, 1)), func(b array.Builder) {
			mb := b.(*array.MapBuilder)
			kb := mb.KeyBuilder().(*array.StringBuilder)
			ib := mb.ItemBuilder().(*array.Decimal128Builder)
			mb.Append(true)
			kb.Append(`a"b`)
			ib.Append(decimal128.FromI64(-15))
			kb.Append("c")
			ib.AppendNull()
			mb.AppendNull()
		}, []any{`{"a\"b":-1.5,"c":null}`, nil}},
		{"struct", arrow.StructOf(
			arrow.Field{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
			arrow.Field{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
			arrow.Field{Name: "l", Type: arrow.ListOf(arrow.FixedWidthTypes.Boolean), Nullable: true},
		), func(b array.Builder) {
			sb := b.(*array.StructBuilder)
			sb.Append(true)
			sb.FieldBuilder(0).(*array.StringBuilder).Append("x\n")
			sb.FieldBuilder(1).(*array.Date32Builder).Append(19000)
			lb := sb.FieldBuilder(2).(*array.ListBuilder)
			lb.Append(true)
			lb.ValueBuilder().(*array.BooleanBuilder).AppendValues([]bool{true, false}, nil)
			sb.AppendNull()
			sb.Append(true)
			sb.FieldBuilder(0).(*array.StringBuilder).AppendNull()
			sb.FieldBuilder(1).(*array.Date32Builder).AppendNull()
			sb.FieldBuilder(2).(*array.ListBuilder).AppendNull()
		}, []any{`{"s":"x\n","d":"2022-01-08","l":[true,false]}`, nil, `{"s":null,"d":null,"l":null}`}},
		{"map_int_misc", arrow.MapOf(arrow.PrimitiveTypes.Int64, arrow.StructOf(
			arrow.Field{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
			arrow.Field{Name: "b", Type: arrow.BinaryTypes.Binary, Nullable: true},
			arrow.Field{Name: "t", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		)), func(b array.Builder) {
			mb := b.(*array.MapBuilder)
			kb := mb.KeyBuilder().(*array.Int64Builder)
			sb := mb.ItemBuilder().(*array.StructBuilder)
			mb.Append(true)
			for _, f := range []float64{math.NaN(), 0.1} {
				kb.Append(-7)
				sb.Append(true)
				sb.FieldBuilder(0).(*array.Float64Builder).Append(f)
				sb.FieldBuilder(1).(*array.BinaryBuilder).Append([]byte("hi\x00"))
				sb.FieldBuilder(2).(*array.TimestampBuilder).Append(1500000)
			}
		}, []any{strings.ReplaceAll(`{"-7":{"f":"NaN","b":"aGkA","t":"T"},"-7":{"f":0.1,"b":"aGkA","t":"T"}}`,
			`"T"`, `"`+time.UnixMilli(1500).In(loc).Format(jsonTimeLayout)+`"`)}},
		{"uint64", arrow.PrimitiveTypes.Uint64, func(b array.Builder) {
			b.(*array.Uint64Builder).AppendValues([]uint64{math.MaxUint64, 0}, []bool{true, false})
		}, []any{uint64(math.MaxUint64), nil}},
		{"date64", arrow.FixedWidthTypes.Date64, func(b array.Builder) {
			b.(*array.Date64Builder).AppendValues([]arrow.Date64{86400000 + 5, -1}, nil)
		}, []any{date(1970, 1, 2), date(1969, 12, 31)}},
		{"string_view", arrow.BinaryTypes.StringView, func(b array.Builder) {
			b.(*array.StringViewBuilder).AppendValues([]string{"short", "a longer string that is not inlined", ""}, []bool{true, true, false})
		}, []any{"short", "a longer string that is not inlined", nil}},
		{"large_binary", arrow.BinaryTypes.LargeBinary, func(b array.Builder) {
			b.(*array.BinaryBuilder).AppendValues([][]byte{{9}, nil}, []bool{true, false})
		}, []any{[]byte{9}, nil}},
		{"decimal64", &arrow.Decimal64Type{Precision: 10, Scale: 3}, func(b array.Builder) {
			b.(*array.Decimal64Builder).AppendValues([]decimal.Decimal64{-1, 123456}, nil)
		}, []any{"-0.001", "123.456"}},
		{"decimal256", &arrow.Decimal256Type{Precision: 76, Scale: 2}, func(b array.Builder) {
			b.(*array.Decimal256Builder).AppendValues([]decimal.Decimal256{decimal256.FromI64(-1250), decimal256.GetMaxValue(76)}, nil)
		}, []any{"-12.50", strings.Repeat("9", 74) + ".99"}},
		{"decimal_negative_scale", &arrow.Decimal128Type{Precision: 5, Scale: -2}, func(b array.Builder) {
			b.(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(-12)}, nil)
		}, []any{"-1200"}},
		{"duration", arrow.FixedWidthTypes.Duration_s, func(b array.Builder) {
			b.(*array.DurationBuilder).AppendValues([]arrow.Duration{90}, nil)
			b.AppendNull()
		}, []any{"90s", nil}},
	}
}

// buildColumn builds the array of c.
func buildColumn(c columnCase) arrow.Array {
	b := array.NewBuilder(memory.DefaultAllocator, c.typ)
	defer b.Release()
	c.fill(b)
	return b.NewArray()
}

func TestDecodeTypes(t *testing.T) {
	for _, loc := range []*time.Location{nil, ny} {
		for _, compress := range []bool{false, true} {
			wantLoc := loc
			if wantLoc == nil {
				wantLoc = utc
			}
			for _, c := range columnCases(wantLoc) {
				t.Run(c.name, func(t *testing.T) {
					arr := buildColumn(c)
					defer arr.Release()
					schema := arrow.NewSchema([]arrow.Field{{Name: c.name, Type: c.typ, Nullable: true}}, nil)
					rec := array.NewRecordBatch(schema, []arrow.Array{arr}, int64(arr.Len()))
					defer rec.Release()

					r, err := newTestReader(encodeSchema(t, schema), compress, Options{Location: loc})
					if err != nil {
						t.Fatal(err)
					}
					defer r.Close()
					got, err := r.Decode(encodeBatch(t, rec, compress))
					if err != nil {
						t.Fatal(err)
					}
					defer got.Release()
					if err := r.Bind(got); err != nil {
						t.Fatal(err)
					}
					if int(got.NumRows()) != len(c.want) {
						t.Fatalf("rows = %d, want %d", got.NumRows(), len(c.want))
					}
					col := r.Columns()[0]
					for i, want := range c.want {
						v := col.Value(i)
						if !reflect.DeepEqual(v, want) {
							t.Errorf("row %d = %#v, want %#v", i, v, want)
						}
						if tm, ok := v.(time.Time); ok && strings.HasPrefix(c.name, "timestamp") {
							if tm.Location() != wantLoc {
								t.Errorf("row %d location = %v, want %v", i, tm.Location(), wantLoc)
							}
						}
					}
				})
			}
		}
	}
}
