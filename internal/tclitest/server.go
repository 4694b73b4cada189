package driver

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/asyncsql/databricks/internal/rpc"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// fakeServer is an in-process TCLIService: a scripted handler that records
// every request, with per-method injected errors and latency. It is used both
// behind an httptest.Server (through the real RPC client) and directly as the
// connector's service (for testing/synctest tests).
type fakeServer struct {
	mu sync.Mutex

	proto   tcli.TProtocolVersion
	scripts map[string]*script // by statement text
	ops     map[string]*fakeOp // by GUID
	nextID  int
	lastOp  string
	// fetchOffsets records the startRowOffset of every FetchResults.
	fetchOffsets []*int64

	// calls records every request: method name and request struct.
	calls []call
	// sessions tracks open sessions by GUID.
	sessions map[string]bool

	// httpFail injects HTTP failures per method, consumed in order.
	httpFail map[string][]httpFailure
	// dropReply counts the next requests of a method that are processed
	// and then answered by closing the connection: a lost reply.
	dropReply map[string]int
	// statusFail injects error statuses per method, consumed in order.
	statusFail map[string][]*tcli.TStatus
	// latency delays each call of a method (honouring the request context).
	latency map[string]time.Duration
	// lag delays calls of a method, one delay per call in order, whatever
	// the request context: a server still handling a request its client
	// abandoned.
	lag map[string][]time.Duration
	// header is the header of the last HTTP request.
	header http.Header
}

type call struct {
	method string
	req    any
	at     time.Time
}

type httpFailure struct {
	code       int
	retryAfter string
}

// script describes how the fake answers one statement.
type script struct {
	// states are returned by successive GetOperationStatus calls (the last one
	// repeats); empty means FINISHED at once.
	states []tcli.TOperationState
	// errStatus fills the error fields of a failed terminal state.
	sqlState, errMsg string
	errCode          int32
	// meta and pages describe the result; nil meta means no result set.
	meta  *tcli.TGetResultSetMetadataResp
	pages []*tcli.TRowSet
	// sparkPaging makes hasMoreRows always false (Spark's behaviour).
	sparkPaging bool
	// keepOffsets answers the pages with the startRowOffset they carry
	// instead of the offset of their first row (a misbehaving server).
	keepOffsets bool
	// ignoreOffset ignores the startRowOffset of requests (Apache Spark).
	ignoreOffset bool
	// closeInline makes direct results close the operation when one page holds
	// everything.
	closeInline bool
	modified    int64
	// execStatus, when set, is ExecuteStatement's (error) status.
	execStatus *tcli.TStatus
	// block, when set, holds ExecuteStatement until closed.
	block chan struct{}
}

type fakeOp struct {
	s           *script
	id          string
	session     string
	statusCalls int
	fetchIdx    int
	closed      bool
	canceled    bool
}

func newFakeServer(proto tcli.TProtocolVersion) *fakeServer {
	return &fakeServer{
		proto:      proto,
		scripts:    map[string]*script{},
		ops:        map[string]*fakeOp{},
		sessions:   map[string]bool{},
		httpFail:   map[string][]httpFailure{},
		dropReply:  map[string]int{},
		statusFail: map[string][]*tcli.TStatus{},
		latency:    map[string]time.Duration{},
		lag:        map[string][]time.Duration{},
	}
}

func ok() *tcli.TStatus { return &tcli.TStatus{StatusCode: tcli.TStatusCode_SUCCESS_STATUS} }

// set registers the script for a statement.
func (f *fakeServer) set(query string, s *script) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scripts[query] = s
}

// failStatus injects an error status for the next call of method.
func (f *fakeServer) failStatus(method string, st *tcli.TStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statusFail[method] = append(f.statusFail[method], st)
}

// failHTTP injects an HTTP failure for the next request of method.
func (f *fakeServer) failHTTP(method string, code int, retryAfter string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.httpFail[method] = append(f.httpFail[method], httpFailure{code, retryAfter})
}

// requests returns the recorded requests of one method.
func (f *fakeServer) requests(method string) []any {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []any
	for _, c := range f.calls {
		if c.method == method {
			out = append(out, c.req)
		}
	}
	return out
}

func (f *fakeServer) count(method string) int { return len(f.requests(method)) }

// times returns when each call of method arrived.
func (f *fakeServer) times(method string) []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []time.Time
	for _, c := range f.calls {
		if c.method == method {
			out = append(out, c.at)
		}
	}
	return out
}

// op returns the fake operation of a statement ID.
func (f *fakeServer) opByID(id string) *fakeOp {
	f.mu.Lock()
	defer f.mu.Unlock()
	for g, op := range f.ops {
		if guidString([]byte(g)) == id {
			return op
		}
	}
	return nil
}

// opState returns (closed, canceled) of the operation with statement ID id.
func (f *fakeServer) opState(id string) (closed, canceled bool) {
	op := f.opByID(id)
	f.mu.Lock()
	defer f.mu.Unlock()
	if op == nil {
		return false, false
	}
	return op.closed, op.canceled
}

// lastStatementID returns the ID of the most recent operation.
func (f *fakeServer) lastStatementID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return guidString([]byte(f.lastOp))
}

// openSessions returns the number of sessions not closed.
func (f *fakeServer) openSessions() int {
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

// begin records a call, applies latency and returns an injected status.
func (f *fakeServer) begin(ctx context.Context, method string, req any) (*tcli.TStatus, error) {
	f.mu.Lock()
	f.calls = append(f.calls, call{method, req, time.Now()})
	d := f.latency[method]
	var lag time.Duration
	if q := f.lag[method]; len(q) > 0 {
		lag, f.lag[method] = q[0], q[1:]
	}
	var st *tcli.TStatus
	if q := f.statusFail[method]; len(q) > 0 {
		st, f.statusFail[method] = q[0], q[1:]
	}
	f.mu.Unlock()
	time.Sleep(lag)
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return st, nil
}

func (f *fakeServer) newID() *tcli.THandleIdentifier {
	f.nextID++
	g := make([]byte, 16)
	binary.BigEndian.PutUint64(g[8:], uint64(f.nextID))
	s := bytes.Repeat([]byte{byte(f.nextID)}, 16)
	return &tcli.THandleIdentifier{GUID: g, Secret: s}
}

func invalidHandle(msg string) *tcli.TStatus {
	return &tcli.TStatus{StatusCode: tcli.TStatusCode_INVALID_HANDLE_STATUS, ErrorMessage: ptr(msg)}
}

func (f *fakeServer) OpenSession(ctx context.Context, req *tcli.TOpenSessionReq) (*tcli.TOpenSessionResp, error) {
	st, err := f.begin(ctx, "OpenSession", req)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return &tcli.TOpenSessionResp{Status: st}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.newID()
	f.sessions[string(id.GUID)] = true
	return &tcli.TOpenSessionResp{Status: ok(), ServerProtocolVersion: f.proto, SessionHandle: &tcli.TSessionHandle{SessionId: id}}, nil
}

func (f *fakeServer) CloseSession(ctx context.Context, req *tcli.TCloseSessionReq) (*tcli.TCloseSessionResp, error) {
	st, err := f.begin(ctx, "CloseSession", req)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return &tcli.TCloseSessionResp{Status: st}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	g := string(req.SessionHandle.SessionId.GUID)
	if !f.sessions[g] {
		return &tcli.TCloseSessionResp{Status: invalidHandle("Invalid SessionHandle")}, nil
	}
	f.sessions[g] = false
	for _, op := range f.ops {
		if op.session == g {
			op.closed = true
		}
	}
	return &tcli.TCloseSessionResp{Status: ok()}, nil
}

func (f *fakeServer) ExecuteStatement(ctx context.Context, req *tcli.TExecuteStatementReq) (*tcli.TExecuteStatementResp, error) {
	st, err := f.begin(ctx, "ExecuteStatement", req)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return &tcli.TExecuteStatementResp{Status: st}, nil
	}
	f.mu.Lock()
	s, found := f.scripts[req.Statement]
	if !found {
		s = intScript(1)
	}
	if !f.sessions[string(req.SessionHandle.SessionId.GUID)] {
		f.mu.Unlock()
		return &tcli.TExecuteStatementResp{Status: invalidHandle("Invalid SessionHandle")}, nil
	}
	f.mu.Unlock()
	if s.block != nil {
		<-s.block
	}
	if s.execStatus != nil {
		return &tcli.TExecuteStatementResp{Status: s.execStatus}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.newID()
	op := &fakeOp{s: s, id: string(id.GUID), session: string(req.SessionHandle.SessionId.GUID)}
	f.ops[op.id] = op
	f.lastOp = op.id
	h := &tcli.TOperationHandle{OperationId: id, OperationType: tcli.TOperationType_EXECUTE_STATEMENT, HasResultSet: s.meta != nil}
	resp := &tcli.TExecuteStatementResp{Status: ok(), OperationHandle: h}
	if req.GetDirectResults != nil && f.proto >= tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V1 {
		d := &tcli.TSparkDirectResults{OperationStatus: f.status(op)}
		if d.OperationStatus.GetOperationState() == tcli.TOperationState_FINISHED_STATE && s.meta != nil {
			d.ResultSetMetadata = s.meta
			d.ResultSet = f.fetch(op)
			if s.closeInline && !d.ResultSet.GetHasMoreRows() {
				d.CloseOperation = &tcli.TCloseOperationResp{Status: ok()}
				op.closed = true
			}
		}
		resp.DirectResults = d
	}
	return resp, nil
}

// status computes the next status of op (lock held).
func (f *fakeServer) status(op *fakeOp) *tcli.TGetOperationStatusResp {
	state := tcli.TOperationState_FINISHED_STATE
	switch {
	case op.canceled:
		state = tcli.TOperationState_CANCELED_STATE
	case len(op.s.states) > 0:
		state = op.s.states[min(op.statusCalls, len(op.s.states)-1)]
	}
	op.statusCalls++
	resp := &tcli.TGetOperationStatusResp{Status: ok(), OperationState: &state, HasResultSet: ptr(op.s.meta != nil)}
	switch state {
	case tcli.TOperationState_FINISHED_STATE:
		resp.NumModifiedRows = ptr(op.s.modified)
		resp.OperationStarted, resp.OperationCompleted = ptr(int64(1700000000000)), ptr(int64(1700000001000))
	case tcli.TOperationState_ERROR_STATE:
		resp.SqlState, resp.ErrorMessage, resp.ErrorCode = ptr(op.s.sqlState), ptr(op.s.errMsg), ptr(op.s.errCode)
		resp.DisplayMessage = ptr("display: " + op.s.errMsg)
	}
	return resp
}

func (f *fakeServer) lookup(h *tcli.TOperationHandle) (*fakeOp, *tcli.TStatus) {
	if h == nil || h.OperationId == nil {
		return nil, invalidHandle("Invalid OperationHandle")
	}
	op := f.ops[string(h.OperationId.GUID)]
	if op == nil || op.closed {
		return nil, invalidHandle("Invalid OperationHandle: RESOURCE_DOES_NOT_EXIST")
	}
	return op, nil
}

func (f *fakeServer) GetOperationStatus(ctx context.Context, req *tcli.TGetOperationStatusReq) (*tcli.TGetOperationStatusResp, error) {
	st, err := f.begin(ctx, "GetOperationStatus", req)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return &tcli.TGetOperationStatusResp{Status: st}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	op, bad := f.lookup(req.OperationHandle)
	if bad != nil {
		return &tcli.TGetOperationStatusResp{Status: bad}, nil
	}
	return f.status(op), nil
}

func (f *fakeServer) CancelOperation(ctx context.Context, req *tcli.TCancelOperationReq) (*tcli.TCancelOperationResp, error) {
	st, err := f.begin(ctx, "CancelOperation", req)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return &tcli.TCancelOperationResp{Status: st}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	op, bad := f.lookup(req.OperationHandle)
	if bad != nil {
		return &tcli.TCancelOperationResp{Status: bad}, nil
	}
	op.canceled = true
	return &tcli.TCancelOperationResp{Status: ok()}, nil
}

func (f *fakeServer) CloseOperation(ctx context.Context, req *tcli.TCloseOperationReq) (*tcli.TCloseOperationResp, error) {
	st, err := f.begin(ctx, "CloseOperation", req)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return &tcli.TCloseOperationResp{Status: st}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	op, bad := f.lookup(req.OperationHandle)
	if bad != nil {
		return &tcli.TCloseOperationResp{Status: bad}, nil
	}
	op.closed = true
	return &tcli.TCloseOperationResp{Status: ok()}, nil
}

func (f *fakeServer) GetResultSetMetadata(ctx context.Context, req *tcli.TGetResultSetMetadataReq) (*tcli.TGetResultSetMetadataResp, error) {
	st, err := f.begin(ctx, "GetResultSetMetadata", req)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return &tcli.TGetResultSetMetadataResp{Status: st}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	op, bad := f.lookup(req.OperationHandle)
	if bad != nil {
		return &tcli.TGetResultSetMetadataResp{Status: bad}, nil
	}
	if op.s.meta == nil {
		return &tcli.TGetResultSetMetadataResp{Status: ok(), Schema: &tcli.TTableSchema{}}, nil
	}
	return op.s.meta, nil
}

// pageStart returns the row page i of op starts at: the rows of the pages
// before it, unless the script gives the page an offset of its own.
func (op *fakeOp) pageStart(i int) int64 {
	var n int64
	for _, p := range op.s.pages[:i] {
		n += int64(rowSetLen(p))
		for _, lk := range p.ResultLinks {
			n += lk.RowCount
		}
	}
	return n
}

// fetch returns the next page of op (lock held). A page is answered with
// the offset of its first row, as servers do.
func (f *fakeServer) fetch(op *fakeOp) *tcli.TFetchResultsResp {
	resp := &tcli.TFetchResultsResp{Status: ok(), HasMoreRows: ptr(false)}
	if op.fetchIdx < len(op.s.pages) {
		rs := *op.s.pages[op.fetchIdx]
		if !op.s.keepOffsets {
			rs.StartRowOffset = op.pageStart(op.fetchIdx)
		}
		resp.Results = &rs
		op.fetchIdx++
	} else {
		resp.Results = &tcli.TRowSet{StartRowOffset: op.pageStart(len(op.s.pages)), Rows: []*tcli.TRow{}}
	}
	if !op.s.sparkPaging {
		resp.HasMoreRows = ptr(op.fetchIdx < len(op.s.pages))
	}
	return resp
}

func (f *fakeServer) FetchResults(ctx context.Context, req *tcli.TFetchResultsReq) (*tcli.TFetchResultsResp, error) {
	st, err := f.begin(ctx, "FetchResults", req)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return &tcli.TFetchResultsResp{Status: st}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	op, bad := f.lookup(req.OperationHandle)
	if bad != nil {
		return &tcli.TFetchResultsResp{Status: bad}, nil
	}
	if req.Orientation == tcli.TFetchOrientation_FETCH_FIRST {
		op.fetchIdx = 0
	}
	f.fetchOffsets = append(f.fetchOffsets, req.StartRowOffset)
	if off := req.StartRowOffset; off != nil && f.proto >= tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V1 && !op.s.ignoreOffset {
		// Position the cursor at the page that starts there (the current
		// one if it does: an empty page starts where the next one does).
		if op.fetchIdx > len(op.s.pages) || op.pageStart(min(op.fetchIdx, len(op.s.pages))) != *off {
			found := false
			for i := 0; i <= len(op.s.pages); i++ {
				if op.pageStart(i) == *off {
					op.fetchIdx, found = i, true
					break
				}
			}
			if !found {
				return &tcli.TFetchResultsResp{Status: &tcli.TStatus{StatusCode: tcli.TStatusCode_ERROR_STATUS, ErrorMessage: ptr("startRowOffset is not at a page")}}, nil
			}
		}
	}
	resp := f.fetch(op)
	if req.GetIncludeResultSetMetadata() {
		resp.ResultSetMetadata = op.s.meta
	}
	return resp, nil
}

// ServeHTTP runs the Thrift processor over one HTTP POST, after injected HTTP
// failures for the method named in the message header.
func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	method := messageName(body)
	f.mu.Lock()
	f.header = r.Header.Clone()
	var fail *httpFailure
	if q := f.httpFail[method]; len(q) > 0 {
		fail, f.httpFail[method] = &q[0], q[1:]
	}
	drop := f.dropReply[method] > 0
	if drop {
		f.dropReply[method]--
	}
	f.mu.Unlock()
	if fail != nil {
		if fail.retryAfter != "" {
			w.Header().Set("Retry-After", fail.retryAfter)
		}
		w.Header().Set("X-Databricks-Reason-Phrase", "injected "+strconv.Itoa(fail.code))
		w.WriteHeader(fail.code)
		return
	}
	in := thrift.NewTMemoryBuffer()
	in.Write(body)
	out := thrift.NewTMemoryBuffer()
	cfg := &thrift.TConfiguration{}
	proc := tcli.NewTCLIServiceProcessor(f)
	if _, err := proc.Process(r.Context(), thrift.NewTBinaryProtocolConf(in, cfg), thrift.NewTBinaryProtocolConf(out, cfg)); err != nil {
		if r.Context().Err() != nil {
			return
		}
	}
	if drop {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	w.Header().Set("Content-Type", "application/x-thrift")
	w.Write(out.Bytes())
}

// loseReply makes the next n requests of method processed, their replies
// lost.
func (f *fakeServer) loseReply(method string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dropReply[method] += n
}

// messageName reads the method name of a strict binary Thrift message.
func messageName(b []byte) string {
	if len(b) < 8 {
		return ""
	}
	n := int(binary.BigEndian.Uint32(b[4:8]))
	if n < 0 || 8+n > len(b) {
		return ""
	}
	return string(b[8 : 8+n])
}

// testEnv is a connector wired to a fake server.
type testEnv struct {
	fake *fakeServer
	srv  *httptest.Server
	c    *Connector
}

// newHTTPEnv runs the fake behind httptest and the real RPC client.
func newHTTPEnv(t *testing.T, proto tcli.TProtocolVersion, mod ...func(*Config)) *testEnv {
	t.Helper()
	f := newFakeServer(proto)
	srv := httptest.NewServer(f)
	cfg := testConfig()
	for _, m := range mod {
		m(cfg)
	}
	svc := rpc.New(rpc.Options{
		URL:        srv.URL + "/sql/1.0/warehouses/test",
		HTTPClient: srv.Client(),
		Retry:      rpc.RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxRetryAfter: 2 * time.Second, Budget: 10 * time.Second},
	})
	c := newConnector(cfg, svc)
	t.Cleanup(func() {
		c.Close()
		srv.Close()
	})
	return &testEnv{fake: f, srv: srv, c: c}
}

// newDirectEnv uses the fake directly as the service (no HTTP), for synctest.
func newDirectEnv(proto tcli.TProtocolVersion, mod ...func(*Config)) *testEnv {
	f := newFakeServer(proto)
	cfg := testConfig()
	for _, m := range mod {
		m(cfg)
	}
	return &testEnv{fake: f, c: newConnector(cfg, f)}
}

func testConfig() *Config {
	return &Config{
		Host: "127.0.0.1", Port: 443, HTTPPath: "/sql/1.0/warehouses/test",
		UseArrow: true, UseLZ4: true, MaxRows: 1000,
		PollMin: time.Millisecond, PollMax: 4 * time.Millisecond,
	}
}

func (e *testEnv) String() string { return fmt.Sprintf("fake(%d)", e.fake.proto) }
