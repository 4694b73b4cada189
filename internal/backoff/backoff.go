package backoff

import (
	"math"
	"math/rand/v2"
	"time"
)

// Jitter says how an interval is randomised before it is returned.
type Jitter uint8

const (
	// NoJitter returns each interval as computed.
	NoJitter Jitter = iota
	// UpperHalf draws each interval d uniformly from [d/2, d], so that many
	// clients coming back after one outage do not retry in step while each
	// still waits at least half the schedule.
	UpperHalf
	// Full draws each interval d uniformly from [0, d].
	Full
)

// Policy describes a capped exponential schedule: the interval of step 0 is
// Min, each further step multiplies it by Factor, and no interval exceeds Max.
// A Max below Min counts as Min; a Factor of 0 counts as 2, and one below 1
// as 1 (a constant interval).
type Policy struct {
	Min, Max time.Duration
	Factor   float64
	Jitter   Jitter
}

// grow returns the interval that follows d under p, capped at the policy's
// Max. It never overflows: the cap is checked before the product is formed.
// The growth is d + d*(Factor-1) truncated, so a Factor of 1.5 grows by d/2
// and a Factor of 2 doubles, exactly, for every d below 2^53 ns (104 days).
func (p Policy) grow(d time.Duration) time.Duration {
	top := p.top()
	if d >= top {
		return top
	}
	inc := float64(d) * (p.factor() - 1)
	if inc >= float64(top-d) {
		return top
	}
	return d + time.Duration(inc)
}

// top is the effective cap.
func (p Policy) top() time.Duration { return max(p.Max, p.Min) }

func (p Policy) factor() float64 {
	switch {
	case p.Factor == 0:
		return 2
	case p.Factor < 1 || math.IsNaN(p.Factor):
		return 1
	}
	return p.Factor
}

// Step returns the interval of step n (0 for the first), jittered with
// randN, which returns a uniform value in [0, n) (nil means math/rand/v2's
// Int64N).
func (p Policy) Step(n int, randN func(int64) int64) time.Duration {
	d := max(p.Min, 0)
	top := p.top()
	for i := 0; i < n && d < top; i++ {
		d = p.grow(d)
	}
	return p.jitter(min(d, top), randN)
}

// Ceilings returns the first n intervals of p before jitter: the schedule
// that each interval's jitter draws below.
func (p Policy) Ceilings(n int) []time.Duration {
	q := p
	q.Jitter = NoJitter
	b := New(q)
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = b.Next()
	}
	return out
}

// jitter randomises d per p.Jitter.
func (p Policy) jitter(d time.Duration, randN func(int64) int64) time.Duration {
	if randN == nil {
		randN = rand.Int64N
	}
	if d <= 0 || d == math.MaxInt64 {
		return max(d, 0)
	}
	switch p.Jitter {
	case UpperHalf:
		if d > 1 {
			return d/2 + time.Duration(randN(int64(d/2)+1))
		}
	case Full:
		return time.Duration(randN(int64(d) + 1))
	}
	return d
}

// Backoff walks a Policy: each call of Next returns the interval of the next
// step. A Backoff is not safe for concurrent use.
type Backoff struct {
	policy Policy
	randN  func(int64) int64
	cur    time.Duration // interval of the next step before jitter; 0: Min
}

// New returns a Backoff at the first step of p, drawing its jitter from
// math/rand/v2.
func New(p Policy) *Backoff { return &Backoff{policy: p} }

// NewWithRand is New with the jitter drawn from randN, which returns a
// uniform value in [0, n): tests pass a deterministic one.
func NewWithRand(p Policy, randN func(int64) int64) *Backoff {
	return &Backoff{policy: p, randN: randN}
}

// Next returns the interval of the current step, jittered, and advances to
// the next step.
func (b *Backoff) Next() time.Duration {
	if b.cur <= 0 {
		b.cur = min(max(b.policy.Min, 0), b.policy.top())
	}
	d := b.cur
	b.cur = b.policy.grow(d)
	return b.policy.jitter(d, b.randN)
}

// Reset returns b to the first step.
func (b *Backoff) Reset() { b.cur = 0 }
