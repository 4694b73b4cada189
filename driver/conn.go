package driver

import (
	"context"
	"errors"
	"fmt"
	"maps"

	sqldriver "database/sql/driver"
)

// connState is the life of a connection.
type connState uint8

const (
	// connOpen: the session is usable.
	connOpen connState = iota
	// connBad: the server does not know the session; database/sql is told
	// to discard the connection.
	connBad
	// connClosed: Close was called.
	connClosed
)

// conn is one server session. database/sql serialises its use.
type conn struct {
	c     *Connector
	sess  session
	state connState
	// ownConnector is set for connections from Driver.Open: Close also
	// closes their private connector.
	ownConnector bool
}

var (
	_ sqldriver.Conn               = (*conn)(nil)
	_ sqldriver.ConnPrepareContext = (*conn)(nil)
	_ sqldriver.ConnBeginTx        = (*conn)(nil)
	_ sqldriver.QueryerContext     = (*conn)(nil)
	_ sqldriver.ExecerContext      = (*conn)(nil)
	_ sqldriver.Pinger             = (*conn)(nil)
	_ sqldriver.SessionResetter    = (*conn)(nil)
	_ sqldriver.Validator          = (*conn)(nil)
	_ sqldriver.NamedValueChecker  = (*conn)(nil)
)

// Prepare implements driver.Conn.
func (cn *conn) Prepare(query string) (sqldriver.Stmt, error) {
	return cn.PrepareContext(context.Background(), query)
}

// PrepareContext implements driver.ConnPrepareContext. The server has no
// prepared statements: the statement keeps the query text and runs it on
// each Exec or Query.
func (cn *conn) PrepareContext(ctx context.Context, query string) (sqldriver.Stmt, error) {
	if cn.state == connClosed {
		return nil, ErrClosed
	}
	return &stmt{cn: cn, query: query}, nil
}

// Begin implements driver.Conn.
func (cn *conn) Begin() (sqldriver.Tx, error) { return nil, ErrTransactionsNotSupported }

// BeginTx implements driver.ConnBeginTx: transactions are not supported.
func (cn *conn) BeginTx(context.Context, sqldriver.TxOptions) (sqldriver.Tx, error) {
	return nil, ErrTransactionsNotSupported
}

// Close implements driver.Conn: it closes the session on a bounded context.
func (cn *conn) Close() error {
	if cn.state == connClosed {
		return nil
	}
	var err error
	if cn.state == connOpen {
		// (A bad connection's session is unknown to the server.)
		err = cn.sess.close(context.Background())
	}
	cn.state = connClosed
	if cn.ownConnector {
		cn.c.Close()
	}
	return err
}

// Ping implements driver.Pinger by running SELECT 1.
func (cn *conn) Ping(ctx context.Context) error {
	if cn.state != connOpen {
		return sqldriver.ErrBadConn
	}
	r, err := cn.query(ctx, "SELECT 1", nil)
	if err != nil {
		return err
	}
	return r.Close()
}

// ResetSession implements driver.SessionResetter.
func (cn *conn) ResetSession(context.Context) error {
	if cn.state != connOpen {
		return sqldriver.ErrBadConn
	}
	return nil
}

// IsValid implements driver.Validator.
func (cn *conn) IsValid() bool { return cn.state == connOpen }

// CheckNamedValue implements driver.NamedValueChecker. Values the driver can
// bind pass unchanged (so int8 stays TINYINT and Decimal stays DECIMAL);
// anything else goes through database/sql's default conversion.
// A catalog metadata request (from the catalog package) passes too.
func (cn *conn) CheckNamedValue(nv *sqldriver.NamedValue) error {
	if isMetadataArg(nv.Value) {
		return nil
	}
	return checkNamedValue(nv)
}

func checkNamedValue(nv *sqldriver.NamedValue) error {
	if checkArg(nv.Value) {
		return nil
	}
	if vr, ok := nv.Value.(sqldriver.Valuer); ok {
		v, err := vr.Value()
		if err != nil {
			return err
		}
		if checkArg(v) {
			nv.Value = v
			return nil
		}
		return fmt.Errorf("databricks: Value() of %T returned unsupported %T", nv.Value, v)
	}
	return sqldriver.ErrSkip
}

// QueryContext implements driver.QueryerContext.
func (cn *conn) QueryContext(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Rows, error) {
	return cn.query(ctx, query, args)
}

// ExecContext implements driver.ExecerContext.
func (cn *conn) ExecContext(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Result, error) {
	op, err := cn.run(ctx, query, args)
	if err != nil {
		return nil, err
	}
	n, err := op.rowsAffected(ctx)
	op.release(ctx)
	if err != nil {
		return nil, err
	}
	return result(n), nil
}

// query runs a statement and returns its rows.
func (cn *conn) query(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Rows, error) {
	op, err := cn.run(ctx, query, args)
	if err != nil {
		return nil, err
	}
	return cn.c.rowsOf(ctx, op)
}

// run submits a statement on the connection's session and waits for it to
// finish. An error for which nothing ran marks the connection bad.
func (cn *conn) run(ctx context.Context, query string, args []sqldriver.NamedValue) (operation, error) {
	switch cn.state {
	case connClosed:
		return nil, ErrClosed
	case connBad:
		return nil, sqldriver.ErrBadConn
	}
	req, isMeta, err := metadataRequest(query, args)
	var op operation
	switch {
	case err != nil:
		return nil, err
	case isMeta:
		op, err = cn.metadata(ctx, req)
	default:
		op, err = cn.sess.execute(ctx, query, args)
	}
	if errors.Is(err, sqldriver.ErrBadConn) {
		cn.state = connBad
	}
	return op, err
}

// rowsOf returns the rows of a finished operation (no columns when it has no
// result set).
func (c *Connector) rowsOf(ctx context.Context, op operation) (sqldriver.Rows, error) {
	if !op.hasResultSet() {
		op.release(ctx)
		return &emptyRows{}, nil
	}
	r, err := c.openRows(ctx, op, rowsOptions{})
	if err != nil {
		op.release(ctx)
		return nil, err
	}
	return r, nil
}

// result is the driver.Result of Exec.
type result int64

// LastInsertId implements driver.Result: not supported by the server.
func (result) LastInsertId() (int64, error) {
	return 0, errors.New("databricks: LastInsertId is not supported")
}

// RowsAffected implements driver.Result.
func (r result) RowsAffected() (int64, error) { return int64(r), nil }

type stmtIDKey struct{}

// WithStatementIDCallback returns a context that makes the driver call fn with
// the statement ID (the operation GUID as a UUID) as soon as ExecuteStatement
// returns, before the statement finishes. fn runs on the calling goroutine.
func WithStatementIDCallback(ctx context.Context, fn func(id string)) context.Context {
	return context.WithValue(ctx, stmtIDKey{}, fn)
}

type queryTagsKey struct{}

// WithQueryTags returns a context whose statements carry tags as their query
// tags, added to the session's (Config.QueryTags) with these winning on the
// same key; the warehouse shows them in its query history. It works for
// database/sql calls and for the async package's submissions. Keys must be
// non-empty and hold no ',' or ':'; values are escaped as the server expects.
// The map is copied.
func WithQueryTags(ctx context.Context, tags map[string]string) context.Context {
	return context.WithValue(ctx, queryTagsKey{}, maps.Clone(tags))
}

func queryTags(ctx context.Context) map[string]string {
	tags, _ := ctx.Value(queryTagsKey{}).(map[string]string)
	return tags
}

func statementIDCallback(ctx context.Context) func(string) {
	fn, _ := ctx.Value(stmtIDKey{}).(func(string))
	return fn
}

func ptr[T any](v T) *T { return &v }
