package results

import (
	"testing"
	"time"

	"github.com/asyncsql/databricks/internal/backoff"
)

// TestLinkRetrySchedule checks the pauses between download attempts of one
// file at both ends of their jitter: 20ms doubling up to 2s, each pause drawn
// from its upper half.
func TestLinkRetrySchedule(t *testing.T) {
	ceilings := []time.Duration{20, 40, 80, 160, 320, 640, 1280, 2000, 2000}
	for _, end := range []struct {
		name  string
		randN func(int64) int64
		want  func(time.Duration) time.Duration
	}{
		{"low", func(int64) int64 { return 0 }, func(d time.Duration) time.Duration { return d / 2 }},
		{"high", func(n int64) int64 { return n - 1 }, func(d time.Duration) time.Duration { return d }},
	} {
		b := backoff.NewWithRand(linkRetryPolicy, end.randN)
		for i, c := range ceilings {
			if got, want := b.Next(), end.want(c*time.Millisecond); got != want {
				t.Fatalf("%s end, pause %d: got %v, want %v", end.name, i, got, want)
			}
		}
	}
}
