package arrowbatch

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// sameValue compares values as Value returns them, NaN equal to itself.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case float32:
		y, ok := b.(float32)
		return ok && math.Float32bits(x) == math.Float32bits(y)
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	}
	return reflect.DeepEqual(a, b)
}

// TestRow reads every column case with Row, in a record that holds all of
// them, and compares with the expected values and with what Value returns;
// before and after Value has converted the batch, and with and without a
// time zone. make test runs it in the default build, which writes interface
// words in place, and with the purego tag, which boxes values plainly.
func TestRow(t *testing.T) {
	for _, loc := range []*time.Location{nil, ny} {
		wantLoc := loc
		if wantLoc == nil {
			wantLoc = utc
		}
		cases := columnCases(wantLoc)
		var fields []arrow.Field
		var arrs []arrow.Array
		rows := 0
		for _, c := range cases {
			rows = max(rows, len(c.want))
		}
		for _, c := range cases {
			b := array.NewBuilder(memory.DefaultAllocator, c.typ)
			c.fill(b)
			for range rows - len(c.want) {
				b.AppendNull()
			}
			arrs = append(arrs, b.NewArray())
			b.Release()
			fields = append(fields, arrow.Field{Name: c.name, Type: c.typ, Nullable: true})
		}
		schema := arrow.NewSchema(fields, nil)
		rec := array.NewRecordBatch(schema, arrs, int64(rows))
		for _, a := range arrs {
			a.Release()
		}
		for _, compress := range []bool{false, true} {
			t.Run(fmt.Sprintf("loc=%v/lz4=%t", loc, compress), func(t *testing.T) {
				r, err := newTestReader(encodeSchema(t, schema), compress, Options{Location: loc})
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				for _, valueFirst := range []bool{false, true} {
					got, err := r.DecodeTransient(encodeBatch(t, rec, compress))
					if err != nil {
						t.Fatal(err)
					}
					if err := r.Bind(got); err != nil {
						t.Fatal(err)
					}
					if valueFirst {
						for _, col := range r.Columns() {
							col.Value(0)
						}
					}
					dest := make([]any, len(cases))
					for i := range rows {
						r.Row(i, dest)
						for c, cs := range cases {
							var want any
							if i < len(cs.want) {
								want = cs.want[i]
							}
							if !sameValue(dest[c], want) {
								t.Errorf("%s row %d = %#v, want %#v", cs.name, i, dest[c], want)
							}
							if v := r.Columns()[c].Value(i); !sameValue(dest[c], v) {
								t.Errorf("%s row %d: Row gave %#v, want Value's %#v", cs.name, i, dest[c], v)
							}
							if tm, ok := dest[c].(time.Time); ok && strings.HasPrefix(cs.name, "timestamp") && tm.Location() != wantLoc {
								t.Errorf("%s row %d location = %v, want %v", cs.name, i, tm.Location(), wantLoc)
							}
						}
					}
					got.Release()
				}
			})
		}
		rec.Release()
	}
}

// TestRowSliced reads arrays with offsets (a record sliced in memory) and
// a shorter dest.
func TestRowSliced(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	}, nil)
	bld := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer bld.Release()
	for i := range 40 {
		if i%5 == 0 {
			bld.Field(0).AppendNull()
		} else {
			bld.Field(0).(*array.BooleanBuilder).Append(i%3 == 0)
		}
		if i%7 == 0 {
			bld.Field(1).AppendNull()
		} else {
			bld.Field(1).(*array.StringBuilder).Append(fmt.Sprint("s", i))
		}
		bld.Field(2).(*array.Int32Builder).Append(int32(i))
	}
	full := bld.NewRecordBatch()
	defer full.Release()
	rec := full.NewSlice(11, 37)
	defer rec.Release()
	r, err := NewReader(encodeSchema(t, schema), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Bind(rec); err != nil {
		t.Fatal(err)
	}
	dest := make([]any, 2)
	for i := range int(rec.NumRows()) {
		r.Row(i, dest)
		k := i + 11
		var wantB, wantS any
		if k%5 != 0 {
			wantB = k%3 == 0
		}
		if k%7 != 0 {
			wantS = fmt.Sprint("s", k)
		}
		if dest[0] != wantB || dest[1] != wantS {
			t.Fatalf("row %d = %#v, want %#v %#v", i, dest, wantB, wantS)
		}
	}
	for _, i := range []int{-1, int(rec.NumRows())} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Row(%d) did not panic", i)
				}
			}()
			r.Row(i, dest)
		}()
	}
}

// TestRowBinaryCopies checks that the []byte values Row returns are copies
// of their own, one per value.
func TestRowBinaryCopies(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "b", Type: arrow.BinaryTypes.Binary, Nullable: true}}, nil)
	bld := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer bld.Release()
	bld.Field(0).(*array.BinaryBuilder).AppendValues([][]byte{[]byte("ab"), []byte("cd")}, nil)
	rec := bld.NewRecordBatch()
	defer rec.Release()
	r, err := NewReader(encodeSchema(t, schema), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Bind(rec); err != nil {
		t.Fatal(err)
	}
	dest := make([]any, 1)
	r.Row(0, dest)
	b := dest[0].([]byte)
	b[0] = 'X'
	r.Row(1, dest)
	if string(dest[0].([]byte)) != "cd" || string(rec.Column(0).(*array.Binary).Value(0)) != "ab" {
		t.Fatalf("values share memory: %q %q", dest[0], rec.Column(0).(*array.Binary).Value(0))
	}
}

// BenchmarkRow is BenchmarkBindValues through Row.
func BenchmarkRow(b *testing.B) {
	rec := benchRecord()
	defer rec.Release()
	r, err := NewReader(encodeSchema(b, rec.Schema()), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	dest := make([]any, r.NumColumns())
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Bind(rec); err != nil {
			b.Fatal(err)
		}
		for i := range benchRows {
			r.Row(i, dest)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
}

// TestDateTable reads DATE batches whose days span fewer days than rows
// (converted through a table of days), more days than rows, and only
// NULLs, through Value and Row.
func TestDateTable(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true}}, nil)
	r, err := NewReader(encodeSchema(t, schema), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for name, day := range map[string]func(i int) (int32, bool){
		"narrow":   func(i int) (int32, bool) { return 19000 + int32(i%7), i%5 != 0 },
		"negative": func(i int) (int32, bool) { return -3 + int32(i%4), true },
		"wide":     func(i int) (int32, bool) { return int32(i * 1000), i%3 != 0 },
		"extremes": func(i int) (int32, bool) { return [2]int32{math.MinInt32, math.MaxInt32}[i%2], true },
		"nulls":    func(i int) (int32, bool) { return 0, false },
	} {
		t.Run(name, func(t *testing.T) {
			b := array.NewDate32Builder(memory.DefaultAllocator)
			defer b.Release()
			var want []any
			for i := range 100 {
				d, ok := day(i)
				if !ok {
					b.AppendNull()
					want = append(want, nil)
					continue
				}
				b.Append(arrow.Date32(d))
				want = append(want, time.Unix(int64(d)*secondsPerDay, 0).UTC())
			}
			arr := b.NewArray()
			defer arr.Release()
			rec := array.NewRecordBatch(schema, []arrow.Array{arr}, int64(arr.Len()))
			defer rec.Release()
			for _, viaRow := range []bool{false, true} {
				if err := r.Bind(rec); err != nil {
					t.Fatal(err)
				}
				dest := make([]any, 1)
				for i, w := range want {
					var got any
					if viaRow {
						r.Row(i, dest)
						got = dest[0]
					} else {
						got = r.Columns()[0].Value(i)
					}
					if !reflect.DeepEqual(got, w) {
						t.Fatalf("row %d = %#v, want %#v", i, got, w)
					}
				}
			}
		})
	}
}
