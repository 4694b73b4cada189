package driver

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	sqldriver "database/sql/driver"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/asyncsql/databricks/internal/hs2"
	"github.com/asyncsql/databricks/internal/rpc"
	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// testRef returns a reference with known secrets.
func testRef() OperationRef {
	return OperationRef{ref: hs2.Ref{
		Op:           hs2.NewHandleID([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, []byte("topsecretsecret!")),
		Session:      hs2.NewHandleID(bytes.Repeat([]byte{0xab}, 16), []byte("sessionsecret...")),
		HasResultSet: true,
		Protocol:     int64(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8),
	}}
}

// TestOperationRefHidesSecrets prints a reference, and a struct holding one
// in an unexported field, through every verb, slog and JSON.
func TestOperationRefHidesSecrets(t *testing.T) {
	ref := testRef()
	if ref.StatementID() != "01020304-0506-0708-090a-0b0c0d0e0f10" {
		t.Fatalf("StatementID() = %q", ref.StatementID())
	}
	type holder struct {
		Ref  OperationRef
		ref  OperationRef
		pref *OperationRef
	}
	h := holder{Ref: ref, ref: ref, pref: &ref}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%X", "%o", "%b", "%c", "%U", "%e", "%t", "%p", "%T"} {
		out = append(out, fmt.Sprintf(verb, ref), fmt.Sprintf(verb, &ref), fmt.Sprintf(verb, h), fmt.Sprintf(verb, &h))
	}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "ref", ref, "h", h)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "ref", ref, "h", h)
	js, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, logs.String(), string(js), ref.String(), ref.GoString())
	for _, o := range out {
		for _, sec := range []string{"topsecretsecret!", "sessionsecret..."} {
			for _, form := range []string{sec, hex.EncodeToString([]byte(sec)), strings.ToUpper(hex.EncodeToString([]byte(sec))),
				base64.StdEncoding.EncodeToString([]byte(sec)), fmt.Sprint([]byte(sec)), fmt.Sprintf("%o", []byte(sec))} {
				if strings.Contains(o, form) {
					t.Fatalf("%q shows a secret", o)
				}
			}
		}
	}
}

// TestSubmitDetachedAndRows follows a detached statement by its reference,
// reads the result twice from its first row, and closes it.
func TestSubmitDetachedAndRows(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	schema, p1 := int64Records([]int64{1, 2})
	_, p2 := int64Records([]int64{3})
	s := arrowScript(t, tableSchema(colDesc{name: "n", typ: tcli.TTypeId_BIGINT_TYPE}), schema, false, p1, p2)
	s.States = []tcli.TOperationState{tcli.TOperationState_PENDING_STATE, tcli.TOperationState_RUNNING_STATE, tcli.TOperationState_FINISHED_STATE}
	e.fake.Script("long", s)
	var seen string
	ctx := WithStatementIDCallback(context.Background(), func(id string) { seen = id })
	ref, st, err := e.c.SubmitDetached(ctx, "long", sql.Named("x", int64(1)))
	if err != nil {
		t.Fatal(err)
	}
	if ref.IsZero() || ref.ref.Session.IsZero() || !ref.HasResultSet() || ref.ref.Protocol != int64(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8) ||
		st.State != StateInitialized || seen != ref.StatementID() {
		t.Fatalf("ref %#v status %+v callback %q", ref, st, seen)
	}
	ex := tclitest.Received[*tcli.TExecuteStatementReq](e.fake)[0]
	if ex.GetDirectResults != nil || !ex.RunAsync || len(ex.Parameters) != 1 {
		t.Fatal("a detached statement asked for direct results, ran synchronously or lost its parameter")
	}
	for {
		st, err := e.c.OperationStatus(context.Background(), ref)
		if err != nil {
			t.Fatal(err)
		}
		if st.Terminal() {
			if st.State != StateFinished || st.Err != nil || !st.HasResultSet || st.Started.IsZero() || st.Completed.IsZero() {
				t.Fatalf("status %+v", st)
			}
			break
		}
	}
	sessions := e.fake.OpenSessions()
	for round := range 2 {
		before := e.fake.Count(tclitest.FetchResults)
		rows, err := e.c.OperationRows(context.Background(), ref)
		if err != nil {
			t.Fatal(err)
		}
		if got := readDriverInts(t, rows); fmt.Sprint(got) != "[1 2 3]" {
			t.Fatalf("round %d: got %v", round, got)
		}
		fr := tclitest.Received[*tcli.TFetchResultsReq](e.fake)[before:]
		first := fr[0]
		if first.Orientation != tcli.TFetchOrientation_FETCH_FIRST || !first.GetIncludeResultSetMetadata() ||
			first.StartRowOffset == nil || *first.StartRowOffset != 0 ||
			fr[1].Orientation != tcli.TFetchOrientation_FETCH_NEXT {
			t.Fatalf("round %d: fetch requests %+v", round, fr)
		}
	}
	if n := e.fake.Count(tclitest.GetResultSetMetadata); n != 0 {
		t.Fatalf("%d GetResultSetMetadata calls; the metadata comes with the first page", n)
	}
	if e.operation(ref.StatementID()).Closed || e.fake.OpenSessions() != sessions {
		t.Fatal("reading the result closed the operation or its session")
	}
	if err := e.c.CloseOperation(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	if e.fake.OpenSessions() != sessions-1 {
		t.Fatal("the dedicated session is still open")
	}
	if _, err := e.c.OperationStatus(context.Background(), ref); !errors.Is(err, ErrInvalidHandle) {
		t.Fatalf("status of a closed operation: %v", err)
	}
	if err := e.c.CloseOperation(context.Background(), ref); err != nil {
		t.Fatalf("second close: %v", err)
	}
}

// readDriverInts reads every row of a driver-level Rows of one BIGINT column.
func readDriverInts(t *testing.T, r sqldriver.Rows) []int64 {
	t.Helper()
	defer r.Close()
	var out []int64
	dest := make([]sqldriver.Value, 1)
	for {
		err := r.Next(dest)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, dest[0].(int64))
	}
}

// A failed read ends the rows but leaves the operation for another reader.
func TestOperationRowsReadErrorKeepsOperation(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	ref, rows := detachedIntPages(t, e, []int64{1, 2}, []int64{3})
	for range 5 { // more than the retry policy's attempts
		e.fake.Inject(tclitest.FetchResults, tclitest.HTTPError(http.StatusBadRequest, ""))
	}
	dest := make([]sqldriver.Value, 1)
	var err2 error
	for err2 == nil {
		err2 = rows.Next(dest)
	}
	if err2 == io.EOF {
		t.Fatal("the failing page request gave no error")
	}
	rows.Close()
	if e.operation(ref.StatementID()).Closed {
		t.Fatal("a failed read closed the operation")
	}
	e.fake.ClearFaults()
	rows, err := e.c.OperationRows(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if got := readDriverInts(t, rows); fmt.Sprint(got) != "[1 2 3]" {
		t.Fatalf("after a failed read: %v", got)
	}
}

// detachedIntPages submits "q", scripted as one BIGINT column in pages of
// one batch each, detached, and opens its rows by the reference.
func detachedIntPages(t *testing.T, e *testEnv, pages ...[]int64) (OperationRef, sqldriver.Rows) {
	t.Helper()
	var schema *arrow.Schema
	var recs [][]arrow.RecordBatch
	for _, p := range pages {
		var r []arrow.RecordBatch
		schema, r = int64Records(p)
		recs = append(recs, r)
	}
	e.fake.Script("q", arrowScript(t, tableSchema(colDesc{name: "n", typ: tcli.TTypeId_BIGINT_TYPE}), schema, false, recs...))
	ref, _, err := e.c.SubmitDetached(context.Background(), "q")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := e.c.OperationRows(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return ref, rows
}

// TestOperationRowsEarlyCloseSettlesFetch closes a result while the
// read-ahead's FetchResults is still being handled by the server: Close
// lets it finish, so that it cannot move the cursor of a reader that starts
// from the first row right after.
func TestOperationRowsEarlyCloseSettlesFetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newDirectEnv(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
		ref, rows := detachedIntPages(t, e, []int64{1, 2}, []int64{3}, []int64{4}, []int64{5})
		// The first page comes at once; the server takes its time over the
		// read-ahead's request for the second.
		fetches := e.fake.Count(tclitest.FetchResults)
		e.fake.Inject(tclitest.FetchResults, tclitest.Fault{Lag: 300 * time.Millisecond})
		dest := make([]sqldriver.Value, 1)
		if err := rows.Next(dest); err != nil {
			t.Fatal(err)
		}
		synctest.Wait() // the read-ahead's request is with the server
		if n := e.fake.Count(tclitest.FetchResults); n != fetches+1 {
			t.Fatalf("got %d FetchResults requests, want %d: the read-ahead's in flight", n, fetches+1)
		}
		start := time.Now()
		rows.Close()
		if d := time.Since(start); d != 300*time.Millisecond {
			t.Fatalf("Close returned after %v, want 300ms: when the request in flight was answered", d)
		}
		rows, err := e.c.OperationRows(context.Background(), ref)
		if err != nil {
			t.Fatal(err)
		}
		if err := rows.Next(dest); err != nil {
			t.Fatal(err)
		}
		if got := readDriverInts(t, rows); fmt.Sprint(got) != "[2 3 4 5]" {
			t.Fatalf("got %v after the first row, want [2 3 4 5]", got)
		}
		rows.Close()
	})
}

func TestSubmitDetachedRejected(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	e.fake.Script("bad", &tclitest.Script{ExecStatus: &tcli.TStatus{StatusCode: tcli.TStatusCode_ERROR_STATUS, SqlState: ptr("42601"), ErrorMessage: ptr("syntax error")}})
	ref, _, err := e.c.SubmitDetached(context.Background(), "bad")
	var se *ServerError
	if !errors.As(err, &se) || se.SQLState != "42601" || !ref.IsZero() {
		t.Fatalf("ref %v err %v", ref, err)
	}
	if e.fake.OpenSessions() != 0 {
		t.Fatal("the dedicated session of a rejected statement is open")
	}
	if _, _, err := e.c.SubmitDetached(context.Background(), "q", struct{}{}); err == nil || e.fake.OpenSessions() != 0 {
		t.Fatalf("an argument that cannot be converted: %v", err)
	}
}

// The context bounds the call, never the statement: a ctx that ends while
// ExecuteStatement is in flight still gives the reference, and the
// statement runs on.
func TestSubmitDetachedContextEndsDuringSubmit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newDirectEnv(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
		block := make(chan struct{})
		s := intScript(1)
		s.States = []tcli.TOperationState{tcli.TOperationState_RUNNING_STATE}
		s.Block = block
		e.fake.Script("q", s)
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			synctest.Wait() // the server holds the ExecuteStatement
			cancel()
			time.Sleep(50 * time.Millisecond)
			close(block)
		}()
		ref, _, err := e.c.SubmitDetached(ctx, "q")
		if !errors.Is(err, context.Canceled) || ref.IsZero() {
			t.Fatalf("got ref %v, %v; want a reference and context.Canceled", ref, err)
		}
		if op := e.operation(ref.StatementID()); op.Canceled || e.fake.Count(tclitest.CancelOperation) != 0 {
			t.Fatalf("got %+v after %d CancelOperation requests, want the statement running", op, e.fake.Count(tclitest.CancelOperation))
		}
		if st, err := e.c.OperationStatus(context.Background(), ref); err != nil || st.State != StateRunning {
			t.Fatalf("status: got %+v, %v; want running", st, err)
		}
		// A ctx already done sends nothing.
		n := e.fake.Count(tclitest.ExecuteStatement)
		if ref, _, err := e.c.SubmitDetached(ctx, "q"); !errors.Is(err, context.Canceled) || !ref.IsZero() || e.fake.Count(tclitest.ExecuteStatement) != n {
			t.Fatalf("done ctx: got ref %v, %v after %d requests; want no reference, context.Canceled, none sent", ref, err, e.fake.Count(tclitest.ExecuteStatement)-n)
		}
		e.c.Close()
	})
}

func TestConnectorCancelAndClose(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	s := intScript(1)
	s.States = []tcli.TOperationState{tcli.TOperationState_RUNNING_STATE}
	e.fake.Script("q", s)
	ref, _, err := e.c.SubmitDetached(context.Background(), "q")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.c.CancelOperation(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	st, err := e.c.OperationStatus(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	var se *ServerError
	if st.State != StateCanceled || !errors.As(st.Err, &se) || se.State == nil || *se.State != StateCanceled {
		t.Fatalf("status %+v", st)
	}
	if err := e.c.CloseOperation(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	if e.fake.OpenSessions() != 0 {
		t.Fatal("dedicated session not closed")
	}
	if w := e.c.Warehouse(); w != "127.0.0.1:443/sql/1.0/warehouses/test" {
		t.Fatal(w)
	}
	for name, f := range map[string]func() error{
		"status": func() error { _, err := e.c.OperationStatus(context.Background(), OperationRef{}); return err },
		"rows":   func() error { _, err := e.c.OperationRows(context.Background(), OperationRef{}); return err },
		"cancel": func() error { return e.c.CancelOperation(context.Background(), OperationRef{}) },
		"close":  func() error { return e.c.CloseOperation(context.Background(), OperationRef{}) },
	} {
		if err := f(); !errors.Is(err, ErrInvalidRef) {
			t.Errorf("%s of the zero reference: %v", name, err)
		}
	}
	e.c.Close()
	if _, err := e.c.OperationStatus(context.Background(), ref); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	if _, _, err := e.c.SubmitDetached(context.Background(), "q"); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
}

// A held connector outlives Close until the last release.
func TestConnectorHold(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	db := sql.OpenDB(e.c)
	r1, r2 := e.c.Hold(), e.c.Hold()
	if err := db.Close(); err != nil { // closes the connector: still held
		t.Fatal(err)
	}
	if _, _, err := e.c.SubmitDetached(context.Background(), "q"); err != nil {
		t.Fatalf("held connector after Close: %v", err)
	}
	r1()
	r1() // idempotent
	if _, err := e.c.Connect(context.Background()); err != nil {
		t.Fatalf("still held once: %v", err)
	}
	r2()
	if _, err := e.c.Connect(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("after the last release: %v", err)
	}
	e.c.Hold()() // holding a closed connector changes nothing
}

// noDriverConnector hides the connector behind its Driver, so that
// ConnectorOf must ask a connection.
type noDriverConnector struct{ *Connector }

func (noDriverConnector) Driver() sqldriver.Driver { return &Driver{} }

func TestConnectorOf(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	db := sql.OpenDB(e.c)
	defer db.Close()
	if c, err := ConnectorOf(context.Background(), db); err != nil || c != e.c {
		t.Fatalf("ConnectorOf: %p %v", c, err)
	}
	if n := e.fake.Count(tclitest.OpenSession); n != 0 {
		t.Fatalf("%d sessions opened to find the connector", n)
	}
	db2 := sql.OpenDB(noDriverConnector{e.c})
	defer db2.Close()
	if c, err := ConnectorOf(context.Background(), db2); err != nil || c != e.c {
		t.Fatalf("ConnectorOf through a connection: %p %v", c, err)
	}
}

func TestIsTransient(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{context.Canceled, false},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), false},
		{ErrClosed, false},
		{&rpc.HTTPError{StatusCode: 503}, true},
		{&rpc.HTTPError{StatusCode: 500}, true},
		{&rpc.HTTPError{StatusCode: 429}, true},
		{&rpc.HTTPError{StatusCode: 401}, false},
		{&rpc.HTTPError{StatusCode: 403}, false},
		{&rpc.HTTPError{StatusCode: 404}, false},
		{&ServerError{Message: "boom"}, false},
		{&ServerError{Message: "gone", invalidHandle: true}, false},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{fmt.Errorf("rpc: %w", io.ErrUnexpectedEOF), true},
		{errors.New("something else"), false},
		{fmt.Errorf("rpc: %w", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), false},
		{&url.Error{Op: "Post", URL: "https://h", Err: x509.HostnameError{Host: "h"}}, false},
		{&url.Error{Op: "Post", URL: "https://h", Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}, true},
	} {
		if got := IsTransient(tt.err); got != tt.want {
			t.Errorf("IsTransient(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestStatementIDCallback(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	s := intScript(1)
	s.States = []tcli.TOperationState{tcli.TOperationState_ERROR_STATE}
	s.ErrorMessage = "bad"
	e.fake.Script("q", s)
	var id string
	ctx := WithStatementIDCallback(context.Background(), func(s string) { id = s })
	_, err := e.db(t).ExecContext(ctx, "q")
	var se *ServerError
	if !errors.As(err, &se) || id == "" || se.StatementID != id || id != e.fake.LastStatementID() {
		t.Fatalf("id %q err %v", id, err)
	}
}

func TestExecRowsAffected(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	e.fake.Script("upd", &tclitest.Script{Modified: 3})
	res, err := e.db(t).ExecContext(context.Background(), "upd")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 3 {
		t.Fatalf("n=%d", n)
	}
	if _, err := res.LastInsertId(); err == nil {
		t.Fatal("LastInsertId")
	}
	if e.fake.Count(tclitest.CloseOperation) != 1 {
		t.Fatal("operation not closed")
	}
	// A DDL-like query without result set gives empty rows.
	rows, err := e.db(t).QueryContext(context.Background(), "upd")
	if err != nil {
		t.Fatal(err)
	}
	if cols, _ := rows.Columns(); len(cols) != 0 || rows.Next() {
		t.Fatal("rows for statement without result set")
	}
	rows.Close()
}

func TestQueryArrow(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	schema, p1 := int64Records([]int64{1, 2}, []int64{3})
	_, p2 := int64Records([]int64{4})
	e.fake.Script("q", arrowScript(t, tableSchema(colDesc{name: "n", typ: tcli.TTypeId_BIGINT_TYPE}), schema, true, p1, p2))
	cn := e.conn(t)
	it, err := QueryArrow(context.Background(), cn, "q")
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int64
	for it.Next() {
		rec := it.Record()
		sizes = append(sizes, rec.NumRows())
		if rec.NumCols() != 1 || rec.Schema().Field(0).Type.ID() != arrow.INT64 {
			t.Fatal("schema")
		}
	}
	if it.Err() != nil {
		t.Fatal(it.Err())
	}
	if it.StatementID() == "" || it.Schema().NumFields() != 1 {
		t.Fatal("id/schema")
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sizes) != "[2 1 1]" {
		t.Fatalf("sizes %v", sizes)
	}
	// With parameters.
	it, err = QueryArrow(context.Background(), cn, "q", sql.Named("x", 1))
	if err != nil {
		t.Fatal(err)
	}
	it.Close()
	if ps := sentParams(t, e); len(ps) != 1 || ps[0].name != "x" {
		t.Fatalf("%+v", ps)
	}
	// Column-based server: a clear error.
	e2 := newHTTPEnv(t, tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10)
	if _, err := QueryArrow(context.Background(), e2.conn(t), "SELECT 1"); !errors.Is(err, ErrNoArrow) {
		t.Fatalf("%v", err)
	}
	if e2.fake.Count(tclitest.CloseOperation) != 1 {
		t.Fatal("op not closed")
	}
}
