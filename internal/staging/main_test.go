package staging

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the tests when a goroutine of a transfer outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
