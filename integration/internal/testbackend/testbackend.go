package testbackend

import (
	"os"
	"testing"

	"github.com/asyncsql/databricks/integration/emulator"
)

// Name is the backend under test: "rest", or empty for Thrift.
var Name = os.Getenv("DATABRICKS_TEST_BACKEND")

// DSN is s's DSN for the backend under test.
func DSN(s *emulator.Server) string {
	if Name == "rest" {
		return s.DSN() + "&backend=rest"
	}
	return s.DSN()
}

// ThriftOnly skips a test on the REST backend, saying why it applies to
// Thrift only.
func ThriftOnly(t *testing.T, why string) {
	t.Helper()
	if Name == "rest" {
		t.Skip("Thrift backend only: " + why)
	}
}
