package peer_test

import (
	"net/http"
	"testing"
	"time"

	dbsql "github.com/databricks/databricks-sql-go"

	"github.com/asyncsql/databricks/integration/emulator"
)

// TestRetryTransient injects HTTP 503 and 429 replies (with Retry-After)
// into ExecuteStatement and FetchResults: the official driver retries them
// (its retry policy retries 429/503 for every method and honours
// Retry-After in seconds) and reads the whole result.
func TestRetryTransient(t *testing.T) {
	s := emulator.Start(t, emulator.WithFaults(
		emulator.Fault{Method: "ExecuteStatement", Status: http.StatusServiceUnavailable, RetryAfter: time.Second},
		emulator.Fault{Method: "FetchResults", Status: http.StatusTooManyRequests},
	))
	p := openPeerOn(t, s, dbsql.WithMaxRows(2000),
		dbsql.WithRetries(3, 10*time.Millisecond, 50*time.Millisecond))
	rows, err := p.db.QueryContext(testCtx(t), "SELECT i FROM range(5000) t(i)")
	if err != nil {
		t.Fatalf("query: %v (requests %v)", err, s.Requests())
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		var i int64
		if err := rows.Scan(&i); err != nil {
			t.Fatal(err)
		}
		if i != n {
			t.Fatalf("row %d holds %d", n, i)
		}
		n++
	}
	if err := rows.Err(); err != nil || n != 5000 {
		t.Fatalf("%d rows, %v (requests %v)", n, err, s.Requests())
	}
	if s.Requests().Count(emulator.ExecuteStatement) != 2 {
		t.Errorf("ExecuteStatement reached the emulator %d times, want 2", s.Requests().Count(emulator.ExecuteStatement))
	}
	if s.Requests().Count(emulator.FetchResults) < 3 {
		t.Errorf("FetchResults reached the emulator %d times", s.Requests().Count(emulator.FetchResults))
	}
}
