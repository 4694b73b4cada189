package driver

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// scanBenchRows is the rows of one page of the 8-column benchmarks: 10
// batches of 10000 rows.
const scanBenchRows = 100000

// eightColumnScript is one Databricks-shaped Arrow page of the benchmark's
// eight column types: BIGINT, DOUBLE, STRING of 20 bytes, DECIMAL(18,2),
// TIMESTAMP, DATE, BOOLEAN and a nullable INT (every tenth NULL).
func eightColumnScript(b *testing.B, compress bool) *tclitest.Script {
	ts := eightColumnTableSchema()
	schema := eightColumnSchema
	var recs []arrow.RecordBatch
	for k := range 10 {
		rb := array.NewRecordBuilder(alloc, schema)
		for j := range scanBenchRows / 10 {
			appendEightColumnRow(rb, k*scanBenchRows/10+j)
		}
		recs = append(recs, rb.NewRecordBatch())
		rb.Release()
	}
	return arrowScript(b, ts, schema, compress, recs)
}

// eightColumnTableSchema is the TTableSchema of eightColumnSchema.
func eightColumnTableSchema() *tcli.TTableSchema {
	return tableSchema(
		colDesc{name: "b", typ: tcli.TTypeId_BIGINT_TYPE},
		colDesc{name: "d", typ: tcli.TTypeId_DOUBLE_TYPE},
		colDesc{name: "s", typ: tcli.TTypeId_STRING_TYPE},
		colDesc{name: "dec", typ: tcli.TTypeId_DECIMAL_TYPE, precision: 18, scale: 2},
		colDesc{name: "ts", typ: tcli.TTypeId_TIMESTAMP_TYPE},
		colDesc{name: "dt", typ: tcli.TTypeId_DATE_TYPE},
		colDesc{name: "bo", typ: tcli.TTypeId_BOOLEAN_TYPE},
		colDesc{name: "ni", typ: tcli.TTypeId_INT_TYPE},
	)
}

// eightColumnSchema is the Arrow schema of the eight column types of the
// repository's benchmarks (BIGINT, DOUBLE, a 20-byte STRING, DECIMAL(18,2),
// TIMESTAMP, DATE, BOOLEAN, INT NULL every tenth row), as Databricks sends
// them.
var eightColumnSchema = arrow.NewSchema([]arrow.Field{
	{Name: "b", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "d", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "dec", Type: &arrow.Decimal128Type{Precision: 18, Scale: 2}, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "dt", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "bo", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "ni", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
}, nil)

// appendEightColumnRow appends row i of the benchmark dataset to rb, a
// builder of eightColumnSchema.
func appendEightColumnRow(rb *array.RecordBuilder, i int) {
	rb.Field(0).(*array.Int64Builder).Append(int64(i))
	rb.Field(1).(*array.Float64Builder).Append(float64(i) * 0.25)
	rb.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("value-%014d", i))
	rb.Field(3).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i % 10000000)))
	rb.Field(4).(*array.TimestampBuilder).Append(arrow.Timestamp(1704067200000000 + int64(i)*1000))
	rb.Field(5).(*array.Date32Builder).Append(arrow.Date32(18262 + i%3650))
	rb.Field(6).(*array.BooleanBuilder).Append(i%2 == 0)
	if i%10 == 0 {
		rb.Field(7).AppendNull()
	} else {
		rb.Field(7).(*array.Int32Builder).Append(int32(i % 100000))
	}
}

// BenchmarkScan8Columns scans one 100,000-row page of eight column types
// through database/sql into typed variables (no HTTP): the per-row cost of
// the driver plus database/sql. allocs/op divided by 100,000 is allocs/row.
func BenchmarkScan8Columns(b *testing.B) {
	for _, compress := range []bool{false, true} {
		b.Run(fmt.Sprintf("lz4=%t", compress), func(b *testing.B) {
			e := newDirectEnv(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
			e.fake.Script("q", eightColumnScript(b, compress))
			db := e.db(b)
			var (
				i64     int64
				f64     float64
				s, dec  string
				ts, day time.Time
				bo      bool
				ni      sql.NullInt32
			)
			b.ReportAllocs()
			cpu := processCPUTime()
			for b.Loop() {
				rows, err := db.QueryContext(context.Background(), "q")
				if err != nil {
					b.Fatal(err)
				}
				for rows.Next() {
					if err := rows.Scan(&i64, &f64, &s, &dec, &ts, &day, &bo, &ni); err != nil {
						b.Fatal(err)
					}
				}
				if err := rows.Err(); err != nil {
					b.Fatal(err)
				}
				rows.Close()
			}
			reportPerRow(b, cpu, scanBenchRows)
		})
	}
}

// BenchmarkRowsNext8Columns is BenchmarkScan8Columns at the driver level:
// driver.Rows.Next without database/sql.
func BenchmarkRowsNext8Columns(b *testing.B) {
	benchRowsNext(b, eightColumnScript(b, false), scanBenchRows)
}

// BenchmarkRowsNext8ColumnsPages reads 20 pages of 100,000 rows at the
// driver level: the read-ahead and, with LZ4, the decompression beside the
// consumer into recycled batches.
func BenchmarkRowsNext8ColumnsPages(b *testing.B) {
	const pages = 20
	for _, compress := range []bool{false, true} {
		b.Run(fmt.Sprintf("lz4=%t", compress), func(b *testing.B) {
			s := eightColumnScript(b, compress)
			for range pages - 1 {
				s.Pages = append(s.Pages, s.Pages[0])
			}
			benchRowsNext(b, s, pages*scanBenchRows)
		})
	}
}

// benchRowsNext reads the result of s, rows rows, with driver.Rows.Next.
func benchRowsNext(b *testing.B, s *tclitest.Script, rows int) {
	e := newDirectEnv(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	e.fake.Script("q", s)
	cn, err := e.c.Connect(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer cn.Close()
	q := cn.(sqldriver.QueryerContext)
	dest := make([]sqldriver.Value, 8)
	b.ReportAllocs()
	cpu := processCPUTime()
	for b.Loop() {
		rs, err := q.QueryContext(context.Background(), "q", nil)
		if err != nil {
			b.Fatal(err)
		}
		for {
			err := rs.Next(dest)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		rs.Close()
	}
	reportPerRow(b, cpu, rows)
}

// reportPerRow reports the wall time per row and the CPU time per row, all
// threads (GC workers included) since cpu, for rows rows per operation: on a
// shared machine the CPU time varies less with other load than the wall time.
func reportPerRow(b *testing.B, cpu time.Duration, rows int) {
	n := float64(b.N * rows)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/row")
	if cpu > 0 {
		b.ReportMetric(float64((processCPUTime()-cpu).Nanoseconds())/n, "cpu-ns/row")
	}
}
