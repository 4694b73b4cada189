package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/pierrec/lz4/v4"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// restClient calls the emulator's Statement Execution API.
type restClient struct {
	t     testing.TB
	s     *Server
	token string
	http  *http.Client
}

func newREST(t *testing.T, s *Server) *restClient {
	return &restClient{t: t, s: s, token: s.Token(), http: &http.Client{Timeout: 90 * time.Second}}
}

func (c *restClient) base() string { return strings.TrimSuffix(c.s.URL(), c.s.HTTPPath()) }

// do sends a request and decodes the JSON reply into a generic map.
func (c *restClient) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.base()+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		c.t.Fatalf("%s %s: Content-Type %q, body %s", method, path, ct, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		c.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
	}
	return resp.StatusCode, out
}

// submit posts a statement with the emulator's warehouse ID and the given
// fields, and wants HTTP 200.
func (c *restClient) submit(stmt string, fields map[string]any) map[string]any {
	c.t.Helper()
	body := map[string]any{"statement": stmt, "warehouse_id": c.s.cfg.warehouseID}
	for k, v := range fields {
		body[k] = v
	}
	st, out := c.do(http.MethodPost, restPrefix, body)
	if st != http.StatusOK {
		c.t.Fatalf("submit %q: HTTP %d %v", stmt, st, out)
	}
	return out
}

func (c *restClient) status(id string) map[string]any {
	c.t.Helper()
	st, out := c.do(http.MethodGet, restPrefix+"/"+id, nil)
	if st != http.StatusOK {
		c.t.Fatalf("status: HTTP %d %v", st, out)
	}
	return out
}

// get walks a decoded JSON value: string keys for objects, ints for arrays.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func state(resp map[string]any) string { s, _ := get(resp, "status", "state").(string); return s }
func stmtID(resp map[string]any) string {
	s, _ := resp["statement_id"].(string)
	return s
}

func num(v any) int64 { f, _ := v.(float64); return int64(f) }

func TestRESTInlineJSON(t *testing.T) {
	s := Start(t)
	c := newREST(t, s)
	resp := c.submit("SELECT 1::BIGINT AS a, 'x' AS b, NULL::INT AS c, 12.50::DECIMAL(10,2) AS d, '\\x01\\xAB'::BLOB AS e "+
		"UNION ALL SELECT 2, 'y', 3, 0.5, ''::BLOB ORDER BY a", nil)
	if state(resp) != "SUCCEEDED" {
		t.Fatalf("state %v", resp)
	}
	if id := stmtID(resp); len(id) != 36 {
		t.Fatalf("statement_id %q", id)
	}
	m := resp["manifest"]
	if get(m, "format") != "JSON_ARRAY" || num(get(m, "total_row_count")) != 2 || num(get(m, "total_chunk_count")) != 1 ||
		get(m, "truncated") != false {
		t.Fatalf("manifest %v", m)
	}
	if get(m, "schema", "column_count") != 5.0 {
		t.Fatalf("schema %v", get(m, "schema"))
	}
	wantCols := [][3]any{{"a", "BIGINT", "LONG"}, {"b", "STRING", "STRING"}, {"c", "INT", "INT"}, {"d", "DECIMAL(10,2)", "DECIMAL"}, {"e", "BINARY", "BINARY"}}
	for i, w := range wantCols {
		col := get(m, "schema", "columns", i)
		if get(col, "name") != w[0] || get(col, "type_text") != w[1] || get(col, "type_name") != w[2] || num(get(col, "position")) != int64(i) {
			t.Errorf("column %d: %v, want %v", i, col, w)
		}
	}
	if get(m, "schema", "columns", 3, "type_precision") != 10.0 || get(m, "schema", "columns", 3, "type_scale") != 2.0 {
		t.Errorf("decimal column %v", get(m, "schema", "columns", 3))
	}
	if _, ok := get(m, "total_byte_count").(float64); ok {
		t.Errorf("INLINE manifest has total_byte_count: %v", m)
	}
	data, _ := json.Marshal(get(resp, "result", "data_array"))
	if string(data) != `[["1","x",null,"12.50","01AB"],["2","y","3","0.50",""]]` {
		t.Errorf("data_array %s", data)
	}
	if get(resp, "result", "chunk_index") != 0.0 || get(resp, "result", "row_count") != 2.0 || get(resp, "result", "next_chunk_index") != nil {
		t.Errorf("result %v", resp["result"])
	}
	// GET answers the same, with the first chunk again.
	again := c.status(stmtID(resp))
	if state(again) != "SUCCEEDED" || get(again, "result", "row_count") != 2.0 {
		t.Errorf("status %v", again)
	}
	log := s.Requests()
	if log.Count(RESTSubmit) != 1 || log.Count(RESTStatus) != 1 {
		t.Fatalf("log %v", log)
	}
	for _, r := range log {
		if r.StatementID != stmtID(resp) || r.State != StateFinished || r.Outcome != OutcomeOK || r.HTTPStatus != 200 {
			t.Errorf("log entry %+v", r)
		}
	}
}

// arrowRows decodes an Arrow IPC stream (an LZ4 frame when compressed) and
// returns its schema and column 0 as int64.
func arrowRows(t *testing.T, data []byte, compressed bool) (*arrow.Schema, []int64) {
	t.Helper()
	if compressed {
		out, err := io.ReadAll(lz4.NewReader(bytes.NewReader(data)))
		if err != nil {
			t.Fatal(err)
		}
		data = out
	}
	r, err := ipc.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	var recs []arrow.RecordBatch
	for r.Next() {
		rec := r.RecordBatch()
		rec.Retain()
		defer rec.Release()
		recs = append(recs, rec)
	}
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	return r.Schema(), column0Int64(recs)
}

func TestRESTInlineArrow(t *testing.T) {
	s := Start(t, WithREST(RESTOptions{ChunkRows: 400}))
	c := newREST(t, s)
	for _, lz := range []bool{false, true} {
		fields := map[string]any{"format": "ARROW_STREAM", "disposition": "INLINE"}
		if lz {
			fields["result_compression"] = "LZ4_FRAME"
		}
		resp := c.submit("SELECT range AS n, 1.5::DECIMAL(4,1) AS d FROM range(1000)", fields)
		m := resp["manifest"]
		if state(resp) != "SUCCEEDED" || num(get(m, "total_chunk_count")) != 3 || num(get(m, "total_row_count")) != 1000 {
			t.Fatalf("lz4=%v: %v", lz, m)
		}
		if want := map[bool]any{true: "LZ4_FRAME", false: nil}[lz]; get(m, "result_compression") != want {
			t.Errorf("result_compression %v, want %v", get(m, "result_compression"), want)
		}
		var all []int64
		result := resp["result"]
		for i := 0; ; i++ {
			if num(get(result, "chunk_index")) != int64(i) || num(get(result, "row_offset")) != int64(400*i) {
				t.Fatalf("chunk %d: %v", i, result)
			}
			att, err := decodeBase64(get(result, "attachment"))
			if err != nil {
				t.Fatal(err)
			}
			schema, rows := arrowRows(t, att, lz)
			if schema.Field(1).Type.ID() != arrow.DECIMAL128 {
				t.Errorf("decimal column as %v", schema.Field(1).Type)
			}
			if int64(len(rows)) != num(get(result, "row_count")) {
				t.Fatalf("chunk %d: %d rows, row_count %v", i, len(rows), get(result, "row_count"))
			}
			all = append(all, rows...)
			next, ok := get(result, "next_chunk_index").(float64)
			if !ok {
				break
			}
			link, _ := get(result, "next_chunk_internal_link").(string)
			st, out := c.do(http.MethodGet, link, nil)
			if st != 200 || int64(next) != int64(i+1) {
				t.Fatalf("next chunk %v via %s: HTTP %d %v", next, link, st, out)
			}
			result = out
		}
		if len(all) != 1000 || all[999] != 999 {
			t.Fatalf("%d rows", len(all))
		}
	}
}

func decodeBase64(v any) ([]byte, error) {
	s, _ := v.(string)
	var out []byte
	err := json.Unmarshal([]byte(`"`+s+`"`), &out)
	return out, err
}

func TestRESTExternalLinks(t *testing.T) {
	s := Start(t, WithREST(RESTOptions{ChunkRows: 1000}))
	c := newREST(t, s)
	resp := c.submit("SELECT range AS n FROM range(2500)", map[string]any{"format": "ARROW_STREAM", "disposition": "EXTERNAL_LINKS",
		"result_compression": "LZ4_FRAME"})
	m := resp["manifest"]
	if state(resp) != "SUCCEEDED" || num(get(m, "total_chunk_count")) != 3 || num(get(m, "total_row_count")) != 2500 {
		t.Fatalf("manifest %v", m)
	}
	// Chunks 1 and 2 are encoded after the reply: the manifest has no byte
	// counts, each link has its chunk's.
	for i := 0; i < 3; i++ {
		ci := get(m, "chunks", i)
		if num(get(ci, "chunk_index")) != int64(i) || num(get(ci, "row_offset")) != int64(1000*i) || get(ci, "byte_count") != nil {
			t.Fatalf("chunk info %v", ci)
		}
	}
	if get(m, "total_byte_count") != nil {
		t.Errorf("total_byte_count %v", get(m, "total_byte_count"))
	}
	id := stmtID(resp)
	var rows []int64
	for i := 0; i < 3; i++ {
		result := resp["result"]
		if i > 0 {
			var st int
			st, result = c.do(http.MethodGet, chunkPath(id, i), nil)
			if st != 200 {
				t.Fatalf("chunk %d: HTTP %d %v", i, st, result)
			}
		}
		lk := get(result, "external_links", 0)
		if num(get(lk, "chunk_index")) != int64(i) || num(get(lk, "byte_count")) <= 0 {
			t.Fatalf("link %v", lk)
		}
		exp, err := time.Parse(time.RFC3339, get(lk, "expiration").(string))
		if err != nil || exp.Before(time.Now()) {
			t.Fatalf("expiration %v: %v", get(lk, "expiration"), err)
		}
		if (i < 2) != (get(lk, "next_chunk_index") != nil) {
			t.Errorf("next_chunk_index of chunk %d: %v", i, get(lk, "next_chunk_index"))
		}
		url, _ := get(lk, "external_link").(string)
		headers, _ := get(lk, "http_headers").(map[string]any)
		// The workspace token is refused.
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		for k, v := range headers {
			req.Header.Set(k, v.(string))
		}
		req.Header.Set("Authorization", "Bearer "+s.Token())
		if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != http.StatusBadRequest {
			t.Fatalf("download with Authorization: %v %v", r, err)
		} else {
			r.Body.Close()
		}
		req.Header.Del("Authorization")
		r, err := http.DefaultClient.Do(req)
		if err != nil || r.StatusCode != 200 {
			t.Fatalf("download: %v %v", r, err)
		}
		data, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if int64(len(data)) != num(get(lk, "byte_count")) {
			t.Errorf("file of %d bytes, byte_count %v", len(data), get(lk, "byte_count"))
		}
		_, part := arrowRows(t, data, true)
		rows = append(rows, part...)
	}
	if len(rows) != 2500 || rows[2499] != 2499 {
		t.Fatalf("%d rows", len(rows))
	}
	if st := s.LinkStats(); st.Served != 3 || st.Forbidden != 0 {
		t.Errorf("link stats %+v", st)
	}
}

func TestRESTJSONAndCSVLinks(t *testing.T) {
	s := Start(t)
	c := newREST(t, s)
	for format, want := range map[string]string{"JSON_ARRAY": `[["1","a"],["2",null]]`, "CSV": "n,s\n1,a\n2,null\n"} {
		resp := c.submit("SELECT 1 AS n, 'a' AS s UNION ALL SELECT 2, NULL ORDER BY n", map[string]any{"format": format, "disposition": "EXTERNAL_LINKS"})
		url, _ := get(resp, "result", "external_links", 0, "external_link").(string)
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		for k, v := range get(resp, "result", "external_links", 0, "http_headers").(map[string]any) {
			req.Header.Set(k, v.(string))
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if string(data) != want {
			t.Errorf("%s file %q, want %q", format, data, want)
		}
	}
}

func TestRESTAsyncCancelClose(t *testing.T) {
	s := Start(t)
	c := newREST(t, s)
	resp := c.submit("SELECT sleep_ms(60000)", map[string]any{"wait_timeout": "0s"})
	id := stmtID(resp)
	if st := state(resp); st != "PENDING" && st != "RUNNING" {
		t.Fatalf("state %v", resp)
	}
	if st := state(c.status(id)); st != "PENDING" && st != "RUNNING" {
		t.Fatalf("status %v", st)
	}
	if st, out := c.do(http.MethodGet, chunkPath(id, 0), nil); st != 400 || out["error_code"] != "INVALID_STATE" {
		t.Errorf("chunk of a running statement: HTTP %d %v", st, out)
	}
	if st, out := c.do(http.MethodPost, restPrefix+"/"+id+"/cancel", "{}"); st != 200 || len(out) != 0 {
		t.Fatalf("cancel: HTTP %d %v", st, out)
	}
	if got := c.status(id); state(got) != "CANCELED" {
		t.Fatalf("after cancel: %v", got)
	}
	if st, out := c.do(http.MethodDelete, restPrefix+"/"+id, nil); st != 200 || len(out) != 0 {
		t.Fatalf("close: HTTP %d %v", st, out)
	}
	if got := c.status(id); state(got) != "CLOSED" || stmtID(got) != id {
		t.Fatalf("after close: %v", got)
	}
	if st, out := c.do(http.MethodGet, chunkPath(id, 0), nil); st != 400 || out["error_code"] != "INVALID_STATE" {
		t.Errorf("chunk of a closed statement: HTTP %d %v", st, out)
	}
	if st, _ := c.do(http.MethodDelete, restPrefix+"/"+id, nil); st != 200 {
		t.Errorf("second close: HTTP %d", st)
	}
	if s.OpenOperations() != 0 {
		t.Errorf("%d operations open", s.OpenOperations())
	}
	log := s.Requests()
	if n := len(log.ForStatement(id)); n != len(log) {
		t.Errorf("log %v: %d of %d entries name the statement", log, n, len(log))
	}
	if log.Count(RESTCancel) != 1 || log.Count(RESTClose) != 2 || log.Count(RESTChunk) != 2 {
		t.Errorf("log %v", log)
	}
}

func TestRESTWaitTimeoutCancel(t *testing.T) {
	s := Start(t)
	c := newREST(t, s)
	resp := c.submit("SELECT sleep_ms(60000)", map[string]any{"wait_timeout": "5s", "on_wait_timeout": "CANCEL"})
	if state(resp) != "CANCELED" {
		t.Fatalf("state %v", resp)
	}
	resp = c.submit("SELECT sleep_ms(60000)", map[string]any{"wait_timeout": "5s", "on_wait_timeout": "CONTINUE"})
	if st := state(resp); st != "RUNNING" {
		t.Fatalf("state %v", resp)
	}
	c.do(http.MethodPost, restPrefix+"/"+stmtID(resp)+"/cancel", nil)
}

func TestRESTFailure(t *testing.T) {
	s := Start(t)
	c := newREST(t, s)
	resp := c.submit("SELEC 1", nil)
	if state(resp) != "FAILED" || get(resp, "status", "sql_state") != "42601" || get(resp, "status", "error", "error_code") != "BAD_REQUEST" ||
		!strings.Contains(get(resp, "status", "error", "message").(string), "[PARSE_SYNTAX_ERROR]") {
		t.Fatalf("reply %v", resp)
	}
	if resp["manifest"] != nil || resp["result"] != nil {
		t.Errorf("failed statement with a result: %v", resp)
	}
	r := s.Requests().Of(RESTSubmit)[0]
	if r.State != StateError || r.SQLState != "42601" || r.Outcome != OutcomeOK {
		t.Errorf("log entry %+v", r)
	}
}

func TestRESTBadRequests(t *testing.T) {
	s := Start(t)
	c := newREST(t, s)
	wh := s.cfg.warehouseID
	cases := []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{"bad JSON", "POST", restPrefix, `{"statement": `, 400, "INVALID_PARAMETER_VALUE"},
		{"not an object", "POST", restPrefix, `[1]`, 400, "INVALID_PARAMETER_VALUE"},
		{"wrong type", "POST", restPrefix, `{"statement": "SELECT 1", "warehouse_id": "` + wh + `", "row_limit": "ten"}`, 400, "INVALID_PARAMETER_VALUE"},
		{"trailing data", "POST", restPrefix, `{"statement": "SELECT 1", "warehouse_id": "` + wh + `"} {}`, 400, "INVALID_PARAMETER_VALUE"},
		{"no statement", "POST", restPrefix, map[string]any{"warehouse_id": wh}, 400, "INVALID_PARAMETER_VALUE"},
		{"no warehouse", "POST", restPrefix, map[string]any{"statement": "SELECT 1"}, 400, "INVALID_PARAMETER_VALUE"},
		{"unknown warehouse", "POST", restPrefix, map[string]any{"statement": "SELECT 1", "warehouse_id": "nope"}, 404, "RESOURCE_DOES_NOT_EXIST"},
		{"wait 4s", "POST", restPrefix, map[string]any{"statement": "SELECT 1", "warehouse_id": wh, "wait_timeout": "4s"}, 400, "INVALID_PARAMETER_VALUE"},
		{"wait 51s", "POST", restPrefix, map[string]any{"statement": "SELECT 1", "warehouse_id": wh, "wait_timeout": "51s"}, 400, "INVALID_PARAMETER_VALUE"},
		{"wait without unit", "POST", restPrefix, map[string]any{"statement": "SELECT 1", "warehouse_id": wh, "wait_timeout": "10"}, 400, "INVALID_PARAMETER_VALUE"},
		{"wait in ms", "POST", restPrefix, map[string]any{"statement": "SELECT 1", "warehouse_id": wh, "wait_timeout": "5000ms"}, 400, "INVALID_PARAMETER_VALUE"},
		{"on_wait_timeout", "POST", restPrefix, map[string]any{"statement": "SELECT 1", "warehouse_id": wh, "on_wait_timeout": "WAIT"}, 400, "INVALID_PARAMETER_VALUE"},
		{"disposition", "POST", restPrefix, map[string]any{"statement": "SELECT 1", "warehouse_id": wh, "disposition": "LINKS"}, 400, "INVALID_PARAMETER_VALUE"},
		{"format", "POST", restPrefix, map[string]any{"statement": "SELECT 1", "warehouse_id": wh, "format": "PARQUET"}, 400, "INVALID_PARAMETER_VALUE"},
		{"CSV inline", "POST", restPrefix, map[string]any{"statement": "SELECT 1", "warehouse_id": wh, "format": "CSV"}, 400, "INVALID_PARAMETER_VALUE"},
		{"CSV hybrid", "POST", restPrefix, map[string]any{"statement": "SELECT 1", "warehouse_id": wh, "format": "CSV",
			"disposition": "INLINE_OR_EXTERNAL_LINKS"}, 400, "INVALID_PARAMETER_VALUE"},
		{"compression", "POST", restPrefix, map[string]any{"statement": "SELECT 1", "warehouse_id": wh, "result_compression": "GZIP"}, 400, "INVALID_PARAMETER_VALUE"},
		{"negative row_limit", "POST", restPrefix, map[string]any{"statement": "SELECT 1", "warehouse_id": wh, "row_limit": -1}, 400, "INVALID_PARAMETER_VALUE"},
		{"parameter without name or ordinal", "POST", restPrefix, map[string]any{"statement": "SELECT ?", "warehouse_id": wh,
			"parameters": []any{map[string]any{"value": "1"}}}, 400, "INVALID_PARAMETER_VALUE"},
		{"repeated ordinal", "POST", restPrefix, map[string]any{"statement": "SELECT ?, ?", "warehouse_id": wh,
			"parameters": []any{map[string]any{"value": "1", "ordinal": 1}, map[string]any{"value": "2", "ordinal": 1}}}, 400, "INVALID_PARAMETER_VALUE"},
		{"unknown ID", "GET", restPrefix + "/01234567-89ab-cdef-0123-456789abcdef", nil, 404, "NOT_FOUND"},
		{"malformed ID", "GET", restPrefix + "/not-an-id", nil, 400, "INVALID_PARAMETER_VALUE"},
		{"cancel unknown", "POST", restPrefix + "/01234567-89ab-cdef-0123-456789abcdef/cancel", nil, 404, "NOT_FOUND"},
		{"close unknown", "DELETE", restPrefix + "/01234567-89ab-cdef-0123-456789abcdef", nil, 404, "NOT_FOUND"},
		{"unknown endpoint", "GET", restPrefix + "/01234567-89ab-cdef-0123-456789abcdef/rows", nil, 404, "ENDPOINT_NOT_FOUND"},
		{"wrong method", "PUT", restPrefix, nil, 405, "BAD_REQUEST"},
	}
	for _, tc := range cases {
		st, out := c.do(tc.method, tc.path, tc.body)
		if st != tc.status || out["error_code"] != tc.code || out["message"] == "" {
			t.Errorf("%s: HTTP %d %v, want %d %s", tc.name, st, out, tc.status, tc.code)
		}
	}
	// Bad chunk indexes of a statement that succeeded.
	id := stmtID(c.submit("SELECT 1", nil))
	for _, n := range []string{"1", "-1", "x", "+0"} {
		if st, out := c.do("GET", restPrefix+"/"+id+"/result/chunks/"+n, nil); st != 400 || out["error_code"] != "INVALID_PARAMETER_VALUE" {
			t.Errorf("chunk %s: HTTP %d %v", n, st, out)
		}
	}
	if len(s.Requests().Of(RESTSubmit)) != 21 { // refused submissions are logged too
		t.Errorf("log %v", s.Requests())
	}
	// Authentication: none, or not a bearer token (401), a wrong token (403).
	c.token = ""
	if st, out := c.do("GET", restPrefix+"/"+id, nil); st != 401 || out["error_code"] != "UNAUTHENTICATED" {
		t.Errorf("no token: HTTP %d %v", st, out)
	}
	c.token = "wrong"
	if st, out := c.do("GET", restPrefix+"/"+id, nil); st != 403 || out["error_code"] != "PERMISSION_DENIED" {
		t.Errorf("wrong token: HTTP %d %v", st, out)
	}
	if strings.Contains(strings.Join(func() []string {
		var m []string
		for _, r := range s.Requests() {
			m = append(m, r.Message)
		}
		return m
	}(), "\n"), s.Token()) {
		t.Error("the token appears in the log")
	}
}

func TestRESTLimits(t *testing.T) {
	s := Start(t, WithREST(RESTOptions{ChunkRows: 100, InlineLimit: 4000}))
	c := newREST(t, s)
	cases := []struct {
		fields    map[string]any
		rows      int64
		truncated bool
	}{
		{map[string]any{"row_limit": 10}, 10, true},
		{map[string]any{"row_limit": 300}, 300, false},
		{map[string]any{"row_limit": 301}, 300, false},
		{map[string]any{"byte_limit": 1000, "disposition": "EXTERNAL_LINKS"}, -1, true},
	}
	for _, tc := range cases {
		resp := c.submit("SELECT range AS n FROM range(300)", tc.fields)
		m := resp["manifest"]
		got := num(get(m, "total_row_count"))
		if state(resp) != "SUCCEEDED" || get(m, "truncated") != tc.truncated || (tc.rows >= 0 && got != tc.rows) || (tc.rows < 0 && (got <= 0 || got >= 300)) {
			t.Errorf("%v: %v", tc.fields, m)
		}
		if tc.rows < 0 && num(get(m, "total_byte_count")) > 1000 {
			t.Errorf("byte_limit 1000: %v bytes", get(m, "total_byte_count"))
		}
	}
	// An INLINE result over the limit fails; through links it is served.
	resp := c.submit("SELECT range AS n FROM range(3000)", nil)
	if state(resp) != "FAILED" || get(resp, "status", "error", "error_code") != "BAD_REQUEST" {
		t.Errorf("inline over the limit: %v", resp)
	}
	resp = c.submit("SELECT range AS n FROM range(3000)", map[string]any{"disposition": "EXTERNAL_LINKS"})
	if state(resp) != "SUCCEEDED" || num(get(resp, "manifest", "total_chunk_count")) != 30 {
		t.Errorf("through links: %v", resp["manifest"])
	}
}

func TestRESTParametersNamespaceTags(t *testing.T) {
	s := Start(t)
	c := newREST(t, s)
	resp := c.submit("SELECT :a + 1 AS a, :b AS b, :d AS d, :n AS n, current_schema() AS sc", map[string]any{
		"schema": "default",
		"parameters": []any{
			map[string]any{"name": "a", "value": "41", "type": "INT"},
			map[string]any{"name": "b", "value": "it's"},
			map[string]any{"name": "d", "value": "1.25", "type": "DECIMAL(5,2)"},
			map[string]any{"name": "n", "type": "INT"},
		},
		"query_tags": []any{map[string]any{"key": "team", "value": "eng"}, map[string]any{"key": "solo"}},
	})
	data, _ := json.Marshal(get(resp, "result", "data_array"))
	if state(resp) != "SUCCEEDED" || string(data) != `[["42","it's","1.25",null,"default"]]` {
		t.Fatalf("reply %v: %s", resp, data)
	}
	if r := s.Requests()[0]; r.Tags["team"] != "eng" || r.Tags["solo"] != "" || len(r.Tags) != 2 {
		t.Errorf("tags %v", r.Tags)
	}
	// Positional parameters bind ? markers in the order of their ordinals.
	resp = c.submit("SELECT ? AS x, ? AS y", map[string]any{"parameters": []any{
		map[string]any{"ordinal": 2, "value": "2", "type": "BIGINT"}, map[string]any{"ordinal": 1, "value": "one"}}})
	if data, _ := json.Marshal(get(resp, "result", "data_array")); string(data) != `[["one","2"]]` {
		t.Errorf("positional: %v", resp)
	}
	resp = c.submit("SELECT :missing", map[string]any{"parameters": []any{map[string]any{"name": "a", "value": "1"}}})
	if state(resp) != "FAILED" || get(resp, "status", "sql_state") != "42P02" {
		t.Errorf("unbound marker: %v", resp)
	}
	resp = c.submit("SELECT :a", map[string]any{"parameters": []any{map[string]any{"name": "a", "value": "x", "type": "INT"}}})
	if state(resp) != "FAILED" || get(resp, "status", "sql_state") != "22023" {
		t.Errorf("bad value: %v", resp)
	}
	resp = c.submit("SELECT 1", map[string]any{"schema": "nope"})
	if state(resp) != "FAILED" || get(resp, "status", "sql_state") != "3F000" {
		t.Errorf("unknown schema: %v", resp)
	}
}

func TestRESTScriptAndFaults(t *testing.T) {
	s := Start(t, WithScript(Script{Match: regexp.MustCompile("scripted"), Steps: []Step{{State: StatePending}, {State: StateRunning, Polls: 2}},
		End: StateError, SQLState: "22012", ErrorClass: "DIVIDE_BY_ZERO", Message: "Division by zero."}))
	c := newREST(t, s)
	resp := c.submit("SELECT 'scripted'", nil)
	id := stmtID(resp)
	// The submission shows the first step; each status poll counts.
	var seen []string
	for st := state(resp); st == "PENDING" || st == "RUNNING"; st = state(resp) {
		seen = append(seen, st)
		if len(seen) > 10 {
			t.Fatalf("no end: %v", seen)
		}
		resp = c.status(id)
	}
	if strings.Join(seen, " ") != "PENDING PENDING RUNNING RUNNING" || state(resp) != "FAILED" || get(resp, "status", "sql_state") != "22012" ||
		get(resp, "status", "error", "error_code") != "BAD_REQUEST" {
		t.Fatalf("course %v, then %v", seen, resp)
	}
	s.InjectFault(Fault{Method: RESTStatus, Status: 503, RetryAfter: 2 * time.Second})
	req, _ := http.NewRequest(http.MethodGet, c.base()+restPrefix+"/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+s.Token())
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 503 || r.Header.Get("Retry-After") != "2" {
		t.Errorf("injected fault: %d %v", r.StatusCode, r.Header)
	}
	if f := s.Requests().Faulted(); len(f) != 1 || f[0].Method != RESTStatus || f[0].Outcome != OutcomeRefused {
		t.Errorf("faulted %+v", f)
	}
	if state(c.status(id)) != "FAILED" {
		t.Error("after the fault")
	}
}

func TestRESTRetention(t *testing.T) {
	s := Start(t, WithREST(RESTOptions{Retention: 100 * time.Millisecond}))
	c := newREST(t, s)
	id := stmtID(c.submit("SELECT 1", nil))
	deadline := time.Now().Add(30 * time.Second)
	for s.OpenOperations() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := c.status(id); state(got) != "CLOSED" {
		t.Fatalf("after retention: %v", got)
	}
}

// TestRESTResultLifetime: a result is dropped once it outlived its
// lifetime, however often it is polled.
func TestRESTResultLifetime(t *testing.T) {
	s := Start(t, WithREST(RESTOptions{ResultLifetime: 300 * time.Millisecond}))
	c := newREST(t, s)
	id := stmtID(c.submit("SELECT 1", nil))
	deadline := time.Now().Add(30 * time.Second)
	for state(c.status(id)) == "SUCCEEDED" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := c.status(id); state(got) != "CLOSED" {
		t.Fatalf("after the result's lifetime: %v", got)
	}
}

// TestRESTLinkExpiry: an expired external link is refused (403); fetching
// its chunk again gives a fresh link.
func TestRESTLinkExpiry(t *testing.T) {
	s := Start(t, WithLinks(LinkOptions{ThresholdRows: 1 << 40, Lifetime: time.Second}))
	c := newREST(t, s)
	resp := c.submit("SELECT range AS n FROM range(10)", map[string]any{"format": "ARROW_STREAM", "disposition": "EXTERNAL_LINKS"})
	fetch := func(lk any) int {
		req, _ := http.NewRequest(http.MethodGet, get(lk, "external_link").(string), nil)
		for k, v := range get(lk, "http_headers").(map[string]any) {
			req.Header.Set(k, v.(string))
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	old := get(resp, "result", "external_links", 0)
	time.Sleep(1500 * time.Millisecond)
	if st := fetch(old); st != http.StatusForbidden {
		t.Fatalf("expired link: HTTP %d", st)
	}
	_, again := c.do(http.MethodGet, chunkPath(stmtID(resp), 0), nil)
	lk := get(again, "external_links", 0)
	if get(lk, "external_link") == get(old, "external_link") {
		t.Fatal("the same link again")
	}
	if st := fetch(lk); st != http.StatusOK {
		t.Fatalf("fresh link: HTTP %d", st)
	}
	if st := s.LinkStats(); st.Forbidden != 1 || st.Served != 1 || st.Links != 2 {
		t.Errorf("link stats %+v", st)
	}
}

// TestRESTSharesThriftStore: a table a Thrift client creates is read over
// REST, and one request log holds both protocols' calls.
func TestRESTSharesThriftStore(t *testing.T) {
	s := Start(t, WithStatusHold(0))
	tc := client(t, s)
	sess := open(t, tc)
	exec(t, tc, &tcli.TExecuteStatementReq{SessionHandle: sess, Statement: `CREATE TABLE "default".shared AS SELECT 7 AS v`})
	c := newREST(t, s)
	resp := c.submit("SELECT v FROM shared", map[string]any{"schema": "default"})
	if data, _ := json.Marshal(get(resp, "result", "data_array")); string(data) != `[["7"]]` {
		t.Fatalf("reply %v", resp)
	}
	log := s.Requests()
	if log.Count(ExecuteStatement) != 1 || log.Count(RESTSubmit) != 1 || s.OpenOperations() != 2 {
		t.Errorf("log %v, %d operations", log, s.OpenOperations())
	}
}

// TestRESTHybrid checks disposition INLINE_OR_EXTERNAL_LINKS: a result of
// one chunk within HybridInlineLimit comes whole as the first reply's
// attachment (LZ4 frame or not); one over the limit, or of several chunks,
// as external links.
func TestRESTHybrid(t *testing.T) {
	s := Start(t, WithREST(RESTOptions{ChunkRows: 1000, HybridInlineLimit: 4000}))
	c := newREST(t, s)
	for _, lz := range []bool{false, true} {
		fields := map[string]any{"format": "ARROW_STREAM", "disposition": "INLINE_OR_EXTERNAL_LINKS"}
		if lz {
			fields["result_compression"] = "LZ4_FRAME"
		}
		// SELECT 1: inline, in the submit reply alone.
		log := s.Requests()
		submits, chunks := log.Count(RESTSubmit), log.Count(RESTChunk)
		resp := c.submit("SELECT 1::BIGINT AS one", fields)
		m, result := resp["manifest"], resp["result"]
		if state(resp) != "SUCCEEDED" || num(get(m, "total_chunk_count")) != 1 || num(get(m, "total_row_count")) != 1 {
			t.Fatalf("lz4=%v: %v", lz, resp)
		}
		if get(result, "external_links") != nil || get(result, "next_chunk_index") != nil || get(m, "total_byte_count") != nil {
			t.Fatalf("lz4=%v: inline result %v, manifest %v", lz, result, m)
		}
		if want := map[bool]any{true: "LZ4_FRAME", false: nil}[lz]; get(m, "result_compression") != want {
			t.Errorf("result_compression %v, want %v", get(m, "result_compression"), want)
		}
		att, err := decodeBase64(get(result, "attachment"))
		if err != nil || len(att) == 0 {
			t.Fatalf("attachment %v: %v", get(result, "attachment"), err)
		}
		if _, rows := arrowRows(t, att, lz); len(rows) != 1 || rows[0] != 1 {
			t.Fatalf("rows %v", rows)
		}
		if log := s.Requests(); log.Count(RESTSubmit) != submits+1 || log.Count(RESTChunk) != chunks {
			t.Errorf("requests %v", log)
		}

		// One chunk over the limit, then several chunks: external links.
		for _, q := range []string{"SELECT range AS n, repeat('x', 40) AS s FROM range(900)", "SELECT range AS n FROM range(2500)"} {
			resp := c.submit(q, fields)
			m, result := resp["manifest"], resp["result"]
			if state(resp) != "SUCCEEDED" || get(result, "attachment") != nil || get(result, "external_links", 0) == nil {
				t.Fatalf("lz4=%v %s: %v", lz, q, resp)
			}
			var rows []int64
			for i := range int(num(get(m, "total_chunk_count"))) {
				if i > 0 {
					var st int
					if st, result = c.do(http.MethodGet, chunkPath(stmtID(resp), i), nil); st != 200 {
						t.Fatalf("chunk %d: HTTP %d %v", i, st, result)
					}
				}
				lk := get(result, "external_links", 0)
				req, _ := http.NewRequest(http.MethodGet, get(lk, "external_link").(string), nil)
				headers, _ := get(lk, "http_headers").(map[string]any)
				for k, v := range headers {
					req.Header.Set(k, v.(string))
				}
				r, err := http.DefaultClient.Do(req)
				if err != nil || r.StatusCode != 200 {
					t.Fatalf("download: %v %v", r, err)
				}
				data, _ := io.ReadAll(r.Body)
				r.Body.Close()
				if int64(len(data)) != num(get(lk, "byte_count")) {
					t.Errorf("file of %d bytes, byte_count %v", len(data), get(lk, "byte_count"))
				}
				_, part := arrowRows(t, data, lz)
				rows = append(rows, part...)
			}
			if int64(len(rows)) != num(get(m, "total_row_count")) || rows[len(rows)-1] != int64(len(rows)-1) {
				t.Fatalf("%s: %d rows, manifest %v", q, len(rows), m)
			}
		}
	}
	// JSON_ARRAY follows the same rule, inline as data_array.
	resp := c.submit("SELECT 7 AS n", map[string]any{"disposition": "INLINE_OR_EXTERNAL_LINKS"})
	if data, _ := json.Marshal(get(resp, "result", "data_array")); string(data) != `[["7"]]` {
		t.Errorf("JSON_ARRAY hybrid: %v", resp)
	}
}

// TestRESTLazyChunks checks the chunks of a links result encoded after
// the first reply: any chunk fetched at once comes with its exact
// byte_count (the fetch waits for its encoding), and closing the
// statement mid-encoding stops the encoders (goleak checks they end)
// and fails later fetches.
func TestRESTLazyChunks(t *testing.T) {
	s := Start(t, WithREST(RESTOptions{ChunkRows: 2000}))
	c := newREST(t, s)
	fields := map[string]any{"format": "ARROW_STREAM", "disposition": "EXTERNAL_LINKS", "result_compression": "LZ4_FRAME"}
	q := "SELECT range AS n, 'row-' || range AS s FROM range(60000)"
	resp := c.submit(q, fields)
	if state(resp) != "SUCCEEDED" || num(get(resp, "manifest", "total_chunk_count")) != 30 {
		t.Fatalf("%v", resp["manifest"])
	}
	id := stmtID(resp)
	for _, i := range []int{29, 14, 1} {
		st, out := c.do(http.MethodGet, chunkPath(id, i), nil)
		lk := get(out, "external_links", 0)
		if st != 200 || num(get(lk, "row_offset")) != int64(2000*i) {
			t.Fatalf("chunk %d: HTTP %d %v", i, st, out)
		}
		req, _ := http.NewRequest(http.MethodGet, get(lk, "external_link").(string), nil)
		for k, v := range get(lk, "http_headers").(map[string]any) {
			req.Header.Set(k, v.(string))
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil || r.StatusCode != 200 {
			t.Fatalf("download: %v %v", r, err)
		}
		data, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if int64(len(data)) != num(get(lk, "byte_count")) {
			t.Fatalf("chunk %d: %d bytes, byte_count %v", i, len(data), get(lk, "byte_count"))
		}
		if _, rows := arrowRows(t, data, true); len(rows) != 2000 || rows[0] != int64(2000*i) {
			t.Fatalf("chunk %d: %d rows from %v", i, len(rows), rows[:1])
		}
	}
	// Closed at once: the encoders stop; a fetch answers INVALID_STATE.
	for range 3 {
		id := stmtID(c.submit(q, fields))
		if st, out := c.do(http.MethodDelete, restPrefix+"/"+id, nil); st != 200 {
			t.Fatalf("close: HTTP %d %v", st, out)
		}
		if st, out := c.do(http.MethodGet, chunkPath(id, 29), nil); st != 400 || out["error_code"] != "INVALID_STATE" {
			t.Fatalf("chunk of a closed statement: HTTP %d %v", st, out)
		}
	}
	// A fetch waiting for its chunk while the statement closes ends too.
	id = stmtID(c.submit(q, fields))
	req, _ := http.NewRequest(http.MethodGet, c.base()+chunkPath(id, 29), nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	done := make(chan int)
	go func() {
		st := 0
		if r, err := c.http.Do(req); err == nil {
			r.Body.Close()
			st = r.StatusCode
		}
		done <- st
	}()
	c.do(http.MethodDelete, restPrefix+"/"+id, nil)
	if st := <-done; st != 200 && st != 400 {
		t.Fatalf("fetch during close: HTTP %d", st)
	}
}
