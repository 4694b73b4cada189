package driver

import (
	"context"
	"errors"

	sqldriver "database/sql/driver"
)

// stmt is a "prepared" statement: the query text, run on each call.
type stmt struct {
	cn     *conn
	query  string
	closed bool
}

var (
	_ sqldriver.Stmt              = (*stmt)(nil)
	_ sqldriver.StmtQueryContext  = (*stmt)(nil)
	_ sqldriver.StmtExecContext   = (*stmt)(nil)
	_ sqldriver.NamedValueChecker = (*stmt)(nil)
)

var errLegacyArgs = errors.New("databricks: use the context methods (QueryContext, ExecContext)")

// Close implements driver.Stmt.
func (s *stmt) Close() error { s.closed = true; return nil }

// NumInput implements driver.Stmt: unknown (-1), the server checks.
func (s *stmt) NumInput() int { return -1 }

// Exec implements driver.Stmt; database/sql uses ExecContext.
func (s *stmt) Exec([]sqldriver.Value) (sqldriver.Result, error) { return nil, errLegacyArgs }

// Query implements driver.Stmt; database/sql uses QueryContext.
func (s *stmt) Query([]sqldriver.Value) (sqldriver.Rows, error) { return nil, errLegacyArgs }

// CheckNamedValue implements driver.NamedValueChecker like the connection.
func (s *stmt) CheckNamedValue(nv *sqldriver.NamedValue) error { return s.cn.CheckNamedValue(nv) }

// ExecContext implements driver.StmtExecContext.
func (s *stmt) ExecContext(ctx context.Context, args []sqldriver.NamedValue) (sqldriver.Result, error) {
	if s.closed {
		return nil, ErrClosed
	}
	return s.cn.ExecContext(ctx, s.query, args)
}

// QueryContext implements driver.StmtQueryContext.
func (s *stmt) QueryContext(ctx context.Context, args []sqldriver.NamedValue) (sqldriver.Rows, error) {
	if s.closed {
		return nil, ErrClosed
	}
	return s.cn.QueryContext(ctx, s.query, args)
}
