package async

import (
	"testing"

	"github.com/asyncsql/databricks/thrift/tcli"
)

func TestStatusFromState(t *testing.T) {
	tests := []struct {
		state    tcli.TOperationState
		want     Status
		terminal bool
		name     string
	}{
		{tcli.TOperationState_INITIALIZED_STATE, StatusInitialized, false, "INITIALIZED"},
		{tcli.TOperationState_RUNNING_STATE, StatusRunning, false, "RUNNING"},
		{tcli.TOperationState_FINISHED_STATE, StatusFinished, true, "FINISHED"},
		{tcli.TOperationState_CANCELED_STATE, StatusCanceled, true, "CANCELED"},
		{tcli.TOperationState_CLOSED_STATE, StatusClosed, true, "CLOSED"},
		{tcli.TOperationState_ERROR_STATE, StatusFailed, true, "FAILED"},
		{tcli.TOperationState_UKNOWN_STATE, StatusUnknown, false, "UNKNOWN"},
		{tcli.TOperationState_PENDING_STATE, StatusPending, false, "PENDING"},
		{tcli.TOperationState_TIMEDOUT_STATE, StatusTimedOut, true, "TIMED_OUT"},
		{tcli.TOperationState(9), StatusUnknown, false, "UNKNOWN"},
		{tcli.TOperationState(-1), StatusUnknown, false, "UNKNOWN"},
	}
	seen := map[tcli.TOperationState]bool{}
	for _, tt := range tests {
		got := StatusFromState(tt.state)
		if got != tt.want || got.Terminal() != tt.terminal || got.String() != tt.name {
			t.Errorf("state %d: %v terminal=%v, want %v terminal=%v %s", tt.state, got, got.Terminal(), tt.want, tt.terminal, tt.name)
		}
		seen[tt.state] = true
	}
	// The table covers every value of the enumeration.
	for v := range tcli.TOperationState(9) {
		if _, err := tcli.TOperationStateFromString(v.String()); err != nil || !seen[v] {
			t.Errorf("state %v (%d) missing from the table", v, v)
		}
	}
	// The nine states map to nine distinct statuses; StatusGone is not
	// one of them.
	distinct := map[Status]bool{}
	for v := range tcli.TOperationState(9) {
		distinct[StatusFromState(v)] = true
	}
	if len(distinct) != 9 || distinct[StatusGone] {
		t.Errorf("statuses of the nine states: %v", distinct)
	}
}

func TestStatusNames(t *testing.T) {
	terminal := map[Status]bool{StatusFinished: true, StatusFailed: true, StatusCanceled: true,
		StatusTimedOut: true, StatusClosed: true, StatusGone: true}
	for s := range Status(numStatuses) {
		text, err := s.MarshalText()
		if err != nil || string(text) != s.String() {
			t.Fatalf("%d: MarshalText %q %v", s, text, err)
		}
		var back Status
		if err := back.UnmarshalText(text); err != nil || back != s {
			t.Fatalf("%s: UnmarshalText %v %v", text, back, err)
		}
		if s.Terminal() != terminal[s] {
			t.Errorf("%s.Terminal() = %v", s, s.Terminal())
		}
		if st, ok := stateOf(s); ok && StatusFromState(st) != s {
			t.Errorf("stateOf(%s) = %v", s, st)
		}
	}
	if Status(42).String() != "Status(42)" || Status(42).Terminal() {
		t.Errorf("out of range status: %s", Status(42))
	}
	if _, err := Status(42).MarshalText(); err == nil {
		t.Error("MarshalText of an invalid status succeeded")
	}
	var s Status
	if err := s.UnmarshalText([]byte("running")); err == nil {
		t.Error("UnmarshalText is case-insensitive")
	}
}
