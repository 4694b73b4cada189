package emulator

import (
	"sync"
	"time"
)

// Fault is a fault injection rule. It matches requests for Method (every
// method when empty); after letting Skip matching requests through it
// affects the next Times requests (1 when zero, every later one when
// negative). An affected request first waits Latency, then:
//   - Drop: the connection is closed without an answer (nothing processed);
//   - Status (e.g. 429, 503): that HTTP status is answered, with Retry-After
//     (whole seconds, rounded up) when RetryAfter is set (nothing processed);
//   - DropResponse: the request IS processed, then the connection is closed
//     without the answer (a lost response);
//   - otherwise the request is processed normally (latency only).
type Fault struct {
	// Method is the call the fault applies to (e.g. ExecuteStatement);
	// empty matches every call.
	Method Method
	// Skip is how many matching requests pass before the fault applies.
	Skip int
	// Times is how many requests the fault affects: 0 means 1, negative
	// means every later matching request.
	Times int
	// Latency is added before anything else happens.
	Latency time.Duration
	// Drop closes the connection without an answer, before processing.
	Drop bool
	// Status is the HTTP status answered instead of processing (0: none).
	Status int
	// RetryAfter is sent as Retry-After (whole seconds) with Status.
	RetryAfter time.Duration
	// DropResponse processes the request, then closes the connection
	// without the answer.
	DropResponse bool
}

type faultRule struct {
	f       Fault
	seen    int
	applied int
}

// faultSet is the server's list of fault rules, applied in order.
type faultSet struct {
	mu    sync.Mutex
	rules []*faultRule
}

func (fs *faultSet) add(f ...Fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, x := range f {
		fs.rules = append(fs.rules, &faultRule{f: x})
	}
}

// match returns the fault to apply to a request for method, if any.
func (fs *faultSet) match(method string) *Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, r := range fs.rules {
		if r.f.Method != "" && string(r.f.Method) != method {
			continue
		}
		r.seen++
		if r.seen <= r.f.Skip {
			continue
		}
		times := r.f.Times
		if times == 0 {
			times = 1
		}
		if times > 0 && r.applied >= times {
			continue
		}
		r.applied++
		f := r.f
		return &f
	}
	return nil
}

// InjectFault adds a fault injection rule at run time.
func (s *Server) InjectFault(f Fault) { s.faults.add(f) }

// ClearFaults removes all fault injection rules.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	s.faults.rules = nil
	s.faults.mu.Unlock()
}
