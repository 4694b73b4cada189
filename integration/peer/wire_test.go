package peer_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// featureFlagPath is where the official driver asks, on every Connect, whether
// its telemetry is enabled. It asks https://HOST/ without the port; on
// localhost nothing listens there and its HTTP client would retry the refused
// connection for about 15 s. The recorder answers it directly so that the
// suite never leaves the machine's loopback emulator.
const featureFlagPath = "/api/2.0/connector-service/feature-flags/"

// call is one Thrift RPC seen by the recorder, decoded with this repository's
// generated TCLIService code.
type call struct {
	Method string
	Req    thrift.TStruct // the method's *TCLIService<Method>Args, nil if undecodable
	Resp   thrift.TStruct // the method's *TCLIService<Method>Result, nil if undecodable
	HTTP   int            // HTTP status code of the reply, 0 on a transport error
}

// recorder is an http.RoundTripper that forwards to a real transport and keeps
// a decoded copy of every Thrift call, so a test can check what the official
// driver sent and what the emulator answered.
type recorder struct {
	base http.RoundTripper

	mu    sync.Mutex
	calls []call
	// seen has a channel per method a test waits for (Seen), closed when
	// the first reply of that method has been recorded.
	seen map[string]chan struct{}
}

func newRecorder() *recorder {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	return &recorder{base: tr}
}

// RoundTrip implements http.RoundTripper.
func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasPrefix(req.URL.Path, featureFlagPath) {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return &http.Response{
			StatusCode: http.StatusOK,
			Status:     "200 OK",
			Header:     http.Header{"Content-Type": []string{"application/json"}},
			Body:       io.NopCloser(strings.NewReader(`{"flags":[],"ttl_seconds":900}`)),
			Request:    req,
		}, nil
	}
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
	}
	c := decodeRequest(body)
	resp, err := r.base.RoundTrip(req)
	if err != nil {
		r.add(c)
		return nil, err
	}
	c.HTTP = resp.StatusCode
	if resp.StatusCode == http.StatusOK && c.Req != nil {
		rb, rerr := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(rb))
		if rerr != nil {
			r.add(c)
			return resp, nil
		}
		c.Resp = decodeResponse(c.Method, rb)
	}
	r.add(c)
	return resp, nil
}

func (r *recorder) add(c call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, c)
	if ch := r.seenLocked(c.Method); c.Resp != nil && !closed(ch) {
		close(ch)
	}
}

// Seen returns a channel closed once a reply to method has been recorded:
// a test synchronises on what the official driver did rather than on a
// clock.
func (r *recorder) Seen(method string) <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	ch := r.seenLocked(method)
	for _, c := range r.calls {
		if c.Method == method && c.Resp != nil && !closed(ch) {
			close(ch)
		}
	}
	return ch
}

// seenLocked is the channel of method for Seen; r.mu held.
func (r *recorder) seenLocked(method string) chan struct{} {
	if r.seen == nil {
		r.seen = map[string]chan struct{}{}
	}
	ch := r.seen[method]
	if ch == nil {
		ch = make(chan struct{})
		r.seen[method] = ch
	}
	return ch
}

func closed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Calls returns a copy of the calls recorded so far.
func (r *recorder) Calls() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.calls...)
}

// Count returns how many calls of method were recorded.
func (r *recorder) Count(method string) int {
	n := 0
	for _, c := range r.Calls() {
		if c.Method == method {
			n++
		}
	}
	return n
}

// Dump renders the recorded calls, one line each, for failure messages.
func (r *recorder) Dump() string {
	var b strings.Builder
	for i, c := range r.Calls() {
		fmt.Fprintf(&b, "  #%d %s http=%d req=%s resp=%s\n", i, c.Method, c.HTTP, summarize(c.Req), summarize(c.Resp))
	}
	return b.String()
}

func summarize(s thrift.TStruct) string {
	if s == nil {
		return "-"
	}
	str := fmt.Sprint(s)
	if len(str) > 600 {
		str = str[:600] + "…"
	}
	return str
}

// argsFor returns the empty argument struct of a TCLIService method.
func argsFor(method string) thrift.TStruct {
	switch method {
	case "OpenSession":
		return &tcli.TCLIServiceOpenSessionArgs{}
	case "CloseSession":
		return &tcli.TCLIServiceCloseSessionArgs{}
	case "ExecuteStatement":
		return &tcli.TCLIServiceExecuteStatementArgs{}
	case "GetOperationStatus":
		return &tcli.TCLIServiceGetOperationStatusArgs{}
	case "GetResultSetMetadata":
		return &tcli.TCLIServiceGetResultSetMetadataArgs{}
	case "FetchResults":
		return &tcli.TCLIServiceFetchResultsArgs{}
	case "CancelOperation":
		return &tcli.TCLIServiceCancelOperationArgs{}
	case "CloseOperation":
		return &tcli.TCLIServiceCloseOperationArgs{}
	}
	return nil
}

// resultFor returns the empty result struct of a TCLIService method.
func resultFor(method string) thrift.TStruct {
	switch method {
	case "OpenSession":
		return &tcli.TCLIServiceOpenSessionResult{}
	case "CloseSession":
		return &tcli.TCLIServiceCloseSessionResult{}
	case "ExecuteStatement":
		return &tcli.TCLIServiceExecuteStatementResult{}
	case "GetOperationStatus":
		return &tcli.TCLIServiceGetOperationStatusResult{}
	case "GetResultSetMetadata":
		return &tcli.TCLIServiceGetResultSetMetadataResult{}
	case "FetchResults":
		return &tcli.TCLIServiceFetchResultsResult{}
	case "CancelOperation":
		return &tcli.TCLIServiceCancelOperationResult{}
	case "CloseOperation":
		return &tcli.TCLIServiceCloseOperationResult{}
	}
	return nil
}

func protocol(b []byte) thrift.TProtocol {
	return thrift.NewTBinaryProtocolConf(thrift.NewStreamTransportR(bytes.NewReader(b)), &thrift.TConfiguration{})
}

func decodeRequest(body []byte) call {
	ctx := context.Background()
	p := protocol(body)
	name, _, _, err := p.ReadMessageBegin(ctx)
	if err != nil {
		return call{Method: "?"}
	}
	c := call{Method: name}
	args := argsFor(name)
	if args == nil {
		return c
	}
	if err := args.Read(ctx, p); err == nil {
		c.Req = args
	}
	return c
}

func decodeResponse(method string, body []byte) thrift.TStruct {
	ctx := context.Background()
	p := protocol(body)
	if _, _, _, err := p.ReadMessageBegin(ctx); err != nil {
		return nil
	}
	res := resultFor(method)
	if res == nil || res.Read(ctx, p) != nil {
		return nil
	}
	return res
}

// executeRequests returns the decoded ExecuteStatement requests recorded.
func (r *recorder) executeRequests() []*tcli.TExecuteStatementReq {
	var out []*tcli.TExecuteStatementReq
	for _, c := range r.Calls() {
		if a, ok := c.Req.(*tcli.TCLIServiceExecuteStatementArgs); ok && a.Req != nil {
			out = append(out, a.Req)
		}
	}
	return out
}

// fetchResponses returns the decoded FetchResults replies recorded.
func (r *recorder) fetchResponses() []*tcli.TFetchResultsResp {
	var out []*tcli.TFetchResultsResp
	for _, c := range r.Calls() {
		if res, ok := c.Resp.(*tcli.TCLIServiceFetchResultsResult); ok && res.Success != nil {
			out = append(out, res.Success)
		}
	}
	return out
}

// executeResponses returns the decoded ExecuteStatement replies recorded.
func (r *recorder) executeResponses() []*tcli.TExecuteStatementResp {
	var out []*tcli.TExecuteStatementResp
	for _, c := range r.Calls() {
		if res, ok := c.Resp.(*tcli.TCLIServiceExecuteStatementResult); ok && res.Success != nil {
			out = append(out, res.Success)
		}
	}
	return out
}
