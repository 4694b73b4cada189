package driver

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// lz4Pages is a script of pages of 3 LZ4 batches each holding the values
// 0..n-1 in order, 5 values per batch.
func lz4Pages(t *testing.T, pages int) (*tclitest.Script, int64) {
	t.Helper()
	var all [][]arrow.RecordBatch
	var schema *arrow.Schema
	next := int64(0)
	for range pages {
		var vals [][]int64
		for range 3 {
			var b []int64
			for range 5 {
				b = append(b, next)
				next++
			}
			vals = append(vals, b)
		}
		var recs []arrow.RecordBatch
		schema, recs = int64Records(vals...)
		all = append(all, recs)
	}
	return arrowScript(t, tableSchema(colDesc{name: "n", typ: tcli.TTypeId_BIGINT_TYPE}), schema, true, all...), next
}

// TestLZ4PagesDecompressedAhead reads LZ4 pages (decompressed by the
// read-ahead goroutines after the first page) in order, with QueryArrow
// too, and closes early without leaving a goroutine (TestMain checks).
func TestLZ4PagesDecompressedAhead(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	s, n := lz4Pages(t, 5)
	e.fake.Script("q", s)
	db := e.db(t)
	rows, err := db.QueryContext(context.Background(), "q")
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v != want {
			t.Fatalf("row %d = %d", want, v)
		}
		want++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want != n {
		t.Fatalf("%d rows, want %d", want, n)
	}

	it, err := QueryArrow(context.Background(), e.conn(t), "q")
	if err != nil {
		t.Fatal(err)
	}
	var got int64
	for it.Next() {
		got += it.Record().NumRows()
	}
	if err := it.Err(); err != nil || got != n {
		t.Fatalf("QueryArrow: %d rows, %v", got, err)
	}
	it.Close()

	// Early close while later pages are being fetched and decompressed.
	rows, err = db.QueryContext(context.Background(), "q")
	if err != nil {
		t.Fatal(err)
	}
	for range 22 {
		if !rows.Next() {
			t.Fatal(rows.Err())
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestLZ4CorruptLaterPage: a corrupt frame in a page decompressed ahead
// surfaces in rows.Err() after the rows before it.
func TestLZ4CorruptLaterPage(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	s, _ := lz4Pages(t, 3)
	b := s.Pages[1].ArrowBatches[1]
	b.Batch = append([]byte{}, b.Batch[:len(b.Batch)/2]...)
	e.fake.Script("q", s)
	rows, err := e.db(t).QueryContext(context.Background(), "q")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got int
	for rows.Next() {
		got++
	}
	if err := rows.Err(); err == nil || !strings.Contains(err.Error(), "corrupt LZ4 frame") {
		t.Fatalf("err = %v", err)
	}
	if got != 20 { // page 1 (15 rows) and the first batch of page 2
		t.Fatalf("%d rows before the error, want 20", got)
	}
}
