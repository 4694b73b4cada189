package driver

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// BenchmarkArrowRows measures the per-row cost of scanning Arrow results
// (10 pages of 10000 BIGINT rows, no HTTP).
func BenchmarkArrowRows(b *testing.B) {
	e := newDirectEnv(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	vals := make([]int64, 10000)
	for i := range vals {
		vals[i] = int64(i)
	}
	var pages [][]arrow.RecordBatch
	var schema *arrow.Schema
	for range 10 {
		var recs []arrow.RecordBatch
		schema, recs = int64Records(vals)
		pages = append(pages, recs)
	}
	e.fake.Script("q", arrowScript(b, tableSchema(colDesc{name: "n", typ: tcli.TTypeId_BIGINT_TYPE}), schema, true, pages...))
	db := e.db(b)
	b.ReportAllocs()
	for b.Loop() {
		rows, err := db.QueryContext(context.Background(), "q")
		if err != nil {
			b.Fatal(err)
		}
		var n, sum int64
		for rows.Next() {
			if err := rows.Scan(&n); err != nil {
				b.Fatal(err)
			}
			sum += n
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
		rows.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100000), "ns/row")
}
