package results

import (
	"slices"
	"testing"
	"time"

	"github.com/asyncsql/databricks/internal/backoff"
)

// TestLinkRetrySchedule checks the pauses between download attempts of one
// file: 20ms doubling up to 2s, each pause drawn from its upper half.
func TestLinkRetrySchedule(t *testing.T) {
	want := []time.Duration{20, 40, 80, 160, 320, 640, 1280, 2000, 2000}
	for i := range want {
		want[i] *= time.Millisecond
	}
	p := linkRetryPolicy
	if got := p.Ceilings(len(want)); !slices.Equal(got, want) || p.Jitter != backoff.UpperHalf {
		t.Errorf("got %v with jitter %d, want %v with jitter %d (upper half)", got, p.Jitter, want, backoff.UpperHalf)
	}
}
