package emulator

import (
	"net/http"
	"strings"
	"testing"
)

// session creates a session with the given fields and wants HTTP 200.
func (c *restClient) session(fields map[string]any) string {
	c.t.Helper()
	body := map[string]any{"warehouse_id": c.s.cfg.warehouseID}
	for k, v := range fields {
		body[k] = v
	}
	st, out := c.do(http.MethodPost, restSessionsPrefix, body)
	id, _ := out["session_id"].(string)
	if st != http.StatusOK || id == "" {
		c.t.Fatalf("create session: HTTP %d %v", st, out)
	}
	return id
}

// value is the first cell of a succeeded JSON_ARRAY reply.
func value(t *testing.T, resp map[string]any) any {
	t.Helper()
	if state(resp) != "SUCCEEDED" {
		t.Fatalf("statement %v", resp)
	}
	return get(resp, "result", "data_array", 0, 0)
}

func TestRESTSessionNamespaceAndConfs(t *testing.T) {
	s := Start(t)
	c := newREST(t, s)
	value(t, c.submit("CREATE SCHEMA sess_a", nil))
	value(t, c.submit("CREATE SCHEMA sess_b", nil))
	id := c.session(map[string]any{"schema": "sess_a",
		"session_confs": map[string]string{"timezone": "Asia/Tokyo", "QUERY_TAGS": "team:peer", "ansi_mode": "true"}})
	in := map[string]any{"session_id": id}
	if got := value(t, c.submit("SELECT current_schema()", in)); got != "sess_a" {
		t.Errorf("schema in the session: %v", got)
	}
	if got := value(t, c.submit("SELECT current_schema()", nil)); got == "sess_a" {
		t.Errorf("a statement without the session runs in its schema")
	}
	// The submission's own schema wins over the session's.
	if got := value(t, c.submit("SELECT current_schema()", map[string]any{"session_id": id, "schema": "sess_b"})); got != "sess_b" {
		t.Errorf("schema of the submission: %v", got)
	}
	// USE changes the session's schema for the statements after it.
	value(t, c.submit("USE sess_b", in))
	if got := value(t, c.submit("SELECT current_schema()", in)); got != "sess_b" {
		t.Errorf("schema after USE: %v", got)
	}
	// The session's query tags, the statement's over them.
	c.submit("SELECT 1", map[string]any{"session_id": id, "query_tags": []map[string]any{{"key": "solo"}}})
	tagged := false
	for _, r := range s.Requests().Of(RESTSubmit) {
		if r.Tags["team"] == "peer" {
			_, solo := r.Tags["solo"]
			tagged = tagged || solo
		}
	}
	if !tagged {
		t.Errorf("no submission with the session's and its own tags: %v", s.Requests().Of(RESTSubmit))
	}
	if s.OpenSessions() != 1 {
		t.Errorf("%d sessions open", s.OpenSessions())
	}
}

func TestRESTSessionStatementTimeout(t *testing.T) {
	s := Start(t)
	c := newREST(t, s)
	id := c.session(map[string]any{"session_confs": map[string]string{"STATEMENT_TIMEOUT": "1"}})
	resp := c.submit("SELECT sleep_ms(60000)", map[string]any{"session_id": id, "wait_timeout": "50s"})
	if state(resp) != "FAILED" || get(resp, "status", "sql_state") != "57014" ||
		get(resp, "status", "error", "error_code") != "DEADLINE_EXCEEDED" {
		t.Fatalf("statement past STATEMENT_TIMEOUT: %v", resp)
	}
}

func TestRESTSessionDelete(t *testing.T) {
	s := Start(t)
	c := newREST(t, s)
	id := c.session(nil)
	running := stmtID(c.submit("SELECT sleep_ms(60000)", map[string]any{"session_id": id, "wait_timeout": "0s"}))
	done := stmtID(c.submit("SELECT 1", map[string]any{"session_id": id}))
	other := stmtID(c.submit("SELECT 2", nil))
	if st, out := c.do(http.MethodDelete, restSessionsPrefix+"/"+id, map[string]any{"warehouse_id": s.cfg.warehouseID,
		"session_id": id}); st != 200 || len(out) != 0 {
		t.Fatalf("delete: HTTP %d %v", st, out)
	}
	// Its statements are closed, the others stay.
	for _, sid := range []string{running, done} {
		if got := c.status(sid); state(got) != "CLOSED" {
			t.Errorf("statement %s of the deleted session: %v", sid, got)
		}
	}
	if got := c.status(other); state(got) != "SUCCEEDED" {
		t.Errorf("statement outside the session: %v", got)
	}
	if s.OpenSessions() != 0 || s.OpenOperations() != 1 {
		t.Errorf("%d sessions and %d statements open", s.OpenSessions(), s.OpenOperations())
	}
	// A deleted session: SESSION_CLOSED on submit and delete.
	for _, try := range []func() (int, map[string]any){
		func() (int, map[string]any) {
			return c.do(http.MethodPost, restPrefix, map[string]any{"statement": "SELECT 1", "warehouse_id": s.cfg.warehouseID,
				"session_id": id})
		},
		func() (int, map[string]any) { return c.do(http.MethodDelete, restSessionsPrefix+"/"+id, nil) },
	} {
		st, out := try()
		if msg, _ := out["message"].(string); st != 404 || out["error_code"] != "NOT_FOUND" ||
			!strings.HasPrefix(msg, "[INVALID_HANDLE.SESSION_CLOSED]") || !strings.Contains(msg, id) {
			t.Errorf("deleted session: HTTP %d %v", st, out)
		}
	}
	log := s.Requests()
	if log.Count(RESTSessionCreate) != 1 || log.Count(RESTSessionDelete) != 2 {
		t.Errorf("log %v", log)
	}
}

func TestRESTSessionErrors(t *testing.T) {
	s := Start(t)
	c := newREST(t, s)
	wh := s.cfg.warehouseID
	unknown := "01234567-89ab-cdef-0123-456789abcdef"
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		code, msg          string
	}{
		{"unknown session on submit", "POST", restPrefix, map[string]any{"statement": "SELECT 1", "warehouse_id": wh,
			"session_id": unknown}, 404, "NOT_FOUND", "[INVALID_HANDLE.SESSION_NOT_FOUND]"},
		{"malformed session ID", "POST", restPrefix, map[string]any{"statement": "SELECT 1", "warehouse_id": wh,
			"session_id": "nope"}, 400, "INVALID_PARAMETER_VALUE", "Invalid session ID 'nope'"},
		{"unknown session deleted", "DELETE", restSessionsPrefix + "/" + unknown, nil, 404, "NOT_FOUND",
			"[INVALID_HANDLE.SESSION_NOT_FOUND]"},
		{"configuration not available", "POST", restSessionsPrefix, map[string]any{"warehouse_id": wh,
			"session_confs": map[string]string{"spark.sql.shuffle.partitions": "4"}}, 400, "INVALID_PARAMETER_VALUE",
			"[CONFIG_NOT_AVAILABLE] Configuration spark.sql.shuffle.partitions is not available."},
		{"bad statement timeout", "POST", restSessionsPrefix, map[string]any{"warehouse_id": wh,
			"session_confs": map[string]string{"statement_timeout": "-1"}}, 400, "INVALID_PARAMETER_VALUE", "[INVALID_CONF_VALUE]"},
		{"bad time zone", "POST", restSessionsPrefix, map[string]any{"warehouse_id": wh,
			"session_confs": map[string]string{"TIMEZONE": "Mars/Olympus"}}, 400, "INVALID_PARAMETER_VALUE", "[INVALID_CONF_VALUE]"},
		{"conf not a string", "POST", restSessionsPrefix, `{"warehouse_id":"` + wh + `","session_confs":{"ansi_mode":true}}`,
			400, "INVALID_PARAMETER_VALUE", "Invalid value for field 'session_confs"},
		{"unknown schema", "POST", restSessionsPrefix, map[string]any{"warehouse_id": wh, "schema": "nope"}, 400,
			"BAD_REQUEST", "[SCHEMA_NOT_FOUND]"},
		{"unknown warehouse", "POST", restSessionsPrefix, map[string]any{"warehouse_id": "elsewhere"}, 404,
			"RESOURCE_DOES_NOT_EXIST", "Warehouse elsewhere does not exist"},
		{"no warehouse", "POST", restSessionsPrefix, "{}", 400, "INVALID_PARAMETER_VALUE", "Field 'warehouse_id' is required"},
		{"not JSON", "POST", restSessionsPrefix, "{", 400, "INVALID_PARAMETER_VALUE", "Malformed request body"},
		{"GET", "GET", restSessionsPrefix + "/" + unknown, nil, 405, "BAD_REQUEST", "Method GET is not allowed"},
		{"deeper path", "DELETE", restSessionsPrefix + "/" + unknown + "/x", nil, 404, "ENDPOINT_NOT_FOUND", "No API found"},
	} {
		st, out := c.do(tc.method, tc.path, tc.body)
		if msg, _ := out["message"].(string); st != tc.status || out["error_code"] != tc.code || !strings.HasPrefix(msg, tc.msg) {
			t.Errorf("%s: HTTP %d %v, want %d %s %q", tc.name, st, out, tc.status, tc.code, tc.msg)
		}
	}
	if s.OpenSessions() != 0 || s.OpenOperations() != 0 {
		t.Errorf("%d sessions and %d statements open", s.OpenSessions(), s.OpenOperations())
	}
}
