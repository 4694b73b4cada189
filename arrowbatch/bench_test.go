package arrowbatch

import (
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

const benchRows = 4096

// benchRecord returns a batch shaped like a typical result: int64, float64,
// string, decimal, timestamp, date, bool and a nullable int32.
func benchRecord() arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "price", Type: arrow.PrimitiveTypes.Float64},
		{Name: "name", Type: arrow.BinaryTypes.String},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 18, Scale: 2}},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32},
		{Name: "flag", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "maybe", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := range benchRows {
		b.Field(0).(*array.Int64Builder).Append(int64(i) * 1000003)
		b.Field(1).(*array.Float64Builder).Append(float64(i) * 1.25)
		b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("customer-%06d", i))
		b.Field(3).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i)*7919 - 5000000))
		b.Field(4).(*array.TimestampBuilder).Append(arrow.Timestamp(1700000000000000 + int64(i)*1000))
		b.Field(5).(*array.Date32Builder).Append(arrow.Date32(19000 + i%365))
		b.Field(6).(*array.BooleanBuilder).Append(i%2 == 0)
		if i%4 == 0 {
			b.Field(7).AppendNull()
		} else {
			b.Field(7).(*array.Int32Builder).Append(int32(i))
		}
	}
	return b.NewRecordBatch()
}

// BenchmarkValues measures reading every value of a bound batch: the
// per-row hot path. Allocations are only the boxing of values into any and
// the copies of strings.
func BenchmarkValues(b *testing.B) {
	rec := benchRecord()
	defer rec.Release()
	for _, loc := range []*time.Location{nil, ny} {
		name := "UTC"
		if loc != nil {
			name = "NewYork"
		}
		b.Run(name, func(b *testing.B) {
			r, err := NewReader(encodeSchema(b, rec.Schema()), Options{Location: loc})
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			if err := r.Bind(rec); err != nil {
				b.Fatal(err)
			}
			cols := r.Columns()
			b.ReportAllocs()
			for b.Loop() {
				for i := range benchRows {
					for _, c := range cols {
						_ = c.Value(i)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
		})
	}
}

// BenchmarkDecode measures decoding one batch, plain and LZ4-compressed,
// with Decode (which copies the batch) and DecodeTransient (which does not).
func BenchmarkDecode(b *testing.B) {
	rec := benchRecord()
	defer rec.Release()
	schema := encodeSchema(b, rec.Schema())
	for _, compress := range []bool{false, true} {
		for _, transient := range []bool{false, true} {
			name := fmt.Sprint("lz4=", compress)
			if transient {
				name += "/transient"
			}
			b.Run(name, func(b *testing.B) {
				batch := encodeBatch(b, rec, compress)
				r, err := newTestReader(schema, compress, Options{})
				if err != nil {
					b.Fatal(err)
				}
				defer r.Close()
				decode := r.Decode
				if transient {
					decode = r.DecodeTransient
				}
				b.SetBytes(int64(len(batch)))
				b.ReportAllocs()
				for b.Loop() {
					got, err := decode(batch)
					if err != nil {
						b.Fatal(err)
					}
					got.Release()
				}
			})
		}
	}
}
