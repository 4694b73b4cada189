package async

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"io"
	"sync"

	"github.com/asyncsql/databricks/driver"
)

// fakeSQL is a database/sql connector that understands the driver's typed
// arguments the way the real driver does: *driver.Detached and
// *driver.Resume are removed from the arguments and acted upon.
type fakeSQL struct {
	mu       sync.Mutex
	ref      driver.OperationRef
	status   driver.OperationStatus // reported in Detached.Status
	err      error                  // returned by Query/Exec after submission
	rows     [][]sqldriver.Value
	resumed  []driver.OperationRef
	submits  int
	lastArgs []sqldriver.NamedValue
}

func (f *fakeSQL) Connect(context.Context) (sqldriver.Conn, error) { return &fakeConn{f: f}, nil }
func (f *fakeSQL) Driver() sqldriver.Driver                        { return nil }

type fakeConn struct {
	f        *fakeSQL
	detached *driver.Detached
	resume   *driver.Resume
}

var (
	_ sqldriver.NamedValueChecker = (*fakeConn)(nil)
	_ sqldriver.QueryerContext    = (*fakeConn)(nil)
	_ sqldriver.ExecerContext     = (*fakeConn)(nil)
)

func (c *fakeConn) CheckNamedValue(nv *sqldriver.NamedValue) error {
	switch v := nv.Value.(type) {
	case *driver.Detached:
		c.detached = v
		return sqldriver.ErrRemoveArgument
	case *driver.Resume:
		c.resume = v
		return sqldriver.ErrRemoveArgument
	}
	var err error
	nv.Value, err = sqldriver.DefaultParameterConverter.ConvertValue(nv.Value)
	return err
}

func (c *fakeConn) Prepare(string) (sqldriver.Stmt, error) {
	return nil, errors.New("fake: no prepare")
}
func (c *fakeConn) Close() error                 { return nil }
func (c *fakeConn) Begin() (sqldriver.Tx, error) { return nil, errors.New("fake: no tx") }

// submit plays the driver's Detached protocol and reports whether the
// statement finished.
func (c *fakeConn) submit(args []sqldriver.NamedValue) (bool, error) {
	d := c.detached
	c.detached = nil
	f := c.f
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastArgs = args
	if d == nil {
		return false, errors.New("fake: no Detached argument")
	}
	d.Ref = f.ref
	f.submits++
	if d.OnSubmit != nil {
		d.OnSubmit(f.ref)
	}
	d.Status = f.status
	if f.err != nil {
		return false, f.err
	}
	return f.status.State == 2, nil // FINISHED_STATE
}

func (c *fakeConn) QueryContext(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Rows, error) {
	if r := c.resume; r != nil {
		c.resume = nil
		c.f.mu.Lock()
		defer c.f.mu.Unlock()
		c.f.resumed = append(c.f.resumed, r.Ref)
		if c.f.err != nil {
			return nil, c.f.err
		}
		return &fakeRows{rows: c.f.rows}, nil
	}
	finished, err := c.submit(args)
	if err != nil {
		return nil, err
	}
	if !finished {
		return &fakeRows{notFinished: true}, nil
	}
	return &fakeRows{rows: c.f.rows}, nil
}

func (c *fakeConn) ExecContext(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Result, error) {
	finished, err := c.submit(args)
	if err != nil {
		return nil, err
	}
	return fakeResult{finished: finished, n: c.f.status.RowsAffected}, nil
}

type fakeResult struct {
	finished bool
	n        int64
}

func (r fakeResult) LastInsertId() (int64, error) { return 0, errors.New("fake: no id") }
func (r fakeResult) RowsAffected() (int64, error) {
	if !r.finished {
		return 0, driver.ErrNotFinished
	}
	return r.n, nil
}

type fakeRows struct {
	notFinished bool
	rows        [][]sqldriver.Value
}

func (r *fakeRows) Columns() []string {
	if r.notFinished {
		return nil
	}
	return []string{"n"}
}
func (r *fakeRows) Close() error { return nil }
func (r *fakeRows) Next(dest []sqldriver.Value) error {
	if r.notFinished {
		return driver.ErrNotFinished
	}
	if len(r.rows) == 0 {
		return io.EOF
	}
	copy(dest, r.rows[0])
	r.rows = r.rows[1:]
	return nil
}

// newFakeDB returns a DB over a fake connector and a fake backend.
func newFakeDB(f *fakeSQL, be *fakeBackend, opts ...Option) *DB {
	return newDB(sql.OpenDB(f), be, opts)
}
