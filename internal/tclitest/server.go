package tclitest

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/google/uuid"

	"github.com/asyncsql/databricks/colset"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// Method names a TCLIService method, as it appears in the Thrift message
// header.
type Method string

// The methods the server implements.
const (
	OpenSession          Method = "OpenSession"
	CloseSession         Method = "CloseSession"
	ExecuteStatement     Method = "ExecuteStatement"
	GetOperationStatus   Method = "GetOperationStatus"
	CancelOperation      Method = "CancelOperation"
	CloseOperation       Method = "CloseOperation"
	GetResultSetMetadata Method = "GetResultSetMetadata"
	FetchResults         Method = "FetchResults"
)

// Server is an in-process TCLIService: statements are answered from scripts
// registered by their text, every request is logged, and faults are injected
// per method. It is used behind an httptest.Server as an http.Handler
// (through the real RPC client) or called directly as a tcli.TCLIService (in
// testing/synctest bubbles, where no network is allowed). It is safe for
// concurrent use.
type Server struct {
	mu sync.Mutex

	proto   tcli.TProtocolVersion
	scripts map[string]*Script // by statement text
	ops     map[string]*operation
	nextID  int
	lastOp  string

	log      []*Request
	sessions map[string]bool // by GUID: open or closed

	faults  map[Method][]Fault
	latency map[Method]time.Duration
}

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

// Script says how the server answers one statement.
type Script struct {
	// States are returned by successive GetOperationStatus calls (the last
	// one repeats); empty means FINISHED at once.
	States []tcli.TOperationState
	// SQLState, ErrorMessage and ErrorCode fill the error fields of an
	// ERROR_STATE status.
	SQLState, ErrorMessage string
	ErrorCode              int32
	// Meta and Pages describe the result; nil Meta means no result set. A
	// page may hold rows, columns, Arrow batches or result links.
	Meta  *tcli.TGetResultSetMetadataResp
	Pages []*tcli.TRowSet
	// SparkPaging makes hasMoreRows always false, as Apache Spark answers.
	SparkPaging bool
	// KeepOffsets answers the pages with the startRowOffset they carry
	// instead of the offset of their first row (a misbehaving server).
	KeepOffsets bool
	// IgnoreOffset ignores the startRowOffset of requests (Apache Spark).
	IgnoreOffset bool
	// CloseInline makes direct results close the operation when one page
	// holds everything.
	CloseInline bool
	// Modified is the numModifiedRows of the FINISHED status.
	Modified int64
	// ExecStatus, when set, is ExecuteStatement's status, and no operation
	// is created.
	ExecStatus *tcli.TStatus
	// Block, when set, holds ExecuteStatement until it is closed.
	Block chan struct{}
}

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

// operation is the server side of one statement.
type operation struct {
	s           *Script
	id          string
	session     string
	statusCalls int
	fetchIdx    int
	// skipLinks is the number of result links the next page is answered
	// without: a startRowOffset inside a page of links names a link.
	skipLinks int
	// served marks the pages answered once: their links come again with a
	// fresh expiry.
	served   map[int]bool
	closed   bool
	canceled bool
}

// New returns a server that answers OpenSession with protocol version proto.
func New(proto tcli.TProtocolVersion) *Server {
	return &Server{
		proto:    proto,
		scripts:  map[string]*Script{},
		ops:      map[string]*operation{},
		sessions: map[string]bool{},
		faults:   map[Method][]Fault{},
		latency:  map[Method]time.Duration{},
	}
}

// Protocol returns the protocol version the server answers with.
func (f *Server) Protocol() tcli.TProtocolVersion { return f.proto }

// OK is a SUCCESS status.
func OK() *tcli.TStatus { return &tcli.TStatus{StatusCode: tcli.TStatusCode_SUCCESS_STATUS} }

// OneInt is a column-based result with one INT column "n" holding v. It
// answers every statement without a script.
func OneInt(v int32) *Script {
	name, typ, format := "n", tcli.TTypeId_INT_TYPE, tcli.TSparkRowSetType_COLUMN_BASED_SET
	col := &tcli.TColumnDesc{ColumnName: name, Position: 1, TypeDesc: &tcli.TTypeDesc{Types: []*tcli.TTypeEntry{
		{PrimitiveEntry: &tcli.TPrimitiveTypeEntry{Type: typ}},
	}}}
	return &Script{
		Meta: &tcli.TGetResultSetMetadataResp{Status: OK(), Schema: &tcli.TTableSchema{Columns: []*tcli.TColumnDesc{col}}, ResultFormat: &format},
		Pages: []*tcli.TRowSet{{Rows: []*tcli.TRow{}, Columns: []*tcli.TColumn{
			{I32Val: &tcli.TI32Column{Values: []int32{v}, Nulls: []byte{0}}},
		}}},
	}
}

// LinkPage is a page of result links.
func LinkPage(links ...*tcli.TSparkArrowResultLink) *tcli.TRowSet {
	return &tcli.TRowSet{Rows: []*tcli.TRow{}, ResultLinks: links}
}

// Start opens a session and executes statement in-process, for tests that
// call a layer below the session (a page reader, an RPC client) with the
// handle. The two requests are in the log.
func (f *Server) Start(t testing.TB, statement string) (*tcli.TSessionHandle, *tcli.TOperationHandle) {
	t.Helper()
	ctx := context.Background()
	open, err := f.OpenSession(ctx, &tcli.TOpenSessionReq{})
	if err != nil || open.GetStatus().GetStatusCode() != tcli.TStatusCode_SUCCESS_STATUS {
		t.Fatalf("tclitest: OpenSession: got %v, %v; want success", open.GetStatus(), err)
	}
	exec, err := f.ExecuteStatement(ctx, &tcli.TExecuteStatementReq{SessionHandle: open.SessionHandle, Statement: statement})
	if err != nil || exec.GetStatus().GetStatusCode() != tcli.TStatusCode_SUCCESS_STATUS {
		t.Fatalf("tclitest: ExecuteStatement: got %v, %v; want success", exec.GetStatus(), err)
	}
	return open.SessionHandle, exec.OperationHandle
}

// Script registers how the server answers statement.
func (f *Server) Script(statement string, s *Script) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scripts[statement] = s
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

// sessionGUID returns the GUID of h, empty when h or its ID is missing.
func sessionGUID(h *tcli.TSessionHandle) string {
	if h == nil || h.SessionId == nil {
		return ""
	}
	return string(h.SessionId.GUID)
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

func (f *Server) newID() *tcli.THandleIdentifier {
	f.nextID++
	g := make([]byte, 16)
	binary.BigEndian.PutUint64(g[8:], uint64(f.nextID))
	s := bytes.Repeat([]byte{byte(f.nextID)}, 16)
	return &tcli.THandleIdentifier{GUID: g, Secret: s}
}

func invalidHandle(msg string) *tcli.TStatus {
	return &tcli.TStatus{StatusCode: tcli.TStatusCode_INVALID_HANDLE_STATUS, ErrorMessage: &msg}
}

func ptr[T any](v T) *T { return &v }

// OpenSession opens a session.
func (f *Server) OpenSession(ctx context.Context, req *tcli.TOpenSessionReq) (*tcli.TOpenSessionResp, error) {
	st, err := f.begin(ctx, OpenSession, req)
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
	return &tcli.TOpenSessionResp{Status: OK(), ServerProtocolVersion: f.proto, SessionHandle: &tcli.TSessionHandle{SessionId: id}}, nil
}

// CloseSession closes a session and its operations.
func (f *Server) CloseSession(ctx context.Context, req *tcli.TCloseSessionReq) (*tcli.TCloseSessionResp, error) {
	st, err := f.begin(ctx, CloseSession, req)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return &tcli.TCloseSessionResp{Status: st}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	g := sessionGUID(req.GetSessionHandle())
	if !f.sessions[g] {
		return &tcli.TCloseSessionResp{Status: invalidHandle("Invalid SessionHandle")}, nil
	}
	f.sessions[g] = false
	for _, op := range f.ops {
		if op.session == g {
			op.closed = true
		}
	}
	return &tcli.TCloseSessionResp{Status: OK()}, nil
}

// ExecuteStatement starts the statement's script (OneInt(1) without one),
// answering with direct results when the request asks for them and the
// protocol has them.
func (f *Server) ExecuteStatement(ctx context.Context, req *tcli.TExecuteStatementReq) (*tcli.TExecuteStatementResp, error) {
	st, err := f.begin(ctx, ExecuteStatement, req)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return &tcli.TExecuteStatementResp{Status: st}, nil
	}
	f.mu.Lock()
	s, found := f.scripts[req.Statement]
	if !found {
		s = OneInt(1)
	}
	session := sessionGUID(req.GetSessionHandle())
	if !f.sessions[session] {
		f.mu.Unlock()
		return &tcli.TExecuteStatementResp{Status: invalidHandle("Invalid SessionHandle")}, nil
	}
	f.mu.Unlock()
	if s.Block != nil {
		<-s.Block
	}
	if s.ExecStatus != nil {
		return &tcli.TExecuteStatementResp{Status: s.ExecStatus}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.newID()
	op := &operation{s: s, id: string(id.GUID), session: session}
	f.ops[op.id] = op
	f.lastOp = op.id
	h := &tcli.TOperationHandle{OperationId: id, OperationType: tcli.TOperationType_EXECUTE_STATEMENT, HasResultSet: s.Meta != nil}
	resp := &tcli.TExecuteStatementResp{Status: OK(), OperationHandle: h}
	if req.GetDirectResults != nil && f.proto >= tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V1 {
		d := &tcli.TSparkDirectResults{OperationStatus: f.status(op)}
		if d.OperationStatus.GetOperationState() == tcli.TOperationState_FINISHED_STATE && s.Meta != nil {
			d.ResultSetMetadata = s.Meta
			d.ResultSet = f.fetch(op)
			if s.CloseInline && !d.ResultSet.GetHasMoreRows() {
				d.CloseOperation = &tcli.TCloseOperationResp{Status: OK()}
				op.closed = true
			}
		}
		resp.DirectResults = d
	}
	return resp, nil
}

// status computes the next status of op (lock held).
func (f *Server) status(op *operation) *tcli.TGetOperationStatusResp {
	state := tcli.TOperationState_FINISHED_STATE
	switch {
	case op.canceled:
		state = tcli.TOperationState_CANCELED_STATE
	case len(op.s.States) > 0:
		state = op.s.States[min(op.statusCalls, len(op.s.States)-1)]
	}
	op.statusCalls++
	resp := &tcli.TGetOperationStatusResp{Status: OK(), OperationState: &state, HasResultSet: ptr(op.s.Meta != nil)}
	switch state {
	case tcli.TOperationState_FINISHED_STATE:
		resp.NumModifiedRows = ptr(op.s.Modified)
		resp.OperationStarted, resp.OperationCompleted = ptr(int64(1700000000000)), ptr(int64(1700000001000))
	case tcli.TOperationState_ERROR_STATE:
		resp.SqlState, resp.ErrorMessage, resp.ErrorCode = ptr(op.s.SQLState), ptr(op.s.ErrorMessage), ptr(op.s.ErrorCode)
		resp.DisplayMessage = ptr("display: " + op.s.ErrorMessage)
	}
	return resp
}

func (f *Server) lookup(h *tcli.TOperationHandle) (*operation, *tcli.TStatus) {
	if h == nil || h.OperationId == nil {
		return nil, invalidHandle("Invalid OperationHandle")
	}
	op := f.ops[string(h.OperationId.GUID)]
	if op == nil || op.closed {
		return nil, invalidHandle("Invalid OperationHandle: RESOURCE_DOES_NOT_EXIST")
	}
	return op, nil
}

// GetOperationStatus answers the next state of the statement's script.
func (f *Server) GetOperationStatus(ctx context.Context, req *tcli.TGetOperationStatusReq) (*tcli.TGetOperationStatusResp, error) {
	st, err := f.begin(ctx, GetOperationStatus, req)
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

// CancelOperation marks the operation canceled: its status turns CANCELED.
func (f *Server) CancelOperation(ctx context.Context, req *tcli.TCancelOperationReq) (*tcli.TCancelOperationResp, error) {
	st, err := f.begin(ctx, CancelOperation, req)
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
	return &tcli.TCancelOperationResp{Status: OK()}, nil
}

// CloseOperation closes the operation: its handle becomes invalid.
func (f *Server) CloseOperation(ctx context.Context, req *tcli.TCloseOperationReq) (*tcli.TCloseOperationResp, error) {
	st, err := f.begin(ctx, CloseOperation, req)
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
	return &tcli.TCloseOperationResp{Status: OK()}, nil
}

// GetResultSetMetadata answers the script's Meta (an empty schema without
// one).
func (f *Server) GetResultSetMetadata(ctx context.Context, req *tcli.TGetResultSetMetadataReq) (*tcli.TGetResultSetMetadataResp, error) {
	st, err := f.begin(ctx, GetResultSetMetadata, req)
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
	if op.s.Meta == nil {
		return &tcli.TGetResultSetMetadataResp{Status: OK(), Schema: &tcli.TTableSchema{}}, nil
	}
	return op.s.Meta, nil
}

// RowSetLen returns the number of rows a page holds: its Arrow batches'
// row counts, its first column's length or its rows (result links are
// counted apart, by their RowCount).
func RowSetLen(rs *tcli.TRowSet) int {
	if rs == nil {
		return 0
	}
	if len(rs.ArrowBatches) > 0 {
		n := 0
		for _, b := range rs.ArrowBatches {
			if b != nil {
				n += int(b.RowCount)
			}
		}
		return n
	}
	if len(rs.Columns) > 0 {
		return colset.Len(rs.Columns[0])
	}
	return len(rs.Rows)
}

// pageStart returns the row page i of op starts at: the rows of the pages
// before it, unless the script gives the page an offset of its own.
func (op *operation) pageStart(i int) int64 {
	var n int64
	for _, p := range op.s.Pages[:i] {
		n += int64(RowSetLen(p))
		for _, lk := range p.ResultLinks {
			n += lk.RowCount
		}
	}
	return n
}

// fetch returns the next page of op (lock held). A page is answered with
// the offset of its first row, as servers do.
func (f *Server) fetch(op *operation) *tcli.TFetchResultsResp {
	resp := &tcli.TFetchResultsResp{Status: OK(), HasMoreRows: ptr(false)}
	if op.fetchIdx < len(op.s.Pages) {
		rs := *op.s.Pages[op.fetchIdx]
		if !op.s.KeepOffsets {
			rs.StartRowOffset = op.pageStart(op.fetchIdx)
		}
		if len(rs.ResultLinks) > 0 {
			rs.ResultLinks = op.links(op.fetchIdx)
			if op.skipLinks > 0 && !op.s.KeepOffsets {
				rs.StartRowOffset = rs.ResultLinks[0].StartRowOffset
			}
		}
		op.skipLinks = 0
		resp.Results = &rs
		op.fetchIdx++
	} else {
		resp.Results = &tcli.TRowSet{StartRowOffset: op.pageStart(len(op.s.Pages)), Rows: []*tcli.TRow{}}
	}
	if !op.s.SparkPaging {
		resp.HasMoreRows = ptr(op.fetchIdx < len(op.s.Pages))
	}
	return resp
}

// links returns the result links page i is answered with (lock held):
// copies, without the first skipLinks, re-signed with an expiry an hour
// ahead when the page was answered before, as a server issues fresh
// presigned URLs.
func (op *operation) links(i int) []*tcli.TSparkArrowResultLink {
	if op.served == nil {
		op.served = map[int]bool{}
	}
	var out []*tcli.TSparkArrowResultLink
	for _, lk := range op.s.Pages[i].ResultLinks[min(op.skipLinks, len(op.s.Pages[i].ResultLinks)):] {
		c := *lk
		if op.served[i] {
			c.ExpiryTime = time.Now().Add(time.Hour).Unix()
		}
		out = append(out, &c)
	}
	op.served[i] = true
	return out
}

// seek moves the cursor of op to row off (lock held): to the page that
// starts there, or to the result link holding it. It reports whether one
// does.
func (op *operation) seek(off int64) bool {
	for i := 0; i <= len(op.s.Pages); i++ {
		if op.pageStart(i) == off {
			op.fetchIdx, op.skipLinks = i, 0
			return true
		}
	}
	for i, p := range op.s.Pages {
		for k, lk := range p.ResultLinks {
			if lk.StartRowOffset <= off && off < lk.StartRowOffset+lk.RowCount {
				op.fetchIdx, op.skipLinks = i, k
				return true
			}
		}
	}
	return false
}

// FetchResults answers the next page, or the page a startRowOffset names
// (from the result link holding that row, in a page of links); an offset
// at no page nor link is an error status.
func (f *Server) FetchResults(ctx context.Context, req *tcli.TFetchResultsReq) (*tcli.TFetchResultsResp, error) {
	st, err := f.begin(ctx, FetchResults, req)
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
		op.fetchIdx, op.skipLinks = 0, 0
	}
	if off := req.StartRowOffset; off != nil && f.proto >= tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V1 && !op.s.IgnoreOffset {
		// Position the cursor at the page that starts there (the current
		// one if it does: an empty page starts where the next one does).
		if op.fetchIdx > len(op.s.Pages) || op.pageStart(min(op.fetchIdx, len(op.s.Pages))) != *off {
			if !op.seek(*off) {
				return &tcli.TFetchResultsResp{Status: &tcli.TStatus{StatusCode: tcli.TStatusCode_ERROR_STATUS, ErrorMessage: ptr("startRowOffset is not at a page")}}, nil
			}
		}
	}
	resp := f.fetch(op)
	if req.GetIncludeResultSetMetadata() {
		resp.ResultSetMetadata = op.s.Meta
	}
	return resp, nil
}

// ServeHTTP logs the request, applies the next fault of the method named in
// the message header and runs the Thrift processor over the POST body.
func (f *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	method := messageName(body)
	f.mu.Lock()
	hr := &httpRequest{entry: &Request{Method: method, Header: r.Header.Clone(), At: time.Now()}, fault: f.nextFault(method)}
	f.log = append(f.log, hr.entry)
	f.mu.Unlock()
	switch fault := hr.fault; {
	case fault.HTTPStatus != 0:
		for k, v := range fault.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(fault.HTTPStatus)
		_, _ = w.Write(fault.Body)
		return
	case fault.HangUp:
		hangUp(w)
		return
	}
	in := thrift.NewTMemoryBuffer()
	_, _ = in.Write(body)
	out := thrift.NewTMemoryBuffer()
	cfg := &thrift.TConfiguration{}
	proc := tcli.NewTCLIServiceProcessor(f)
	ctx := context.WithValue(r.Context(), requestKey{}, hr)
	if _, err := proc.Process(ctx, thrift.NewTBinaryProtocolConf(in, cfg), thrift.NewTBinaryProtocolConf(out, cfg)); err != nil && r.Context().Err() != nil {
		return
	}
	if hr.fault.DropReply {
		hangUp(w)
		return
	}
	w.Header().Set("Content-Type", "application/x-thrift")
	_, _ = w.Write(out.Bytes())
}

// hangUp closes the connection of w without an answer.
func hangUp(w http.ResponseWriter) {
	if m, ok := w.(*memWriter); ok {
		m.hungUp = true
		return
	}
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
	}
}

// messageName reads the method name of a strict binary Thrift message.
func messageName(b []byte) Method {
	if len(b) < 8 {
		return ""
	}
	n := int(binary.BigEndian.Uint32(b[4:8]))
	if n < 0 || 8+n > len(b) {
		return ""
	}
	return Method(b[8 : 8+n])
}
