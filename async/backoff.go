package async

import (
	"math/rand/v2"
	"time"
)

// Polling defaults. The server holds a status request up to about 5 s while a
// statement runs, so most of the waiting happens on the server.
const (
	DefaultWait    = 5 * time.Second
	DefaultPollMin = 100 * time.Millisecond
	DefaultPollMax = 5 * time.Second
	// KeepAliveInterval is the longest allowed gap between two polls of a
	// running statement: the server evicts statements that nobody polls for
	// about 20 minutes. The maximum poll interval is capped at this value.
	KeepAliveInterval = 10 * time.Minute
	// DefaultKeepAlive is how often the keep-alive loop of a DB sends a
	// status request for each execution it holds (WithKeepAlive).
	DefaultKeepAlive = 5 * time.Minute
)

// Retry schedule of a wait through an outage (transport errors, HTTP 5xx
// and 429): capped exponential backoff, each interval jittered within its
// upper half.
const (
	outageMin = 200 * time.Millisecond
	outageMax = 15 * time.Second
)

// backoff is the one schedule of every loop of the package that waits: the
// interval begins at min and doubles up to max. With jitter, each interval
// is drawn uniformly from its upper half, so that many clients coming back
// after one outage do not retry in step.
type backoff struct {
	min, max, cur time.Duration
	jitter        bool
}

func newBackoff(min, max time.Duration) *backoff {
	return &backoff{min: min, max: max}
}

// next returns the interval to use after the current request, then grows it.
func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.min
	}
	d := b.cur
	b.cur *= 2
	if b.cur > b.max || b.cur <= 0 {
		b.cur = b.max
	}
	if b.jitter && d > 1 {
		d = d/2 + rand.N(d/2+1)
	}
	return d
}

// reset starts the schedule again at min.
func (b *backoff) reset() { b.cur = 0 }

// sleepFor is how long to sleep before the next request when the last one
// took spent and the schedule says interval.
func sleepFor(interval, spent time.Duration) time.Duration {
	if spent >= interval {
		return 0
	}
	return interval - spent
}
