package e2e_test

import (
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// TestSessionParams: session parameters take effect on both backends. The
// schema of the DSN is the session's, a USE lasts for the connection, and
// (REST) the parameters reach the server's session, STATEMENT_TIMEOUT
// bounding its statements; the session is deleted with its connection.
func TestSessionParams(t *testing.T) {
	s := emulator.Start(t)
	ctx := testCtx(t)
	setup := open(t, s, nil)
	for _, q := range []string{"CREATE SCHEMA sp_a", "CREATE SCHEMA sp_b"} {
		if _, err := setup.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db := open(t, s, params("schema", "sp_a", "ansi_mode", "true"))
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	schema := func() string {
		t.Helper()
		var got string
		if err := conn.QueryRowContext(ctx, "SELECT current_schema()").Scan(&got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := schema(); got != "sp_a" {
		t.Errorf("schema %q, want sp_a", got)
	}
	if _, err := conn.ExecContext(ctx, "USE sp_b"); err != nil {
		t.Fatal(err)
	}
	if got := schema(); got != "sp_b" {
		t.Errorf("schema after USE %q, want sp_b", got)
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	if backend != "rest" {
		return
	}
	log := s.Requests()
	if n := log.Count(emulator.RESTSessionCreate); n != 1 {
		t.Errorf("%d sessions created: %v", n, log)
	}
	for _, r := range log.Of(emulator.RESTSubmit) {
		if r.Statement == "SELECT current_schema()" && r.Outcome != emulator.OutcomeOK {
			t.Errorf("submission %+v", r)
		}
	}

	// STATEMENT_TIMEOUT is the session's statement timeout.
	slow := open(t, s, params("STATEMENT_TIMEOUT", "1"))
	var v int64
	err = slow.QueryRowContext(ctx, "SELECT sleep_ms(60000)").Scan(&v)
	var se *driver.ServerError
	if !errors.As(err, &se) || se.SQLState != "57014" {
		t.Errorf("statement past STATEMENT_TIMEOUT: %v, want SQLSTATE 57014", err)
	}
	// A parameter the warehouse does not take fails the connect.
	bad := open(t, s, params("spark.sql.shuffle.partitions", "4"))
	if err := bad.PingContext(ctx); !errors.As(err, &se) || !strings.Contains(se.Message, "CONFIG_NOT_AVAILABLE") {
		t.Errorf("connect with an unknown parameter: %v", err)
	}
	for _, d := range []*sql.DB{db, slow, bad} {
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.OpenSessions(); n != 0 {
		t.Errorf("%d sessions left open after db.Close", n)
	}
	// Two sessions created (the refused one is not) and both deleted.
	ok := func(m emulator.Method) (n int) {
		for _, r := range s.Requests().Of(m) {
			if r.Outcome == emulator.OutcomeOK {
				n++
			}
		}
		return n
	}
	if c, d := ok(emulator.RESTSessionCreate), ok(emulator.RESTSessionDelete); c != 2 || d != 2 {
		t.Errorf("%d sessions created and %d deleted, want 2 and 2: %v", c, d, s.Requests())
	}
}
