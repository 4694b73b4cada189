package spark

import (
	"database/sql"
	"testing"
	"time"

	"github.com/asyncsql/databricks/driver"
)

// TestCancelReachesCanceled submits the 20 s sleep detached (its own
// session, runAsync), cancels it with Connector.CancelOperation and checks
// through Connector.OperationStatus that Spark moved the operation to
// CANCELED_STATE: the Spark job was cancelled, not just abandoned by the
// client. HiveThriftServer2 keeps the handle after a cancel (it is gone only
// after CloseOperation), so the state is observable.
func TestCancelReachesCanceled(t *testing.T) {
	c := connector(t, "")
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	ctx := testCtx(t)

	ref, _, err := c.SubmitDetached(ctx, slowQuery)
	if err != nil {
		t.Fatalf("detached submit: %v", err)
	}
	t.Cleanup(func() {
		if err := c.CloseOperation(testCtx(t), ref); err != nil {
			t.Errorf("CloseOperation: %v", err)
		}
	})
	// Cancel once Spark runs the statement (its task then holds a slot),
	// not after a guessed delay.
	for {
		st, err := c.OperationStatus(ctx, ref)
		if err != nil || (st.State != driver.StateRunning && st.State != driver.StatePending) {
			t.Fatalf("state before the cancel %v (%v), want PENDING, then RUNNING", st.State, err)
		}
		if st.State == driver.StateRunning {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}

	start := time.Now()
	if err := c.CancelOperation(ctx, ref); err != nil {
		t.Fatalf("CancelOperation: %v", err)
	}
	var st driver.OperationStatus
	for {
		st, err = c.OperationStatus(ctx, ref)
		if err != nil {
			t.Fatalf("OperationStatus after cancel: %v", err)
		}
		if st.Terminal() || time.Since(start) > 15*time.Second {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	took := time.Since(start)
	if st.State != driver.StateCanceled {
		t.Fatalf("state %v (err %v) %s after CancelOperation, want CANCELED_STATE", st.State, st.Err, took)
	}
	if took > 10*time.Second {
		t.Errorf("CANCELED only after %s", took)
	}
	t.Logf("CANCELED_STATE %s after CancelOperation", took.Round(time.Millisecond))

	// The state stays CANCELED (the sleep does not finish it later).
	if st, err = c.OperationStatus(ctx, ref); err != nil || st.State != driver.StateCanceled {
		t.Errorf("second status %v, %v, want CANCELED_STATE", st.State, err)
	}
	// The sleeping task was interrupted: a quick query is answered at once
	// even with local[2]'s two task slots.
	q := time.Now()
	var n int64
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM range(10) GROUP BY id % 1").Scan(&n); err != nil || n != 10 {
		t.Fatalf("query after cancel: %d, %v", n, err)
	}
	if took := time.Since(q); took > 10*time.Second {
		t.Errorf("next query took %s", took)
	}
}
