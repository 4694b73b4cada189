package e2e_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/asyncsql/databricks/async"
	"github.com/asyncsql/databricks/integration/emulator"
)

// TestScriptedFailure drives the driver through a scripted statement:
// PENDING for two polls, RUNNING for three, then a failure with an error
// class. database/sql gets the SQLSTATE and the class after polling through
// every step; package async's Wait reports it as a failed execution.
func TestScriptedFailure(t *testing.T) {
	s := emulator.Start(t, emulator.WithDirectResultsHold(0), emulator.WithScript(emulator.Script{
		Match: regexp.MustCompile(`FROM report`),
		Steps: []emulator.Step{{State: emulator.StatePending, Polls: 2}, {State: emulator.StateRunning, Polls: 3}},
		End:   emulator.StateError, SQLState: "42P01", ErrorClass: "TABLE_OR_VIEW_NOT_FOUND", Message: "The table `report` cannot be found.",
	}))
	p := params("pollMin", "10ms", "pollMax", "20ms")
	if backend == "rest" {
		p.Set("waitTimeout", "5") // the shortest wait on the server before polling
	}
	db := open(t, s, p)
	ctx := testCtx(t)
	_, err := db.QueryContext(ctx, "SELECT * FROM report")
	se := serverError(t, err, "42P01")
	if !strings.Contains(se.Error(), "TABLE_OR_VIEW_NOT_FOUND") {
		t.Errorf("error %v does not name the class", se)
	}
	log := s.Requests()
	var states []emulator.State
	for _, r := range log.Of(call(emulator.GetOperationStatus)) {
		states = append(states, r.State)
	}
	want := []emulator.State{emulator.StatePending, emulator.StatePending, emulator.StateRunning, emulator.StateRunning,
		emulator.StateRunning, emulator.StateError}
	if len(states) != len(want) {
		t.Fatalf("status answers %v, want %v (requests %v)", states, want, log)
	}
	for i := range want {
		if states[i] != want[i] {
			t.Fatalf("status answers %v, want %v", states, want)
		}
	}

	adb, err := async.Open(testDSN(s), async.WithWait(0), async.WithKeepAlive(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = adb.Close() })
	_, exc, err := adb.QueryContext(ctx, "SELECT count(*) FROM report")
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !exc.Status.Terminal() && time.Now().Before(deadline) {
		if exc, err = adb.CheckExecution(ctx, exc); err != nil {
			t.Fatalf("check: %v", err)
		}
	}
	if exc.Status != async.StatusFailed || exc.Err == nil {
		t.Fatalf("execution %v (err %v), want failed with the server's error", exc.Status, exc.Err)
	}
	serverError(t, exc.Err, "42P01")
	_ = adb.CloseExecution(ctx, exc)
}
