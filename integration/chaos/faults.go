package chaos

import (
	"math"
	"strconv"
	"time"

	"github.com/asyncsql/databricks/integration/emulator"
)

// Kind is a fault injected into one request.
type Kind uint8

// The kinds of fault. Those before Forwarded never reach the server: it
// cannot have acted on the request. The others reach it.
const (
	// None leaves the request and its reply untouched.
	None Kind = iota
	// Status503 answers 503 Service Unavailable.
	Status503
	// Status429 answers 429 Too Many Requests.
	Status429
	// Status500 answers 500 Internal Server Error.
	Status500
	// ResetBefore closes the connection without an answer.
	ResetBefore
	// Forwarded marks the kinds below: the server handles the request.
	Forwarded
	// Delay holds the request for 0.5-3 s (times Config.DelayScale); the
	// server handles it even if the client gave up meanwhile.
	Delay
	// ResetMidReply sends half of the reply (with its full Content-Length)
	// and closes the connection.
	ResetMidReply
	// DropReply closes the connection without the reply: the server
	// acted, the client cannot know.
	DropReply
	numKinds
)

var kindNames = [...]string{"none", "503", "429", "500", "reset-before", "forwarded", "delay", "reset-mid-reply", "drop-reply"}

// String returns the kind's name.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// faultKinds are the kinds drawn for a faulty request.
var faultKinds = []Kind{Status503, Status429, Status500, ResetBefore, Delay, ResetMidReply, DropReply}

// Config says which requests get a fault.
type Config struct {
	// Seed makes the faults reproducible: whether a request gets a fault
	// depends only on the seed, the request's method (Thrift method or
	// download) and how many requests of that rule came before (downloads
	// run in parallel: which file gets which fault may vary).
	Seed uint64
	// Rate is the share of requests that get a fault, 0 to 1.
	Rate float64
	// DelayScale scales the 0.5-3 s of Delay (1 when zero).
	DelayScale float64
	// Hostile, when set, makes every reply without a drawn fault lie the
	// way it says (see Hostile).
	Hostile Hostile
}

// Hostile is a way of lying in every reply, about sizes a client might
// allocate by.
type Hostile uint8

const (
	// Honest replies tell the truth.
	Honest Hostile = iota
	// HugeContentLength announces a Content-Length of 2^30-1 on every
	// Thrift reply, sends the real body and closes the connection.
	HugeContentLength
	// HugeBytesNum sets the bytesNum of every result link to 2^30-1.
	HugeBytesNum
	// HugeFileLength announces a Content-Length of 2^30-1 on every file
	// download (and the links' bytesNum is 0), sends the real file and
	// closes the connection.
	HugeFileLength
)

var hostileNames = [...]string{"honest", "Content-Length 2^30-1 on Thrift replies", "bytesNum 2^30-1 on result links", "Content-Length 2^30-1 on result files"}

// String describes the lie.
func (h Hostile) String() string { return hostileNames[h] }

// hugeLength is the size the hostile modes announce.
const hugeLength = 1<<30 - 1

// emulatorFault is the emulator's fault rule for kind k on requests of
// method ("" for every Thrift call).
func emulatorFault(k Kind, method emulator.Method, scale float64) emulator.Fault {
	f := emulator.Fault{Method: method, Times: 1}
	switch k {
	case Status503:
		f.Status = 503
	case Status429:
		f.Status = 429
	case Status500:
		f.Status = 500
	case ResetBefore:
		f.Drop = true
	case Delay:
		f.Latency = time.Duration(0.5 * scale * float64(time.Second))
		f.Jitter = time.Duration(2.5 * scale * float64(time.Second))
	case ResetMidReply:
		f.Truncate = true
	case DropReply:
		f.DropResponse = true
	}
	return f
}

// kindOf is the kind of an emulator fault applied to a request (None for
// a hostile lie).
func kindOf(f *emulator.Fault) Kind {
	switch {
	case f == nil, f.ContentLength > 0:
		return None
	case f.Status == 503:
		return Status503
	case f.Status == 429:
		return Status429
	case f.Status == 500:
		return Status500
	case f.Drop:
		return ResetBefore
	case f.Truncate:
		return ResetMidReply
	case f.DropResponse:
		return DropReply
	case f.Latency > 0:
		return Delay
	}
	return None
}

// rules are the emulator's fault rules for cfg: one per kind of fault for
// Thrift calls and one for downloads, each drawn so that a request gets
// some fault with probability Rate (the first rule that draws it applies),
// then the hostile lie for every other reply. bytesNum is the links'
// bytesNum lie (LinkOptions.BytesNum).
func rules(cfg Config) (rules []emulator.Fault, bytesNum int64) {
	scale := cfg.DelayScale
	if scale <= 0 {
		scale = 1
	}
	if cfg.Rate > 0 {
		// (1-q)^kinds = 1-Rate: the kinds together hit Rate of requests.
		q := 1 - math.Pow(1-cfg.Rate, 1/float64(len(faultKinds)))
		for _, method := range []emulator.Method{"", emulator.Download} {
			for i, k := range faultKinds {
				f := emulatorFault(k, method, scale)
				f.Times, f.Rate, f.Seed = -1, q, cfg.Seed*31+uint64(i)
				rules = append(rules, f)
			}
		}
	}
	switch cfg.Hostile {
	case HugeContentLength:
		rules = append(rules, emulator.Fault{Times: -1, ContentLength: hugeLength})
	case HugeBytesNum:
		bytesNum = hugeLength
	case HugeFileLength:
		rules = append(rules, emulator.Fault{Method: emulator.Download, Times: -1, ContentLength: hugeLength})
		bytesNum = -1
	}
	return rules, bytesNum
}

// Counts returns, per method (Thrift method, or "file" for downloads),
// how many requests got each kind of fault, from the emulator's request
// log.
func (e *Env) Counts() map[string]map[Kind]int64 {
	out := map[string]map[Kind]int64{}
	for _, r := range e.Emu.Requests() {
		class := string(r.Method)
		if r.Method == emulator.Download {
			class = "file"
		}
		m := out[class]
		if m == nil {
			m = map[Kind]int64{}
			out[class] = m
		}
		m[kindOf(r.Fault)]++
	}
	return out
}

// Faults returns the number of requests that got a fault.
func (e *Env) Faults() int64 {
	var n int64
	for _, r := range e.Emu.Requests() {
		if kindOf(r.Fault) != None {
			n++
		}
	}
	return n
}

// Force makes the next requests of the method get the given faults, in
// order, before any drawn one.
func (e *Env) Force(method emulator.Method, kinds ...Kind) {
	for i := len(kinds) - 1; i >= 0; i-- {
		// InjectFault puts the latest rule first.
		_ = e.Emu.InjectFault(emulatorFault(kinds[i], method, e.scale))
	}
}
