package async

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/asyncsql/databricks/driver"
)

// Execution is a statement submitted through a DB: its handle on the server and
// the status last seen. Methods of DB that take an Execution return a new one
// and never modify theirs, so an Execution may be shared between goroutines.
//
// An Execution is bound to the warehouse that ran it. It can be saved with
// MarshalText or MarshalJSON and resumed later, in any process, with a DB for
// the same warehouse (see DB.ParseExecution).
//
// The operation secret inside Ref is a credential for the statement: the
// String, GoString and LogValue methods never show it, but the token produced
// by MarshalText and MarshalJSON contains it — store tokens like passwords.
type Execution struct {
	// Status is the state last seen.
	Status Status
	// Err is the failure when Status is StatusFailed (normally a
	// *driver.ServerError with the SQLSTATE and the server's message); the
	// server may also explain a cancellation or a timeout here. Nil otherwise.
	Err error
	// Started and Completed are the server's start and completion times
	// (millisecond precision, UTC), zero when unknown.
	Started, Completed time.Time
	// RowsAffected is the number of rows a DML statement modified, as
	// reported by the server once finished; 0 when unknown.
	RowsAffected int64
	// Ref is the driver handle of the operation and of its dedicated session.
	Ref driver.OperationRef

	// warehouse is the binding: warehouseHash of the connector's Warehouse.
	warehouse uint64
}

// StatementID returns the statement's ID as shown in the Databricks query
// history: the operation GUID formatted as a UUID.
func (e *Execution) StatementID() string {
	if e == nil {
		return ""
	}
	return e.Ref.StatementID()
}

// String describes e with its statement ID and status; never the secret.
func (e Execution) String() string {
	s := fmt.Sprintf("execution %s %s", e.Ref.StatementID(), e.Status)
	if e.Err != nil {
		var se *driver.ServerError
		if errors.As(e.Err, &se) && se.SQLState != "" {
			s += " [" + se.SQLState + "]"
		}
	}
	return s
}

// GoString is String, so that %#v does not print the secret either.
func (e Execution) GoString() string { return e.String() }

// Format writes String under every verb (%v, %+v, %#v, %s, %q, %d, %x,
// ...): no verb prints the secret or the fields one by one.
func (e Execution) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", e.String())
		return
	}
	fmt.Fprint(f, e.String())
}

// LogValue makes log/slog record the statement ID and status, never the
// token or the secret.
func (e Execution) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("statement_id", e.Ref.StatementID()),
		slog.String("status", e.Status.String()),
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("error", e.Err.Error()))
	}
	return slog.GroupValue(attrs...)
}

// clone returns a copy of e. The reference is immutable, so a shallow copy
// shares no mutable memory.
func (e *Execution) clone() *Execution {
	c := *e
	return &c
}

// apply updates e with a status reported by the driver.
func (e *Execution) apply(st driver.OperationStatus) {
	e.Status = StatusFromState(st.State)
	e.Err = st.Err
	if !st.Started.IsZero() {
		e.Started = normTime(st.Started)
	}
	if !st.Completed.IsZero() {
		e.Completed = normTime(st.Completed)
	}
	e.RowsAffected = st.RowsAffected
}

// normTime keeps what a token can hold: UTC, millisecond precision.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.UnixMilli(t.UnixMilli()).UTC()
}

// warehouseHash is the binding of an execution to a warehouse: the first 8
// bytes of a SHA-256 of the connector's Warehouse string ("host:port/path"),
// with the host in lower case and trailing slashes of the path removed. It
// never is 0.
func warehouseHash(w string) uint64 {
	hostPort, path, _ := strings.Cut(w, "/")
	w = strings.ToLower(hostPort) + "/" + strings.TrimRight(path, "/")
	sum := sha256.Sum256([]byte("asyncsql/databricks warehouse\x00" + w))
	h := binary.BigEndian.Uint64(sum[:8])
	if h == 0 {
		h = 1
	}
	return h
}
