package async

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	sqldriver "database/sql/driver"

	"github.com/asyncsql/databricks/driver"
)

// The rows of an execution reach the caller as *sql.Rows, which only
// database/sql can make: a DB keeps a *sql.DB of its own on refConnector,
// whose connections hold no server session and answer a query for a
// reference (refArg) with the driver's OperationRows, or for a statement
// still running (pendingArg) with rows whose Next reports ErrNotFinished.

// refArg is the one argument of a query for the rows of ref.
type refArg struct{ ref driver.OperationRef }

// pendingArg is the one argument of a query for the rows of a statement
// that has not finished.
type pendingArg struct{ id string }

type refConnector struct{ be backend }

func (c refConnector) Connect(context.Context) (sqldriver.Conn, error) { return refConn{be: c.be}, nil }
func (c refConnector) Driver() sqldriver.Driver                        { return refDriver{} }

type refDriver struct{}

func (refDriver) Open(string) (sqldriver.Conn, error) {
	return nil, errors.New("async: the rows driver is not opened by name")
}

type refConn struct{ be backend }

var (
	_ sqldriver.QueryerContext    = refConn{}
	_ sqldriver.NamedValueChecker = refConn{}
)

func (refConn) Prepare(string) (sqldriver.Stmt, error) {
	return nil, errors.New("async: the rows connection prepares nothing")
}
func (refConn) Close() error { return nil }
func (refConn) Begin() (sqldriver.Tx, error) {
	return nil, errors.New("async: the rows connection has no transactions")
}

// CheckNamedValue accepts the two argument types, and nothing else.
func (refConn) CheckNamedValue(nv *sqldriver.NamedValue) error {
	switch nv.Value.(type) {
	case refArg, pendingArg:
		return nil
	}
	return fmt.Errorf("async: unexpected argument %T", nv.Value)
}

func (c refConn) QueryContext(ctx context.Context, _ string, args []sqldriver.NamedValue) (sqldriver.Rows, error) {
	if len(args) == 1 {
		switch a := args[0].Value.(type) {
		case refArg:
			return c.be.OperationRows(ctx, a.ref)
		case pendingArg:
			return pendingRows{id: a.id}, nil
		}
	}
	return nil, errors.New("async: the rows connection takes one reference")
}

// pendingRows has no columns; Next reports ErrNotFinished.
type pendingRows struct{ id string }

func (pendingRows) Columns() []string { return nil }
func (pendingRows) Close() error      { return nil }
func (r pendingRows) Next([]sqldriver.Value) error {
	return &execError{id: r.id, what: "has not finished", errs: []error{ErrNotFinished}}
}

// openRowsDB opens the *sql.DB that serves rows of executions.
func openRowsDB(be backend) *sql.DB {
	db := sql.OpenDB(refConnector{be: be})
	db.SetMaxIdleConns(4)
	return db
}
