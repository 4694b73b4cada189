package e2e_test

import (
	"fmt"
	"testing"
	"time"
)

// TestExecRowsAffected creates a table, inserts, updates and deletes rows and
// checks RowsAffected of each statement.
func TestExecRowsAffected(t *testing.T) {
	db := open(t, srv, nil)
	ctx := testCtx(t)
	table := fmt.Sprintf("e2e_rows_%d", time.Now().UnixNano())
	mustExec := func(q string, args ...any) int64 {
		t.Helper()
		res, err := db.ExecContext(ctx, q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			t.Fatalf("%s: RowsAffected: %v", q, err)
		}
		return n
	}
	mustExec("CREATE TABLE " + table + " (id INTEGER, name VARCHAR)")
	t.Cleanup(func() { _, _ = db.ExecContext(testCtx(t), "DROP TABLE IF EXISTS "+table) })

	if n := mustExec("INSERT INTO " + table + " VALUES (1, 'a'), (2, 'b'), (3, 'c')"); n != 3 {
		t.Errorf("INSERT of 3 rows: RowsAffected %d", n)
	}
	if n := mustExec("INSERT INTO " + table + " SELECT i + 10, 'r' FROM range(100) t(i)"); n != 100 {
		t.Errorf("INSERT … SELECT of 100 rows: RowsAffected %d", n)
	}
	if n := mustExec("UPDATE "+table+" SET name = ? WHERE id <= ?", "z", 2); n != 2 {
		t.Errorf("UPDATE of 2 rows: RowsAffected %d", n)
	}
	if n := mustExec("DELETE FROM "+table+" WHERE id >= ?", 10); n != 100 {
		t.Errorf("DELETE of 100 rows: RowsAffected %d", n)
	}
	if n := mustExec("DELETE FROM " + table + " WHERE id < 0"); n != 0 {
		t.Errorf("DELETE of no rows: RowsAffected %d", n)
	}
	res, err := db.ExecContext(ctx, "SELECT 1")
	if err != nil {
		t.Fatalf("Exec of a SELECT: %v", err)
	}
	if _, err := res.LastInsertId(); err == nil {
		t.Errorf("LastInsertId did not fail")
	}

	var names string
	if err := db.QueryRowContext(ctx, "SELECT string_agg(name, ',' ORDER BY id) FROM "+table).Scan(&names); err != nil {
		t.Fatal(err)
	}
	if names != "z,z,c" {
		t.Errorf("table holds %q, want z,z,c", names)
	}
}

// TestExecVisibleAcrossSessions checks that a table created in one session is
// visible in another (one warehouse, one catalog).
func TestExecVisibleAcrossSessions(t *testing.T) {
	a := open(t, srv, nil)
	b := open(t, srv, nil)
	ctx := testCtx(t)
	table := fmt.Sprintf("e2e_shared_%d", time.Now().UnixNano())
	if _, err := a.ExecContext(ctx, "CREATE TABLE "+table+" AS SELECT 7 AS x"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = a.ExecContext(testCtx(t), "DROP TABLE IF EXISTS "+table) })
	var x int32
	if err := b.QueryRowContext(ctx, "SELECT x FROM "+table).Scan(&x); err != nil || x != 7 {
		t.Fatalf("other session: %d, %v", x, err)
	}
}
