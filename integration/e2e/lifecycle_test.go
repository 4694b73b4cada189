package e2e_test

import (
	"errors"
	"testing"
	"time"

	dbx "github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// TestNoServerLeftovers checks that the driver closes what it opens: after
// full reads, early closes, errors and Exec the server holds no operation
// the client still has to close (on REST, a statement whose reply carried
// its whole result needs none), and after db.Close no session.
func TestNoServerLeftovers(t *testing.T) {
	s := emulator.Start(t)
	db := open(t, s, params("maxRows", "500"))
	ctx := testCtx(t)
	readBig(t, db, 2000)
	rows, err := db.QueryContext(ctx, "SELECT i FROM range(5000) t(i)")
	if err != nil {
		t.Fatal(err)
	}
	for range 700 {
		if !rows.Next() {
			t.Fatal(rows.Err())
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.QueryContext(ctx, "SELEC 1"); err == nil {
		t.Fatal("syntax error accepted")
	}
	if _, err := db.ExecContext(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	if !eventually(promptly, func() bool { return s.UnreleasedOperations() == 0 }) {
		t.Errorf("server holds %d operations after the statements ended (requests %v)", s.UnreleasedOperations(), s.Requests())
	}
	if backend != "rest" && s.OpenSessions() == 0 {
		t.Errorf("no session open while the DB is open")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if !eventually(promptly, func() bool { return s.OpenSessions() == 0 }) {
		t.Errorf("server holds %d sessions after db.Close", s.OpenSessions())
	}
}

// TestInitialNamespace opens sessions in the schema named by the DSN.
func TestInitialNamespace(t *testing.T) {
	db := open(t, srv, params("schema", "default"))
	var schema string
	if err := db.QueryRowContext(testCtx(t), "SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if schema != "default" {
		t.Errorf("current_schema() = %q, want default", schema)
	}
}

// TestUnknownSchema checks that a session in a schema that does not exist
// fails to open with a server error.
func TestUnknownSchema(t *testing.T) {
	db := open(t, srv, params("schema", "no_such_schema_e2e"))
	if err := db.PingContext(testCtx(t)); err == nil {
		t.Fatal("session in a missing schema opened")
	}
}

// TestEvictedOperation pauses between pages longer than the server keeps an
// idle operation: the next fetch fails with driver.ErrInvalidHandle (the
// server's "timed out due to inactivity"), never with a short result.
func TestEvictedOperation(t *testing.T) {
	thriftOnly(t, "idle eviction of Thrift operations between pages")
	s := emulator.Start(t, emulator.WithIdleEviction(300*time.Millisecond))
	db := open(t, s, params("maxRows", "100"))
	rows, err := db.QueryContext(testCtx(t), "SELECT i FROM range(1000) t(i)")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		if n == 50 && !eventually(promptly, func() bool { return s.OpenOperations() == 0 }) {
			t.Fatalf("the idle operation was not evicted (requests: %v)", s.Requests())
		}
		n++
	}
	err = rows.Err()
	if err == nil {
		t.Fatalf("read %d rows of an evicted operation without error", n)
	}
	if !errors.Is(err, dbx.ErrInvalidHandle) {
		t.Errorf("error %v is not driver.ErrInvalidHandle", err)
	}
	if n >= 1000 {
		t.Errorf("read all rows")
	}
}
