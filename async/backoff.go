package async

import (
	"time"

	"github.com/asyncsql/databricks/internal/backoff"
	"github.com/asyncsql/databricks/internal/defaults"
)

// Polling defaults. The server holds a status request up to about 5 s while a
// statement runs, so most of the waiting happens on the server.
const (
	DefaultWait    = 5 * time.Second
	DefaultPollMin = defaults.PollMin
	DefaultPollMax = defaults.PollMax
	// KeepAliveInterval is the longest allowed gap between two polls of a
	// running statement: the server evicts statements that nobody polls for
	// about 20 minutes. The maximum poll interval is capped at this value.
	KeepAliveInterval = 10 * time.Minute
	// DefaultKeepAlive is how often the keep-alive loop of a DB sends a
	// status request for each execution it holds (WithKeepAlive).
	DefaultKeepAlive = 5 * time.Minute
)

// pollPolicy is the schedule of DB.Wait's status polls: the interval begins
// at min and doubles up to max.
func pollPolicy(min, max time.Duration) backoff.Policy {
	return backoff.Policy{Min: min, Max: max, Factor: 2}
}

// Bounds of the retry schedule of a wait through an outage.
const (
	outageMin = 200 * time.Millisecond
	outageMax = 15 * time.Second
)

// outagePolicy is the retry schedule of a wait through an outage (transport
// errors, HTTP 5xx and 429): capped doubling, each interval jittered within
// its upper half, so that many clients coming back after one outage do not
// retry in step.
var outagePolicy = backoff.Policy{Min: outageMin, Max: outageMax, Factor: 2, Jitter: backoff.UpperHalf}

// sleepFor is how long to sleep before the next request when the last one
// took spent and the schedule says interval.
func sleepFor(interval, spent time.Duration) time.Duration {
	if spent >= interval {
		return 0
	}
	return interval - spent
}
