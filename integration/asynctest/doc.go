// Package asynctest holds the end-to-end tests of package async against the
// emulator: statements finishing within the wait and after it, resuming from
// a token in a new DB and in another process after the submitting process
// was killed (SIGKILL) or closed its DB, cancellation from another process,
// evicted and unknown executions, invalid and foreign tokens, and the
// statuses real statements go through.
//
// The helper processes are this test binary run again with ASYNCTEST_HELPER
// set (see helper_test.go).
package asynctest
