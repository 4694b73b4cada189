package asynctest

import (
	"errors"
	"testing"
	"time"

	"github.com/asyncsql/databricks/async"
	"github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// TestRowLimit: on REST an async execution with WithRowLimit is cut by the
// server, and its rows, read at once or again from the execution, end
// with ErrTruncated; on Thrift the submission is refused before anything
// is sent (a later reader could not tell the cut).
func TestRowLimit(t *testing.T) {
	s := emulator.Start(t)
	db := async.OpenDB(connector(t, testDSN(s)), async.WithWait(time.Minute))
	t.Cleanup(func() { _ = db.Close() })
	ctx := driver.WithRowLimit(testContext(t), 10)
	s.ResetRequests()
	rows, exc, err := db.QueryContext(ctx, "SELECT i FROM range(100) t(i)")
	if backend != "rest" {
		if !errors.Is(err, driver.ErrLimitNotSupported) {
			t.Fatalf("Thrift: got %v, want ErrLimitNotSupported", err)
		}
		if log := s.Requests(); len(log) != 0 {
			t.Errorf("requests %v, want none", log)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	for pass := range 2 {
		n := 0
		for rows.Next() {
			n++
		}
		if n != 10 || !errors.Is(rows.Err(), driver.ErrTruncated) {
			t.Errorf("pass %d: %d rows, %v; want 10 and ErrTruncated", pass, n, rows.Err())
		}
		rows.Close()
		if pass == 0 {
			if rows, err = db.GetExecutionRows(testContext(t), exc); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := db.CloseExecution(testContext(t), exc); err != nil {
		t.Fatal(err)
	}
}
