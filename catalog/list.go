package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// Schema is one row of Schemas.
type Schema struct {
	Catalog, Name string
}

// Table is one row of Tables.
type Table struct {
	Catalog, Schema, Name string
	// Type is the service's table type: "TABLE", "VIEW", ...
	Type string
	// Remarks is the table's comment.
	Remarks string
}

// Column is one row of Columns.
type Column struct {
	Catalog, Schema, Table, Name string
	// DataType is the java.sql.Types code of the type (4 INTEGER, 12
	// VARCHAR, 3 DECIMAL, 93 TIMESTAMP, 2003 ARRAY, ...), TypeName the
	// server's name of it (INT, STRING, DECIMAL(10,2), ARRAY<INT>, ...).
	DataType int
	TypeName string
	// Size is COLUMN_SIZE as the server reports it (Apache Spark: the
	// type's size in bytes for numbers, dates and timestamps, the length
	// of a CHAR), DecimalDigits the digits right of the point (a DECIMAL's
	// scale). Either is NULL (Valid false) where it does not apply.
	Size, DecimalDigits sql.NullInt64
	// Nullable reports whether the column may hold NULL (NULLABLE 1).
	Nullable bool
	Remarks  string
	// Position is ORDINAL_POSITION, the column's place in its table as the
	// server counts it: from 1 as JDBC says (the emulator), from 0 on
	// Apache Spark's Thrift server.
	Position int
}

// Function is one row of Functions.
type Function struct {
	Catalog, Schema, Name string
	Remarks               string
	// Type is DatabaseMetaData's function type: 0 unknown, 1 no table,
	// 2 returns a table.
	Type int
	// SpecificName names the function uniquely within its schema.
	SpecificName string
}

// KeyColumn is one column of a primary key (one row of PrimaryKeys).
type KeyColumn struct {
	Table TableName
	// Column is the column's name, Seq its position in the key (from 1),
	// KeyName the key's name (empty when the server has none).
	Column  string
	Seq     int
	KeyName string
}

// ForeignKey is one column pair of a foreign key (one row of
// CrossReference): Foreign.ForeignColumn references Parent.ParentColumn.
type ForeignKey struct {
	Parent, Foreign             TableName
	ParentColumn, ForeignColumn string
	// Seq is the pair's position in the key (from 1).
	Seq int
	// Name is the foreign key's name, ParentKeyName the name of the
	// referenced primary key.
	Name, ParentKeyName string
	// UpdateRule, DeleteRule and Deferrability are DatabaseMetaData's
	// codes (3 importedKeyNoAction; 7 importedKeyNotDeferrable).
	UpdateRule, DeleteRule, Deferrability int
}

// ListCatalogs returns the names of the catalogs.
func ListCatalogs(ctx context.Context, q Queryer) ([]string, error) {
	rows, err := Catalogs(ctx, q)
	return scan(rows, err, func(r record) string { return r.str("TABLE_CAT") })
}

// ListSchemas returns the schemas f selects (see Schemas).
func ListSchemas(ctx context.Context, q Queryer, f Filter) ([]Schema, error) {
	rows, err := Schemas(ctx, q, f)
	return scan(rows, err, func(r record) Schema {
		return Schema{Catalog: r.str("TABLE_CATALOG", "TABLE_CAT"), Name: r.str("TABLE_SCHEM")}
	})
}

// ListTables returns the tables and views f selects (see Tables).
func ListTables(ctx context.Context, q Queryer, f Filter) ([]Table, error) {
	rows, err := Tables(ctx, q, f)
	return scan(rows, err, func(r record) Table {
		return Table{Catalog: r.str("TABLE_CAT"), Schema: r.str("TABLE_SCHEM"), Name: r.str("TABLE_NAME"),
			Type: r.str("TABLE_TYPE"), Remarks: r.str("REMARKS")}
	})
}

// ListColumns returns the columns f selects (see Columns).
func ListColumns(ctx context.Context, q Queryer, f Filter) ([]Column, error) {
	rows, err := Columns(ctx, q, f)
	return scan(rows, err, func(r record) Column {
		return Column{Catalog: r.str("TABLE_CAT"), Schema: r.str("TABLE_SCHEM"), Table: r.str("TABLE_NAME"),
			Name: r.str("COLUMN_NAME"), DataType: int(r.int("DATA_TYPE").Int64), TypeName: r.str("TYPE_NAME"),
			Size: r.int("COLUMN_SIZE"), DecimalDigits: r.int("DECIMAL_DIGITS"),
			Nullable: r.int("NULLABLE").Int64 == 1, Remarks: r.str("REMARKS"),
			Position: int(r.int("ORDINAL_POSITION").Int64)}
	})
}

// ListFunctions returns the functions f selects (see Functions).
func ListFunctions(ctx context.Context, q Queryer, f Filter) ([]Function, error) {
	rows, err := Functions(ctx, q, f)
	return scan(rows, err, func(r record) Function {
		return Function{Catalog: r.str("FUNCTION_CAT"), Schema: r.str("FUNCTION_SCHEM"), Name: r.str("FUNCTION_NAME"),
			Remarks: r.str("REMARKS"), Type: int(r.int("FUNCTION_TYPE").Int64), SpecificName: r.str("SPECIFIC_NAME")}
	})
}

// ListPrimaryKeys returns the primary key columns of t in key order (see
// PrimaryKeys).
func ListPrimaryKeys(ctx context.Context, q Queryer, t TableName) ([]KeyColumn, error) {
	rows, err := PrimaryKeys(ctx, q, t)
	return scan(rows, err, func(r record) KeyColumn {
		return KeyColumn{Table: TableName{Catalog: r.str("TABLE_CAT"), Schema: r.str("TABLE_SCHEM"), Name: r.str("TABLE_NAME")},
			Column: r.str("COLUMN_NAME"), Seq: int(r.int("KEQ_SEQ", "KEY_SEQ").Int64), KeyName: r.str("PK_NAME")}
	})
}

// ListCrossReference returns the foreign key columns between parent and
// foreign (see CrossReference).
func ListCrossReference(ctx context.Context, q Queryer, parent, foreign TableName) ([]ForeignKey, error) {
	rows, err := CrossReference(ctx, q, parent, foreign)
	return scan(rows, err, func(r record) ForeignKey {
		return ForeignKey{
			Parent:        TableName{Catalog: r.str("PKTABLE_CAT"), Schema: r.str("PKTABLE_SCHEM"), Name: r.str("PKTABLE_NAME")},
			ParentColumn:  r.str("PKCOLUMN_NAME"),
			Foreign:       TableName{Catalog: r.str("FKTABLE_CAT"), Schema: r.str("FKTABLE_SCHEM"), Name: r.str("FKTABLE_NAME")},
			ForeignColumn: r.str("FKCOLUMN_NAME"), Seq: int(r.int("KEQ_SEQ", "KEY_SEQ").Int64),
			Name: r.str("FK_NAME"), ParentKeyName: r.str("PK_NAME"),
			UpdateRule: int(r.int("UPDATE_RULE").Int64), DeleteRule: int(r.int("DELETE_RULE").Int64),
			Deferrability: int(r.int("DEFERRABILITY").Int64),
		}
	})
}

// scan reads every row of rows (the result of a listing that returned err)
// with conv and closes rows.
func scan[T any](rows *sql.Rows, err error, conv func(record) T) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	r := record{index: make(map[string]int, len(cols)), vals: make([]any, len(cols))}
	for i, c := range cols {
		r.index[strings.ToUpper(c)] = i
	}
	ptrs := make([]any, len(cols))
	for i := range ptrs {
		ptrs[i] = &r.vals[i]
	}
	out := []T{}
	for rows.Next() {
		clear(r.vals)
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, conv(r))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, rows.Close()
}

// record is the current row of a listing, its values found by column name.
type record struct {
	index map[string]int
	vals  []any
}

// value returns the value of the first of names the result has (nil when
// none, or NULL).
func (r record) value(names ...string) any {
	for _, n := range names {
		if i, ok := r.index[n]; ok {
			return r.vals[i]
		}
	}
	return nil
}

// str returns a text column ("" for NULL or absent).
func (r record) str(names ...string) string {
	switch v := r.value(names...).(type) {
	case nil:
		return ""
	case string:
		return v
	case []byte:
		return string(v)
	default:
		return fmt.Sprint(v)
	}
}

// int returns an integer column (not Valid for NULL, absent or not a
// number).
func (r record) int(names ...string) sql.NullInt64 {
	switch v := r.value(names...).(type) {
	case int64:
		return sql.NullInt64{Int64: v, Valid: true}
	case int32:
		return sql.NullInt64{Int64: int64(v), Valid: true}
	case int16:
		return sql.NullInt64{Int64: int64(v), Valid: true}
	case int8:
		return sql.NullInt64{Int64: int64(v), Valid: true}
	case int:
		return sql.NullInt64{Int64: int64(v), Valid: true}
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		return sql.NullInt64{Int64: n, Valid: err == nil}
	}
	return sql.NullInt64{}
}
