package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/asyncsql/databricks/internal/metadata"
)

// Queryer runs a query: *sql.DB and *sql.Conn (and *sql.Tx, though the
// warehouse has no transactions to begin).
type Queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Filter narrows a listing. Schema, Table, Column and Function are patterns
// (see the package documentation; empty matches everything), Catalog is an
// exact name (empty: every catalog). Each listing takes the fields that
// apply to it and refuses the others, so that a filter never silently
// matches more than it says.
type Filter struct {
	Catalog  string
	Schema   string
	Table    string
	Column   string
	Function string
	// TableTypes lists the table types Tables returns, such as "TABLE" and
	// "VIEW" (the service's names); empty returns every type.
	TableTypes []string
}

// TableName names one table exactly (no patterns). An empty Catalog or
// Schema is not sent: the server then matches any, or uses its default.
type TableName struct {
	Catalog, Schema, Name string
}

// String returns the dotted name, leaving out empty parts.
func (t TableName) String() string {
	var parts []string
	for _, p := range []string{t.Catalog, t.Schema, t.Name} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ".")
}

// EscapePattern returns name as a pattern that matches only name: '\', '%'
// and '_' are escaped with '\'.
func EscapePattern(name string) string {
	if !strings.ContainsAny(name, `\%_`) {
		return name
	}
	var b strings.Builder
	for _, r := range name {
		if r == '\\' || r == '%' || r == '_' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Catalogs returns the catalogs: one column, TABLE_CAT.
func Catalogs(ctx context.Context, q Queryer) (*sql.Rows, error) {
	return query(ctx, q, metadata.Request{Call: metadata.GetCatalogs})
}

// Schemas returns the schemas that f's Catalog and Schema select: columns
// TABLE_SCHEM, TABLE_CATALOG.
func Schemas(ctx context.Context, q Queryer, f Filter) (*sql.Rows, error) {
	if err := f.only("Schemas", "Catalog", "Schema"); err != nil {
		return nil, err
	}
	return query(ctx, q, metadata.Request{Call: metadata.GetSchemas, Catalog: f.Catalog, Schema: f.Schema})
}

// Tables returns the tables and views that f's Catalog, Schema, Table and
// TableTypes select: columns TABLE_CAT, TABLE_SCHEM, TABLE_NAME,
// TABLE_TYPE, REMARKS, then TYPE_CAT, TYPE_SCHEM, TYPE_NAME,
// SELF_REFERENCING_COL_NAME, REF_GENERATION (NULL on Databricks and Spark).
func Tables(ctx context.Context, q Queryer, f Filter) (*sql.Rows, error) {
	if err := f.only("Tables", "Catalog", "Schema", "Table", "TableTypes"); err != nil {
		return nil, err
	}
	return query(ctx, q, metadata.Request{Call: metadata.GetTables, Catalog: f.Catalog, Schema: f.Schema,
		Table: f.Table, TableTypes: f.TableTypes})
}

// Columns returns the columns that f's Catalog, Schema, Table and Column
// select, with the 23 columns of JDBC's DatabaseMetaData.getColumns
// (TABLE_CAT, TABLE_SCHEM, TABLE_NAME, COLUMN_NAME, DATA_TYPE, TYPE_NAME,
// COLUMN_SIZE, ..., ORDINAL_POSITION, IS_NULLABLE, ..., IS_AUTO_INCREMENT).
func Columns(ctx context.Context, q Queryer, f Filter) (*sql.Rows, error) {
	if err := f.only("Columns", "Catalog", "Schema", "Table", "Column"); err != nil {
		return nil, err
	}
	return query(ctx, q, metadata.Request{Call: metadata.GetColumns, Catalog: f.Catalog, Schema: f.Schema,
		Table: f.Table, Column: f.Column})
}

// Functions returns the functions that f's Catalog, Schema and Function
// select: columns FUNCTION_CAT, FUNCTION_SCHEM, FUNCTION_NAME, REMARKS,
// FUNCTION_TYPE, SPECIFIC_NAME.
func Functions(ctx context.Context, q Queryer, f Filter) (*sql.Rows, error) {
	if err := f.only("Functions", "Catalog", "Schema", "Function"); err != nil {
		return nil, err
	}
	return query(ctx, q, metadata.Request{Call: metadata.GetFunctions, Catalog: f.Catalog, Schema: f.Schema,
		Function: f.Function})
}

// PrimaryKeys returns the primary key columns of table t: columns
// TABLE_CAT, TABLE_SCHEM, TABLE_NAME, COLUMN_NAME, KEQ_SEQ (the column's
// position in the key, from 1; HiveServer2's spelling), PK_NAME.
func PrimaryKeys(ctx context.Context, q Queryer, t TableName) (*sql.Rows, error) {
	if t.Name == "" {
		return nil, fmt.Errorf("catalog: PrimaryKeys: the table name is empty")
	}
	return query(ctx, q, metadata.Request{Call: metadata.GetPrimaryKeys, Catalog: t.Catalog, Schema: t.Schema, Table: t.Name})
}

// CrossReference returns the foreign keys of table foreign that reference
// the primary key of table parent: columns PKTABLE_CAT, PKTABLE_SCHEM,
// PKTABLE_NAME, PKCOLUMN_NAME, FKTABLE_CAT, FKTABLE_SCHEM, FKTABLE_NAME,
// FKCOLUMN_NAME, KEQ_SEQ, UPDATE_RULE, DELETE_RULE, FK_NAME, PK_NAME,
// DEFERRABILITY. One of the two table names may be empty: then every
// table on that side matches (the foreign keys that reference parent, or
// every foreign key of foreign).
func CrossReference(ctx context.Context, q Queryer, parent, foreign TableName) (*sql.Rows, error) {
	if parent.Name == "" && foreign.Name == "" {
		return nil, fmt.Errorf("catalog: CrossReference: both table names are empty")
	}
	return query(ctx, q, metadata.Request{Call: metadata.GetCrossReference,
		Catalog: parent.Catalog, Schema: parent.Schema, Table: parent.Name,
		ForeignCatalog: foreign.Catalog, ForeignSchema: foreign.Schema, ForeignTable: foreign.Name})
}

// query sends r through database/sql: no SQL text, the request as the only
// argument, which the driver's connections turn into the metadata call.
func query(ctx context.Context, q Queryer, r metadata.Request) (*sql.Rows, error) {
	if q == nil {
		return nil, fmt.Errorf("catalog: %v: nil Queryer", r.Call)
	}
	return q.QueryContext(ctx, "", r)
}

// only reports an error when f sets a field other than allowed.
func (f Filter) only(call string, allowed ...string) error {
	set := map[string]bool{
		"Catalog": f.Catalog != "", "Schema": f.Schema != "", "Table": f.Table != "",
		"Column": f.Column != "", "Function": f.Function != "", "TableTypes": len(f.TableTypes) > 0,
	}
	for _, a := range allowed {
		delete(set, a)
	}
	for _, field := range []string{"Catalog", "Schema", "Table", "Column", "Function", "TableTypes"} {
		if set[field] {
			return fmt.Errorf("catalog: %s does not filter by %s", call, field)
		}
	}
	return nil
}
