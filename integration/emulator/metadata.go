package emulator

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// The metadata calls list DuckDB's catalog with the column sets of
// HiveServer2 (Apache Spark's Thrift server), which Databricks keeps:
//
//   - GetCatalogs: TABLE_CAT.
//   - GetSchemas: TABLE_SCHEM, TABLE_CATALOG.
//   - GetTables: TABLE_CAT, TABLE_SCHEM, TABLE_NAME, TABLE_TYPE, REMARKS,
//     TYPE_CAT, TYPE_SCHEM, TYPE_NAME, SELF_REFERENCING_COL_NAME,
//     REF_GENERATION.
//   - GetColumns: the 23 columns of JDBC's getColumns, TABLE_CAT to
//     IS_AUTO_INCREMENT (DATA_TYPE a java.sql.Types code).
//   - GetFunctions: FUNCTION_CAT, FUNCTION_SCHEM, FUNCTION_NAME, REMARKS,
//     FUNCTION_TYPE, SPECIFIC_NAME.
//   - GetPrimaryKeys: TABLE_CAT, TABLE_SCHEM, TABLE_NAME, COLUMN_NAME,
//     KEQ_SEQ (sic, HiveServer2's spelling), PK_NAME.
//   - GetCrossReference: PKTABLE_CAT ... FKCOLUMN_NAME, KEQ_SEQ,
//     UPDATE_RULE, DELETE_RULE, FK_NAME, PK_NAME, DEFERRABILITY.
//
// Catalogs are DuckDB's databases (not the internal system and temp ones),
// schemas its schemas; DuckDB's built-in functions are listed as Databricks
// lists its own, in catalog system, schema builtin. Schema, table, column
// and function names are SQL LIKE patterns matched case-insensitively
// (likePattern); catalog names, and every name of GetPrimaryKeys and
// GetCrossReference, are exact (case-insensitive). Results are column-based:
// the requests carry no canReadArrowResult.

// metaCall is one metadata request: its call and the names it narrows by
// (nil: not sent).
type metaCall struct {
	kind                                     tcli.TOperationType
	name                                     string
	catalog, schema, table, column, function *string
	tableTypes                               []string
	// fkCatalog, fkSchema and fkTable name GetCrossReference's foreign
	// table; catalog, schema and table its parent.
	fkCatalog, fkSchema, fkTable *string
}

// text describes the call in the request log, e.g. GetTables(schema=default).
func (c metaCall) text() string {
	var b strings.Builder
	b.WriteString(c.name + "(")
	sep := ""
	add := func(k string, v *string) {
		if v != nil {
			b.WriteString(sep + k + "=" + *v)
			sep = ", "
		}
	}
	add("catalog", c.catalog)
	add("schema", c.schema)
	add("table", c.table)
	add("column", c.column)
	add("function", c.function)
	if len(c.tableTypes) > 0 {
		t := strings.Join(c.tableTypes, "|")
		add("types", &t)
	}
	add("fkCatalog", c.fkCatalog)
	add("fkSchema", c.fkSchema)
	add("fkTable", c.fkTable)
	b.WriteString(")")
	return b.String()
}

// metaAnswer is the reply of a metadata call.
type metaAnswer struct {
	status *tcli.TStatus
	handle *tcli.TOperationHandle
	direct *tcli.TSparkDirectResults
}

// metadata starts the operation of a metadata call in the session of h and
// waits for it as ExecuteStatement does: without runAsync until it is done,
// with runAsync and direct results up to the direct-results hold.
func (s *Server) metadata(ctx context.Context, h *tcli.TSessionHandle, c metaCall, d *tcli.TSparkGetDirectResults, async bool) metaAnswer {
	sess, st := s.lookupSession(h)
	if st != nil {
		s.note(ctx, nil, st, nil)
		return metaAnswer{status: st}
	}
	proto := sess.protocol
	sess.mu.Lock()
	ns := sess.ns
	sess.mu.Unlock()
	op := newOperation(sess.h.guid, c.text(), nil, ns)
	op.tags = sess.tags
	op.hive = !spark(proto, 1)
	op.loc = sess.loc
	op.runCtx, op.cancel = context.WithCancel(s.baseCtx)

	s.mu.Lock()
	if s.isClosing() {
		s.mu.Unlock()
		op.cancel()
		st := errStatus("08006", "server is shutting down")
		s.note(ctx, nil, st, nil)
		return metaAnswer{status: st}
	}
	s.ops[op.h.guid] = op
	sess.mu.Lock()
	sess.ops[op.h.guid] = op
	sess.mu.Unlock()
	s.wg.Add(1)
	s.mu.Unlock()
	go s.runMetadata(op, c)

	direct := d != nil && spark(proto, 1)
	switch {
	case !async:
		op.wait(ctx, -1, s.closing)
	case direct:
		op.wait(ctx, s.cfg.directHold, s.closing)
	}
	op.touch()
	a := metaAnswer{status: okStatus(), handle: op.handleFor()}
	a.handle.OperationType = c.kind
	var status *tcli.TGetOperationStatusResp
	if direct {
		a.direct = s.directResults(op, d)
		status = a.direct.OperationStatus
	}
	s.note(ctx, op, a.status, status)
	return a
}

// runMetadata lists the catalog for c and completes op with the rows.
func (s *Server) runMetadata(op *operation, c metaCall) {
	defer s.wg.Done()
	ctx := op.runCtx
	defer func() {
		if p := recover(); p != nil {
			s.cfg.logger.Error("metadata call panicked", "operation", op.h.String(), "panic", fmt.Sprint(p))
			op.complete(nil, fmt.Errorf("internal error: %v", p), nil)
		}
	}()
	op.setRunning()
	if ce := c.validate(); ce != nil {
		op.mu.Lock()
		op.finishLocked(tcli.TOperationState_ERROR_STATE, ce.opErr())
		op.mu.Unlock()
		return
	}
	res, err := listCatalog(ctx, s.db, c)
	op.complete(res, err, ctx.Err())
}

// validate checks the patterns of c.
func (c metaCall) validate() *classError {
	for _, p := range []*string{c.schema, c.table, c.column, c.function} {
		if p == nil {
			continue
		}
		if _, err := compileLike(*p); err != nil {
			return &classError{class: "INVALID_PARAMETER_VALUE.PATTERN", state: "22023", msg: err.Error() + "."}
		}
	}
	return nil
}

// listCatalog runs the listing of c.
func listCatalog(ctx context.Context, db *sql.DB, c metaCall) (*result, error) {
	switch c.name {
	case "GetCatalogs":
		return listCatalogs(ctx, db)
	case "GetSchemas":
		return listSchemas(ctx, db, c)
	case "GetTables":
		return listTables(ctx, db, c)
	case "GetColumns":
		return listColumns(ctx, db, c)
	case "GetFunctions":
		return listFunctions(ctx, db, c)
	case "GetPrimaryKeys":
		return listPrimaryKeys(ctx, db, c)
	case "GetCrossReference":
		return listCrossReference(ctx, db, c)
	}
	return nil, fmt.Errorf("unknown metadata call %s", c.name)
}

// The column types of metadata results.
var (
	metaString   = &colType{kind: kString, duck: "VARCHAR"}
	metaInt      = &colType{kind: kInt32, duck: "INTEGER"}
	metaSmallInt = &colType{kind: kInt16, duck: "SMALLINT"}
	metaTinyInt  = &colType{kind: kInt8, duck: "TINYINT"}
)

// metaColumns makes the columns of a metadata result: names are STRING
// unless types says otherwise.
func metaColumns(names []string, types map[string]*colType) []column {
	cols := make([]column, len(names))
	for i, n := range names {
		t := types[n]
		if t == nil {
			t = metaString
		}
		cols[i] = column{name: n, typ: t}
	}
	return cols
}

// metaResult is a finished result of cols and rows.
func metaResult(cols []column, rows [][]driver.Value) *result {
	data := newResultStore(len(cols))
	for _, r := range rows {
		data.appendRow(r)
	}
	data.seal()
	return &result{hasResultSet: true, cols: cols, rows: data, modified: -1}
}

// nameMatch reports whether name matches: an exact name compared without
// case, nil matching everything.
func nameMatch(want *string, name string) bool {
	return want == nil || strings.EqualFold(*want, name)
}

// patternMatch reports whether name matches the LIKE pattern p (nil or
// empty: everything). Patterns are checked before the listing runs.
func patternMatch(p *string, name string) bool {
	if p == nil || *p == "" {
		return true
	}
	m, err := compileLike(*p)
	return err == nil && m(name)
}

// queryRows runs q and returns its rows as values.
func queryRows(ctx context.Context, db *sql.DB, q string, args ...any) ([][]any, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}

// str is v as a string ("" for NULL).
func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// userCatalogs filters the rows of the databases clients see.
const userCatalogs = "database_name IN (SELECT database_name FROM duckdb_databases() WHERE NOT internal)"

func listCatalogs(ctx context.Context, db *sql.DB) (*result, error) {
	rows, err := queryRows(ctx, db, "SELECT database_name FROM duckdb_databases() WHERE NOT internal ORDER BY 1")
	if err != nil {
		return nil, err
	}
	out := make([][]driver.Value, 0, len(rows))
	for _, r := range rows {
		out = append(out, []driver.Value{str(r[0])})
	}
	return metaResult(metaColumns([]string{"TABLE_CAT"}, nil), out), nil
}

func listSchemas(ctx context.Context, db *sql.DB, c metaCall) (*result, error) {
	rows, err := queryRows(ctx, db, "SELECT database_name, schema_name FROM duckdb_schemas() WHERE "+userCatalogs+" ORDER BY 1, 2")
	if err != nil {
		return nil, err
	}
	var out [][]driver.Value
	for _, r := range rows {
		cat, sch := str(r[0]), str(r[1])
		if nameMatch(c.catalog, cat) && patternMatch(c.schema, sch) {
			out = append(out, []driver.Value{sch, cat})
		}
	}
	return metaResult(metaColumns([]string{"TABLE_SCHEM", "TABLE_CATALOG"}, nil), out), nil
}

func listTables(ctx context.Context, db *sql.DB, c metaCall) (*result, error) {
	rows, err := queryRows(ctx, db, "SELECT database_name, schema_name, table_name, 'TABLE', comment FROM duckdb_tables() WHERE "+
		userCatalogs+" UNION ALL SELECT database_name, schema_name, view_name, 'VIEW', comment FROM duckdb_views() WHERE "+
		userCatalogs+" AND NOT internal ORDER BY 4, 1, 2, 3")
	if err != nil {
		return nil, err
	}
	var out [][]driver.Value
	for _, r := range rows {
		cat, sch, name, typ := str(r[0]), str(r[1]), str(r[2]), str(r[3])
		if !nameMatch(c.catalog, cat) || !patternMatch(c.schema, sch) || !patternMatch(c.table, name) || !typeMatch(c.tableTypes, typ) {
			continue
		}
		out = append(out, []driver.Value{cat, sch, name, typ, str(r[4]), nil, nil, nil, nil, nil})
	}
	return metaResult(metaColumns([]string{"TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE", "REMARKS",
		"TYPE_CAT", "TYPE_SCHEM", "TYPE_NAME", "SELF_REFERENCING_COL_NAME", "REF_GENERATION"}, nil), out), nil
}

// typeMatch reports whether a table type is among types (any when empty),
// compared without case.
func typeMatch(types []string, typ string) bool {
	if len(types) == 0 {
		return true
	}
	for _, t := range types {
		if strings.EqualFold(strings.TrimSpace(t), typ) {
			return true
		}
	}
	return false
}

// columnsNames are GetColumns' result columns.
var columnsNames = []string{"TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "COLUMN_NAME", "DATA_TYPE", "TYPE_NAME",
	"COLUMN_SIZE", "BUFFER_LENGTH", "DECIMAL_DIGITS", "NUM_PREC_RADIX", "NULLABLE", "REMARKS", "COLUMN_DEF",
	"SQL_DATA_TYPE", "SQL_DATETIME_SUB", "CHAR_OCTET_LENGTH", "ORDINAL_POSITION", "IS_NULLABLE",
	"SCOPE_CATALOG", "SCOPE_SCHEMA", "SCOPE_TABLE", "SOURCE_DATA_TYPE", "IS_AUTO_INCREMENT"}

var columnsTypes = map[string]*colType{
	"DATA_TYPE": metaInt, "COLUMN_SIZE": metaInt, "BUFFER_LENGTH": metaTinyInt, "DECIMAL_DIGITS": metaInt,
	"NUM_PREC_RADIX": metaInt, "NULLABLE": metaInt, "SQL_DATA_TYPE": metaInt, "SQL_DATETIME_SUB": metaInt,
	"CHAR_OCTET_LENGTH": metaInt, "ORDINAL_POSITION": metaInt, "SOURCE_DATA_TYPE": metaSmallInt,
}

func listColumns(ctx context.Context, db *sql.DB, c metaCall) (*result, error) {
	rows, err := queryRows(ctx, db, "SELECT database_name, schema_name, table_name, column_name, column_index, comment, is_nullable, data_type "+
		"FROM duckdb_columns() WHERE "+userCatalogs+" AND NOT internal ORDER BY 1, 2, 3, 5")
	if err != nil {
		return nil, err
	}
	var out [][]driver.Value
	for _, r := range rows {
		cat, sch, tbl, col := str(r[0]), str(r[1]), str(r[2]), str(r[3])
		if !nameMatch(c.catalog, cat) || !patternMatch(c.schema, sch) || !patternMatch(c.table, tbl) || !patternMatch(c.column, col) {
			continue
		}
		t := parseDuckType(str(r[7]))
		pos, _ := toInt64(r[4])
		null, isNull := int32(1), "YES" // DatabaseMetaData.columnNullable
		if b, ok := r[6].(bool); ok && !b {
			null, isNull = 0, "NO"
		}
		size, digits, radix := t.columnSize()
		out = append(out, []driver.Value{cat, sch, tbl, col, t.javaType(), t.sqlName(),
			size, nil, digits, radix, null, str(r[5]), nil,
			nil, nil, nil, int32(pos), isNull,
			nil, nil, nil, nil, "NO"})
	}
	return metaResult(metaColumns(columnsNames, columnsTypes), out), nil
}

// javaType is the java.sql.Types code of the column type, as Spark's
// Thrift server reports it in GetColumns' DATA_TYPE.
func (t *colType) javaType() int32 {
	switch t.kind {
	case kNull:
		return 0 // NULL
	case kBool:
		return 16 // BOOLEAN
	case kInt8:
		return -6 // TINYINT
	case kInt16:
		return 5 // SMALLINT
	case kInt32:
		return 4 // INTEGER
	case kInt64:
		return -5 // BIGINT
	case kFloat32:
		return 6 // FLOAT
	case kFloat64:
		return 8 // DOUBLE
	case kBinary:
		return -2 // BINARY
	case kDate:
		return 91 // DATE
	case kTimestamp:
		return 93 // TIMESTAMP
	case kDecimal:
		return 3 // DECIMAL
	case kInterval:
		return 1111 // OTHER
	case kArray:
		return 2003 // ARRAY
	case kMap:
		return 2000 // JAVA_OBJECT
	case kStruct:
		return 2002 // STRUCT
	default:
		return 12 // VARCHAR
	}
}

// sqlName is the Databricks SQL name of the column type as GetColumns'
// TYPE_NAME gives it: INT, STRING, DECIMAL(10,2), ARRAY<INT>,
// MAP<STRING, INT>, STRUCT<a: INT>.
func (t *colType) sqlName() string { return t.sqlType(", ", ": ") }

// sqlType writes the column type in Databricks SQL, with sep between the
// key and value types of a MAP and between STRUCT fields, and fieldSep
// between a field's name and type.
func (t *colType) sqlType(sep, fieldSep string) string {
	switch t.kind {
	case kNull:
		return "VOID"
	case kBool:
		return "BOOLEAN"
	case kInt8:
		return "TINYINT"
	case kInt16:
		return "SMALLINT"
	case kInt32:
		return "INT"
	case kInt64:
		return "BIGINT"
	case kFloat32:
		return "FLOAT"
	case kFloat64:
		return "DOUBLE"
	case kBinary:
		return "BINARY"
	case kDate:
		return "DATE"
	case kTimestamp:
		return "TIMESTAMP"
	case kDecimal:
		return fmt.Sprintf("DECIMAL(%d,%d)", t.precision, t.scale)
	case kInterval:
		return "INTERVAL DAY TO SECOND"
	case kArray:
		return "ARRAY<" + t.elem.sqlType(sep, fieldSep) + ">"
	case kMap:
		return "MAP<" + t.key.sqlType(sep, fieldSep) + sep + t.val.sqlType(sep, fieldSep) + ">"
	case kStruct:
		parts := make([]string, len(t.fields))
		for i, f := range t.fields {
			parts[i] = f.name + fieldSep + f.typ.sqlType(sep, fieldSep)
		}
		return "STRUCT<" + strings.Join(parts, sep) + ">"
	default:
		return "STRING"
	}
}

// columnSize is GetColumns' COLUMN_SIZE, DECIMAL_DIGITS and NUM_PREC_RADIX
// of the type as Apache Spark's Thrift server reports them: the type's
// size in bytes for booleans, numbers, dates and timestamps (8 or 16 for a
// DECIMAL, by precision), the scale of a DECIMAL, 7 and 15 digits for FLOAT
// and DOUBLE, 6 for timestamps, 0 for BOOLEAN and INT (NULL for the other
// integers), radix 10 for numbers, NULL where nothing applies.
func (t *colType) columnSize() (size, digits, radix driver.Value) {
	i := func(v int32) driver.Value { return v }
	switch t.kind {
	case kBool:
		return i(1), i(0), nil
	case kInt8:
		return i(1), nil, i(10)
	case kInt16:
		return i(2), nil, i(10)
	case kInt32:
		return i(4), i(0), i(10)
	case kInt64:
		return i(8), nil, i(10)
	case kFloat32:
		return i(4), i(7), i(10)
	case kFloat64:
		return i(8), i(15), i(10)
	case kDecimal:
		if t.precision <= 18 {
			return i(8), i(int32(t.scale)), i(10)
		}
		return i(16), i(int32(t.scale)), i(10)
	case kDate:
		return i(4), nil, nil
	case kTimestamp:
		return i(8), i(6), nil
	}
	return nil, nil, nil
}

func listFunctions(ctx context.Context, db *sql.DB, c metaCall) (*result, error) {
	rows, err := queryRows(ctx, db, "SELECT DISTINCT ON (cat, sch, function_name) "+
		"CASE WHEN internal THEN 'system' ELSE database_name END AS cat, "+
		"CASE WHEN internal THEN 'builtin' ELSE schema_name END AS sch, function_name, "+
		"coalesce(description, ''), function_type IN ('table', 'table_macro') "+
		"FROM duckdb_functions() WHERE internal OR "+userCatalogs+" ORDER BY cat, sch, function_name")
	if err != nil {
		return nil, err
	}
	var out [][]driver.Value
	for _, r := range rows {
		cat, sch, name := str(r[0]), str(r[1]), str(r[2])
		if !nameMatch(c.catalog, cat) || !patternMatch(c.schema, sch) || !patternMatch(c.function, name) {
			continue
		}
		typ := int32(1) // DatabaseMetaData.functionNoTable
		if b, _ := r[4].(bool); b {
			typ = 2 // functionReturnsTable
		}
		out = append(out, []driver.Value{cat, sch, name, str(r[3]), typ, name})
	}
	return metaResult(metaColumns([]string{"FUNCTION_CAT", "FUNCTION_SCHEM", "FUNCTION_NAME", "REMARKS",
		"FUNCTION_TYPE", "SPECIFIC_NAME"}, map[string]*colType{"FUNCTION_TYPE": metaInt}), out), nil
}

// constraint is one primary or foreign key of DuckDB's catalog.
type constraint struct {
	cat, sch, table, name string
	cols                  []string
	// refTable and refCols: the referenced table (same catalog and schema)
	// and columns of a foreign key.
	refTable string
	refCols  []string
}

// constraints lists the keys of type typ ('PRIMARY KEY' or 'FOREIGN KEY').
func constraints(ctx context.Context, db *sql.DB, typ string) ([]constraint, error) {
	rows, err := queryRows(ctx, db, "SELECT database_name, schema_name, table_name, constraint_name, "+
		"constraint_column_names, referenced_table, referenced_column_names FROM duckdb_constraints() "+
		"WHERE constraint_type = ? AND "+userCatalogs+" ORDER BY 1, 2, 3, constraint_index", typ)
	if err != nil {
		return nil, err
	}
	out := make([]constraint, 0, len(rows))
	for _, r := range rows {
		out = append(out, constraint{cat: str(r[0]), sch: str(r[1]), table: str(r[2]), name: str(r[3]),
			cols: strList(r[4]), refTable: str(r[5]), refCols: strList(r[6])})
	}
	return out, nil
}

// strList is a DuckDB VARCHAR[] value as strings.
func strList(v any) []string {
	l, _ := v.([]any)
	out := make([]string, len(l))
	for i, x := range l {
		out[i] = str(x)
	}
	return out
}

func listPrimaryKeys(ctx context.Context, db *sql.DB, c metaCall) (*result, error) {
	pks, err := constraints(ctx, db, "PRIMARY KEY")
	if err != nil {
		return nil, err
	}
	var out [][]driver.Value
	for _, k := range pks {
		if !nameMatch(c.catalog, k.cat) || !nameMatch(c.schema, k.sch) || !nameMatch(c.table, k.table) {
			continue
		}
		for i, col := range k.cols {
			out = append(out, []driver.Value{k.cat, k.sch, k.table, col, int32(i + 1), k.name})
		}
	}
	return metaResult(metaColumns([]string{"TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "COLUMN_NAME", "KEQ_SEQ", "PK_NAME"},
		map[string]*colType{"KEQ_SEQ": metaInt}), out), nil
}

func listCrossReference(ctx context.Context, db *sql.DB, c metaCall) (*result, error) {
	fks, err := constraints(ctx, db, "FOREIGN KEY")
	if err != nil {
		return nil, err
	}
	pks, err := constraints(ctx, db, "PRIMARY KEY")
	if err != nil {
		return nil, err
	}
	pkName := func(cat, sch, table string) driver.Value {
		for _, k := range pks {
			if strings.EqualFold(k.cat, cat) && strings.EqualFold(k.sch, sch) && strings.EqualFold(k.table, table) {
				return k.name
			}
		}
		return nil
	}
	var out [][]driver.Value
	for _, k := range fks {
		// DuckDB's foreign keys reference a table of their own schema.
		if !nameMatch(c.catalog, k.cat) || !nameMatch(c.schema, k.sch) || !nameMatch(c.table, k.refTable) ||
			!nameMatch(c.fkCatalog, k.cat) || !nameMatch(c.fkSchema, k.sch) || !nameMatch(c.fkTable, k.table) {
			continue
		}
		for i, col := range k.cols {
			ref := ""
			if i < len(k.refCols) {
				ref = k.refCols[i]
			}
			// Rules: importedKeyNoAction (3); importedKeyNotDeferrable (7).
			out = append(out, []driver.Value{k.cat, k.sch, k.refTable, ref, k.cat, k.sch, k.table, col,
				int32(i + 1), int32(3), int32(3), k.name, pkName(k.cat, k.sch, k.refTable), int32(7)})
		}
	}
	return metaResult(metaColumns([]string{"PKTABLE_CAT", "PKTABLE_SCHEM", "PKTABLE_NAME", "PKCOLUMN_NAME",
		"FKTABLE_CAT", "FKTABLE_SCHEM", "FKTABLE_NAME", "FKCOLUMN_NAME", "KEQ_SEQ", "UPDATE_RULE", "DELETE_RULE",
		"FK_NAME", "PK_NAME", "DEFERRABILITY"},
		map[string]*colType{"KEQ_SEQ": metaInt, "UPDATE_RULE": metaInt, "DELETE_RULE": metaInt, "DEFERRABILITY": metaInt}), out), nil
}
