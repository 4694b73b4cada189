package emulator

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/asyncsql/databricks/thrift/tcli"
)

func post(t *testing.T, s *Server, path, token string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+s.listener.Addr().String()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestHTTPErrors(t *testing.T) {
	s := Start(t, WithMaxBodyBytes(1024))
	if r := post(t, s, s.HTTPPath(), "wrong", nil); r.StatusCode != http.StatusUnauthorized ||
		r.Header.Get("X-Databricks-Reason-Phrase") == "" {
		t.Fatalf("bad token: %d %v", r.StatusCode, r.Header)
	}
	if r := post(t, s, s.HTTPPath(), "", nil); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no token: %d", r.StatusCode)
	}
	if r := post(t, s, "/sql/1.0/warehouses/other", s.Token(), nil); r.StatusCode != http.StatusNotFound {
		t.Fatalf("wrong path: %d", r.StatusCode)
	}
	if r := post(t, s, s.HTTPPath(), s.Token(), []byte("garbage that is not thrift")); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("garbage: %d", r.StatusCode)
	}
	// A valid header for OpenSession followed by a truncated struct.
	trunc := []byte{0x80, 0x01, 0x00, 0x01, 0, 0, 0, 11}
	trunc = append(trunc, "OpenSession"...)
	trunc = append(trunc, 0, 0, 0, 1, 12, 0)
	if r := post(t, s, s.HTTPPath(), s.Token(), trunc); r.StatusCode != http.StatusOK && r.StatusCode != http.StatusBadRequest {
		t.Fatalf("truncated: %d", r.StatusCode)
	}
	if r := post(t, s, s.HTTPPath(), s.Token(), bytes.Repeat([]byte{1}, 2048)); r.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("too large: %d", r.StatusCode)
	}
	resp, err := http.Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", resp.StatusCode)
	}
	// The server still works.
	open(t, client(t, s))
}

func TestThriftClientUnauthorized(t *testing.T) {
	s := Start(t)
	c := clientWith(t, s.URL(), "wrong")
	_, err := c.OpenSession(ctx, &tcli.TOpenSessionReq{ClientProtocol: tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10})
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("err %v", err)
	}
}

func TestFaults(t *testing.T) {
	s := Start(t, WithFaults(Fault{Method: "OpenSession", Status: http.StatusServiceUnavailable, RetryAfter: 1500 * time.Millisecond}))
	body := openSessionBody(t)
	r := post(t, s, s.HTTPPath(), s.Token(), body)
	if r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") != "2" {
		t.Fatalf("503: %d %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	if r := post(t, s, s.HTTPPath(), s.Token(), body); r.StatusCode != http.StatusOK {
		t.Fatalf("after the fault: %d", r.StatusCode)
	}
	log := s.Requests()
	if log.Count(OpenSession) != 2 || s.OpenSessions() != 1 {
		t.Fatalf("requests %v, sessions %d; want OpenSession×2 (1 faulted), 1 session", log, s.OpenSessions())
	}
	if r := log[0]; r.Fault == nil || r.Outcome != OutcomeRefused || r.HTTPStatus != http.StatusServiceUnavailable {
		t.Errorf("faulted request logged as %+v; want the fault, outcome refused, HTTP 503", r)
	}
	if r := log[1]; r.Fault != nil || r.Outcome != OutcomeOK || r.HTTPStatus != http.StatusOK {
		t.Errorf("second request logged as %+v; want no fault, outcome ok, HTTP 200", r)
	}

	s.InjectFault(Fault{Method: "OpenSession", Skip: 1, Times: 2, Status: http.StatusTooManyRequests})
	codes := []int{}
	for range 4 {
		codes = append(codes, post(t, s, s.HTTPPath(), s.Token(), body).StatusCode)
	}
	if want := []int{200, 429, 429, 200}; !slices.Equal(codes, want) {
		t.Fatalf("codes %v, want %v", codes, want)
	}

	s.InjectFault(Fault{Method: "OpenSession", Drop: true})
	req, _ := http.NewRequest(http.MethodPost, s.URL(), bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.Token())
	before := s.OpenSessions()
	if _, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req); err == nil {
		t.Fatal("dropped connection answered")
	}
	if s.OpenSessions() != before {
		t.Fatal("dropped request was processed")
	}

	s.InjectFault(Fault{Method: "OpenSession", DropResponse: true})
	req, _ = http.NewRequest(http.MethodPost, s.URL(), bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.Token())
	if _, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req); err == nil {
		t.Fatal("lost response answered")
	}
	if s.OpenSessions() != before+1 {
		t.Fatal("DropResponse request was not processed")
	}
	log = s.Requests()
	if r := log[len(log)-2]; r.Outcome != OutcomeDropped || r.Fault == nil || !r.Fault.Drop {
		t.Errorf("dropped request logged as %+v; want outcome dropped with the Drop fault", r)
	}
	if r := log[len(log)-1]; r.Outcome != OutcomeDropped || r.Fault == nil || !r.Fault.DropResponse {
		t.Errorf("lost response logged as %+v; want outcome dropped with the DropResponse fault", r)
	}

	s.ClearFaults()
	s.InjectFault(Fault{Latency: 300 * time.Millisecond})
	begin := time.Now()
	open(t, client(t, s))
	if d := time.Since(begin); d < 300*time.Millisecond {
		t.Fatalf("latency %v", d)
	}
	s.ResetRequests()
	if log := s.Requests(); len(log) != 0 {
		t.Fatalf("after ResetRequests: %v; want no requests", log)
	}
}

// openSessionBody serialises an OpenSession call.
func openSessionBody(t *testing.T) []byte {
	t.Helper()
	buf := thrift.NewTMemoryBuffer()
	p := thrift.NewTBinaryProtocolConf(buf, &thrift.TConfiguration{})
	v := int64(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	args := &tcli.TCLIServiceOpenSessionArgs{Req: &tcli.TOpenSessionReq{ClientProtocolI64: &v,
		ClientProtocol: tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10}}
	if err := p.WriteMessageBegin(ctx, "OpenSession", thrift.CALL, 1); err != nil {
		t.Fatal(err)
	}
	if err := args.Write(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteMessageEnd(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestFaultSelection checks Skip, Every, Times and Rate: which requests of
// a method a rule affects, and that a seeded rate repeats itself.
func TestFaultSelection(t *testing.T) {
	affected := func(f Fault, n int) []int {
		var fs faultSet
		fs.add(f)
		var got []int
		for i := 1; i <= n; i++ {
			if fs.match(OpenSession) != nil {
				got = append(got, i)
			}
		}
		return got
	}
	if got, want := affected(Fault{Skip: 1, Every: 3, Times: 3}, 20), []int{4, 7, 10}; !slices.Equal(got, want) {
		t.Errorf("skip 1, every 3, times 3: requests %v, want %v", got, want)
	}
	if got := affected(Fault{Method: Download, Times: -1}, 5); len(got) != 0 {
		t.Errorf("a Download rule affected Thrift calls %v", got)
	}
	if got := affected(Fault{Times: -1}, 3); !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("times -1: %v, want every request", got)
	}
	a, b := affected(Fault{Rate: 0.3, Seed: 7, Times: -1}, 2000), affected(Fault{Rate: 0.3, Seed: 7, Times: -1}, 2000)
	if !slices.Equal(a, b) {
		t.Error("the same seed drew different requests")
	}
	if n := len(a); n < 500 || n > 700 {
		t.Errorf("rate 0.3 affected %d of 2000 requests, want about 600", n)
	}
	if c := affected(Fault{Rate: 0.3, Seed: 8, Times: -1}, 2000); slices.Equal(a, c) {
		t.Error("seeds 7 and 8 drew the same requests")
	}
	// The first rule that affects a request applies; both count it.
	var fs faultSet
	fs.add(Fault{Status: 503, Every: 2, Times: -1}, Fault{Status: 429, Times: -1})
	var codes []int
	for range 4 {
		codes = append(codes, fs.match(OpenSession).Status)
	}
	if want := []int{429, 503, 429, 503}; !slices.Equal(codes, want) {
		t.Errorf("statuses %v, want %v", codes, want)
	}
}

func TestParseFault(t *testing.T) {
	f, err := ParseFault("method=fetchresults, skip=2,times=-1,latency=5ms,jitter=1ms,status=429,retry-after=2s,every=3,rate=0.5,seed=9")
	want := Fault{Method: FetchResults, Skip: 2, Times: -1, Latency: 5 * time.Millisecond, Jitter: time.Millisecond, Status: 429,
		RetryAfter: 2 * time.Second, Every: 3, Rate: 0.5, Seed: 9}
	if err != nil || f != want {
		t.Fatalf("ParseFault = %+v, %v; want %+v", f, err, want)
	}
	if f, err := ParseFault("method=download,truncate"); err != nil || f.Method != Download || !f.Truncate {
		t.Fatalf("ParseFault(download, truncate) = %+v, %v", f, err)
	}
	if f, err := ParseFault("content-length=1073741823"); err != nil || f.ContentLength != 1<<30-1 {
		t.Fatalf("ParseFault(content-length) = %+v, %v", f, err)
	}
	for _, in := range []string{"status=42", "skip=-1", "times=x", "drop=yes", "latency=fast", "colour=red", "rate=2", "drop,status=503", "every=-2"} {
		if f, err := ParseFault(in); err == nil {
			t.Errorf("ParseFault(%q) = %+v; want an error", in, f)
		}
	}
	if s, err := New(WithFaults(Fault{Status: 7})); err == nil {
		s.Close()
		t.Error("New accepted a fault with status 7")
	}
}

// TestFaultSpoiledReplies processes the request and then truncates its
// reply or lies about its length.
func TestFaultSpoiledReplies(t *testing.T) {
	s := Start(t)
	body := openSessionBody(t)
	for _, f := range []Fault{{Method: OpenSession, Truncate: true}, {Method: OpenSession, ContentLength: 1 << 30}} {
		before := s.OpenSessions()
		if err := s.InjectFault(f); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, s.URL(), bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+s.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Errorf("%+v: read %d bytes without an error", f, len(b))
		}
		if f.ContentLength > 0 && resp.ContentLength != f.ContentLength {
			t.Errorf("Content-Length %d, want %d", resp.ContentLength, f.ContentLength)
		}
		if s.OpenSessions() != before+1 {
			t.Errorf("%+v: the request was not processed", f)
		}
	}
	if log := s.Requests(); len(log) != 2 || log[0].Outcome != OutcomeDropped || log[1].Outcome != OutcomeDropped {
		t.Errorf("log %+v; want 2 dropped requests", log)
	}
}
