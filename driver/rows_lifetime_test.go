package driver

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// stringPages returns pages of Arrow batches of one STRING column whose
// rows are "row-0", "row-1", ...: three pages of two batches of sizes that
// grow, so that later batches overwrite any buffer an earlier one was
// decoded into.
func stringPages() (*arrow.Schema, [][]arrow.RecordBatch, int) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	var pages [][]arrow.RecordBatch
	next := 0
	for p := range 3 {
		var page []arrow.RecordBatch
		for b := range 2 {
			sb := array.NewStringBuilder(alloc)
			for range 10 + 40*(2*p+b) {
				sb.Append(fmt.Sprintf("row-%d", next))
				next++
			}
			arr := sb.NewArray()
			sb.Release()
			page = append(page, array.NewRecordBatch(schema, []arrow.Array{arr}, int64(arr.Len())))
			arr.Release()
		}
		pages = append(pages, page)
	}
	return schema, pages, next
}

// TestRowValuesOutliveBatches keeps every value scanned through
// database/sql (as any, so the driver's own string is kept) and checks them
// after the last batch: batches are decoded without copies, but values
// never refer to their memory.
func TestRowValuesOutliveBatches(t *testing.T) {
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprint("lz4=", compress), func(t *testing.T) {
			e := newDirectEnv(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
			schema, pages, n := stringPages()
			e.fake.Script("q", arrowScript(t, tableSchema(colDesc{name: "s", typ: tcli.TTypeId_STRING_TYPE}), schema, compress, pages...))
			rows, err := e.db(t).QueryContext(context.Background(), "q")
			if err != nil {
				t.Fatal(err)
			}
			var kept []any
			for rows.Next() {
				var v any
				if err := rows.Scan(&v); err != nil {
					t.Fatal(err)
				}
				kept = append(kept, v)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			if len(kept) != n {
				t.Fatalf("%d rows, want %d", len(kept), n)
			}
			for i, v := range kept {
				if v != fmt.Sprintf("row-%d", i) {
					t.Fatalf("row %d = %#v", i, v)
				}
			}
		})
	}
}

// TestQueryArrowRetainedRecords retains every record of QueryArrow and reads
// them after the last: the records handed out are valid after Next.
func TestQueryArrowRetainedRecords(t *testing.T) {
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprint("lz4=", compress), func(t *testing.T) {
			e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
			schema, pages, n := stringPages()
			e.fake.Script("q", arrowScript(t, tableSchema(colDesc{name: "s", typ: tcli.TTypeId_STRING_TYPE}), schema, compress, pages...))
			it, err := QueryArrow(context.Background(), e.conn(t), "q")
			if err != nil {
				t.Fatal(err)
			}
			var recs []arrow.RecordBatch
			for it.Next() {
				rec := it.Record()
				rec.Retain()
				recs = append(recs, rec)
			}
			if err := it.Err(); err != nil {
				t.Fatal(err)
			}
			if err := it.Close(); err != nil {
				t.Fatal(err)
			}
			i := 0
			for _, rec := range recs {
				col := rec.Column(0).(*array.String)
				for j := range col.Len() {
					if got := col.Value(j); got != fmt.Sprintf("row-%d", i) {
						t.Fatalf("row %d = %q", i, got)
					}
					i++
				}
				rec.Release()
			}
			if i != n {
				t.Fatalf("%d rows, want %d", i, n)
			}
		})
	}
}
