package results

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the tests when a goroutine of a Source (read-ahead,
// inflater, lister, decoder, downloads) outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
