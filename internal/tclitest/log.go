package tclitest

import (
	"net/http"
	"time"

	"github.com/google/uuid"
)

// Request is one request the server received.
type Request struct {
	Method Method
	// Req is the request struct (*tcli.TExecuteStatementReq, ...), nil when
	// a fault answered before the request was decoded.
	Req any
	// Header is the request's HTTP header, nil for an in-process call.
	Header http.Header
	// At is when the request arrived.
	At time.Time
}

// Log returns every request received so far, in order of arrival.
func (f *Server) Log() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Request, len(f.log))
	for i, r := range f.log {
		out[i] = *r
	}
	return out
}

// Drain returns the log and empties it.
func (f *Server) Drain() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Request, len(f.log))
	for i, r := range f.log {
		out[i] = *r
	}
	f.log = nil
	return out
}

// Requests returns the logged requests of one method.
func (f *Server) Requests(method Method) []Request {
	var out []Request
	for _, r := range f.Log() {
		if r.Method == method {
			out = append(out, r)
		}
	}
	return out
}

// Count returns the number of requests of method received so far.
func (f *Server) Count(method Method) int { return len(f.Requests(method)) }

// Received returns the decoded requests of type T (such as
// *tcli.TFetchResultsReq) received so far, in order.
func Received[T any](f *Server) []T {
	var out []T
	for _, r := range f.Log() {
		if req, ok := r.Req.(T); ok {
			out = append(out, req)
		}
	}
	return out
}

// Operation is what the server knows of one statement.
type Operation struct {
	Closed, Canceled bool
}

// Operation returns the state of the statement whose ID (the operation
// GUID as a UUID string) is id, and whether the server knows it.
func (f *Server) Operation(id string) (Operation, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for g, op := range f.ops {
		if guidString([]byte(g)) == id {
			return Operation{Closed: op.closed, Canceled: op.canceled}, true
		}
	}
	return Operation{}, false
}

// LastStatementID returns the ID of the most recent operation.
func (f *Server) LastStatementID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return guidString([]byte(f.lastOp))
}

// OpenSessions returns the number of sessions not closed.
func (f *Server) OpenSessions() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, open := range f.sessions {
		if open {
			n++
		}
	}
	return n
}

func guidString(g []byte) string {
	if u, err := uuid.FromBytes(g); err == nil {
		return u.String()
	}
	return string(g)
}
