package rpc

import (
	"time"

	backoffpkg "github.com/asyncsql/databricks/internal/backoff"
)

// The helpers below are shared with internal/rest, the client of the
// Statement Execution API, so that both transports retry, wait and quote a
// server the same way.

// WithDefaults returns p with its zero fields filled from
// [DefaultRetryPolicy].
func (p RetryPolicy) WithDefaults() RetryPolicy { return p.withDefaults() }

// Schedule returns the backoff schedule of p: doubling from MinBackoff up to
// MaxBackoff with full jitter.
func (p RetryPolicy) Schedule() backoffpkg.Policy { return p.schedule() }

// ParseRetryAfter parses a Retry-After value, a number of seconds or an HTTP
// date, relative to now: zero for an absent, malformed or past value, at
// most a day.
func ParseRetryAfter(v string, now time.Time) time.Duration { return parseRetryAfter(v, now) }

// Sanitize makes a server's text fit for an error message: trimmed, control
// characters and invalid UTF-8 replaced, at most 512 bytes.
func Sanitize(s string) string { return sanitize(s) }
