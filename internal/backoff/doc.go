// Package backoff is the one schedule of every loop of the repository that
// waits or retries: status polls, retries through an outage, result-link
// downloads and RPC retries.
//
// A [Policy] names the schedule: the first interval (Min), the cap (Max), the
// growth per step (Factor) and the [Jitter]. [Backoff] walks a policy one
// interval at a time; [Policy.Step] computes the interval of a given step
// directly, for loops that count attempts rather than keep state.
//
// The package only computes durations. It does not sleep, does not know about
// contexts or deadlines, and holds no defaults: each caller names its own
// policy (the defaults of the configurable ones live in package defaults).
package backoff
