package emulator

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// Method names what a request asked for: a TCLIService call, by the name
// its Thrift message header carries, a Statement Execution API call
// (RESTSubmit and the other REST constants), or Download.
type Method string

// The calls the emulator serves, and result-file downloads.
const (
	OpenSession          Method = "OpenSession"
	CloseSession         Method = "CloseSession"
	ExecuteStatement     Method = "ExecuteStatement"
	GetOperationStatus   Method = "GetOperationStatus"
	CancelOperation      Method = "CancelOperation"
	CloseOperation       Method = "CloseOperation"
	GetResultSetMetadata Method = "GetResultSetMetadata"
	FetchResults         Method = "FetchResults"
	// Download is a GET of a result file, the URL of a result link.
	Download Method = "Download"
	// Malformed is a request body that is no strict binary Thrift message.
	Malformed Method = "Malformed"
)

// Outcome is how the emulator answered a request.
type Outcome uint8

// The outcomes of a request.
const (
	// OutcomePending: the answer is not complete yet (a long poll, a
	// download under way).
	OutcomePending Outcome = iota
	// OutcomeOK: a Thrift reply with a success status, a REST reply with
	// HTTP 200 (a FAILED statement's too), or a whole file.
	OutcomeOK
	// OutcomeError: a Thrift reply with an error status (its SQLSTATE and
	// message in Request.SQLState and Request.Message), a Thrift
	// exception, or a REST error reply ({error_code, message} with an HTTP
	// error status, the message in Request.Message).
	OutcomeError
	// OutcomeRefused: an HTTP error status (Request.HTTPStatus): an
	// injected fault, a malformed or oversized body, a refused download.
	OutcomeRefused
	// OutcomeDropped: the connection was closed without a complete answer;
	// the request may have been processed (Fault.DropResponse).
	OutcomeDropped
)

var outcomeNames = [...]string{"pending", "ok", "error", "refused", "dropped"}

// String is the outcome's name: "ok", "error", ...
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// Request is one entry of the request log: an authenticated call to the
// warehouse path or to the Statement Execution API, or a result-file
// download.
type Request struct {
	// Time is when the request arrived; Duration how long the emulator
	// took until its answer was ready to send (0 while pending). An entry
	// is complete before the client can see the answer.
	Time     time.Time
	Duration time.Duration
	Method   Method
	// StatementID is the statement the request created or named (the
	// operation guid as a UUID, the ID of Databricks' query history), and
	// Statement its text (its first 4 KiB); both empty when there is none
	// (OpenSession, an unknown handle, a fault answered before processing).
	StatementID string
	Statement   string
	// Tags are the statement's query tags as the query history shows them:
	// the session's (configuration QUERY_TAGS) with the statement's own
	// (ExecuteStatement's confOverlay query_tags) over them; nil when it
	// has none.
	Tags map[string]string
	// State is the statement's state the reply reported (GetOperationStatus,
	// ExecuteStatement's direct results, a REST statement reply: SUCCEEDED
	// as StateFinished, FAILED as StateError or StateTimedOut); 0 when it
	// reported none.
	State   State
	Outcome Outcome
	// HTTPStatus is the HTTP status answered (0 when the connection was
	// dropped before a status line).
	HTTPStatus int
	// SQLState and Message are those of an error status (OutcomeError) or
	// of the statement's failure a status reply reported.
	SQLState string
	Message  string
	// Fault is the injected fault that affected the request, nil for none.
	Fault *Fault
}

// RequestLog is a copy of the request log, in the order the requests
// arrived.
type RequestLog []Request

// Count is the number of requests for method m.
func (l RequestLog) Count(m Method) int {
	n := 0
	for i := range l {
		if l[i].Method == m {
			n++
		}
	}
	return n
}

// Of returns the requests for method m.
func (l RequestLog) Of(m Method) RequestLog {
	return slices.DeleteFunc(slices.Clone(l), func(r Request) bool { return r.Method != m })
}

// ForStatement returns the requests that created or named the statement
// with this ID.
func (l RequestLog) ForStatement(id string) RequestLog {
	return slices.DeleteFunc(slices.Clone(l), func(r Request) bool { return r.StatementID != id })
}

// Faulted returns the requests an injected fault affected.
func (l RequestLog) Faulted() RequestLog {
	return slices.DeleteFunc(slices.Clone(l), func(r Request) bool { return r.Fault == nil })
}

// String summarises the log for failure messages: the count of each
// method in the order first seen, "OpenSession×1 ExecuteStatement×2", with
// the faulted requests of a method in brackets.
func (l RequestLog) String() string {
	var order []Method
	count := map[Method][2]int{}
	for _, r := range l {
		c, seen := count[r.Method]
		if !seen {
			order = append(order, r.Method)
		}
		c[0]++
		if r.Fault != nil {
			c[1]++
		}
		count[r.Method] = c
	}
	var b strings.Builder
	for i, m := range order {
		if i > 0 {
			b.WriteByte(' ')
		}
		c := count[m]
		b.WriteString(string(m) + "×" + strconv.Itoa(c[0]))
		if c[1] > 0 {
			b.WriteString(" (" + strconv.Itoa(c[1]) + " faulted)")
		}
	}
	if b.Len() == 0 {
		return "no requests"
	}
	return b.String()
}

// defaultLogLimit is how many requests the log keeps by default.
const defaultLogLimit = 100_000

// requestLog holds the latest requests, at most limit (plus a quarter
// before the oldest are dropped, so that appends stay cheap).
type requestLog struct {
	mu      sync.Mutex
	limit   int
	first   int64 // sequence number of entries[0]
	entries []Request
}

// begin appends r and returns its sequence number.
func (l *requestLog) begin(r Request) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.limit > 0 && len(l.entries) >= l.limit+l.limit/4 {
		drop := len(l.entries) - l.limit + 1
		l.entries = slices.Delete(l.entries, 0, drop)
		l.first += int64(drop)
	}
	l.entries = append(l.entries, r)
	return l.first + int64(len(l.entries)) - 1
}

// update changes the entry seq, unless it was dropped or reset meanwhile.
func (l *requestLog) update(seq int64, f func(*Request)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i := seq - l.first; i >= 0 && i < int64(len(l.entries)) {
		f(&l.entries[i])
	}
}

// Requests returns a copy of the request log: every authenticated request
// to the warehouse path and every result-file download since New or the
// last ResetRequests, in arrival order, the latest WithRequestLogLimit
// (default 100,000) of them. A request is logged when it arrives and
// completed when answered (Outcome, Duration).
func (s *Server) Requests() RequestLog {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	return slices.Clone(s.log.entries)
}

// ResetRequests empties the request log; requests still being answered
// are not logged when they complete.
func (s *Server) ResetRequests() {
	s.log.mu.Lock()
	s.log.first += int64(len(s.log.entries))
	s.log.entries = nil
	s.log.mu.Unlock()
}

// logKey carries the log sequence number of the request being served.
type logKey struct{}

// note records on ctx's log entry what a call's reply said: the statement
// it created or named (op, when not nil), its status and the statement
// status it reported (nil when none).
func (s *Server) note(ctx context.Context, op *operation, st *tcli.TStatus, status *tcli.TGetOperationStatusResp) {
	seq, ok := ctx.Value(logKey{}).(int64)
	if !ok {
		return
	}
	s.log.update(seq, func(r *Request) {
		if op != nil {
			r.StatementID, r.Statement, r.Tags = op.h.String(), loggedText(op.text), maps.Clone(op.tags)
		}
		r.Outcome = OutcomeOK
		if st != nil && st.StatusCode != tcli.TStatusCode_SUCCESS_STATUS &&
			st.StatusCode != tcli.TStatusCode_SUCCESS_WITH_INFO_STATUS && st.StatusCode != tcli.TStatusCode_STILL_EXECUTING_STATUS {
			r.Outcome, r.SQLState, r.Message = OutcomeError, st.GetSqlState(), st.GetErrorMessage()
		}
		if status != nil && status.OperationState != nil {
			r.State = stateOf(*status.OperationState)
			if r.Outcome == OutcomeOK {
				r.SQLState, r.Message = status.GetSqlState(), status.GetErrorMessage()
			}
		}
	})
}

// maxLoggedText bounds the statement text one log entry keeps.
const maxLoggedText = 4 << 10

// loggedText is the statement text the log keeps: a copy of its first
// maxLoggedText bytes when it is longer, so the log holds no large text.
func loggedText(s string) string {
	if len(s) <= maxLoggedText {
		return s
	}
	return strings.Clone(s[:maxLoggedText])
}
