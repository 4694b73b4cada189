package async

import (
	"testing"

	"github.com/asyncsql/databricks/driver"
)

func TestStatusFromState(t *testing.T) {
	tests := []struct {
		state    driver.OperationState
		want     Status
		terminal bool
		name     string
	}{
		{driver.StateInitialized, StatusInitialized, false, "INITIALIZED"},
		{driver.StateRunning, StatusRunning, false, "RUNNING"},
		{driver.StateFinished, StatusFinished, true, "FINISHED"},
		{driver.StateCanceled, StatusCanceled, true, "CANCELED"},
		{driver.StateClosed, StatusClosed, true, "CLOSED"},
		{driver.StateError, StatusFailed, true, "FAILED"},
		{driver.StateUnknown, StatusUnknown, false, "UNKNOWN"},
		{driver.StatePending, StatusPending, false, "PENDING"},
		{driver.StateTimedOut, StatusTimedOut, true, "TIMED_OUT"},
		{driver.OperationState(9), StatusUnknown, false, "UNKNOWN"},
		{driver.OperationState(-1), StatusUnknown, false, "UNKNOWN"},
	}
	seen := map[driver.OperationState]bool{}
	for _, tt := range tests {
		got := StatusFromState(tt.state)
		if got != tt.want || got.Terminal() != tt.terminal || got.String() != tt.name {
			t.Errorf("state %d: %v terminal=%v, want %v terminal=%v %s", tt.state, got, got.Terminal(), tt.want, tt.terminal, tt.name)
		}
		seen[tt.state] = true
	}
	// The table covers every value of the enumeration.
	for v := range driver.OperationState(9) {
		if !seen[v] {
			t.Errorf("state %v (%d) missing from the table", v, v)
		}
	}
	// The nine states map to nine distinct statuses; StatusGone is not
	// one of them.
	distinct := map[Status]bool{}
	for v := range driver.OperationState(9) {
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
