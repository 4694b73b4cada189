package emulator

import "testing"

// Start starts a Server for a test or benchmark with New and stops it with
// Close when t's test ends (t.Cleanup, so after the test's own cleanups
// registered later, such as closing a *sql.DB opened on it). A startup
// error fails the test at once (t.Fatalf); an error closing it is reported
// with t.Errorf.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := New(opts...)
	if err != nil {
		t.Fatalf("emulator.Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("emulator: close: %v", err)
		}
	})
	return s
}
