package peer_test

import (
	"testing"

	dbsql "github.com/databricks/databricks-sql-go"
)

// bigQuery is the multi-page result of the suite: 100,000 BIGINTs in order.
const (
	bigQuery = "SELECT i FROM range(100000) t(i)"
	bigRows  = 100000
	bigSum   = int64(bigRows) * (bigRows - 1) / 2
)

// readBig reads bigQuery through p and checks count, order and checksum.
func readBig(t *testing.T, p *peer) {
	t.Helper()
	ctx := testCtx(t)
	rows, err := p.db.QueryContext(ctx, bigQuery)
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	defer rows.Close()
	var (
		n, sum int64
		mix    uint64 // order-sensitive checksum
	)
	for rows.Next() {
		var i int64
		if err := rows.Scan(&i); err != nil {
			t.Fatalf("scan row %d: %v", n, err)
		}
		if i != n {
			t.Fatalf("row %d holds %d: rows lost, repeated or out of order", n, i)
		}
		sum += i
		mix = mix*1099511628211 ^ uint64(i)
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("rows.Err after %d rows: %v", n, err)
	}
	if n != bigRows || sum != bigSum {
		t.Fatalf("got %d rows summing to %d, want %d rows summing to %d", n, sum, bigRows, bigSum)
	}
	var want uint64
	for i := range uint64(bigRows) {
		want = want*1099511628211 ^ i
	}
	if mix != want {
		t.Fatalf("order checksum %x, want %x", mix, want)
	}
}

// TestMultiPage reads 100,000 rows in pages of 10,000: the first page comes
// with the direct results of ExecuteStatement, the others from FetchResults
// until hasMoreRows is false.
func TestMultiPage(t *testing.T) {
	p := openPeer(t, dbsql.WithMaxRows(10000))
	readBig(t, p)
	fetches := p.rec.fetchResponses()
	if len(fetches) < 2 {
		t.Errorf("only %d FetchResults calls for 100,000 rows in pages of 10,000", len(fetches))
	}
	for i, f := range fetches {
		if f.Results == nil {
			continue
		}
		var rowsInPage int64
		for _, b := range f.Results.ArrowBatches {
			rowsInPage += b.RowCount
		}
		if rowsInPage > 10000 {
			t.Errorf("FetchResults #%d returned %d rows, more than maxRows 10000", i, rowsInPage)
		}
	}
	if len(fetches) > 0 && fetches[len(fetches)-1].GetHasMoreRows() {
		t.Errorf("last FetchResults still says hasMoreRows")
	}
}

// TestDefaultPageSize reads the same result with the official driver's
// default page size (100,000 rows, i.e. possibly a single page).
func TestDefaultPageSize(t *testing.T) {
	p := openPeer(t)
	readBig(t, p)
}

// TestDSN connects through sql.Open with the official driver's DSN form
// (http:// for the emulator; telemetry off so that it makes no call outside
// the emulator) and reads the multi-page result. The official driver never
// asks for LZ4 (its connector forces useLz4Compression off), so the emulator
// must send uncompressed batches when canDecompressLZ4Result is unset.
func TestDSN(t *testing.T) {
	readBig(t, openPeerDSN(t, "maxRows=10000"))
}

// TestEmptyResult reads a query with no rows.
func TestEmptyResult(t *testing.T) {
	p := openPeer(t)
	ctx := testCtx(t)
	rows, err := p.db.QueryContext(ctx, "SELECT i FROM range(10) t(i) WHERE i < 0")
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil || len(cols) != 1 || cols[0] != "i" {
		t.Fatalf("Columns = %v, %v", cols, err)
	}
	if rows.Next() {
		t.Fatalf("a row in an empty result")
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("rows.Err: %v", err)
	}
}
