package driver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/asyncsql/databricks/thrift/tcli"
)

func TestHandleIDString(t *testing.T) {
	h := HandleID{GUID: []byte{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10}, Secret: []byte("topsecretsecret!")}
	if h.String() != "01020304-0506-0708-090a-0b0c0d0e0f10" {
		t.Fatal(h.String())
	}
	ref := OperationRef{Operation: h, Session: h}
	for _, s := range []string{fmt.Sprint(h), fmt.Sprintf("%v %+v %#v", h, h, h), fmt.Sprintf("%v %+v", ref, ref)} {
		if strings.Contains(s, "topsecret") || strings.Contains(s, "746f70") {
			t.Fatalf("secret leaked: %s", s)
		}
	}
	if (HandleID{}).IsZero() != true || h.IsZero() {
		t.Fatal("IsZero")
	}
}

// TestDetachedNotFinished: the statement outlives the call; the ref is
// polled, then the result read with Resume, which closes op and session.
func TestDetachedQueryAndResume(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	schema, p1 := int64Records([]int64{1, 2})
	_, p2 := int64Records([]int64{3})
	s := arrowScript(t, tableSchema(colDesc{name: "n", typ: tcli.TTypeId_BIGINT_TYPE}), schema, false, p1, p2)
	s.states = []tcli.TOperationState{tcli.TOperationState_PENDING_STATE, tcli.TOperationState_RUNNING_STATE, tcli.TOperationState_RUNNING_STATE, tcli.TOperationState_FINISHED_STATE}
	e.fake.set("long", s)
	db := e.db(t)
	var submitted OperationRef
	d := &Detached{Wait: 0, OnSubmit: func(r OperationRef) { submitted = r }}
	rows, err := db.QueryContext(context.Background(), "long", d)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() || !errors.Is(rows.Err(), ErrNotFinished) {
		t.Fatalf("next: %v", rows.Err())
	}
	rows.Close()
	if submitted.Operation.IsZero() || submitted.Session.IsZero() || !submitted.HasResultSet ||
		submitted.ServerProtocol != int64(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8) {
		t.Fatalf("ref %+v", submitted)
	}
	if d.Ref.StatementID() != submitted.StatementID() || d.Status.State != tcli.TOperationState_PENDING_STATE || d.Status.Terminal() {
		t.Fatalf("out fields %+v", d)
	}
	// No direct results for detached statements.
	ex := e.fake.requests("ExecuteStatement")[0].(*tcli.TExecuteStatementReq)
	if ex.GetDirectResults != nil || !ex.RunAsync {
		t.Fatal("detached statement asked for direct results")
	}
	// It ran in its own session, not the pool's.
	if ex.SessionHandle.SessionId.String() == "" || e.fake.openSessions() < 1 {
		t.Fatal("session")
	}
	if _, err := db.QueryContext(context.Background(), "", &Resume{Ref: d.Ref}); !errors.Is(err, ErrNotFinished) {
		t.Fatalf("resume running: %v", err)
	}
	for {
		st, err := e.c.OperationStatus(context.Background(), d.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if st.Terminal() {
			if st.State != tcli.TOperationState_FINISHED_STATE || st.Err != nil || !st.HasResultSet || st.Started.IsZero() || st.Completed.IsZero() {
				t.Fatalf("status %+v", st)
			}
			break
		}
	}
	before := e.fake.openSessions()
	rows, err = db.QueryContext(context.Background(), "", &Resume{Ref: d.Ref})
	if err != nil {
		t.Fatal(err)
	}
	if got := collectInts(t, rows); fmt.Sprint(got) != "[1 2 3]" {
		t.Fatalf("got %v", got)
	}
	rows.Close()
	fr := e.fake.requests("FetchResults")
	if fr[0].(*tcli.TFetchResultsReq).Orientation != tcli.TFetchOrientation_FETCH_FIRST || fr[1].(*tcli.TFetchResultsReq).Orientation != tcli.TFetchOrientation_FETCH_NEXT {
		t.Fatal("orientation")
	}
	if after := e.fake.openSessions(); after != before-1 {
		t.Fatalf("dedicated session not closed at EOF: %d -> %d", before, after)
	}
	if _, err := e.c.OperationStatus(context.Background(), d.Ref); !errors.Is(err, ErrInvalidHandle) {
		t.Fatalf("closed op status: %v", err)
	}
	// Idempotent close.
	if err := e.c.CloseOperation(context.Background(), d.Ref); err != nil {
		t.Fatal(err)
	}
}

func TestDetachedFinishedWithinWait(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	schema, p1 := int64Records([]int64{5})
	s := arrowScript(t, tableSchema(colDesc{name: "n", typ: tcli.TTypeId_BIGINT_TYPE}), schema, false, p1)
	s.states = []tcli.TOperationState{tcli.TOperationState_RUNNING_STATE, tcli.TOperationState_FINISHED_STATE}
	e.fake.set("q", s)
	db := e.db(t)
	if err := db.PingContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	base := e.fake.openSessions()
	d := &Detached{Wait: time.Minute}
	// QueryRow closes the rows after one row, before Next reports EOF: the
	// driver still sees the result is exhausted and closes op and session.
	var n int64
	if err := db.QueryRowContext(context.Background(), "q", d).Scan(&n); err != nil || n != 5 {
		t.Fatalf("n=%d err=%v", n, err)
	}
	if d.Status.State != tcli.TOperationState_FINISHED_STATE {
		t.Fatalf("status %+v", d.Status)
	}
	if got := e.fake.openSessions(); got != base {
		t.Fatalf("sessions %d, want %d", got, base)
	}
}

func TestDetachedEarlyCloseLeavesOperation(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	schema, p1 := int64Records([]int64{1, 2})
	_, p2 := int64Records([]int64{3})
	e.fake.set("q", arrowScript(t, tableSchema(colDesc{name: "n", typ: tcli.TTypeId_BIGINT_TYPE}), schema, false, p1, p2))
	d := &Detached{Wait: time.Minute}
	rows, err := e.db(t).QueryContext(context.Background(), "q", d)
	if err != nil {
		t.Fatal(err)
	}
	rows.Next()
	rows.Close()
	if closed, _ := e.fake.opState(d.Ref.StatementID()); closed {
		t.Fatal("operation closed on early Close")
	}
	// The ref can still be resumed, from the first row.
	rows, err = e.db(t).QueryContext(context.Background(), "", &Resume{Ref: d.Ref})
	if err != nil {
		t.Fatal(err)
	}
	if got := collectInts(t, rows); fmt.Sprint(got) != "[1 2 3]" {
		t.Fatalf("got %v", got)
	}
	rows.Close()
	if closed, _ := e.fake.opState(d.Ref.StatementID()); !closed {
		t.Fatal("not closed at EOF")
	}
}

// TestDetachedEarlyCloseSettlesFetch closes a detached result while the
// read-ahead's FetchResults is still being handled by the server: Close
// lets it finish, so that it cannot move the cursor of a reader that
// resumes from the first row right after.
func TestDetachedEarlyCloseSettlesFetch(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	schema, p1 := int64Records([]int64{1, 2})
	_, p2 := int64Records([]int64{3})
	_, p3 := int64Records([]int64{4})
	_, p4 := int64Records([]int64{5})
	e.fake.set("q", arrowScript(t, tableSchema(colDesc{name: "n", typ: tcli.TTypeId_BIGINT_TYPE}), schema, false, p1, p2, p3, p4))
	d := &Detached{Wait: time.Minute}
	db := e.db(t)
	rows, err := db.QueryContext(context.Background(), "q", d)
	if err != nil {
		t.Fatal(err)
	}
	// The first page comes at once; the server takes its time over the
	// read-ahead's request for the second.
	fetches := e.fake.count("FetchResults")
	e.fake.mu.Lock()
	e.fake.lag["FetchResults"] = []time.Duration{0, 300 * time.Millisecond}
	e.fake.mu.Unlock()
	if !rows.Next() {
		t.Fatal(rows.Err())
	}
	for e.fake.count("FetchResults") < fetches+2 {
		time.Sleep(time.Millisecond)
	}
	rows.Close()
	rows, err = db.QueryContext(context.Background(), "", &Resume{Ref: d.Ref})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	// The first page comes at once and the read-ahead asks for the next: a
	// request of the closed result landing now would move the cursor past
	// a page.
	if !rows.Next() {
		t.Fatal(rows.Err())
	}
	time.Sleep(400 * time.Millisecond)
	if got := collectInts(t, rows); fmt.Sprint(got) != "[2 3 4 5]" {
		t.Fatalf("got %v after the first row", got)
	}
}

func TestDetachedError(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	s := intScript(1)
	s.states = []tcli.TOperationState{tcli.TOperationState_ERROR_STATE}
	s.sqlState, s.errMsg = "22012", "division by zero"
	e.fake.set("q", s)
	d := &Detached{Wait: time.Second}
	_, err := e.db(t).QueryContext(context.Background(), "q", d)
	var se *ServerError
	if !errors.As(err, &se) || se.SQLState != "22012" || se.StatementID != d.Ref.StatementID() {
		t.Fatalf("%v", err)
	}
	if d.Status.Err == nil || d.Status.State != tcli.TOperationState_ERROR_STATE {
		t.Fatalf("status %+v", d.Status)
	}
	if e.fake.openSessions() != 1 { // the pool's session only
		t.Fatalf("dedicated session left open")
	}
}

func TestDetachedExec(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	s := &script{modified: 12, states: []tcli.TOperationState{tcli.TOperationState_RUNNING_STATE, tcli.TOperationState_FINISHED_STATE}}
	e.fake.set("ins", s)
	db := e.db(t)
	res, err := db.ExecContext(context.Background(), "ins", &Detached{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := res.RowsAffected(); !errors.Is(err, ErrNotFinished) {
		t.Fatalf("running exec: %v", err)
	}
	d := &Detached{Wait: time.Minute}
	res, err = db.ExecContext(context.Background(), "ins", d)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 12 {
		t.Fatalf("n=%d err=%v", n, err)
	}
	if d.Status.RowsAffected != 12 {
		t.Fatalf("status %+v", d.Status)
	}
}

func TestConnectorCancelAndClose(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	s := intScript(1)
	s.states = []tcli.TOperationState{tcli.TOperationState_RUNNING_STATE}
	e.fake.set("q", s)
	d := &Detached{}
	rows, err := e.db(t).QueryContext(context.Background(), "q", d)
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if err := e.c.CancelOperation(context.Background(), d.Ref); err != nil {
		t.Fatal(err)
	}
	st, err := e.c.OperationStatus(context.Background(), d.Ref)
	if err != nil {
		t.Fatal(err)
	}
	var se *ServerError
	if st.State != tcli.TOperationState_CANCELED_STATE || !errors.As(st.Err, &se) {
		t.Fatalf("status %+v", st)
	}
	if err := e.c.CloseOperation(context.Background(), d.Ref); err != nil {
		t.Fatal(err)
	}
	if err := e.c.CloseOperation(context.Background(), d.Ref); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if e.fake.openSessions() != 1 {
		t.Fatal("dedicated session not closed")
	}
	if w := e.c.Warehouse(); w != "127.0.0.1:443/sql/1.0/warehouses/test" {
		t.Fatal(w)
	}
	e.c.Close()
	if _, err := e.c.OperationStatus(context.Background(), d.Ref); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
}

func TestStatementIDCallback(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	s := intScript(1)
	s.states = []tcli.TOperationState{tcli.TOperationState_ERROR_STATE}
	s.errMsg = "bad"
	e.fake.set("q", s)
	var id string
	ctx := WithStatementIDCallback(context.Background(), func(s string) { id = s })
	_, err := e.db(t).ExecContext(ctx, "q")
	var se *ServerError
	if !errors.As(err, &se) || id == "" || se.StatementID != id || id != e.fake.lastStatementID() {
		t.Fatalf("id %q err %v", id, err)
	}
}

func TestExecRowsAffected(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	e.fake.set("upd", &script{modified: 3})
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
	if e.fake.count("CloseOperation") != 1 {
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
	e.fake.set("q", arrowScript(t, tableSchema(colDesc{name: "n", typ: tcli.TTypeId_BIGINT_TYPE}), schema, true, p1, p2))
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
	if e2.fake.count("CloseOperation") != 1 {
		t.Fatal("op not closed")
	}
}

// A server that holds status calls longer than the wait does not hold up a
// detached submission, and a failed status call leaves a resumable statement
// running.
func TestDetachedWaitBoundsHeldStatusCalls(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	schema, p1 := int64Records([]int64{5})
	s := arrowScript(t, tableSchema(colDesc{name: "n", typ: tcli.TTypeId_BIGINT_TYPE}), schema, false, p1)
	s.states = []tcli.TOperationState{tcli.TOperationState_RUNNING_STATE}
	e.fake.set("q", s)
	e.fake.mu.Lock()
	e.fake.latency["GetOperationStatus"] = 3 * time.Second
	e.fake.mu.Unlock()
	db := e.db(t)

	d := &Detached{Wait: 300 * time.Millisecond}
	start := time.Now()
	rows, err := db.QueryContext(context.Background(), "q", d)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("QueryContext took %v with a 300ms wait", took)
	}
	if rows.Next() || !errors.Is(rows.Err(), ErrNotFinished) {
		t.Fatalf("rows of an unfinished statement: %v", rows.Err())
	}
	rows.Close()
	if d.Status.Terminal() {
		t.Fatalf("status %+v", d.Status)
	}

	e.fake.mu.Lock()
	e.fake.latency["GetOperationStatus"] = 0
	e.fake.mu.Unlock()
	for range 10 { // more than the retry policy's attempts
		e.fake.failHTTP("GetOperationStatus", http.StatusInternalServerError, "")
	}
	d2 := &Detached{Wait: 5 * time.Second}
	if _, err := db.QueryContext(context.Background(), "q", d2); err == nil {
		t.Fatal("a failing status call gave no error")
	}
	if _, canceled := e.fake.opState(d2.Ref.StatementID()); canceled {
		t.Fatal("a resumable statement was cancelled because a status call failed")
	}
}
