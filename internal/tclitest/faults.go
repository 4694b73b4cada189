package tclitest

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// Fault replaces or delays the answer to one request. Faults are queued per
// method and each request of the method consumes the next one. The fields
// that answer without processing (HTTPStatus, HangUp) apply only to
// requests over HTTP; an in-process call skips them.
type Fault struct {
	// HTTPStatus answers with this HTTP status, Header and Body; the
	// request is not processed. With 200 the Body takes the place of the
	// reply: garbage, or a reply crafted by the test.
	HTTPStatus int
	Header     http.Header
	Body       []byte
	// HangUp closes the connection without a reply; the request is not
	// processed.
	HangUp bool
	// DropReply processes the request, then closes the connection: a lost
	// reply.
	DropReply bool
	// Lag delays the processing whatever the request context: a server
	// still handling a request its client abandoned.
	Lag time.Duration
	// Status answers with this status, without acting on the request.
	Status *tcli.TStatus
	// Err makes the handler fail with a non-Thrift error, which the
	// processor answers with a TApplicationException.
	Err error
	// Wait, when set, is called with the request context before the
	// request is processed, after Lag; an error it returns fails the
	// handler as Err does. It lets a test hold a request, see it arrive
	// and learn whether its client gave up on it.
	Wait func(ctx context.Context) error
}

// HTTPError is the fault of an HTTP status with an optional Retry-After
// header; the reason phrase header says it was injected.
func HTTPError(code int, retryAfter string) Fault {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	h.Set("X-Databricks-Reason-Phrase", "injected "+strconv.Itoa(code))
	return Fault{HTTPStatus: code, Header: h}
}

// Inject queues faults for the next requests of method, in order.
func (f *Server) Inject(method Method, faults ...Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[method] = append(f.faults[method], faults...)
}

// Pending returns the number of faults of method not consumed yet.
func (f *Server) Pending(method Method) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.faults[method])
}

// ClearFaults drops every fault not consumed yet.
func (f *Server) ClearFaults() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.faults)
}

// SetLatency delays every request of method by d, or until the request
// context ends (which fails the request).
func (f *Server) SetLatency(method Method, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency[method] = d
}

type requestKey struct{}

// httpRequest is what ServeHTTP hands to the method it dispatches to.
type httpRequest struct {
	entry *Request
	fault Fault
}

// begin logs a call (or completes the entry ServeHTTP logged), applies its
// fault and the method's latency, and returns an injected status.
func (f *Server) begin(ctx context.Context, method Method, req any) (*tcli.TStatus, error) {
	f.mu.Lock()
	var fault Fault
	if hr, ok := ctx.Value(requestKey{}).(*httpRequest); ok {
		hr.entry.Req = req
		fault = hr.fault
	} else {
		f.log = append(f.log, &Request{Method: method, Req: req, At: time.Now()})
		fault = f.nextFault(method)
	}
	d := f.latency[method]
	f.mu.Unlock()
	time.Sleep(fault.Lag)
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if fault.Wait != nil {
		if err := fault.Wait(ctx); err != nil {
			return nil, err
		}
	}
	if fault.Err != nil {
		return nil, fault.Err
	}
	return fault.Status, nil
}

// nextFault pops the next fault of method (lock held).
func (f *Server) nextFault(method Method) Fault {
	q := f.faults[method]
	if len(q) == 0 {
		return Fault{}
	}
	f.faults[method] = q[1:]
	return q[0]
}
