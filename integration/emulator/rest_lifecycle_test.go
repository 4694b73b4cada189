package emulator

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/asyncsql/databricks/thrift/tcli"
)

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
	fetch := func(lk any) int { st, _ := restDownload(t, lk); return st }
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

// TestRESTUnreleased: a statement whose SUCCEEDED reply carried its whole
// result is no longer unreleased; one of external links, one still
// running and one not yet reported SUCCEEDED are, until closed.
func TestRESTUnreleased(t *testing.T) {
	s := Start(t, WithScript(Script{Match: regexp.MustCompile(`^SELECT 2$`), Steps: []Step{{State: StateRunning, Polls: 1}}}))
	c := newREST(t, s)
	c.submit("SELECT 1", nil)
	if s.OpenOperations() != 1 || s.UnreleasedOperations() != 0 {
		t.Fatalf("inline: %d open, %d unreleased", s.OpenOperations(), s.UnreleasedOperations())
	}
	links := stmtID(c.submit("SELECT 1", map[string]any{"format": "ARROW_STREAM", "disposition": "EXTERNAL_LINKS"}))
	running := stmtID(c.submit("SELECT 2", nil))
	if s.OpenOperations() != 3 || s.UnreleasedOperations() != 2 {
		t.Fatalf("links and running: %d open, %d unreleased", s.OpenOperations(), s.UnreleasedOperations())
	}
	for deadline := time.Now().Add(30 * time.Second); state(c.status(running)) != "SUCCEEDED"; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the scripted statement never succeeded")
		}
	}
	if s.UnreleasedOperations() != 1 {
		t.Errorf("after the running one's result was delivered: %d unreleased", s.UnreleasedOperations())
	}
	c.do(http.MethodDelete, restPrefix+"/"+links, nil)
	if s.OpenOperations() != 2 || s.UnreleasedOperations() != 0 {
		t.Errorf("after the close: %d open, %d unreleased", s.OpenOperations(), s.UnreleasedOperations())
	}
}
