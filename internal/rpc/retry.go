package rpc

import (
	"context"
	"time"

	backoffpkg "github.com/asyncsql/databricks/internal/backoff"
	"github.com/asyncsql/databricks/internal/defaults"
)

// RetryPolicy bounds the retries of one call. Zero fields take the defaults of
// [DefaultRetryPolicy].
type RetryPolicy struct {
	// MaxAttempts is the largest number of HTTP requests made for one call,
	// the first included. 1 disables retries.
	MaxAttempts int
	// MinBackoff is the backoff ceiling before the first retry; it doubles
	// for each further retry up to MaxBackoff. The wait is drawn uniformly
	// from zero to the ceiling (full jitter).
	MinBackoff time.Duration
	// MaxBackoff caps the backoff ceiling.
	MaxBackoff time.Duration
	// MaxRetryAfter caps the wait asked for by a Retry-After header.
	MaxRetryAfter time.Duration
	// Budget bounds the time from the start of the first attempt to the start
	// of the last one: no retry is made whose wait would end after it.
	Budget time.Duration
}

// DefaultRetryPolicy returns the policy used for zero fields of a
// [RetryPolicy]: 5 attempts, backoff from 250ms up to 8s, Retry-After capped at
// 60s, a budget of 2 minutes.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxAttempts:   defaults.RetryMax,
		MinBackoff:    250 * time.Millisecond,
		MaxBackoff:    8 * time.Second,
		MaxRetryAfter: 60 * time.Second,
		Budget:        defaults.RetryBudget,
	}
}

// withDefaults fills the zero fields of p.
func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy()
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.MinBackoff <= 0 {
		p.MinBackoff = d.MinBackoff
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = d.MaxBackoff
	}
	if p.MaxBackoff < p.MinBackoff {
		p.MaxBackoff = p.MinBackoff
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = d.MaxRetryAfter
	}
	if p.Budget <= 0 {
		p.Budget = d.Budget
	}
	return p
}

// Safe reports whether method may be repeated after a failure that leaves it
// unknown whether the server processed the request (a transport error, an
// HTTP 5xx other than 503, or a reply that does not decode). ExecuteStatement
// is not safe: it would run the statement twice. FetchResults is not safe in
// general: a FETCH_NEXT advances the cursor, so a repeated request would skip
// a page; a call that names its row (startRowOffset, on a server that honours
// it) is, and its caller says so with [Repeatable]. Every other method of this
// package is safe. The metadata calls (GetCatalogs ... GetCrossReference) read
// the catalog and change nothing: a second copy returns the same rows, and
// the first copy's operation, if it was made, is an orphan holding a small
// result that the server closes with the session. HTTP 429 and 503 are
// retried for every method regardless.
func Safe(method string) bool {
	switch method {
	case "OpenSession", "CloseSession", "GetOperationStatus", "GetResultSetMetadata",
		"CancelOperation", "CloseOperation",
		"GetCatalogs", "GetSchemas", "GetTables", "GetColumns", "GetFunctions",
		"GetPrimaryKeys", "GetCrossReference":
		return true
	}
	return false
}

// repeatableKey marks a context whose calls may be repeated (see Repeatable).
type repeatableKey struct{}

// Repeatable returns a context whose calls the client treats as safe to
// repeat, whatever the method: the caller guarantees that a second copy of
// the request cannot change what the first did or returned. The driver uses
// it for FetchResults calls that name the row they start at.
func Repeatable(ctx context.Context) context.Context {
	return context.WithValue(ctx, repeatableKey{}, true)
}

// callClass says which failures of a call may be retried.
type callClass uint8

const (
	// unsafeClass: only failures that show the request was not processed.
	unsafeClass callClass = iota
	// safeClass: also transport errors and 5xx (the method is Safe).
	safeClass
	// repeatableClass: also replies that do not decode (see Repeatable).
	repeatableClass
)

// retryClass returns the class of a call of method made with ctx.
func retryClass(ctx context.Context, method string) callClass {
	switch {
	case ctx.Value(repeatableKey{}) != nil:
		return repeatableClass
	case Safe(method):
		return safeClass
	}
	return unsafeClass
}

// backoff returns the wait before retry number retry (1 for the first retry):
// a value drawn by randN from [0, ceiling], where the ceiling is MinBackoff
// doubled retry-1 times and capped at MaxBackoff.
func backoff(p RetryPolicy, retry int, randN func(int64) int64) time.Duration {
	return p.schedule().Step(retry-1, randN)
}

// schedule is the backoff schedule of p: doubling from MinBackoff up to
// MaxBackoff with full jitter.
func (p RetryPolicy) schedule() backoffpkg.Policy {
	return backoffpkg.Policy{Min: p.MinBackoff, Max: p.MaxBackoff, Factor: 2, Jitter: backoffpkg.Full}
}

// sleepCtx waits for d or until ctx ends, whichever is first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
