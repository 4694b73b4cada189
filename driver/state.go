package driver

import (
	"strconv"

	"github.com/asyncsql/databricks/internal/hs2"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// OperationState is the state of a statement as the server reports it. The
// values are those of the protocol's TOperationState.
type OperationState int32

// The operation states.
const (
	StateInitialized OperationState = 0
	StateRunning     OperationState = 1
	StateFinished    OperationState = 2
	StateCanceled    OperationState = 3
	StateClosed      OperationState = 4
	StateError       OperationState = 5
	// StateUnknown is the server's UKNOWN_STATE.
	StateUnknown   OperationState = 6
	StatePending   OperationState = 7
	StateTimedOut  OperationState = 8
	numStateValues                = 9
)

var stateNames = [numStateValues]string{
	StateInitialized: "INITIALIZED_STATE",
	StateRunning:     "RUNNING_STATE",
	StateFinished:    "FINISHED_STATE",
	StateCanceled:    "CANCELED_STATE",
	StateClosed:      "CLOSED_STATE",
	StateError:       "ERROR_STATE",
	StateUnknown:     "UKNOWN_STATE",
	StatePending:     "PENDING_STATE",
	StateTimedOut:    "TIMEDOUT_STATE",
}

// String returns the protocol's name of s, such as "RUNNING_STATE".
func (s OperationState) String() string {
	if s >= 0 && s < numStateValues {
		return stateNames[s]
	}
	return "OperationState(" + strconv.Itoa(int(s)) + ")"
}

// Terminal reports whether s is final: anything but initialized, pending
// and running. (UKNOWN_STATE counts as final, as the server sends it only
// for operations it lost track of.)
func (s OperationState) Terminal() bool { return hs2.Terminal(tcli.TOperationState(s)) }

func stateOf(s tcli.TOperationState) OperationState { return OperationState(s) }
