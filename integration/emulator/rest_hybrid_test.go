package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

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
				_, part := arrowRows(t, restFile(t, lk), lz)
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
		if _, rows := arrowRows(t, restFile(t, lk), true); len(rows) != 2000 || rows[0] != int64(2000*i) {
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

// TestRESTNoHybrid: with NoHybrid the hybrid disposition is refused with a
// 400 that names it and creates no statement; the others are served.
func TestRESTNoHybrid(t *testing.T) {
	s := Start(t, WithREST(RESTOptions{NoHybrid: true}))
	c := newREST(t, s)
	body := map[string]any{"statement": "SELECT 1", "warehouse_id": s.cfg.warehouseID, "format": "ARROW_STREAM", "disposition": "INLINE_OR_EXTERNAL_LINKS"}
	st, out := c.do(http.MethodPost, restPrefix, body)
	if st != http.StatusBadRequest || out["error_code"] != "INVALID_PARAMETER_VALUE" || !strings.Contains(fmt.Sprint(out["message"]), "INLINE_OR_EXTERNAL_LINKS") {
		t.Fatalf("hybrid submission: HTTP %d %v", st, out)
	}
	if s.OpenOperations() != 0 {
		t.Errorf("the refused submission created %d statements", s.OpenOperations())
	}
	for _, d := range []string{"INLINE", "EXTERNAL_LINKS"} {
		if got := state(c.submit("SELECT 1", map[string]any{"format": "ARROW_STREAM", "disposition": d})); got != "SUCCEEDED" {
			t.Errorf("%s: %v", d, got)
		}
	}
}
