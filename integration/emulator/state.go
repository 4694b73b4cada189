package emulator

import (
	"strconv"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// State is the state of a statement (TOperationState on the wire), as the
// request log reports it and a Script steers it.
type State int

// The states of a statement. The zero State is "none": a request that
// answered no state.
const (
	StatePending State = iota + 1
	StateRunning
	StateFinished
	StateError
	StateCanceled
	StateTimedOut
	StateClosed
)

var stateNames = [...]string{"none", "PENDING", "RUNNING", "FINISHED", "ERROR", "CANCELED", "TIMEDOUT", "CLOSED"}

// String is the state's name as in the wire enum without "_STATE":
// "RUNNING", "ERROR".
func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// terminal reports whether s ends the statement.
func (s State) terminal() bool { return s >= StateFinished && s <= StateClosed }

// wire is the Thrift state of s.
func (s State) wire() tcli.TOperationState {
	switch s {
	case StatePending:
		return tcli.TOperationState_PENDING_STATE
	case StateRunning:
		return tcli.TOperationState_RUNNING_STATE
	case StateFinished:
		return tcli.TOperationState_FINISHED_STATE
	case StateError:
		return tcli.TOperationState_ERROR_STATE
	case StateCanceled:
		return tcli.TOperationState_CANCELED_STATE
	case StateTimedOut:
		return tcli.TOperationState_TIMEDOUT_STATE
	case StateClosed:
		return tcli.TOperationState_CLOSED_STATE
	}
	return tcli.TOperationState_UKNOWN_STATE
}

// stateOf is the State of a Thrift state (0 for the states the emulator
// never answers).
func stateOf(w tcli.TOperationState) State {
	for s := StatePending; s <= StateClosed; s++ {
		if s.wire() == w {
			return s
		}
	}
	return 0
}
