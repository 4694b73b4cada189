package chaos

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// Kind is a fault the proxy injects into one request.
type Kind uint8

// The kinds of fault. Those before Forwarded never reach the server: it
// cannot have acted on the request. The others reach it.
const (
	// None forwards the request and its reply untouched.
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
	// Delay holds the request for 0.5-3 s (times Config.DelayScale), then
	// forwards it.
	Delay
	// ResetMidReply forwards the request, then sends half of the reply
	// (with its full Content-Length) and closes the connection.
	ResetMidReply
	// DropReply forwards the request, then closes the connection without
	// the reply: the server acted, the client cannot know.
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

// faultKinds are the kinds drawn for a faulty request, equally likely.
var faultKinds = []Kind{Status503, Status429, Status500, ResetBefore, Delay, ResetMidReply, DropReply}

// Config says which requests the proxy spoils.
type Config struct {
	// Seed makes the faults reproducible: the fault of a request depends
	// only on the seed, the request's key (the Thrift method, or "file"
	// for a download) and how many requests of that key came before
	// (downloads run in parallel: which file gets which fault may vary).
	Seed uint64
	// Rate is the share of requests that get a fault, 0 to 1.
	Rate float64
	// DelayScale scales the 0.5-3 s of Delay (1 when zero).
	DelayScale float64
	// Spare lists Thrift methods that never get a fault.
	Spare []string
	// Hostile, when set, rewrites every reply the way it says (see
	// Hostile), besides the drawn faults.
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
	// download (and drops the links' bytesNum), sends the real file and
	// closes the connection.
	HugeFileLength
)

var hostileNames = [...]string{"honest", "Content-Length 2^30-1 on Thrift replies", "bytesNum 2^30-1 on result links", "Content-Length 2^30-1 on result files"}

// String describes the lie.
func (h Hostile) String() string { return hostileNames[h] }

// hugeLength is the size the hostile modes announce.
const hugeLength = 1<<30 - 1

// Proxy is a fault-injecting HTTP proxy on 127.0.0.1 in front of one
// server (the emulator): its Thrift endpoint and its result files.
type Proxy struct {
	cfg    Config
	ln     net.Listener
	srv    *http.Server
	target string
	client *http.Client

	mu     sync.Mutex
	seen   map[string]uint64
	forced map[string][]Kind

	// counts[key class][kind]: Thrift methods by name, files as "file".
	cmu    sync.Mutex
	counts map[string]*[numKinds]int64
	reqs   atomic.Int64
}

// NewProxy listens on a free port of 127.0.0.1. Call Start with the
// server's URL to serve.
func NewProxy(cfg Config) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if cfg.DelayScale <= 0 {
		cfg.DelayScale = 1
	}
	return &Proxy{cfg: cfg, ln: ln, seen: map[string]uint64{}, forced: map[string][]Kind{}, counts: map[string]*[numKinds]int64{},
		client: &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}}}, nil
}

// URL is the proxy's base URL, http://127.0.0.1:PORT.
func (p *Proxy) URL() string { return "http://" + p.ln.Addr().String() }

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Start serves, forwarding to target (http://host:port).
func (p *Proxy) Start(target string) {
	p.target = target
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), ReadHeaderTimeout: 10 * time.Second}
	go p.srv.Serve(p.ln)
}

// Close stops the proxy and closes its connections.
func (p *Proxy) Close() error {
	p.client.CloseIdleConnections()
	if p.srv == nil {
		return p.ln.Close()
	}
	return p.srv.Close()
}

// SetRate changes the share of faulty requests.
func (p *Proxy) SetRate(rate float64) {
	p.mu.Lock()
	p.cfg.Rate = rate
	p.mu.Unlock()
}

// Counts returns, per key class (Thrift method, or "file"), how many
// requests got each kind of fault.
func (p *Proxy) Counts() map[string]map[Kind]int64 {
	p.cmu.Lock()
	defer p.cmu.Unlock()
	out := map[string]map[Kind]int64{}
	for k, c := range p.counts {
		m := map[Kind]int64{}
		for kind, n := range c {
			if n > 0 {
				m[Kind(kind)] = n
			}
		}
		out[k] = m
	}
	return out
}

// Faults returns the number of requests that got a fault.
func (p *Proxy) Faults() int64 {
	var n int64
	for _, m := range p.Counts() {
		for k, c := range m {
			if k != None {
				n += c
			}
		}
	}
	return n
}

// Force makes the next requests of the Thrift method (or "file") get
// the given faults, in order, before any drawn one.
func (p *Proxy) Force(key string, kinds ...Kind) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.forced[key] = append(p.forced[key], kinds...)
}

// decide draws the fault of the next request of key, and a number in
// [0,1) for its parameters.
func (p *Proxy) decide(key string) (Kind, float64) {
	p.mu.Lock()
	n := p.seen[key]
	p.seen[key] = n + 1
	rate := p.cfg.Rate
	if q := p.forced[key]; len(q) > 0 {
		p.forced[key] = q[1:]
		p.mu.Unlock()
		return q[0], 0.5
	}
	p.mu.Unlock()
	for _, m := range p.cfg.Spare {
		if m == key {
			return None, 0
		}
	}
	h := fnv.New64a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], p.cfg.Seed)
	binary.LittleEndian.PutUint64(b[8:], n)
	h.Write(b[:])
	io.WriteString(h, key)
	x := splitmix(h.Sum64())
	u := float64(x>>11) / (1 << 53)
	if u >= rate {
		return None, 0
	}
	y := splitmix(x)
	return faultKinds[y%uint64(len(faultKinds))], float64(splitmix(y)>>11) / (1 << 53)
}

// splitmix mixes x (SplitMix64's finalizer).
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func (p *Proxy) count(class string, k Kind) {
	p.cmu.Lock()
	c := p.counts[class]
	if c == nil {
		c = new([numKinds]int64)
		p.counts[class] = c
	}
	c[k]++
	p.cmu.Unlock()
}

// serve handles one request.
func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	p.reqs.Add(1)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	key, class := "file", "file"
	if r.Method == http.MethodPost {
		key = thriftMethod(body)
		class = key
	}
	kind, v := p.decide(key)
	p.count(class, kind)
	switch kind {
	case Status503, Status429, Status500:
		code := map[Kind]int{Status503: 503, Status429: 429, Status500: 500}[kind]
		w.Header().Set("X-Databricks-Reason-Phrase", "chaos "+kind.String())
		w.WriteHeader(code)
		return
	case ResetBefore:
		hangUp(w)
		return
	case Delay:
		// The request is on its way: it reaches the server even if the
		// client gives up meanwhile.
		time.Sleep(time.Duration((0.5 + 2.5*v) * p.cfg.DelayScale * float64(time.Second)))
	}
	req, err := http.NewRequestWithContext(context.WithoutCancel(r.Context()), r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := p.client.Do(req)
	if err != nil {
		hangUp(w)
		return
	}
	reply, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		hangUp(w)
		return
	}
	isFile := r.Method != http.MethodPost
	switch h := p.cfg.Hostile; {
	case h == HugeBytesNum && key == "FetchResults", h == HugeFileLength && key == "FetchResults":
		if b, err := rewriteLinks(reply, h == HugeBytesNum); err == nil {
			reply = b
		}
	case h == HugeContentLength && !isFile, h == HugeFileLength && isFile:
		if kind == None {
			lie(w, resp, reply)
			return
		}
	}
	switch kind {
	case DropReply:
		hangUp(w)
		return
	case ResetMidReply:
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
			resp.StatusCode, http.StatusText(resp.StatusCode), resp.Header.Get("Content-Type"), len(reply))
		buf.Write(reply[:len(reply)/2])
		buf.Flush()
		conn.Close()
		return
	}
	for k, vs := range resp.Header {
		if k == "Content-Length" {
			continue
		}
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(reply)))
	w.WriteHeader(resp.StatusCode)
	w.Write(reply)
}

// hangUp closes the client's connection without an answer.
func hangUp(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
	}
}

// thriftMethod reads the method name of a strict binary Thrift message.
func thriftMethod(b []byte) string {
	if len(b) < 8 {
		return ""
	}
	n := int(binary.BigEndian.Uint32(b[4:8]))
	if n < 0 || 8+n > len(b) {
		return ""
	}
	return string(b[8 : 8+n])
}

// lie sends reply with a Content-Length of hugeLength, then closes the
// connection.
func lie(w http.ResponseWriter, resp *http.Response, reply []byte) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		resp.StatusCode, http.StatusText(resp.StatusCode), resp.Header.Get("Content-Type"), hugeLength)
	buf.Write(reply)
	buf.Flush()
	conn.Close()
}

// rewriteLinks sets the bytesNum of every result link of a FetchResults
// reply to hugeLength (huge) or to 0 (unknown).
func rewriteLinks(reply []byte, huge bool) ([]byte, error) {
	ctx := context.Background()
	in := thrift.NewTMemoryBuffer()
	in.Write(reply)
	ip := thrift.NewTBinaryProtocolConf(in, &thrift.TConfiguration{})
	name, typ, seq, err := ip.ReadMessageBegin(ctx)
	if err != nil || typ != thrift.REPLY {
		return nil, fmt.Errorf("not a reply: %v", err)
	}
	var res tcli.TCLIServiceFetchResultsResult
	if err := res.Read(ctx, ip); err != nil {
		return nil, err
	}
	if r := res.Success; r != nil && r.Results != nil {
		for _, lk := range r.Results.ResultLinks {
			if huge {
				lk.BytesNum = hugeLength
			} else {
				lk.BytesNum = 0
			}
		}
	}
	out := thrift.NewTMemoryBuffer()
	op := thrift.NewTBinaryProtocolConf(out, &thrift.TConfiguration{})
	if err := op.WriteMessageBegin(ctx, name, typ, seq); err != nil {
		return nil, err
	}
	if err := res.Write(ctx, op); err != nil {
		return nil, err
	}
	if err := op.WriteMessageEnd(ctx); err != nil {
		return nil, err
	}
	if err := op.Flush(ctx); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
