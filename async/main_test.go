package async

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any leaves a goroutine behind (the
// keep-alive loop, a rows pool).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
