package peer_test

import (
	"fmt"
	"testing"
	"time"

	dbsql "github.com/databricks/databricks-sql-go"
)

func dbsqlWithSchema(schema string) dbsql.ConnOption { return dbsql.WithInitialNamespace("", schema) }

// TestExecRowsAffected checks RowsAffected through the official driver,
// which reads TGetOperationStatusResp.numModifiedRows of the terminal status
// (in directResults.operationStatus or from GetOperationStatus).
func TestExecRowsAffected(t *testing.T) {
	p := openPeer(t)
	ctx := testCtx(t)
	table := fmt.Sprintf("peer_rows_%d", time.Now().UnixNano())
	exec := func(q string, args ...any) int64 {
		t.Helper()
		res, err := p.db.ExecContext(ctx, q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			t.Fatalf("%s: RowsAffected: %v", q, err)
		}
		return n
	}
	// The table is created directly in DuckDB: DDL through the official
	// driver is TestExecDDL's business.
	if _, err := srv.DB().ExecContext(ctx, "CREATE TABLE "+table+" (id BIGINT, name VARCHAR)"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = srv.DB().ExecContext(testCtx(t), "DROP TABLE IF EXISTS "+table) })
	if n := exec("INSERT INTO " + table + " SELECT i, 'n' FROM range(250) t(i)"); n != 250 {
		t.Errorf("INSERT of 250 rows: RowsAffected %d", n)
	}
	if n := exec("UPDATE "+table+" SET name = ? WHERE id < ?", "u", int64(10)); n != 10 {
		t.Errorf("UPDATE of 10 rows: RowsAffected %d", n)
	}
	if n := exec("DELETE FROM " + table + " WHERE id >= 200"); n != 50 {
		t.Errorf("DELETE of 50 rows: RowsAffected %d", n)
	}
	var count int64
	if err := p.db.QueryRowContext(ctx, "SELECT count(*) FROM "+table+" WHERE name = 'u'").Scan(&count); err != nil || count != 10 {
		t.Fatalf("count = %d, %v", count, err)
	}
}

// TestExecDDL runs DDL with ExecContext. After every ExecContext the official
// driver checks whether the statement was a staging (volume) operation: it
// reads isStagingOperation from directResults.resultSetMetadata when present,
// otherwise it calls GetResultSetMetadata with the operation handle. So a
// server that closes a DDL statement inline (directResults.closeOperation)
// must also send directResults.resultSetMetadata, or the official driver's
// GetResultSetMetadata hits a closed handle and ExecContext fails.
func TestExecDDL(t *testing.T) {
	p := openPeer(t)
	ctx := testCtx(t)
	table := fmt.Sprintf("peer_ddl_%d", time.Now().UnixNano())
	for _, q := range []string{
		"CREATE TABLE " + table + " (id BIGINT)",
		"ALTER TABLE " + table + " ADD COLUMN name VARCHAR",
		"DROP TABLE " + table,
	} {
		if _, err := p.db.ExecContext(ctx, q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	_, _ = srv.DB().ExecContext(ctx, "DROP TABLE IF EXISTS "+table)
}

// TestInitialNamespace opens the session in the schema "default" through
// initialNamespace (the official driver sends it in OpenSession).
func TestInitialNamespace(t *testing.T) {
	p := openPeer(t, dbsqlWithSchema("default"))
	var schema string
	if err := p.db.QueryRowContext(testCtx(t), "SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if schema != "default" {
		t.Errorf("current_schema() = %q, want default", schema)
	}
}
