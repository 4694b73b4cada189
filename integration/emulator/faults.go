package emulator

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault is a fault injection rule, the one way to spoil requests to the
// emulator: Thrift calls and result-file downloads alike, from Go
// (WithFaults, InjectFault) or from cmd/emulator's -fault flag (ParseFault).
//
// A rule matches the requests for Method (every Thrift or REST call when
// empty; downloads only as Download). Of those, it lets Skip pass, then considers
// every Every-th one (each when Every is 0 or 1) and, when Rate is set,
// affects a considered request with that probability; it affects Times
// requests in all (1 when zero, no limit when negative). Rules are tried
// in order and the first that affects a request applies; a rule counts the
// requests it sees even when an earlier rule applies.
//
// An affected request first waits Latency (plus a drawn share of Jitter);
// it is processed after the wait even if the client gave up meanwhile, as
// a request already sent would be. Then at most one of:
//   - Drop: the connection is closed without an answer (nothing processed);
//   - Status (e.g. 429, 503, 403 for a download): that HTTP status is
//     answered, with Retry-After (whole seconds, rounded up) when
//     RetryAfter is set (nothing processed);
//   - DropResponse: the request is processed, then the connection is
//     closed without the answer (a lost reply: the client cannot know);
//   - Truncate: the request is processed, half of the answer is sent with
//     the whole answer's Content-Length, then the connection is closed;
//   - ContentLength: the answer announces this Content-Length, the real
//     body follows and the connection is closed (a reply lying about its
//     size, which a client must not allocate by);
//   - none of these: the request is processed normally (latency only).
type Fault struct {
	// Method is the call the rule applies to (e.g. ExecuteStatement,
	// RESTSubmit), Download or Staging; empty matches every Thrift and
	// REST call.
	Method Method
	// Skip is how many matching requests pass before the rule applies.
	Skip int
	// Every makes the rule consider only every Every-th matching request
	// after Skip.
	Every int
	// Rate, between 0 and 1, is the probability that a considered request
	// is affected, drawn from Seed, the method and the request's position
	// among those the rule saw: one order of requests gives one outcome.
	Rate float64
	// Seed seeds the draws of Rate and Jitter.
	Seed uint64
	// Times is how many requests the rule affects: 0 means 1, negative
	// means no limit.
	Times int
	// Latency is added before anything else happens; Jitter adds a drawn
	// share of itself.
	Latency time.Duration
	Jitter  time.Duration
	// Drop closes the connection without an answer, before processing.
	Drop bool
	// Status is the HTTP status answered instead of processing (0: none).
	Status int
	// RetryAfter is sent as Retry-After (whole seconds) with Status.
	RetryAfter time.Duration
	// DropResponse processes the request, then closes the connection
	// without the answer.
	DropResponse bool
	// Truncate processes the request and sends half of the answer.
	Truncate bool
	// ContentLength, when positive, is the Content-Length announced for
	// the real answer.
	ContentLength int64
}

// validate checks the rule's fields.
func (f *Fault) validate() error {
	switch {
	case f.Skip < 0, f.Every < 0, f.Latency < 0, f.Jitter < 0, f.ContentLength < 0:
		return errors.New("negative skip, every, latency, jitter or content length")
	case f.Rate < 0 || f.Rate > 1:
		return fmt.Errorf("rate %v outside [0, 1]", f.Rate)
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		return fmt.Errorf("status %d is not an HTTP status", f.Status)
	}
	n := 0
	for _, set := range []bool{f.Drop, f.Status != 0, f.DropResponse, f.Truncate, f.ContentLength > 0} {
		if set {
			n++
		}
	}
	if n > 1 {
		return errors.New("more than one of drop, status, drop-response, truncate and content-length")
	}
	return nil
}

// processes reports whether an affected request is still processed.
func (f *Fault) processes() bool { return !f.Drop && f.Status == 0 }

// applied is an affected request's fault with its drawn latency.
type applied struct {
	*Fault
	latency time.Duration
}

type faultRule struct {
	f        Fault
	seen     int
	affected int
}

// faultSet is the server's list of fault rules, tried in order.
type faultSet struct {
	mu    sync.Mutex
	rules []*faultRule
}

// add appends rules, tried after those already there.
func (fs *faultSet) add(f ...Fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, x := range f {
		fs.rules = append(fs.rules, &faultRule{f: x})
	}
}

// addFirst puts a rule before those already there.
func (fs *faultSet) addFirst(f Fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.rules = append([]*faultRule{{f: f}}, fs.rules...)
}

// match returns the fault to apply to a request for method, if any.
func (fs *faultSet) match(method Method) *applied {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var hit *applied
	for _, r := range fs.rules {
		if !r.matches(method) {
			continue
		}
		r.seen++
		if hit != nil || !r.considers(method) {
			continue
		}
		r.affected++
		f := r.f
		a := &applied{Fault: &f, latency: f.Latency}
		if f.Jitter > 0 {
			a.latency += time.Duration(draw(f.Seed^0x6a09e667f3bcc909, method, r.seen) * float64(f.Jitter))
		}
		hit = a
	}
	return hit
}

// matches reports whether the rule is about requests for method.
func (r *faultRule) matches(method Method) bool {
	if r.f.Method == "" {
		return method != Download && method != Staging
	}
	return r.f.Method == method
}

// considers decides, for the request just seen, whether the rule affects
// it.
func (r *faultRule) considers(method Method) bool {
	f := &r.f
	k := r.seen - f.Skip
	if k <= 0 || (f.Every > 1 && k%f.Every != 0) {
		return false
	}
	times := f.Times
	if times == 0 {
		times = 1
	}
	if times > 0 && r.affected >= times {
		return false
	}
	return f.Rate == 0 || draw(f.Seed, method, r.seen) < f.Rate
}

// draw is a number in [0, 1) that depends only on seed, method and n.
func draw(seed uint64, method Method, n int) float64 {
	h := fnv.New64a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], seed)
	binary.LittleEndian.PutUint64(b[8:], uint64(n))
	_, _ = h.Write(b[:])
	_, _ = io.WriteString(h, string(method))
	return float64(splitmix(h.Sum64())>>11) / (1 << 53)
}

// splitmix mixes x (SplitMix64's finalizer).
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// WithFaults installs fault injection rules from the start, tried in
// order; see Fault. New fails on a rule it cannot apply.
func WithFaults(f ...Fault) Option {
	return func(c *config) { c.faults = append(c.faults, f...) }
}

// InjectFault adds a fault injection rule at run time, tried before the
// rules already installed (the latest first). A rule New would refuse is
// ignored and its error returned.
func (s *Server) InjectFault(f Fault) error {
	if err := f.validate(); err != nil {
		return fmt.Errorf("emulator: fault: %w", err)
	}
	s.faults.addFirst(f)
	return nil
}

// ClearFaults removes all fault injection rules.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	s.faults.rules = nil
	s.faults.mu.Unlock()
}

// ParseFault reads a fault rule in the form of cmd/emulator's -fault flag:
// comma-separated method=M (a Thrift method name, download or staging, any case),
// skip=N, every=N, rate=F, seed=N, times=N (-1: no limit), latency=D,
// jitter=D, status=CODE, retry-after=D, drop, drop-response, truncate,
// content-length=N.
func ParseFault(s string) (Fault, error) {
	var f Fault
	for field := range strings.SplitSeq(s, ",") {
		key, val, hasVal := strings.Cut(strings.TrimSpace(field), "=")
		var err error
		flag := false
		switch key {
		case "method":
			f.Method = methodNamed(val)
		case "skip":
			f.Skip, err = strconv.Atoi(val)
		case "every":
			f.Every, err = strconv.Atoi(val)
		case "rate":
			f.Rate, err = strconv.ParseFloat(val, 64)
		case "seed":
			f.Seed, err = strconv.ParseUint(val, 0, 64)
		case "times":
			f.Times, err = strconv.Atoi(val)
		case "latency":
			f.Latency, err = time.ParseDuration(val)
		case "jitter":
			f.Jitter, err = time.ParseDuration(val)
		case "status":
			f.Status, err = strconv.Atoi(val)
		case "retry-after":
			f.RetryAfter, err = time.ParseDuration(val)
		case "content-length":
			f.ContentLength, err = strconv.ParseInt(val, 10, 64)
		case "drop":
			f.Drop, flag = true, true
		case "drop-response":
			f.DropResponse, flag = true, true
		case "truncate":
			f.Truncate, flag = true, true
		default:
			return f, fmt.Errorf("unknown fault field %q", key)
		}
		if flag && hasVal {
			err = errors.New("takes no value")
		}
		if err != nil {
			return f, fmt.Errorf("fault field %q: %w", field, err)
		}
	}
	if err := f.validate(); err != nil {
		return f, fmt.Errorf("fault %q: %w", s, err)
	}
	return f, nil
}

// methodNamed is the Method of a name, matched without regard to case
// against the calls the emulator serves and Download; another name stays
// as given (a call the emulator does not serve).
func methodNamed(name string) Method {
	for _, m := range []Method{OpenSession, CloseSession, ExecuteStatement, GetOperationStatus, CancelOperation,
		CloseOperation, GetResultSetMetadata, FetchResults, Download, Staging,
		RESTSubmit, RESTStatus, RESTChunk, RESTCancel, RESTClose, RESTSessionCreate, RESTSessionDelete} {
		if strings.EqualFold(name, string(m)) {
			return m
		}
	}
	return Method(name)
}
