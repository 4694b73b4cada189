package emulator

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that closed servers leave no goroutines behind (idle
// HTTP client connections of the tests are not the server's).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}
