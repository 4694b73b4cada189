package emulator

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// states polls the operation n times and returns the states answered.
func states(t *testing.T, c *tcli.TCLIServiceClient, h *tcli.TOperationHandle, n int) ([]State, *tcli.TGetOperationStatusResp) {
	t.Helper()
	var got []State
	var last *tcli.TGetOperationStatusResp
	for range n {
		st, err := c.GetOperationStatus(ctx, &tcli.TGetOperationStatusReq{OperationHandle: h})
		if err != nil {
			t.Fatal(err)
		}
		mustOK(t, st.Status)
		got = append(got, stateOf(st.GetOperationState()))
		last = st
	}
	return got, last
}

// TestScriptError scripts PENDING for two polls, RUNNING for one, then a
// failure with an error class: the states come in that order, answered at
// once (a long status hold would otherwise show), and the failure carries
// the SQLSTATE, the class and the message.
func TestScriptError(t *testing.T) {
	s := Start(t, WithStatusHold(time.Minute), WithDirectResultsHold(time.Minute), WithScript(Script{
		Match: regexp.MustCompile(`^SELECT 'fail me'`),
		Steps: []Step{{State: StatePending, Polls: 2}, {State: StateRunning}},
		End:   StateError, SQLState: "22012", ErrorClass: "DIVIDE_BY_ZERO", Message: "Division by zero.",
	}))
	c := client(t, s)
	sess := open(t, c)
	ex := exec(t, c, arrowReq(sess, "SELECT 'fail me'", 10))
	if st := ex.DirectResults.GetOperationStatus().GetOperationState(); st != tcli.TOperationState_PENDING_STATE {
		t.Fatalf("direct results state %v, want PENDING_STATE", st)
	}
	got, last := states(t, c, ex.OperationHandle, 4)
	if want := []State{StatePending, StatePending, StateRunning, StateError}; !slices.Equal(got, want) {
		t.Fatalf("states %v, want %v", got, want)
	}
	if last.GetSqlState() != "22012" || last.GetErrorMessage() != "[DIVIDE_BY_ZERO] Division by zero. SQLSTATE: 22012" ||
		!strings.Contains(last.GetErrorDetailsJson(), `"errorClass":"DIVIDE_BY_ZERO"`) {
		t.Fatalf("failure %q %q %q; want SQLSTATE 22012, the class's message and errorDetailsJson", last.GetSqlState(), last.GetErrorMessage(), last.GetErrorDetailsJson())
	}
	if log := s.Requests().Of(GetOperationStatus); len(log) != 4 || log[3].State != StateError || log[3].SQLState != "22012" {
		t.Errorf("status requests logged as %+v; want 4, the last ERROR with SQLSTATE 22012", log)
	}
	// Not matched: runs as usual.
	if ex := exec(t, c, arrowReq(sess, "SELECT 1", 10)); ex.DirectResults.GetOperationStatus().GetOperationState() != tcli.TOperationState_FINISHED_STATE {
		t.Errorf("unscripted statement: %v, want FINISHED_STATE", ex.DirectResults.GetOperationStatus())
	}
}

// TestScriptFinishedRuns scripts a RUNNING step before the statement runs
// for real, once: the result is the statement's, the second one is not
// scripted.
func TestScriptFinishedRuns(t *testing.T) {
	s := Start(t, WithScript(Script{Match: regexp.MustCompile(`range`), Times: 1, Steps: []Step{{State: StateRunning, Polls: 1}}}))
	c := client(t, s)
	sess := open(t, c)
	req := arrowReq(sess, "SELECT sum(range)::BIGINT FROM range(10)", 10)
	ex := exec(t, c, req)
	got, _ := states(t, c, ex.OperationHandle, 2)
	if want := []State{StateRunning, StateFinished}; !slices.Equal(got, want) {
		t.Fatalf("states %v, want %v", got, want)
	}
	f, err := c.FetchResults(ctx, &tcli.TFetchResultsReq{OperationHandle: ex.OperationHandle, MaxRows: 10, Orientation: tcli.TFetchOrientation_FETCH_NEXT})
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, f.Status)
	md, err := c.GetResultSetMetadata(ctx, &tcli.TGetResultSetMetadataReq{OperationHandle: ex.OperationHandle})
	if err != nil {
		t.Fatal(err)
	}
	if v := column0Int64(decode(t, md.ArrowSchema, f.Results.ArrowBatches, false)); len(v) != 1 || v[0] != 45 {
		t.Fatalf("result %v, want [45]", v)
	}
	again := exec(t, c, req)
	if st := again.DirectResults.GetOperationStatus().GetOperationState(); st != tcli.TOperationState_FINISHED_STATE {
		t.Fatalf("second statement %v, want FINISHED_STATE (Times is 1)", st)
	}
}

// TestScriptCancelAndSync cancels a scripted statement during its steps
// (it never runs) and sends one synchronously (the steps are skipped).
func TestScriptCancelAndSync(t *testing.T) {
	s := Start(t, WithScript(Script{Match: regexp.MustCompile(`^CREATE TABLE`), Steps: []Step{{State: StatePending, Polls: 100}}}),
		WithScript(Script{Match: regexp.MustCompile(`^SELECT 'sync'`), Steps: []Step{{State: StateRunning, Polls: 100}}, End: StateError, SQLState: "42000"}))
	c := client(t, s)
	sess := open(t, c)
	ex := exec(t, c, arrowReq(sess, "CREATE TABLE never AS SELECT 1 AS v", 10))
	if r, err := c.CancelOperation(ctx, &tcli.TCancelOperationReq{OperationHandle: ex.OperationHandle}); err != nil {
		t.Fatal(err)
	} else {
		mustOK(t, r.Status)
	}
	if got, _ := states(t, c, ex.OperationHandle, 1); got[0] != StateCanceled {
		t.Fatalf("after cancel: %v, want CANCELED", got)
	}
	var n int
	if err := s.DB().QueryRow("SELECT count(*) FROM information_schema.tables WHERE table_name = 'never'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("table created by a cancelled scripted statement: %d, %v", n, err)
	}
	req := arrowReq(sess, "SELECT 'sync'", 10)
	req.RunAsync = false
	st := exec(t, c, req).DirectResults.GetOperationStatus()
	if st.GetOperationState() != tcli.TOperationState_ERROR_STATE || st.GetSqlState() != "42000" {
		t.Fatalf("synchronous scripted statement: %v %q, want ERROR_STATE with SQLSTATE 42000 at once", st.GetOperationState(), st.GetSqlState())
	}
}

func TestScriptValidation(t *testing.T) {
	for _, sc := range []Script{
		{},
		{Match: regexp.MustCompile(`x`), Steps: []Step{{State: StateFinished}}},
		{Match: regexp.MustCompile(`x`), End: StatePending},
		{Match: regexp.MustCompile(`x`), Steps: []Step{{State: StateRunning, Polls: -1}}},
	} {
		if s, err := New(WithScript(sc)); err == nil {
			s.Close()
			t.Errorf("New(WithScript(%+v)) started; want an error", sc)
		}
	}
}

func TestParseScript(t *testing.T) {
	sc, err := ParseScript("match=^SELECT 1$; steps=pending:2,RUNNING ; end=error;sqlstate=42P01;class=TABLE_OR_VIEW_NOT_FOUND;message=no t;times=3")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Match.String() != "^SELECT 1$" || len(sc.Steps) != 2 || sc.Steps[0] != (Step{StatePending, 2}) || sc.Steps[1] != (Step{StateRunning, 0}) ||
		sc.End != StateError || sc.SQLState != "42P01" || sc.ErrorClass != "TABLE_OR_VIEW_NOT_FOUND" || sc.Message != "no t" || sc.Times != 3 {
		t.Fatalf("ParseScript = %+v", sc)
	}
	for _, in := range []string{"", "steps=running", "match=(", "match=x;steps=done", "match=x;end=later", "match=x;colour=red", "match=x;times=many", "match=x;end=running"} {
		if sc, err := ParseScript(in); err == nil {
			t.Errorf("ParseScript(%q) = %+v; want an error", in, sc)
		}
	}
}
