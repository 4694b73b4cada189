package driver

import (
	"testing"

	"github.com/asyncsql/databricks/internal/hs2"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// The states are the protocol's, value for value and name for name.
func TestOperationStateIsTheProtocols(t *testing.T) {
	for v := range tcli.TOperationState(numStateValues) {
		s := stateOf(v)
		if int32(s) != int32(v) || s.String() != v.String() || s.Terminal() != hs2.Terminal(v) {
			t.Errorf("%v: %d %s terminal=%v", v, s, s, s.Terminal())
		}
	}
	if s := OperationState(42).String(); s != "OperationState(42)" {
		t.Fatal(s)
	}
}
