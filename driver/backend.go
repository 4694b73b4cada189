package driver

import (
	"context"
	"strconv"

	sqldriver "database/sql/driver"

	"github.com/asyncsql/databricks/internal/results"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// backend is the operation layer below the database/sql adapter: the
// protocol a Connector speaks to its warehouse. The adapter (conn, stmt,
// rows, the async surface) calls only this interface; backend_thrift.go
// implements it over HiveServer2 Thrift (internal/hs2). A backend is safe for
// concurrent use.
type backend interface {
	// openSession opens the session of a new connection. An error for
	// which the server cannot have run anything is marked with badConn,
	// so that database/sql retries on another connection.
	openSession(ctx context.Context) (session, error)
	// submitDetached runs a statement outside any session of a pool and
	// returns as soon as the server accepted it (Connector.SubmitDetached).
	submitDetached(ctx context.Context, query string, args []sqldriver.NamedValue) (OperationRef, OperationStatus, error)
	// status asks the server once for the state of a statement.
	status(ctx context.Context, ref OperationRef) (OperationStatus, error)
	// cancel asks the server to cancel a statement.
	cancel(ctx context.Context, ref OperationRef) error
	// closeRef closes a statement and what the backend opened for it;
	// statements the server no longer knows count as closed.
	closeRef(ctx context.Context, ref OperationRef) error
	// refOperation returns the finished statement ref names, to be read
	// from its first row and never closed by the reader.
	refOperation(ctx context.Context, ref OperationRef) (operation, error)
	// close waits for the backend's background work (cleanups of
	// abandoned submissions).
	close()
}

// session is the server session of one connection. database/sql
// serialises its use.
type session interface {
	// execute submits a statement and waits until it finished; a failed
	// statement is an error (a *ServerError) and leaves nothing open. An
	// error for which the server cannot have run anything is marked with
	// badConn and means the session is gone.
	execute(ctx context.Context, query string, args []sqldriver.NamedValue) (operation, error)
	// close ends the session on the server.
	close(ctx context.Context) error
}

// operation is a finished statement whose outcome the adapter reads.
type operation interface {
	// statementID is the statement's public ID.
	statementID() string
	// rowsAffected is the statement's modified-row count.
	rowsAffected(ctx context.Context) (int64, error)
	// hasResultSet reports whether the statement has rows to read.
	hasResultSet() bool
	// result describes the statement's result set, for openRows.
	result(ctx context.Context, opts rowsOptions) (resultPlan, error)
	// kept reports a result kept on the server to be read again
	// (Connector.OperationRows): release leaves it open.
	kept() bool
	// release closes the statement on the server unless it is kept or
	// closed already, on a bounded context detached from ctx; failures are
	// logged only. Calling it again does nothing.
	release(ctx context.Context)
}

// resultPlan is what a backend tells the adapter about a result set: its
// columns, the form its rows take, and the source that delivers them.
type resultPlan struct {
	// schema is the table schema, the base of the column plan.
	schema *tcli.TTableSchema
	// arrowSchema is the serialized Arrow schema of Arrow results.
	arrowSchema []byte
	// source reads the rows; its Format says whether they are Arrow
	// (ArrowPages, Links) or column-based pages. openRows sets its Reader.
	source results.Config
	// truncated: the server reports the result cut by a row or byte
	// limit. rowCap, when positive, is the most rows to hand out: a row
	// beyond it means the result was cut (the server was asked for one
	// more).
	truncated bool
	rowCap    int64
}

// Backend is the API a connector speaks to its warehouse.
type Backend uint8

const (
	// BackendThrift is HiveServer2's Thrift protocol over HTTP, POSTed to
	// the HTTP path: Databricks SQL warehouses and clusters, Apache Spark's
	// Thrift server. The default.
	BackendThrift Backend = iota
	// BackendREST is Databricks' Statement Execution API
	// (/api/2.0/sql/statements) on the warehouse whose ID ends the HTTP
	// path (/sql/1.0/warehouses/<id>). Each statement names the warehouse,
	// catalog and schema itself, unless session parameters make each
	// connection a session of the API.
	BackendREST
)

// String returns "thrift" or "rest", the DSN's spelling.
func (b Backend) String() string {
	switch b {
	case BackendThrift:
		return "thrift"
	case BackendREST:
		return "rest"
	}
	return "Backend(" + strconv.Itoa(int(b)) + ")"
}

// parseBackend reads the DSN's spelling of a backend.
func parseBackend(s string) (Backend, bool) {
	switch s {
	case "thrift":
		return BackendThrift, true
	case "rest":
		return BackendREST, true
	}
	return 0, false
}
