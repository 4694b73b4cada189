package peer_test

import (
	"database/sql/driver"
	"testing"

	dbsql "github.com/databricks/databricks-sql-go"
	dbsqlrows "github.com/databricks/databricks-sql-go/rows"
)

// TestArrowBatches reads a multi-page result through the official driver's
// Arrow API (GetArrowBatches), which hands the emulator's IPC schema and
// record batches to Apache Arrow for Go v12: the emulator writes them with
// arrow-go v18, so this checks that the IPC it sends is readable by an older
// Arrow implementation, as Databricks' is.
func TestArrowBatches(t *testing.T) {
	p := openPeer(t, dbsql.WithMaxRows(4000))
	ctx := testCtx(t)
	conn, err := p.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var rows driver.Rows
	err = conn.Raw(func(d any) error {
		var qerr error
		rows, qerr = d.(driver.QueryerContext).QueryContext(ctx,
			"SELECT i, CAST(i AS VARCHAR) AS s, DATE '2000-01-01' + CAST(i % 1000 AS INTEGER) AS d FROM range(10000) t(i)", nil)
		return qerr
	})
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	defer rows.Close()
	batches, err := rows.(dbsqlrows.Rows).GetArrowBatches(ctx)
	if err != nil {
		t.Fatalf("GetArrowBatches: %v", err)
	}
	defer batches.Close()
	schema, err := batches.Schema()
	if err != nil {
		t.Fatalf("Schema: %v", err)
	}
	if len(schema.Fields()) != 3 || schema.Field(0).Name != "i" {
		t.Errorf("schema %v", schema)
	}
	var n, sum int64
	for batches.HasNext() {
		rec, err := batches.Next()
		if err != nil {
			t.Fatalf("Next after %d rows: %v", n, err)
		}
		if rec.NumCols() != 3 {
			t.Errorf("batch with %d columns", rec.NumCols())
		}
		col, ok := rec.Column(0).(interface{ Value(int) int64 })
		if !ok {
			t.Fatalf("column i is %T, not int64", rec.Column(0))
		}
		for r := 0; r < int(rec.NumRows()); r++ {
			sum += col.Value(r)
		}
		n += rec.NumRows()
		rec.Release()
	}
	if n != 10000 || sum != 10000*9999/2 {
		t.Fatalf("%d rows summing to %d", n, sum)
	}
}
