package async

import "time"

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
)

// backoff is the adaptive polling schedule of DB.Wait: the interval between
// the starts of two status requests begins at min and doubles up to max. The
// time a request spent on the server (long polling) counts towards the
// interval, so a request the server held long is followed at once by the
// next.
type backoff struct {
	min, max, cur time.Duration
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
	return d
}

// sleepFor is how long to sleep before the next request when the last one
// took spent and the schedule says interval.
func sleepFor(interval, spent time.Duration) time.Duration {
	if spent >= interval {
		return 0
	}
	return interval - spent
}
