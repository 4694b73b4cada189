package spark

import (
	"context"
	"database/sql"
	"testing"

	"github.com/asyncsql/databricks/driver"
)

// connector builds a driver connector for SPARK_DSN plus extra DSN
// parameters (e.g. "maxRows=1000"), closed when the test ends.
func connector(t *testing.T, params string) *driver.Connector {
	t.Helper()
	d := dsn(t)
	if params != "" {
		d += "&" + params
	}
	cfg, err := driver.ParseDSN(d)
	if err != nil {
		t.Fatalf("ParseDSN: %v", err)
	}
	c, err := driver.NewConnector(cfg)
	if err != nil {
		t.Fatalf("NewConnector: %v", err)
	}
	return c
}

// openDB opens a *sql.DB on SPARK_DSN plus extra DSN parameters and checks
// that it connects.
func openDB(t *testing.T, params string) *sql.DB {
	t.Helper()
	db := sql.OpenDB(connector(t, params))
	t.Cleanup(func() { db.Close() })
	if err := db.PingContext(testCtx(t)); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	return db
}

// queryRow runs a one-row query and returns its values as the driver
// reports them.
func queryRow(t *testing.T, ctx context.Context, db *sql.DB, query string) ([]any, []*sql.ColumnType) {
	t.Helper()
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatalf("%s: no row (err %v)", query, rows.Err())
	}
	vals := make([]any, len(types))
	ptrs := make([]any, len(types))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Fatalf("%s: more than one row", query)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return vals, types
}
