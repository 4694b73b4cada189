package driver

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/asyncsql/databricks/internal/rest"
)

// restFake is a scripted Statement Execution API: each request is
// recorded, and answered by reply (a status code and a JSON body).
type restFake struct {
	srv   *httptest.Server
	mu    sync.Mutex
	reqs  []restReq
	reply func(r restReq) (int, any)
}

// restReq is one request the fake received.
type restReq struct {
	Method, Path string
	Body         map[string]any
	Auth         string
}

func newRESTFake(t *testing.T, reply func(restReq) (int, any)) *restFake {
	t.Helper()
	f := &restFake{reply: reply}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rr := restReq{Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization")}
		if b, _ := io.ReadAll(r.Body); len(b) > 0 {
			if err := json.Unmarshal(b, &rr.Body); err != nil {
				t.Errorf("request body is not JSON: %v", err)
			}
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, rr)
		f.mu.Unlock()
		code, body := f.reply(rr)
		if raw, ok := body.([]byte); ok {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.WriteHeader(code)
			w.Write(raw)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// requests returns the requests so far as "METHOD path".
func (f *restFake) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, len(f.reqs))
	for i, r := range f.reqs {
		out[i] = r.Method + " " + r.Path
	}
	return out
}

func (f *restFake) request(i int) restReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reqs[i]
}

// connector returns a REST connector on the fake for warehouse wh1.
func (f *restFake) connector(t *testing.T, opts ...Option) *Connector {
	t.Helper()
	host, port, _ := net.SplitHostPort(strings.TrimPrefix(f.srv.URL, "http://"))
	cfg := NewConfig()
	cfg.Host, cfg.Protocol, cfg.HTTPPath = host, "http", "/sql/1.0/warehouses/wh1"
	cfg.Port, _ = strconv.Atoi(port)
	cfg.AccessToken = NewSecret("dapi-secret")
	cfg.Backend = BackendREST
	cfg.PollMin, cfg.PollMax = time.Millisecond, 5*time.Millisecond
	c, err := NewConnector(cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// stmtReply is a statement reply in state; a SUCCEEDED one has a manifest
// without columns (a command).
func stmtReply(id, state string) map[string]any {
	r := map[string]any{"statement_id": id, "status": map[string]any{"state": state}}
	if state == "SUCCEEDED" {
		r["manifest"] = map[string]any{"format": "ARROW_STREAM", "schema": map[string]any{"column_count": 0}, "total_chunk_count": 0, "total_row_count": 0}
	}
	return r
}

const restStmts = "/api/2.0/sql/statements"

func TestRESTExecWithinWait(t *testing.T) {
	f := newRESTFake(t, func(r restReq) (int, any) {
		if r.Method == "POST" && r.Path == restStmts {
			return 200, stmtReply("s-1", "SUCCEEDED")
		}
		return 200, map[string]any{}
	})
	c := f.connector(t, WithInitialNamespace("main", "sales"), WithSessionQueryTags(map[string]string{"team": "eng", "app": "x"}))
	db := sql.OpenDB(c)
	defer db.Close()
	ctx := WithQueryTags(context.Background(), map[string]string{"app": "y"})
	var got string
	ctx = WithStatementIDCallback(ctx, func(id string) { got = id })
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (n INT) -- :p ?", sql.Named("p", int32(7)), Parameter{Type: "DATE", Value: nil}); err != nil {
		t.Fatal(err)
	}
	db.Close() // would wait for a background request
	if got != "s-1" {
		t.Errorf("statement ID callback got %q, want s-1", got)
	}
	// A command that finished within the wait is its one submission: no
	// DELETE.
	if want := []string{"POST " + restStmts}; fmt.Sprint(f.requests()) != fmt.Sprint(want) {
		t.Fatalf("got requests %v, want %v", f.requests(), want)
	}
	r := f.request(0)
	if r.Auth != "Bearer dapi-secret" {
		t.Errorf("got Authorization %q, want the token", r.Auth)
	}
	for k, want := range map[string]string{
		"warehouse_id": "wh1", "catalog": "main", "schema": "sales", "wait_timeout": "10s", "on_wait_timeout": "CONTINUE",
		"format": "ARROW_STREAM", "disposition": "INLINE_OR_EXTERNAL_LINKS", "result_compression": "LZ4_FRAME",
	} {
		if got := fmt.Sprint(r.Body[k]); got != want {
			t.Errorf("%s: got %q, want %q", k, got, want)
		}
	}
	if got, want := fmt.Sprint(r.Body["parameters"]), "[map[name:p type:INT value:7] map[ordinal:2 type:DATE]]"; got != want {
		t.Errorf("got parameters %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(r.Body["query_tags"]), "[map[key:app value:y] map[key:team value:eng]]"; got != want {
		t.Errorf("got query_tags %s, want %s", got, want)
	}
}

func TestRESTPollsUntilDone(t *testing.T) {
	var polls int
	f := newRESTFake(t, func(r restReq) (int, any) {
		switch {
		case r.Method == "POST":
			return 200, stmtReply("s-2", "PENDING")
		case r.Method == "GET":
			polls++
			if polls < 3 {
				return 200, stmtReply("s-2", "RUNNING")
			}
			return 200, stmtReply("s-2", "SUCCEEDED")
		}
		return 200, map[string]any{}
	})
	db := sql.OpenDB(f.connector(t, WithInitialNamespace("", "")))
	defer db.Close()
	if _, err := db.Exec("SELECT 1"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	want := []string{"POST " + restStmts, "GET " + restStmts + "/s-2", "GET " + restStmts + "/s-2", "GET " + restStmts + "/s-2"}
	if fmt.Sprint(f.requests()) != fmt.Sprint(want) {
		t.Fatalf("got requests %v, want %v", f.requests(), want)
	}
}

func TestRESTStatementFails(t *testing.T) {
	f := newRESTFake(t, func(r restReq) (int, any) {
		if r.Method == "POST" {
			return 200, map[string]any{"statement_id": "s-3", "status": map[string]any{
				"state": "FAILED", "sql_state": "42P01",
				"error": map[string]any{"error_code": "BAD_REQUEST", "message": "[TABLE_OR_VIEW_NOT_FOUND] nope"}}}
		}
		return 200, map[string]any{}
	})
	db := sql.OpenDB(f.connector(t))
	defer db.Close()
	_, err := db.Exec("SELECT * FROM nope")
	var se *ServerError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want a *ServerError", err)
	}
	if se.SQLState != "42P01" || se.StatementID != "s-3" || se.State == nil || *se.State != StateError || !strings.Contains(se.Message, "TABLE_OR_VIEW_NOT_FOUND") {
		t.Errorf("got %+v, want SQLSTATE 42P01 of s-3 in state ERROR with the message", se)
	}
	if IsTransient(err) {
		t.Error("a failed statement reported transient")
	}
	db.Close()
	if got := f.requests(); len(got) != 2 || got[1] != "DELETE "+restStmts+"/s-3" {
		t.Errorf("got requests %v, want the submission and its DELETE", got)
	}
}

func TestRESTRefusedRequests(t *testing.T) {
	f := newRESTFake(t, func(r restReq) (int, any) {
		switch r.Method {
		case "POST":
			return 400, map[string]any{"error_code": "INVALID_PARAMETER_VALUE", "message": "bad statement"}
		case "GET":
			return 404, map[string]any{"error_code": "NOT_FOUND", "message": "no such statement"}
		}
		return 503, map[string]any{}
	})
	c := f.connector(t, WithRetry(1, time.Second))
	db := sql.OpenDB(c)
	defer db.Close()
	_, err := db.Exec("SELECT 1")
	var se *ServerError
	if !errors.As(err, &se) || se.Method != "rest submit" || se.Message != "bad statement" || IsTransient(err) {
		t.Fatalf("got %v, want a permanent *ServerError of the submission", err)
	}
	ref := OperationRef{rest: restRef{id: "gone", warehouse: "wh1"}}
	if _, err := c.OperationStatus(context.Background(), ref); !errors.Is(err, ErrInvalidHandle) {
		t.Errorf("status of an unknown statement: got %v, want ErrInvalidHandle", err)
	}
	if err := c.CloseOperation(context.Background(), ref); !IsTransient(err) {
		t.Errorf("close answered 503: got %v, want a transient error", err)
	}
}

func TestRESTCancelOnContext(t *testing.T) {
	f := newRESTFake(t, func(r restReq) (int, any) {
		if r.Method == "POST" && r.Path == restStmts {
			return 200, stmtReply("s-4", "RUNNING")
		}
		if r.Method == "GET" {
			return 200, stmtReply("s-4", "RUNNING")
		}
		return 200, map[string]any{}
	})
	db := sql.OpenDB(f.connector(t))
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	ctx = WithStatementIDCallback(ctx, func(string) { cancel() })
	if _, err := db.ExecContext(ctx, "SELECT sleep"); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	got := f.requests()
	if n := len(got); n < 3 || got[n-2] != "POST "+restStmts+"/s-4/cancel" || got[n-1] != "DELETE "+restStmts+"/s-4" {
		t.Fatalf("got requests %v, want the statement canceled and closed", got)
	}
}

func TestRESTDetached(t *testing.T) {
	f := newRESTFake(t, func(r restReq) (int, any) {
		switch {
		case r.Method == "POST" && r.Path == restStmts:
			return 200, stmtReply("s-5", "PENDING")
		case r.Method == "GET":
			return 200, stmtReply("s-5", "SUCCEEDED")
		}
		return 200, map[string]any{}
	})
	c := f.connector(t)
	ctx := context.Background()
	ref, st, err := c.SubmitDetached(ctx, "SELECT 1")
	if err != nil || st.State != StatePending || ref.StatementID() != "s-5" {
		t.Fatalf("got %v, %+v, %v, want s-5 PENDING", ref, st, err)
	}
	if got := fmt.Sprint(f.request(0).Body["wait_timeout"]); got != "0s" {
		t.Errorf("detached wait_timeout %s, want 0s", got)
	}
	b, err := ref.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "dapi") || !strings.Contains(string(b), "s-5") || !strings.Contains(string(b), "wh1") {
		t.Errorf("binary reference %q: want the statement and warehouse IDs only", b)
	}
	var back OperationRef
	if err := back.UnmarshalBinary(b); err != nil || back.rest != ref.rest {
		t.Fatalf("UnmarshalBinary: got %#v, %v, want %#v", back, err, ref)
	}
	if st, err := c.OperationStatus(ctx, back); err != nil || st.State != StateFinished || st.HasResultSet {
		t.Errorf("status: got %+v, %v, want FINISHED without a result set", st, err)
	}
	rows, err := c.OperationRows(ctx, back)
	if err != nil || len(rows.Columns()) != 0 {
		t.Fatalf("OperationRows: got %v, want no columns", err)
	}
	rows.Close()
	if err := c.CancelOperation(ctx, back); err != nil {
		t.Error(err)
	}
	if err := c.CloseOperation(ctx, back); err != nil {
		t.Error(err)
	}
	want := []string{"POST " + restStmts, "GET " + restStmts + "/s-5", "GET " + restStmts + "/s-5", "POST " + restStmts + "/s-5/cancel", "DELETE " + restStmts + "/s-5"}
	if fmt.Sprint(f.requests()) != fmt.Sprint(want) {
		t.Errorf("got requests %v, want %v", f.requests(), want)
	}
	other := OperationRef{rest: restRef{id: "s-5", warehouse: "wh2"}}
	thrift := testRef()
	for _, r := range []OperationRef{other, thrift} {
		if _, err := c.OperationStatus(ctx, r); !errors.Is(err, ErrInvalidRef) {
			t.Errorf("status of %v: got %v, want ErrInvalidRef", r, err)
		}
	}
}

func TestRESTRefBinaryRejects(t *testing.T) {
	good, _ := OperationRef{rest: restRef{id: "s", warehouse: "w", hasResultSet: true}}.MarshalBinary()
	for _, b := range [][]byte{
		{2},
		{2, 0x80, 1, 's', 1, 'w'},
		{2, 0, 0, 1, 'w'},
		{2, 0, 1, 's', 0},
		{2, 0, 1, 's', 1, 'w', 0},
		{2, 0, 0x81, 0, 's', 1, 'w'},
		{2, 0, 5, 's'},
		good[:len(good)-1],
	} {
		var r OperationRef
		if err := r.UnmarshalBinary(b); !errors.Is(err, ErrInvalidRef) {
			t.Errorf("UnmarshalBinary(%v): got %v, want ErrInvalidRef", b, err)
		}
	}
	var r OperationRef
	if err := r.UnmarshalBinary(good); err != nil || !r.HasResultSet() || r.StatementID() != "s" {
		t.Errorf("UnmarshalBinary(%v): got %#v, %v", good, r, err)
	}
}

func TestRESTConfig(t *testing.T) {
	for _, tc := range []struct {
		dsn, field string
	}{
		{"token:x@h/sql/1.0/warehouses/abc?backend=rest", ""},
		{"token:x@h/sql/1.0/endpoints/abc/?backend=rest&waitTimeout=50", ""},
		{"token:x@h/sql/protocolv1/o/1/0101-x?backend=rest", "httpPath"},
		{"token:x@h/sql/1.0/warehouses/?backend=rest", "httpPath"},
		{"token:x@h/sql/1.0/warehouses/abc?backend=rest&waitTimeout=4", "waitTimeout"},
		{"token:x@h/sql/1.0/warehouses/abc?backend=rest&waitTimeout=5.5", "waitTimeout"},
		{"token:x@h/sql/1.0/warehouses/abc?backend=rest&waitTimeout=51", "waitTimeout"},
		{"token:x@h/sql/1.0/warehouses/abc?backend=rest&timezone=UTC", ""},
		{"token:x@h/sql/1.0/warehouses/abc?backend=rest&timeout=5", ""},
		{"token:x@h/sql/1.0/warehouses/abc?backend=rest&timeout=5&statement_timeout=9", "timeout"},
		{"token:x@h/sql/1.0/warehouses/abc?backend=soap", "backend"},
		{"token:x@h/any/path?timeout=5&timezone=UTC", ""},
	} {
		_, err := ParseDSN(tc.dsn)
		var ce *ConfigError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v", tc.dsn, err)
		case tc.field != "" && (!errors.As(err, &ce) || ce.Field != tc.field):
			t.Errorf("%s: got %v, want a ConfigError of %s", tc.dsn, err, tc.field)
		}
	}
	cfg := &Config{Host: "h", HTTPPath: "/sql/1.0/warehouses/abc", Backend: Backend(9)}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "Backend(9)") {
		t.Errorf("got %v, want an error naming Backend(9)", err)
	}
}

// restArrowStream is an Arrow IPC stream of one BIGINT column n holding
// 1..rows.
func restArrowStream(t *testing.T, rows int) []byte {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	for i := range rows {
		b.Append(int64(i + 1))
	}
	col := b.NewArray()
	defer col.Release()
	rec := array.NewRecordBatch(schema, []arrow.Array{col}, int64(rows))
	defer rec.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// restResultReply is a SUCCEEDED reply of statement id with a one-chunk
// result of rows rows in column n: inline, or as a link to the fake's
// /files/<id>.
func restResultReply(t *testing.T, f *restFake, id string, rows int, inline bool) map[string]any {
	t.Helper()
	chunk := map[string]any{"chunk_index": 0, "row_offset": 0, "row_count": rows}
	if inline {
		chunk["attachment"] = base64.StdEncoding.EncodeToString(restArrowStream(t, rows))
	} else {
		chunk = map[string]any{"external_links": []any{map[string]any{
			"chunk_index": 0, "row_offset": 0, "row_count": rows, "byte_count": len(restArrowStream(t, rows)),
			"external_link": f.srv.URL + "/files/" + id, "expiration": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		}}}
	}
	return map[string]any{
		"statement_id": id, "status": map[string]any{"state": "SUCCEEDED"},
		"manifest": map[string]any{"format": "ARROW_STREAM", "total_chunk_count": 1, "total_row_count": rows,
			"schema": map[string]any{"column_count": 1, "columns": []any{map[string]any{"name": "n", "type_name": "LONG", "position": 0}}}},
		"result": chunk,
	}
}

// TestRESTCloseOfWholeResult: a result the submission's reply carried whole
// (inline, one chunk) is never closed, even when Rows.Close comes before
// its last row; a result of external links is closed before Rows.Close
// returns, read to the end or not.
func TestRESTCloseOfWholeResult(t *testing.T) {
	var f *restFake
	f = newRESTFake(t, func(r restReq) (int, any) {
		switch {
		case r.Method == "POST" && strings.Contains(r.Body["statement"].(string), "inline"):
			return 200, restResultReply(t, f, "s-in", 3, true)
		case r.Method == "POST" && strings.Contains(r.Body["statement"].(string), "early"):
			return 200, restResultReply(t, f, "s-early", 3, false)
		case r.Method == "POST":
			return 200, restResultReply(t, f, "s-ln", 3, false)
		case r.Method == "GET" && strings.HasPrefix(r.Path, "/files/"):
			return 200, restArrowStream(t, 3)
		}
		return 200, map[string]any{}
	})
	db := sql.OpenDB(f.connector(t))
	defer db.Close()
	sum := func(query string, stop int) int64 {
		t.Helper()
		rows, err := db.Query(query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var total int64
		for i := 0; rows.Next() && i != stop; i++ {
			var n int64
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			total += n
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return total
	}
	if got := sum("SELECT inline", -1); got != 6 {
		t.Fatalf("inline result: sum %d, want 6", got)
	}
	if got := sum("SELECT inline", 1); got != 1 {
		t.Fatalf("inline result closed early: sum %d, want 1", got)
	}
	if got := sum("SELECT links", -1); got != 6 {
		t.Fatalf("linked result: sum %d, want 6", got)
	}
	if !slices.Contains(f.requests(), "DELETE "+restStmts+"/s-ln") {
		t.Errorf("Rows.Close of a linked result returned before its DELETE: %v", f.requests())
	}
	if got := sum("SELECT early", 1); got != 1 {
		t.Fatalf("linked result closed early: sum %d, want 1", got)
	}
	if !slices.Contains(f.requests(), "DELETE "+restStmts+"/s-early") {
		t.Errorf("Rows.Close of a linked result read in part returned before its DELETE: %v", f.requests())
	}
	db.Close()
	for _, r := range f.requests() {
		if strings.HasPrefix(r, "DELETE "+restStmts+"/s-in") {
			t.Errorf("an inline result was closed: %v", f.requests())
		}
	}
}

// TestRESTHybridRefused: a warehouse that refuses INLINE_OR_EXTERNAL_LINKS
// gets the submission again, once, with EXTERNAL_LINKS, and the connector's
// later submissions ask for EXTERNAL_LINKS at once; a refusal about
// something else is not resubmitted.
func TestRESTHybridRefused(t *testing.T) {
	f := newRESTFake(t, func(r restReq) (int, any) {
		switch {
		case r.Method == "POST" && r.Body["statement"] == "SELECT bad":
			return 400, map[string]any{"error_code": "INVALID_PARAMETER_VALUE", "message": "Invalid value for field 'wait_timeout'"}
		case r.Method == "POST" && r.Body["disposition"] == "INLINE_OR_EXTERNAL_LINKS":
			return 400, map[string]any{"error_code": "INVALID_PARAMETER_VALUE",
				"message": `Invalid value for field 'disposition': "INLINE_OR_EXTERNAL_LINKS" is not supported`}
		case r.Method == "POST":
			return 200, stmtReply("s-1", "SUCCEEDED")
		}
		return 200, map[string]any{}
	})
	db := sql.OpenDB(f.connector(t))
	defer db.Close()
	if _, err := db.Exec("SELECT bad"); err == nil {
		t.Fatal("a refused submission succeeded")
	}
	for range 2 {
		if _, err := db.Exec("SELECT 1"); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for i := range f.requests() {
		if r := f.request(i); r.Method == "POST" {
			got = append(got, fmt.Sprint(r.Body["statement"], " ", r.Body["disposition"]))
		}
	}
	want := []string{"SELECT bad INLINE_OR_EXTERNAL_LINKS", "SELECT 1 INLINE_OR_EXTERNAL_LINKS", "SELECT 1 EXTERNAL_LINKS", "SELECT 1 EXTERNAL_LINKS"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("submissions %q, want %q", got, want)
	}
}

func TestRefusesHybrid(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&rest.Error{Op: "submit", StatusCode: 400, ErrorCode: "INVALID_PARAMETER_VALUE", Message: "disposition INLINE_OR_EXTERNAL_LINKS unsupported"}, true},
		{&rest.Error{Op: "submit", StatusCode: 501, ErrorCode: "NOT_IMPLEMENTED", Message: "Hybrid disposition is not implemented"}, true},
		{&rest.Error{Op: "submit", StatusCode: 400, ErrorCode: "INVALID_PARAMETER_VALUE", Message: "Invalid value for field 'row_limit'"}, false},
		{&rest.Error{Op: "submit", StatusCode: 503, ErrorCode: "TEMPORARILY_UNAVAILABLE", Message: "disposition"}, false},
		{&rest.Error{Op: "submit", StatusCode: 403, ErrorCode: "PERMISSION_DENIED", Message: "INLINE_OR_EXTERNAL_LINKS"}, false},
		{errors.New("INLINE_OR_EXTERNAL_LINKS"), false},
	} {
		if got := refusesHybrid(c.err); got != c.want {
			t.Errorf("refusesHybrid(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// TestRESTResultLimits: WithRowLimit and WithByteLimit travel as row_limit
// and byte_limit; a manifest that says truncated ends the rows with
// ErrTruncated after the last one, and one that does not ends cleanly.
func TestRESTResultLimits(t *testing.T) {
	var f *restFake
	f = newRESTFake(t, func(r restReq) (int, any) {
		if r.Method == "POST" {
			reply := restResultReply(t, f, "s-lim", 3, true)
			reply["manifest"].(map[string]any)["truncated"] = r.Body["row_limit"] != nil
			return 200, reply
		}
		return 200, map[string]any{}
	})
	db := sql.OpenDB(f.connector(t))
	defer db.Close()
	read := func(ctx context.Context) (int, error) {
		rows, err := db.QueryContext(ctx, "SELECT n")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			n++
		}
		return n, rows.Err()
	}
	ctx := WithByteLimit(WithRowLimit(context.Background(), 3), 1<<20)
	if n, err := read(ctx); n != 3 || !errors.Is(err, ErrTruncated) {
		t.Errorf("truncated result: %d rows, %v; want 3 and ErrTruncated", n, err)
	}
	if got := f.request(0).Body; fmt.Sprint(got["row_limit"], got["byte_limit"]) != "3 1.048576e+06" {
		t.Errorf("row_limit %v, byte_limit %v", got["row_limit"], got["byte_limit"])
	}
	if n, err := read(WithRowLimit(ctx, 0)); n != 3 || err != nil {
		t.Errorf("whole result: %d rows, %v", n, err)
	}
	if got := f.request(1).Body; got["row_limit"] != nil || got["byte_limit"] == nil {
		t.Errorf("WithRowLimit(0) kept the byte limit only: row_limit %v, byte_limit %v", got["row_limit"], got["byte_limit"])
	}
}

// TestThriftLimits: a byte limit, and a row limit of a detached statement,
// are refused on Thrift; a row limit asks for one row more than it keeps.
func TestThriftLimits(t *testing.T) {
	ctx := context.Background()
	if send, keep, err := thriftLimits(WithRowLimit(ctx, 5), false); send != 6 || keep != 5 || err != nil {
		t.Errorf("row limit: send %d keep %d, %v", send, keep, err)
	}
	if send, keep, err := thriftLimits(ctx, true); send != 0 || keep != 0 || err != nil {
		t.Errorf("no limit: send %d keep %d, %v", send, keep, err)
	}
	for _, c := range []struct {
		ctx      context.Context
		detached bool
	}{{WithByteLimit(ctx, 5), false}, {WithRowLimit(ctx, 5), true}} {
		if _, _, err := thriftLimits(c.ctx, c.detached); !errors.Is(err, ErrLimitNotSupported) {
			t.Errorf("got %v, want ErrLimitNotSupported", err)
		}
	}
}
