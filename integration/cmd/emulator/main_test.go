package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that the emulators the tests start and close leave no
// goroutine behind (idle HTTP connections of the driver are not theirs).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}
