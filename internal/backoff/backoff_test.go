package backoff

import (
	"math"
	"slices"
	"testing"
	"time"
)

func low(int64) int64    { return 0 }
func high(n int64) int64 { return n - 1 }

func TestSchedules(t *testing.T) {
	ms := time.Millisecond
	for _, tt := range []struct {
		name   string
		policy Policy
		randN  func(int64) int64
		want   []time.Duration
	}{
		{"doubling", Policy{Min: 100 * ms, Max: time.Second, Factor: 2}, nil,
			[]time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, time.Second, time.Second}},
		{"factor 0 doubles", Policy{Min: 100 * ms, Max: time.Second}, nil,
			[]time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, time.Second}},
		{"by half", Policy{Min: 100 * ms, Max: time.Second, Factor: 1.5}, nil,
			[]time.Duration{100 * ms, 150 * ms, 225 * ms, 337500 * time.Microsecond, 506250 * time.Microsecond, 759375 * time.Microsecond, time.Second}},
		{"by half truncates", Policy{Min: 3, Max: 100, Factor: 1.5}, nil,
			[]time.Duration{3, 4, 6, 9, 13, 19, 28, 42, 63, 94, 100, 100}},
		{"max below min", Policy{Min: time.Second, Max: ms, Factor: 2}, nil,
			[]time.Duration{time.Second, time.Second}},
		{"factor below 1 is constant", Policy{Min: ms, Max: time.Second, Factor: 0.5}, nil,
			[]time.Duration{ms, ms, ms}},
		{"zero min", Policy{Max: time.Second, Factor: 2}, nil,
			[]time.Duration{0, 0}},
		{"upper half, low end", Policy{Min: 200 * ms, Max: time.Second, Factor: 2, Jitter: UpperHalf}, low,
			[]time.Duration{100 * ms, 200 * ms, 400 * ms, 500 * ms, 500 * ms}},
		{"upper half, high end", Policy{Min: 200 * ms, Max: time.Second, Factor: 2, Jitter: UpperHalf}, high,
			[]time.Duration{200 * ms, 400 * ms, 800 * ms, time.Second, time.Second}},
		{"upper half keeps 1ns", Policy{Min: 1, Max: 1, Jitter: UpperHalf}, low,
			[]time.Duration{1, 1}},
		{"full, low end", Policy{Min: 250 * ms, Max: time.Second, Factor: 2, Jitter: Full}, low,
			[]time.Duration{0, 0, 0, 0}},
		{"full, high end", Policy{Min: 250 * ms, Max: time.Second, Factor: 2, Jitter: Full}, high,
			[]time.Duration{250 * ms, 500 * ms, time.Second, time.Second}},
	} {
		b := NewWithRand(tt.policy, tt.randN)
		for i, w := range tt.want {
			if got := b.Next(); got != w {
				t.Errorf("%s: Next %d: got %v, want %v", tt.name, i, got, w)
			}
			if got := tt.policy.Step(i, tt.randN); got != w {
				t.Errorf("%s: Step(%d): got %v, want %v", tt.name, i, got, w)
			}
		}
		if tt.policy.Jitter == NoJitter {
			if got := tt.policy.Ceilings(len(tt.want)); !slices.Equal(got, tt.want) {
				t.Errorf("%s: Ceilings: got %v, want %v", tt.name, got, tt.want)
			}
		}
		b.Reset()
		if got := b.Next(); got != tt.want[0] {
			t.Errorf("%s: Next after Reset: got %v, want %v", tt.name, got, tt.want[0])
		}
	}
}

// TestNoOverflow checks that growth near the largest Duration stays at the
// cap instead of wrapping to a negative interval, whatever the factor.
func TestNoOverflow(t *testing.T) {
	for _, f := range []float64{1.5, 2, 10, math.Inf(1), math.NaN()} {
		p := Policy{Min: math.MaxInt64 / 3, Max: math.MaxInt64, Factor: f, Jitter: Full}
		b := NewWithRand(p, high)
		for i := range 8 {
			if d := b.Next(); d <= 0 {
				t.Fatalf("factor %v, step %d: got %v, want a positive interval", f, i, d)
			}
		}
		if d := p.Step(1000, high); d <= 0 {
			t.Fatalf("factor %v: Step(1000): got %v, want a positive interval", f, d)
		}
	}
}

// TestJitterRange draws from math/rand/v2 and checks that every interval
// lies within its jitter's range.
func TestJitterRange(t *testing.T) {
	for _, tt := range []struct {
		jitter Jitter
		lo     time.Duration
	}{{UpperHalf, 500 * time.Millisecond}, {Full, 0}} {
		p := Policy{Min: time.Second, Max: time.Second, Jitter: tt.jitter}
		b := New(p)
		for range 1000 {
			if d := b.Next(); d < tt.lo || d > time.Second {
				t.Fatalf("jitter %d: got %v, want within [%v, 1s]", tt.jitter, d, tt.lo)
			}
		}
	}
}
