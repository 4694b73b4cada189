package emulator

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// namespace is a session's current DuckDB database (catalog) and schema.
type namespace struct {
	catalog, schema string
}

// useSQL is the USE statement selecting the namespace.
func (ns namespace) useSQL() string {
	return "USE " + quoteIdent(ns.catalog) + "." + quoteIdent(ns.schema)
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// result is the outcome of one statement.
type result struct {
	hasResultSet bool
	cols         []column
	rows         *resultStore
	modified     int64
	ns           *namespace // set when the statement may have changed the namespace
	staging      bool       // a staging statement's row (staging.go)
}

// run executes op on its own DuckDB connection and records the outcome.
func (s *Server) run(ctx context.Context, op *operation) {
	defer s.wg.Done()
	defer func() {
		if p := recover(); p != nil {
			s.cfg.logger.Error("statement panicked", "operation", op.h.String(), "panic", fmt.Sprint(p))
			op.complete(nil, fmt.Errorf("internal error: %v", p), nil)
		}
	}()
	op.setRunning()
	res, err := s.execute(ctx, op)
	// The namespace changes before the statement reports completion, so a
	// statement the client sends next runs in it.
	if err == nil && res.ns != nil {
		s.updateNamespace(op.sessKey, *res.ns)
	}
	op.complete(res, err, ctx.Err())
}

// execute runs the statement: USE the session's namespace, prepare (earlier
// statements of a multi-statement text run during prepare), bind, query and
// read the whole result.
func (s *Server) execute(ctx context.Context, op *operation) (*result, error) {
	if cmd, ok, err := parseStaging(op.query); ok {
		if err != nil {
			return nil, &classError{class: "PARSE_SYNTAX_ERROR", state: "42601", msg: "Syntax error in a staging statement: " + err.Error() + "."}
		}
		return s.stage(op, cmd)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if op.ns.schema != "" {
		if _, err := conn.ExecContext(ctx, op.ns.useSQL()); err != nil {
			return nil, err
		}
	}
	var res *result
	var typ duckdb.StmtType
	err = queryDriver(ctx, conn, op.query, op.args, func(st duckdb.StmtType, rows driver.Rows) error {
		typ = st
		var err error
		res, err = collect(ctx, rows, typ, op.rowLimit)
		return err
	})
	if err != nil {
		return nil, err
	}
	if typ == duckdb.STATEMENT_TYPE_SELECT && maybeNullType(res) {
		markNullColumns(ctx, conn, op, res)
	}
	if typ == duckdb.STATEMENT_TYPE_SET || typ == duckdb.STATEMENT_TYPE_MULTI {
		var ns namespace
		if err := conn.QueryRowContext(ctx, "SELECT current_database(), current_schema()").Scan(&ns.catalog, &ns.schema); err == nil {
			res.ns = &ns
		}
	}
	return res, nil
}

// queryDriver prepares and runs query with args at the duckdb-go driver
// level (typed values bind as given) and hands the rows to fn.
func queryDriver(ctx context.Context, conn *sql.Conn, query string, args []driver.NamedValue,
	fn func(duckdb.StmtType, driver.Rows) error) error {
	return conn.Raw(func(dc any) error {
		dconn, ok := dc.(*duckdb.Conn)
		if !ok {
			return errors.New("emulator: unexpected driver connection")
		}
		st, err := dconn.PrepareContext(ctx, query)
		if err != nil {
			return err
		}
		defer st.Close()
		dst, ok := st.(*duckdb.Stmt)
		if !ok {
			return errors.New("emulator: unexpected driver statement")
		}
		typ, _ := dst.StatementType()
		rows, err := dst.QueryContext(ctx, args)
		if err != nil {
			return err
		}
		defer rows.Close()
		return fn(typ, rows)
	})
}

// maybeNullType reports whether an INTEGER column holds only NULLs: DuckDB
// reports a bare NULL (Databricks' VOID) as INTEGER.
func maybeNullType(res *result) bool {
	for ci, c := range res.cols {
		if c.typ.kind == kInt32 && res.rows.allNull(ci) {
			return true
		}
	}
	return false
}

// markNullColumns asks DuckDB for typeof() of each column over the
// statement wrapped in LIMIT 0 (not executed) and turns columns of type
// "NULL" into the NULL type. Failures leave the columns as they are.
func markNullColumns(ctx context.Context, conn *sql.Conn, op *operation, res *result) {
	inner := strings.TrimRight(strings.TrimSpace(op.query), "; \t\r\n")
	probe := "SELECT typeof(COLUMNS(q.*)) FROM (SELECT 1) AS d LEFT JOIN (SELECT * FROM (" + inner +
		"\n) LIMIT 0) AS q ON true"
	_ = queryDriver(ctx, conn, probe, op.args, func(_ duckdb.StmtType, rows driver.Rows) error {
		dst := make([]driver.Value, len(rows.Columns()))
		if len(dst) != len(res.cols) || rows.Next(dst) != nil {
			return nil
		}
		for i, v := range dst {
			name, _ := v.(string)
			if strings.Trim(name, `"`) == "NULL" && res.cols[i].typ.kind == kInt32 {
				res.cols[i].typ = &colType{kind: kNull, duck: "NULL"}
			}
		}
		return nil
	})
}

// noResultSet lists the statement types that answer hasResultSet=false.
var noResultSet = map[duckdb.StmtType]bool{
	duckdb.STATEMENT_TYPE_CREATE: true, duckdb.STATEMENT_TYPE_DROP: true, duckdb.STATEMENT_TYPE_ALTER: true,
	duckdb.STATEMENT_TYPE_SET: true, duckdb.STATEMENT_TYPE_VARIABLE_SET: true,
	duckdb.STATEMENT_TYPE_TRANSACTION: true, duckdb.STATEMENT_TYPE_ATTACH: true,
	duckdb.STATEMENT_TYPE_DETACH: true, duckdb.STATEMENT_TYPE_LOAD: true, duckdb.STATEMENT_TYPE_VACUUM: true,
	duckdb.STATEMENT_TYPE_ANALYZE: true, duckdb.STATEMENT_TYPE_CREATE_FUNC: true,
	duckdb.STATEMENT_TYPE_EXPORT: true, duckdb.STATEMENT_TYPE_PREPARE: true, duckdb.STATEMENT_TYPE_COPY: true,
}

// collect reads all rows. DML (INSERT/UPDATE/DELETE without RETURNING)
// becomes a one-row result num_affected_rows (+ num_inserted_rows for
// INSERT) with the count as numModifiedRows, as Databricks answers; DDL and
// settings have no result set.
func collect(ctx context.Context, rows driver.Rows, typ duckdb.StmtType, limit int64) (*result, error) {
	names := rows.Columns()
	typed, _ := rows.(driver.RowsColumnTypeDatabaseTypeName)
	cols := make([]column, len(names))
	for i, n := range names {
		tn := "VARCHAR"
		if typed != nil {
			tn = typed.ColumnTypeDatabaseTypeName(i)
		}
		cols[i] = column{name: n, typ: parseDuckType(tn)}
	}
	// One reused destination row: the store copies what it keeps.
	data := newResultStore(len(cols))
	dst := make([]driver.Value, len(cols))
	for limit <= 0 || int64(data.Len()) < limit {
		if data.Len()%1024 == 0 {
			if err := ctx.Err(); err != nil {
				data.release()
				return nil, err
			}
		}
		if err := rows.Next(dst); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			data.release()
			return nil, err
		}
		data.appendRow(dst)
	}
	data.seal()
	isCount := len(names) == 1 && names[0] == "Count"
	res := &result{hasResultSet: true, cols: cols, rows: data, modified: -1}
	switch {
	case isCount && (typ == duckdb.STATEMENT_TYPE_INSERT || typ == duckdb.STATEMENT_TYPE_UPDATE ||
		typ == duckdb.STATEMENT_TYPE_DELETE):
		var n int64
		if data.Len() == 1 {
			n, _ = toInt64(data.value(0, 0))
		}
		res.modified = n
		bigint := &colType{kind: kInt64, duck: "BIGINT"}
		res.cols = []column{{name: "num_affected_rows", typ: bigint}}
		row := []driver.Value{n}
		if typ == duckdb.STATEMENT_TYPE_INSERT {
			res.cols = append(res.cols, column{name: "num_inserted_rows", typ: bigint})
			row = append(row, n)
		}
		data.release()
		res.rows = storeOf(len(row), row)
	case noResultSet[typ]:
		if isCount && data.Len() == 1 {
			res.modified, _ = toInt64(data.value(0, 0))
		}
		data.release()
		res.hasResultSet, res.cols, res.rows = false, nil, nil
	}
	return res, nil
}
