package async

import (
	"fmt"

	"github.com/asyncsql/databricks/driver"
)

// Status is the state of an execution as last seen by this package. It has one
// value for each of the nine server states (TOperationState) plus StatusGone for
// an execution the server no longer knows.
type Status uint8

// The statuses. The numeric values are part of the token format: never
// renumber them.
const (
	// StatusUnknown is the server's UKNOWN_STATE, or a state value this
	// package does not know. It is not terminal: keep polling.
	StatusUnknown Status = 0
	// StatusInitialized is INITIALIZED_STATE: the statement was accepted.
	// An execution seen only at submission (the OnSubmit hook) also has
	// this status.
	StatusInitialized Status = 1
	// StatusPending is PENDING_STATE: the statement waits to run, for example
	// while the warehouse starts.
	StatusPending Status = 2
	// StatusRunning is RUNNING_STATE.
	StatusRunning Status = 3
	// StatusFinished is FINISHED_STATE: the statement succeeded; its rows,
	// if any, can be read with DB.GetExecutionRows.
	StatusFinished Status = 4
	// StatusFailed is ERROR_STATE: the statement failed; Execution.Err says
	// why.
	StatusFailed Status = 5
	// StatusCanceled is CANCELED_STATE.
	StatusCanceled Status = 6
	// StatusTimedOut is TIMEDOUT_STATE: the statement exceeded its query
	// timeout.
	StatusTimedOut Status = 7
	// StatusClosed is CLOSED_STATE: the server reports the operation closed.
	StatusClosed Status = 8
	// StatusGone means the server no longer knows the execution: it was
	// closed, evicted after a period without polling, or expired (the driver
	// reported driver.ErrInvalidHandle). It is terminal and distinct from
	// StatusFailed: nothing is known about how the statement ended.
	StatusGone Status = 9
)

// numStatuses is one more than the largest Status.
const numStatuses = 10

var statusNames = [numStatuses]string{
	StatusUnknown:     "UNKNOWN",
	StatusInitialized: "INITIALIZED",
	StatusPending:     "PENDING",
	StatusRunning:     "RUNNING",
	StatusFinished:    "FINISHED",
	StatusFailed:      "FAILED",
	StatusCanceled:    "CANCELED",
	StatusTimedOut:    "TIMED_OUT",
	StatusClosed:      "CLOSED",
	StatusGone:        "GONE",
}

// String returns the upper-case name of s, such as "RUNNING".
func (s Status) String() string {
	if s < numStatuses {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", uint8(s))
}

// Terminal reports whether s is final: the execution will not change state
// any more (finished, failed, canceled, timed out, closed or gone).
func (s Status) Terminal() bool {
	switch s {
	case StatusFinished, StatusFailed, StatusCanceled, StatusTimedOut, StatusClosed, StatusGone:
		return true
	}
	return false
}

// valid reports whether s is one of the declared statuses.
func (s Status) valid() bool { return s < numStatuses }

// MarshalText returns the name of s.
func (s Status) MarshalText() ([]byte, error) {
	if !s.valid() {
		return nil, fmt.Errorf("async: invalid status %d", uint8(s))
	}
	return []byte(statusNames[s]), nil
}

// UnmarshalText parses a name produced by MarshalText.
func (s *Status) UnmarshalText(b []byte) error {
	for i, name := range statusNames {
		if string(b) == name {
			*s = Status(i)
			return nil
		}
	}
	return fmt.Errorf("async: unknown status %q", b)
}

// StatusFromState maps a server operation state to a Status. Every one of
// the nine server states has its own Status; values outside the enumeration
// map to StatusUnknown.
func StatusFromState(st driver.OperationState) Status {
	switch st {
	case driver.StateInitialized:
		return StatusInitialized
	case driver.StateRunning:
		return StatusRunning
	case driver.StateFinished:
		return StatusFinished
	case driver.StateCanceled:
		return StatusCanceled
	case driver.StateClosed:
		return StatusClosed
	case driver.StateError:
		return StatusFailed
	case driver.StatePending:
		return StatusPending
	case driver.StateTimedOut:
		return StatusTimedOut
	}
	return StatusUnknown // UKNOWN_STATE and anything unexpected
}

// stateOf is the server state of a terminal, unsuccessful status.
func stateOf(s Status) (driver.OperationState, bool) {
	switch s {
	case StatusFailed:
		return driver.StateError, true
	case StatusCanceled:
		return driver.StateCanceled, true
	case StatusTimedOut:
		return driver.StateTimedOut, true
	case StatusClosed:
		return driver.StateClosed, true
	}
	return 0, false
}
