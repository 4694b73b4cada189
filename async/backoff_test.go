package async

import (
	"slices"
	"testing"
	"time"

	"github.com/asyncsql/databricks/internal/backoff"
)

func TestPollSchedule(t *testing.T) {
	b := backoff.New(pollPolicy(100*time.Millisecond, time.Second))
	want := []time.Duration{100, 200, 400, 800, 1000, 1000, 1000}
	for i, w := range want {
		if got := b.Next(); got != w*time.Millisecond {
			t.Fatalf("step %d: got %v, want %v", i, got, w*time.Millisecond)
		}
	}
	// Doubling never overflows into a negative interval.
	b = backoff.New(pollPolicy(time.Duration(1)<<61, KeepAliveInterval))
	for i := range 5 {
		if d := b.Next(); d <= 0 {
			t.Fatalf("step %d: got %v, want a positive interval", i, d)
		}
	}
}

// TestOutageSchedule checks the outage schedule: 200 ms doubling up to 15 s,
// each interval drawn from its upper half.
func TestOutageSchedule(t *testing.T) {
	want := []time.Duration{200, 400, 800, 1600, 3200, 6400, 12800, 15000, 15000}
	for i := range want {
		want[i] *= time.Millisecond
	}
	if got := outagePolicy.Ceilings(len(want)); !slices.Equal(got, want) || outagePolicy.Jitter != backoff.UpperHalf {
		t.Errorf("got %v with jitter %d, want %v with jitter %d (upper half)", got, outagePolicy.Jitter, want, backoff.UpperHalf)
	}
}

func TestSleepFor(t *testing.T) {
	for _, tt := range []struct{ interval, spent, want time.Duration }{
		{time.Second, 0, time.Second},
		{time.Second, 300 * time.Millisecond, 700 * time.Millisecond},
		{time.Second, 5 * time.Second, 0},
		{time.Second, time.Second, 0},
	} {
		if got := sleepFor(tt.interval, tt.spent); got != tt.want {
			t.Errorf("sleepFor(%v, %v) = %v, want %v", tt.interval, tt.spent, got, tt.want)
		}
	}
}

func TestOptions(t *testing.T) {
	o := defaultOptions()
	if o.wait != 5*time.Second || o.pollMin != 100*time.Millisecond || o.pollMax != 5*time.Second {
		t.Fatalf("defaults %+v", o)
	}
	for _, tt := range []struct {
		min, max         time.Duration
		wantMin, wantMax time.Duration
	}{
		{time.Second, 2 * time.Second, time.Second, 2 * time.Second},
		{0, 0, time.Millisecond, time.Millisecond},
		{time.Second, time.Millisecond, time.Second, time.Second},
		{time.Hour, time.Hour, KeepAliveInterval, KeepAliveInterval},
		{time.Millisecond, time.Hour, time.Millisecond, KeepAliveInterval},
	} {
		o := defaultOptions()
		WithPollBackoff(tt.min, tt.max)(&o)
		if o.pollMin != tt.wantMin || o.pollMax != tt.wantMax {
			t.Errorf("WithPollBackoff(%v, %v) = %v, %v", tt.min, tt.max, o.pollMin, o.pollMax)
		}
	}
	WithWait(-time.Second)(&o)
	if o.wait != 0 {
		t.Errorf("negative wait gave %v", o.wait)
	}
}
