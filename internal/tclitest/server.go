package tclitest

import (
	"bytes"
	"context"
	"encoding/binary"
	"sync"
	"testing"
	"time"

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
	GetCatalogs          Method = "GetCatalogs"
	GetSchemas           Method = "GetSchemas"
	GetTables            Method = "GetTables"
	GetColumns           Method = "GetColumns"
	GetFunctions         Method = "GetFunctions"
	GetPrimaryKeys       Method = "GetPrimaryKeys"
	GetCrossReference    Method = "GetCrossReference"
)

// Server is an in-process TCLIService: statements are answered from scripts
// registered by their text, every request is logged, and faults are injected
// per method. It is used behind an httptest.Server as an http.Handler
// (through the real RPC client), through its in-process Transport, or called
// directly as a tcli.TCLIService; the last two work in testing/synctest
// bubbles, where no network is allowed. It is safe for concurrent use.
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

// sessionGUID returns the GUID of h, empty when h or its ID is missing.
func sessionGUID(h *tcli.TSessionHandle) string {
	if h == nil || h.SessionId == nil {
		return ""
	}
	return string(h.SessionId.GUID)
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
	h, d := f.startOp(s, session, tcli.TOperationType_EXECUTE_STATEMENT, req.GetDirectResults != nil)
	return &tcli.TExecuteStatementResp{Status: OK(), OperationHandle: h, DirectResults: d}, nil
}

// startOp creates the operation of script s in session and returns its
// handle and, when asked for and the protocol has them, its direct results
// (lock held).
func (f *Server) startOp(s *Script, session string, typ tcli.TOperationType, direct bool) (*tcli.TOperationHandle, *tcli.TSparkDirectResults) {
	id := f.newID()
	op := &operation{s: s, id: string(id.GUID), session: session}
	f.ops[op.id] = op
	f.lastOp = op.id
	h := &tcli.TOperationHandle{OperationId: id, OperationType: typ, HasResultSet: s.Meta != nil}
	if !direct || f.proto < tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V1 {
		return h, nil
	}
	d := &tcli.TSparkDirectResults{OperationStatus: f.status(op)}
	if d.OperationStatus.GetOperationState() == tcli.TOperationState_FINISHED_STATE && s.Meta != nil {
		d.ResultSetMetadata = s.Meta
		d.ResultSet = f.fetch(op)
		if s.CloseInline && !d.ResultSet.GetHasMoreRows() {
			d.CloseOperation = &tcli.TCloseOperationResp{Status: OK()}
			op.closed = true
		}
	}
	return h, d
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
