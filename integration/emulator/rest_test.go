package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/pierrec/lz4/v4"
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

// restDownload GETs an external link with exactly the headers it lists and
// returns the HTTP status and body.
func restDownload(t *testing.T, lk any) (int, []byte) {
	t.Helper()
	url, _ := get(lk, "external_link").(string)
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatalf("link %v: %v", lk, err)
	}
	headers, _ := get(lk, "http_headers").(map[string]any)
	for k, v := range headers {
		req.Header.Set(k, v.(string))
	}
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	defer r.Body.Close()
	data, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	return r.StatusCode, data
}

// restFile downloads an external link that must answer 200 with as many
// bytes as the link's byte_count.
func restFile(t *testing.T, lk any) []byte {
	t.Helper()
	st, data := restDownload(t, lk)
	if st != http.StatusOK {
		t.Fatalf("download: HTTP %d", st)
	}
	if bc := get(lk, "byte_count"); int64(len(data)) != num(bc) {
		t.Fatalf("file of %d bytes, byte_count %v", len(data), bc)
	}
	return data
}

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
		_, part := arrowRows(t, restFile(t, lk), true)
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
		data := restFile(t, get(resp, "result", "external_links", 0))
		if string(data) != want {
			t.Errorf("%s file %q, want %q", format, data, want)
		}
	}
}
