package emulator

import (
	"maps"
	"sync"
)

// counters counts requests per Thrift method name.
type counters struct {
	mu sync.Mutex
	m  map[string]int64
}

func (c *counters) inc(method string) {
	if method == "" {
		method = "unknown"
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]int64{}
	}
	c.m[method]++
	c.mu.Unlock()
}

// Requests is the number of requests received for a Thrift method (e.g.
// "GetOperationStatus") since Start or the last ResetRequests. Every
// authenticated request whose message header names the method counts,
// including those answered by an injected fault. Unparsable bodies count
// as "unknown".
func (s *Server) Requests(method string) int64 {
	s.counters.mu.Lock()
	defer s.counters.mu.Unlock()
	return s.counters.m[method]
}

// RequestCounts returns a copy of all per-method request counters.
func (s *Server) RequestCounts() map[string]int64 {
	s.counters.mu.Lock()
	defer s.counters.mu.Unlock()
	return maps.Clone(s.counters.m)
}

// ResetRequests sets all request counters to zero.
func (s *Server) ResetRequests() {
	s.counters.mu.Lock()
	s.counters.m = nil
	s.counters.mu.Unlock()
}
