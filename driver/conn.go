package driver

import (
	"context"
	"errors"
	"fmt"
	"time"

	sqldriver "database/sql/driver"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// conn is one server session. database/sql serialises its use.
type conn struct {
	c    *Connector
	sess *session
	bad  bool
	done bool
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
	if cn.done {
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
	if cn.done {
		return nil
	}
	cn.done = true
	var err error
	if !cn.bad {
		// (A bad connection's session is unknown to the server.)
		err = cn.c.closeSession(context.Background(), cn.sess.handle)
	}
	if cn.ownConnector {
		cn.c.Close()
	}
	return err
}

// Ping implements driver.Pinger by running SELECT 1.
func (cn *conn) Ping(ctx context.Context) error {
	if cn.done || cn.bad {
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
	if cn.bad || cn.done {
		return sqldriver.ErrBadConn
	}
	return nil
}

// IsValid implements driver.Validator.
func (cn *conn) IsValid() bool { return !cn.bad && !cn.done }

// CheckNamedValue implements driver.NamedValueChecker. Values the driver can
// bind pass unchanged (so int8 stays TINYINT and Decimal stays DECIMAL);
// anything else goes through database/sql's default conversion.
func (cn *conn) CheckNamedValue(nv *sqldriver.NamedValue) error { return checkNamedValue(nv) }

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
	n := rowsAffected(op)
	cn.c.cleanupOp(ctx, op, false)
	return result(n), nil
}

// query runs a statement and returns its rows.
func (cn *conn) query(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Rows, error) {
	op, err := cn.run(ctx, query, args)
	if err != nil {
		return nil, err
	}
	return cn.c.rowsOf(ctx, op, tcli.TFetchOrientation_FETCH_NEXT)
}

// run submits a statement on the connection's session and waits for it to
// finish.
func (cn *conn) run(ctx context.Context, query string, args []sqldriver.NamedValue) (*operation, error) {
	if cn.done {
		return nil, ErrClosed
	}
	if cn.bad {
		return nil, sqldriver.ErrBadConn
	}
	op, err := cn.c.execute(ctx, cn.sess, query, args, execOptions{direct: true})
	if err != nil {
		if errors.Is(err, sqldriver.ErrBadConn) {
			cn.bad = true
		}
		return nil, err
	}
	st, err := cn.c.wait(ctx, op, time.Time{})
	if err != nil {
		return nil, err
	}
	if err := statusOutcome(st, op.id); err != nil {
		cn.c.cleanupOp(ctx, op, false)
		return nil, err
	}
	return op, nil
}

// rowsOf returns the rows of a finished operation (no columns when it has no
// result set).
func (c *Connector) rowsOf(ctx context.Context, op *operation, orientation tcli.TFetchOrientation) (sqldriver.Rows, error) {
	if !hasResultSet(op) {
		c.cleanupOp(ctx, op, false)
		return &emptyRows{}, nil
	}
	r, err := c.newRows(ctx, op, orientation)
	if err != nil {
		c.cleanupOp(ctx, op, false)
		return nil, err
	}
	return r, nil
}

// hasResultSet reports whether a finished operation has rows to fetch.
func hasResultSet(op *operation) bool {
	if op.direct != nil && (op.direct.ResultSetMetadata != nil || op.direct.ResultSet != nil) {
		return true
	}
	if op.status != nil && op.status.HasResultSet != nil {
		return *op.status.HasResultSet
	}
	return op.handle.HasResultSet
}

// result is the driver.Result of Exec.
type result int64

// LastInsertId implements driver.Result: not supported by the server.
func (result) LastInsertId() (int64, error) {
	return 0, errors.New("databricks: LastInsertId is not supported")
}

// RowsAffected implements driver.Result.
func (r result) RowsAffected() (int64, error) { return int64(r), nil }
