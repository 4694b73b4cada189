package async

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	sqldriver "database/sql/driver"

	"github.com/asyncsql/databricks/driver"
)

// backend is what DB needs from the driver besides database/sql: the
// driver's surface for detached statements. *driver.Connector implements it
// (tests substitute a fake).
type backend interface {
	Warehouse() string
	SubmitDetached(ctx context.Context, query string, args ...any) (driver.OperationRef, driver.OperationStatus, error)
	OperationStatus(ctx context.Context, ref driver.OperationRef) (driver.OperationStatus, error)
	OperationRows(ctx context.Context, ref driver.OperationRef) (sqldriver.Rows, error)
	CancelOperation(ctx context.Context, ref driver.OperationRef) error
	CloseOperation(ctx context.Context, ref driver.OperationRef) error
}

var _ backend = (*driver.Connector)(nil)

// DB is a *sql.DB for a Databricks warehouse with methods to run statements
// that outlive the call, the connection and the process that started them.
// Every *sql.DB method works as usual. A DB is safe for concurrent use.
type DB struct {
	*sql.DB

	be        backend
	warehouse uint64
	opts      options
	// shared is what DB.With copies share: the rows pool, the keep-alive
	// loop and what Close releases.
	shared *shared
}

type shared struct {
	rows      *sql.DB
	keep      *keeper
	closeOnce sync.Once
	closeErr  error
	// closeFn closes what the DB owns (its *sql.DB, its hold on the
	// connector).
	closeFn func() error
}

// OpenDB opens a DB on a driver connector. Like sql.OpenDB it does not
// connect. The DB holds the connector (driver.Connector.Hold): closing a
// *sql.DB opened on the same connector does not break the DB, and Close
// closes the connector only once nothing else uses it. Close leaves running
// executions on the server: they run in sessions the pool does not own.
func OpenDB(c *driver.Connector, opts ...Option) *DB {
	release := c.Hold()
	sqlDB := sql.OpenDB(c)
	return newDB(sqlDB, c, opts, func() error {
		err := sqlDB.Close()
		release()
		return err
	})
}

// NewDB makes a DB on an existing *sql.DB of this driver, sharing its pool
// and connector; ctx bounds finding the connector (it may take one pooled
// connection). Closing the DB does not close sqlDB, and closing sqlDB does
// not break the DB's own methods: the DB holds the connector until its
// Close. (The embedded *sql.DB methods are sqlDB's and end with it.)
func NewDB(ctx context.Context, sqlDB *sql.DB, opts ...Option) (*DB, error) {
	c, err := driver.ConnectorOf(ctx, sqlDB)
	if err != nil {
		return nil, fmt.Errorf("async: %w", err)
	}
	release := c.Hold()
	return newDB(sqlDB, c, opts, func() error { release(); return nil }), nil
}

// Open parses a DSN of the driver (see driver.ParseDSN), makes a connector
// and opens a DB on it.
func Open(dsn string, opts ...Option) (*DB, error) {
	cfg, err := driver.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	c, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return OpenDB(c, opts...), nil
}

func newDB(sqlDB *sql.DB, be backend, opts []Option, closeFn func() error) *DB {
	db := &DB{DB: sqlDB, be: be, warehouse: warehouseHash(be.Warehouse()), opts: defaultOptions()}
	for _, o := range opts {
		o(&db.opts)
	}
	db.shared = &shared{rows: openRowsDB(be), closeFn: closeFn}
	if db.opts.keepAlive > 0 {
		db.shared.keep = newKeeper(be, db.opts.keepAlive)
	}
	return db
}

// With returns a DB that shares db's pool, connector and keep-alive loop,
// with opts applied on top of db's options (WithKeepAlive excepted: the
// loop is db's). Closing either closes both.
func (db *DB) With(opts ...Option) *DB {
	c := *db
	for _, o := range opts {
		o(&c.opts)
	}
	return &c
}

// Close stops the keep-alive loop and closes what the DB owns (see OpenDB
// and NewDB). Executions stay on the server, to be resumed from their
// tokens. Close is safe to call more than once.
func (db *DB) Close() error {
	s := db.shared
	s.closeOnce.Do(func() {
		s.keep.close()
		s.closeErr = errors.Join(s.rows.Close(), s.closeFn())
	})
	return s.closeErr
}

// ParseExecution decodes a token made by Execution.MarshalText (or the JSON of
// MarshalJSON) and checks that it belongs to db's warehouse. It does not
// contact the server; from now on the keep-alive loop holds the execution.
// Leading and trailing white space is ignored.
func (db *DB) ParseExecution(token string) (*Execution, error) {
	var e Execution
	token = strings.TrimSpace(token)
	unmarshal := e.UnmarshalText
	if strings.HasPrefix(token, "{") || strings.HasPrefix(token, `"`) {
		unmarshal = e.UnmarshalJSON
	}
	if err := unmarshal([]byte(token)); err != nil {
		return nil, err
	}
	if err := db.check(&e); err != nil {
		return nil, err
	}
	return &e, nil
}

// CancelExecution asks the server to cancel exc. It is idempotent: canceling
// an execution that already ended, was canceled before or is gone succeeds.
// The execution stays on the server (status StatusCanceled) until
// CloseExecution.
func (db *DB) CancelExecution(ctx context.Context, exc *Execution) error {
	if err := db.check(exc); err != nil {
		return err
	}
	err := db.be.CancelOperation(ctx, exc.Ref)
	if err == nil || errors.Is(err, driver.ErrInvalidHandle) {
		return nil
	}
	var se *driver.ServerError
	if errors.As(err, &se) {
		// Some servers refuse to cancel a statement that already ended.
		if cur, cerr := db.checkOnce(ctx, exc); cerr == nil && cur.Status.Terminal() {
			return nil
		}
	}
	return err
}

// CloseExecution is the application's acknowledgement that it is done with
// exc: it releases the server resources of exc — the operation with its
// result, then its dedicated session — and stops keeping it alive. It is
// idempotent: closing an execution that is already closed or gone succeeds.
// Close every execution once its result is safely processed, failed ones
// too.
func (db *DB) CloseExecution(ctx context.Context, exc *Execution) error {
	if err := db.check(exc); err != nil {
		return err
	}
	err := db.be.CloseOperation(ctx, exc.Ref)
	if err == nil || errors.Is(err, driver.ErrInvalidHandle) {
		db.shared.keep.release(exc.StatementID())
		return nil
	}
	return err
}

// KeptAlive is the number of executions the keep-alive loop holds.
func (db *DB) KeptAlive() int { return db.shared.keep.count() }

// check validates that exc can be used with db, and holds it in the
// keep-alive loop.
func (db *DB) check(exc *Execution) error {
	switch {
	case exc == nil:
		return fmt.Errorf("%w: nil execution", ErrInvalidToken)
	case exc.warehouse == 0:
		return errNoBind
	case exc.Ref.IsZero():
		return fmt.Errorf("%w: execution has no operation handle", ErrInvalidToken)
	case exc.warehouse != db.warehouse:
		return ErrWrongWarehouse
	}
	if exc.Status != StatusGone {
		db.shared.keep.hold(exc.Ref)
	}
	return nil
}

func (db *DB) newExecution(ref driver.OperationRef) *Execution {
	return &Execution{Ref: ref, warehouse: db.warehouse, Status: StatusInitialized}
}

// outcomeErr is the error reading the result of cur gives, nil when finished.
func outcomeErr(cur *Execution) error {
	id := cur.StatementID()
	switch cur.Status {
	case StatusFinished:
		return nil
	case StatusFailed:
		if cur.Err != nil {
			return cur.Err
		}
		return &execError{id: id, what: "failed", errs: []error{ErrNoResult}}
	case StatusGone:
		return goneErr(cur)
	}
	if cur.Status.Terminal() {
		what := "is " + cur.Status.String()
		errs := []error{ErrNoResult}
		if cur.Err != nil {
			what += ": " + reason(cur.Err)
			errs = append(errs, cur.Err)
		}
		return &execError{id: id, what: what, errs: errs}
	}
	return &execError{id: id, what: "is " + cur.Status.String(), errs: []error{ErrNotFinished}}
}

// goneErr reports an execution the server no longer knows; it matches
// ErrNoResult and ErrGone, and wraps the server's reason when known.
func goneErr(cur *Execution) error {
	what := "is gone (closed, evicted or expired)"
	errs := []error{ErrNoResult, ErrGone}
	if cur.Err != nil {
		what += ": " + reason(cur.Err)
		errs = append(errs, cur.Err)
	}
	return &execError{id: cur.StatementID(), what: what, errs: errs}
}
