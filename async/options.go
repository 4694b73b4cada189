package async

import "time"

// Option configures a DB (OpenDB, DB.With).
type Option func(*options)

type options struct {
	wait             time.Duration
	pollMin, pollMax time.Duration
	onSubmit         func(*Execution)
}

func defaultOptions() options {
	return options{wait: DefaultWait, pollMin: DefaultPollMin, pollMax: DefaultPollMax}
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
// QueryContext or ExecContext wait for it: the place to save its token so a
// crash or restart cannot lose the statement. It runs on the goroutine of the
// query and should return quickly.
func WithOnSubmit(f func(*Execution)) Option {
	return func(o *options) { o.onSubmit = f }
}

func clamp(d, lo, hi time.Duration) time.Duration {
	return max(lo, min(d, hi))
}
