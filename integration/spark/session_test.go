package spark

import (
	"database/sql"
	"testing"
)

// TestSchemaParam checks that the schema DSN parameter selects the current
// database of every session (Spark gets it as configuration
// "use:database": it has no initialNamespace).
func TestSchemaParam(t *testing.T) {
	setup := openDB(t, "")
	ctx := testCtx(t)
	if _, err := setup.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS spark_test_db"); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, "schema=spark_test_db")
	db.SetMaxOpenConns(2)
	for i := 0; i < 3; i++ {
		var cur string
		if err := db.QueryRowContext(ctx, "SELECT current_database()").Scan(&cur); err != nil {
			t.Fatal(err)
		}
		if cur != "spark_test_db" {
			t.Errorf("current_database() %q, want spark_test_db", cur)
		}
	}
}

// TestSessionParams checks that unknown DSN parameters reach the session as
// configuration: ANSI mode off turns 1/0 into NULL (Spark 4 has it on by
// default). Spark's Thrift server honours only "set:hiveconf:KEY" (and
// "set:hivevar:KEY") in OpenSession's configuration and silently ignores
// plain keys, which Databricks takes as they are.
func TestSessionParams(t *testing.T) {
	for name, param := range map[string]string{
		"prefixed": "set%3Ahiveconf%3Aspark.sql.ansi.enabled=false",
		"plain":    "spark.sql.ansi.enabled=false",
	} {
		t.Run(name, func(t *testing.T) {
			db := openDB(t, param)
			var v sql.NullInt64
			err := db.QueryRowContext(testCtx(t), "SELECT CAST(1/0 AS BIGINT)").Scan(&v)
			if err != nil {
				t.Fatalf("1/0 with %s: the session parameter did not reach Spark: %.200v", param, err)
			}
			if v.Valid {
				t.Errorf("1/0 = %d, want NULL", v.Int64)
			}
		})
	}
}
