package driver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// TestThriftRowLimitIgnored: WithRowLimit sends resultRowLimit of n+1; a
// server that ignores it (as this fake does, like Apache Spark's) is cut
// by the driver, on rows and on QueryArrow's batches, and the cut result
// ends with ErrTruncated while one within its limit ends cleanly.
func TestThriftRowLimitIgnored(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	s, want := numberedPages(t, 4) // 12 rows in pages of 3
	e.fake.Script("q", s)
	db := e.db(t)
	for _, c := range []struct {
		limit     int64
		truncated bool
	}{{5, true}, {6, true}, {11, true}, {12, false}, {100, false}} {
		ctx := WithRowLimit(context.Background(), c.limit)
		got, err := readIntsCtx(ctx, db, "q")
		keep := min(int(c.limit), len(want))
		if fmt.Sprint(got) != fmt.Sprint(want[:keep]) || errors.Is(err, ErrTruncated) != c.truncated || (err != nil && !c.truncated) {
			t.Errorf("limit %d: got %v, %v; want %v, truncated %v", c.limit, got, err, want[:keep], c.truncated)
		}
		reqs := tclitest.Received[*tcli.TExecuteStatementReq](e.fake)
		if r := reqs[len(reqs)-1]; r.ResultRowLimit == nil || *r.ResultRowLimit != c.limit+1 {
			t.Errorf("limit %d: resultRowLimit %v, want %d", c.limit, r.ResultRowLimit, c.limit+1)
		}
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, limit := range []int64{5, 6, 12} {
		it, err := QueryArrow(WithRowLimit(context.Background(), limit), conn, "q")
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for it.Next() {
			n += it.Record().NumRows()
		}
		if n != min(limit, 12) || errors.Is(it.Err(), ErrTruncated) != (limit < 12) {
			t.Errorf("QueryArrow, limit %d: %d rows, %v", limit, n, it.Err())
		}
		it.Close()
	}
	if _, err := db.ExecContext(WithByteLimit(context.Background(), 10), "q"); !errors.Is(err, ErrLimitNotSupported) {
		t.Errorf("byte limit on Thrift: %v, want ErrLimitNotSupported", err)
	}
}

// readIntsCtx reads every row of q on ctx as int64, returning the rows
// read and the error that ended them.
func readIntsCtx(ctx context.Context, db *sql.DB, q string) ([]int64, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var got []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return got, err
		}
		got = append(got, n)
	}
	return got, rows.Err()
}
