package emulator

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// TestRequestLog follows one statement through the log: what each request
// created or named, the state and error it answered, and the log's
// filters.
func TestRequestLog(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	sess := open(t, c)
	req := arrowReq(sess, "SELECT 1 AS one", 10)
	req.GetDirectResults = nil
	ex := exec(t, c, req)
	id := formatUUID(ex.OperationHandle.OperationId.GUID)
	st, err := c.GetOperationStatus(ctx, &tcli.TGetOperationStatusReq{OperationHandle: ex.OperationHandle})
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, st.Status)
	bad := exec(t, c, arrowReq(sess, "SELEC 1", 10))
	unknown := &tcli.TOperationHandle{OperationId: &tcli.THandleIdentifier{GUID: make([]byte, 16), Secret: make([]byte, 16)}}
	if _, err := c.CloseOperation(ctx, &tcli.TCloseOperationReq{OperationHandle: unknown}); err != nil {
		t.Fatal(err)
	}

	log := s.Requests()
	want := []Method{OpenSession, ExecuteStatement, GetOperationStatus, ExecuteStatement, CloseOperation}
	if len(log) != len(want) {
		t.Fatalf("log %v; want %v", log, want)
	}
	for i, m := range want {
		if log[i].Method != m || log[i].HTTPStatus != http.StatusOK || log[i].Time.IsZero() || log[i].Duration <= 0 {
			t.Errorf("entry %d = %+v; want method %s, HTTP 200, a time and a duration", i, log[i], m)
		}
	}
	if r := log[1]; r.StatementID != id || r.Statement != "SELECT 1 AS one" || r.Outcome != OutcomeOK {
		t.Errorf("ExecuteStatement logged as %+v; want statement %s %q, outcome ok", r, id, "SELECT 1 AS one")
	}
	if r := log[2]; r.StatementID != id || r.State != StateFinished {
		t.Errorf("GetOperationStatus logged as %+v; want statement %s, state FINISHED", r, id)
	}
	badID := formatUUID(bad.OperationHandle.OperationId.GUID)
	if r := log[3]; r.StatementID != badID || r.State != StateError || r.SQLState != "42601" || !strings.Contains(r.Message, "PARSE_SYNTAX_ERROR") ||
		r.Outcome != OutcomeOK {
		t.Errorf("failed statement logged as %+v; want state ERROR, SQLSTATE 42601, PARSE_SYNTAX_ERROR, outcome ok (the call itself succeeded)", r)
	}
	if r := log[4]; r.Outcome != OutcomeError || r.SQLState == "" || r.StatementID != "" {
		t.Errorf("call with an unknown handle logged as %+v; want outcome error with a SQLSTATE and no statement", r)
	}
	if got := log.ForStatement(id); len(got) != 2 || got.Count(ExecuteStatement) != 1 || got.Count(GetOperationStatus) != 1 {
		t.Errorf("ForStatement(%s) = %v; want ExecuteStatement×1 GetOperationStatus×1", id, got)
	}
	if got := log.Of(ExecuteStatement); len(got) != 2 || got[0].Method != ExecuteStatement {
		t.Errorf("Of(ExecuteStatement) = %v; want 2 ExecuteStatement requests", got)
	}
	if got, want := log.String(), "OpenSession×1 ExecuteStatement×2 GetOperationStatus×1 CloseOperation×1"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if len(log.Faulted()) != 0 {
		t.Errorf("Faulted() = %v; want none", log.Faulted())
	}
}

// TestRequestLogMalformedAndLimit logs a body that is no Thrift message and
// keeps only the latest requests beyond the limit.
func TestRequestLogMalformedAndLimit(t *testing.T) {
	s := Start(t, WithRequestLogLimit(4))
	if r := post(t, s, s.HTTPPath(), s.Token(), []byte("not thrift")); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("malformed body answered %d, want 400", r.StatusCode)
	}
	log := s.Requests()
	if len(log) != 1 || log[0].Method != Malformed || log[0].Outcome != OutcomeRefused || log[0].HTTPStatus != http.StatusBadRequest {
		t.Fatalf("log %+v; want one Malformed request, refused with 400", log)
	}
	body := openSessionBody(t)
	for range 20 {
		post(t, s, s.HTTPPath(), s.Token(), bytes.Clone(body))
	}
	log = s.Requests()
	if n := len(log); n < 4 || n > 5 || log.Count(Malformed) != 0 || log.Count(OpenSession) != n {
		t.Fatalf("log of %d entries %v; want the latest 4 or 5, all OpenSession", n, log)
	}
}
