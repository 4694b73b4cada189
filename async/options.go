package async

import "time"

// Option configures a DB (OpenDB, NewDB, Open, DB.With).
type Option func(*options)

type options struct {
	wait             time.Duration
	pollMin, pollMax time.Duration
	onSubmit         func(*Execution)
	keepAlive        time.Duration // 0: off
	outageLimit      time.Duration // 0: as long as ctx allows
}

func defaultOptions() options {
	return options{wait: DefaultWait, pollMin: DefaultPollMin, pollMax: DefaultPollMax, keepAlive: DefaultKeepAlive}
}

// WithWait sets how long QueryContext and ExecContext wait for a statement to
// finish before returning it as running (default 5 s). The wait is checked
// between status requests, and the server holds each request up to about 5 s
// while the statement runs (long polling), so a shorter wait can still last
// that long. Zero means a single status request; negative values count as
// zero.
func WithWait(d time.Duration) Option {
	return func(o *options) {
		if d < 0 {
			d = 0
		}
		o.wait = d
	}
}

// WithPollBackoff sets the bounds of the polling schedule of DB.Wait (default
// 100 ms to 5 s): the interval starts at min and doubles up to max. Values are
// clamped to at least 1 ms and at most KeepAliveInterval, and max to at least
// min.
func WithPollBackoff(min, max time.Duration) Option {
	return func(o *options) {
		min = clamp(min, time.Millisecond, KeepAliveInterval)
		max = clamp(max, min, KeepAliveInterval)
		o.pollMin, o.pollMax = min, max
	}
}

// WithOnSubmit sets a function called with the Execution (status
// StatusInitialized) as soon as the server has accepted a statement, before
// QueryContext or ExecContext wait for it, even when their ctx has ended
// meanwhile: the place to save its token so that a crash or restart cannot
// lose the statement. It runs on the goroutine of the query and should
// return quickly.
func WithOnSubmit(f func(*Execution)) Option {
	return func(o *options) { o.onSubmit = f }
}

// WithKeepAlive sets how often the DB's keep-alive loop sends a status
// request for each execution the DB holds (default DefaultKeepAlive, 5
// min; at most KeepAliveInterval). Zero or a negative value turns the
// keep-alive off: executions nobody polls are then evicted by the server
// after about 20 minutes.
func WithKeepAlive(every time.Duration) Option {
	return func(o *options) {
		if every <= 0 {
			o.keepAlive = 0
			return
		}
		o.keepAlive = clamp(every, time.Millisecond, KeepAliveInterval)
	}
}

// WithOutageLimit bounds how long Wait (and the waits of QueryContext and
// ExecContext) ride out an outage — transport errors, HTTP 5xx and 429 —
// before returning its error. Zero, the default, rides it out for as long
// as ctx allows.
func WithOutageLimit(d time.Duration) Option {
	return func(o *options) {
		o.outageLimit = max(d, 0)
	}
}

func clamp(d, lo, hi time.Duration) time.Duration {
	return max(lo, min(d, hi))
}
