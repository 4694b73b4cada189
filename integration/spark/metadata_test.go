package spark

import (
	"context"
	"database/sql"
	"reflect"
	"strings"
	"testing"

	"github.com/asyncsql/databricks/catalog"
)

// header returns a result's columns as "NAME TYPE" and closes it.
func header(t *testing.T, name string, rows *sql.Rows, err error) []string {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ct := range types {
		out = append(out, ct.Name()+" "+ct.DatabaseTypeName())
	}
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

// TestMetadataShapes: Apache Spark's Thrift server answers the seven
// metadata calls with HiveServer2's column sets, the shapes the emulator
// copies (emulator/metadata.go).
func TestMetadataShapes(t *testing.T) {
	db := openDB(t, "")
	ctx := testCtx(t)
	metaDB(t, ctx, db)
	s, i, ti, si := "STRING", "INT", "TINYINT", "SMALLINT"
	cols := func(spec ...string) []string {
		var out []string
		for k := 0; k+1 < len(spec); k += 2 {
			out = append(out, spec[k]+" "+spec[k+1])
		}
		return out
	}
	cases := []struct {
		name string
		call func() (*sql.Rows, error)
		want []string
	}{
		{"Catalogs", func() (*sql.Rows, error) { return catalog.Catalogs(ctx, db) }, cols("TABLE_CAT", s)},
		{"Schemas", func() (*sql.Rows, error) { return catalog.Schemas(ctx, db, catalog.Filter{}) },
			cols("TABLE_SCHEM", s, "TABLE_CATALOG", s)},
		{"Tables", func() (*sql.Rows, error) { return catalog.Tables(ctx, db, catalog.Filter{Schema: "meta_spark"}) },
			cols("TABLE_CAT", s, "TABLE_SCHEM", s, "TABLE_NAME", s, "TABLE_TYPE", s, "REMARKS", s, "TYPE_CAT", s,
				"TYPE_SCHEM", s, "TYPE_NAME", s, "SELF_REFERENCING_COL_NAME", s, "REF_GENERATION", s)},
		{"Columns", func() (*sql.Rows, error) { return catalog.Columns(ctx, db, catalog.Filter{Schema: "meta_spark"}) },
			cols("TABLE_CAT", s, "TABLE_SCHEM", s, "TABLE_NAME", s, "COLUMN_NAME", s, "DATA_TYPE", i, "TYPE_NAME", s,
				"COLUMN_SIZE", i, "BUFFER_LENGTH", ti, "DECIMAL_DIGITS", i, "NUM_PREC_RADIX", i, "NULLABLE", i,
				"REMARKS", s, "COLUMN_DEF", s, "SQL_DATA_TYPE", i, "SQL_DATETIME_SUB", i, "CHAR_OCTET_LENGTH", i,
				"ORDINAL_POSITION", i, "IS_NULLABLE", s, "SCOPE_CATALOG", s, "SCOPE_SCHEMA", s, "SCOPE_TABLE", s,
				"SOURCE_DATA_TYPE", si, "IS_AUTO_INCREMENT", s)},
		{"Functions", func() (*sql.Rows, error) { return catalog.Functions(ctx, db, catalog.Filter{Function: "abs"}) },
			cols("FUNCTION_CAT", s, "FUNCTION_SCHEM", s, "FUNCTION_NAME", s, "REMARKS", s, "FUNCTION_TYPE", i, "SPECIFIC_NAME", s)},
		{"PrimaryKeys", func() (*sql.Rows, error) {
			return catalog.PrimaryKeys(ctx, db, catalog.TableName{Schema: "meta_spark", Name: "parent"})
		}, cols("TABLE_CAT", s, "TABLE_SCHEM", s, "TABLE_NAME", s, "COLUMN_NAME", s, "KEQ_SEQ", i, "PK_NAME", s)},
		{"CrossReference", func() (*sql.Rows, error) {
			return catalog.CrossReference(ctx, db, catalog.TableName{Schema: "meta_spark", Name: "parent"},
				catalog.TableName{Schema: "meta_spark", Name: "typed"})
		}, cols("PKTABLE_CAT", s, "PKTABLE_SCHEM", s, "PKTABLE_NAME", s, "PKCOLUMN_NAME", s, "FKTABLE_CAT", s,
			"FKTABLE_SCHEM", s, "FKTABLE_NAME", s, "FKCOLUMN_NAME", s, "KEQ_SEQ", i, "UPDATE_RULE", i, "DELETE_RULE", i,
			"FK_NAME", s, "PK_NAME", s, "DEFERRABILITY", i)},
	}
	for _, tc := range cases {
		rows, err := tc.call()
		if got := header(t, tc.name, rows, err); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s columns:\n got %v\nwant %v", tc.name, got, tc.want)
		}
	}
}

// metaDB creates database meta_spark with a table, a table of every type
// and a view, dropped when the test ends.
func metaDB(t *testing.T, ctx context.Context, db *sql.DB) {
	t.Helper()
	for _, q := range []string{
		"CREATE DATABASE IF NOT EXISTS meta_spark",
		"CREATE TABLE IF NOT EXISTS meta_spark.parent (id INT, name STRING) USING parquet COMMENT 'the parents'",
		"CREATE TABLE IF NOT EXISTS meta_spark.typed (i INT, dec DECIMAL(10,2), ts TIMESTAMP, arr ARRAY<INT>, m MAP<STRING,INT>, st STRUCT<a: INT, b: STRING>) USING parquet",
		"CREATE OR REPLACE VIEW meta_spark.parent_v AS SELECT id FROM meta_spark.parent",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		if _, err := db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS meta_spark CASCADE"); err != nil {
			t.Errorf("drop meta_spark: %v", err)
		}
	})
}

// TestMetadataLists: the typed lists read Spark's answers: its databases
// as schemas (no catalog above them: TABLE_CAT is empty, GetCatalogs has no
// rows), tables and views, Databricks' type names and java.sql.Types codes,
// its built-in functions under each schema, and no keys (Spark's in-memory
// catalog has no constraints).
func TestMetadataLists(t *testing.T) {
	db := openDB(t, "")
	ctx := testCtx(t)
	metaDB(t, ctx, db)

	cats, err := catalog.ListCatalogs(ctx, db)
	if err != nil || len(cats) != 0 {
		t.Errorf("ListCatalogs: %v, %v; want none", cats, err)
	}
	schemas, err := catalog.ListSchemas(ctx, db, catalog.Filter{Schema: "meta%"})
	if err != nil || !reflect.DeepEqual(schemas, []catalog.Schema{{Name: "meta_spark"}}) {
		t.Errorf("ListSchemas meta%%: %+v, %v", schemas, err)
	}
	tables, err := catalog.ListTables(ctx, db, catalog.Filter{Schema: "meta_spark"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tb := range tables {
		names = append(names, tb.Name+":"+tb.Type+":"+tb.Remarks)
	}
	if want := []string{"parent:TABLE:the parents", "parent_v:VIEW:", "typed:TABLE:"}; !sameSet(names, want) {
		t.Errorf("ListTables meta_spark: %v, want %v", names, want)
	}
	views, err := catalog.ListTables(ctx, db, catalog.Filter{Schema: "meta_spark", TableTypes: []string{"VIEW"}})
	if err != nil || len(views) != 1 || views[0].Name != "parent_v" {
		t.Errorf("ListTables VIEW: %+v, %v", views, err)
	}
	cols, err := catalog.ListColumns(ctx, db, catalog.Filter{Schema: "meta_spark", Table: "typed"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cols {
		got = append(got, c.Name+" "+c.TypeName)
	}
	want := []string{"i INT", "dec DECIMAL(10,2)", "ts TIMESTAMP", "arr ARRAY<INT>", "m MAP<STRING, INT>", "st STRUCT<a: INT, b: STRING>"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ListColumns typed: %v, want %v", got, want)
	}
	if len(cols) == len(want) {
		codes := []int{cols[0].DataType, cols[1].DataType, cols[2].DataType, cols[3].DataType, cols[4].DataType, cols[5].DataType}
		if w := []int{4, 3, 93, 2003, 2000, 2002}; !reflect.DeepEqual(codes, w) {
			t.Errorf("DATA_TYPE codes %v, want %v", codes, w)
		}
		if d := cols[1].DecimalDigits; !d.Valid || d.Int64 != 2 {
			t.Errorf("DECIMAL(10,2) digits %v, want 2", d)
		}
	}
	fns, err := catalog.ListFunctions(ctx, db, catalog.Filter{Schema: "meta_spark", Function: "abs"})
	if err != nil || len(fns) != 1 || fns[0].Name != "abs" || !strings.Contains(fns[0].Remarks, "abs(expr)") {
		t.Errorf("ListFunctions abs: %+v, %v", fns, err)
	}
	pks, err := catalog.ListPrimaryKeys(ctx, db, catalog.TableName{Schema: "meta_spark", Name: "parent"})
	if err != nil || len(pks) != 0 {
		t.Errorf("ListPrimaryKeys: %+v, %v; want none", pks, err)
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}
