package emulator

import (
	"cmp"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// restPrefix is the path of the Statement Execution API.
const restPrefix = "/api/2.0/sql/statements"

// The Statement Execution API calls, as the request log and fault rules
// name them.
const (
	// RESTSubmit is POST /api/2.0/sql/statements.
	RESTSubmit Method = "rest.submit"
	// RESTStatus is GET /api/2.0/sql/statements/{id}.
	RESTStatus Method = "rest.status"
	// RESTChunk is GET /api/2.0/sql/statements/{id}/result/chunks/{n}.
	RESTChunk Method = "rest.chunk"
	// RESTCancel is POST /api/2.0/sql/statements/{id}/cancel.
	RESTCancel Method = "rest.cancel"
	// RESTClose is DELETE /api/2.0/sql/statements/{id}.
	RESTClose Method = "rest.close"
)

// RESTOptions configures the Statement Execution API (served on every
// Server; see the package documentation).
type RESTOptions struct {
	// ChunkRows is the number of rows of one result chunk (default 50000).
	ChunkRows int
	// InlineLimit is the largest result, in bytes of its chunks, a
	// statement with disposition INLINE may have (default 25 MiB); a
	// larger one fails.
	InlineLimit int64
	// HybridInlineLimit is the largest result, in bytes of its encoding, a
	// statement with disposition INLINE_OR_EXTERNAL_LINKS gets inline in
	// its reply (default 1 MiB), provided it is one chunk; a larger one
	// gets external links.
	HybridInlineLimit int64
	// Retention is how long a statement nobody polls, fetches or cancels
	// is kept before it is closed (default 15 minutes); later calls see it
	// CLOSED.
	Retention time.Duration
	// ResultLifetime is how long a result is kept after the statement
	// succeeded, polled or not (default 1 hour); then the statement is
	// closed.
	ResultLifetime time.Duration
	// NoHybrid refuses the disposition INLINE_OR_EXTERNAL_LINKS, which
	// the public API reference does not list and Databricks does not
	// offer to every client: such a submission is answered 400
	// INVALID_PARAMETER_VALUE naming the disposition, and creates no
	// statement.
	NoHybrid bool
}

// WithREST sets the options of the Statement Execution API; zero fields
// keep their defaults.
func WithREST(o RESTOptions) Option {
	return func(c *config) {
		if o.ChunkRows > 0 {
			c.rest.ChunkRows = o.ChunkRows
		}
		if o.InlineLimit > 0 {
			c.rest.InlineLimit = o.InlineLimit
		}
		if o.HybridInlineLimit > 0 {
			c.rest.HybridInlineLimit = o.HybridInlineLimit
		}
		if o.Retention > 0 {
			c.rest.Retention = o.Retention
		}
		if o.ResultLifetime > 0 {
			c.rest.ResultLifetime = o.ResultLifetime
		}
		c.rest.NoHybrid = o.NoHybrid
	}
}

// defaultRESTOptions are the REST options without WithREST.
var defaultRESTOptions = RESTOptions{ChunkRows: 50000, InlineLimit: 25 << 20, HybridInlineLimit: 1 << 20, Retention: 15 * time.Minute,
	ResultLifetime: time.Hour}

// expired reports whether the janitor evicts op at now: a Thrift operation
// idle for longer than the idle-eviction time, a REST statement idle for
// longer than its retention or whose result outlived its lifetime.
func (s *Server) expired(op *operation, now time.Time) bool {
	if op.rest == nil {
		return now.Sub(op.idleSince()) > s.cfg.idleEviction
	}
	if now.Sub(op.idleSince()) > s.cfg.rest.Retention {
		return true
	}
	op.mu.Lock()
	defer op.mu.Unlock()
	return op.state == tcli.TOperationState_FINISHED_STATE && now.Sub(op.completed) > s.cfg.rest.ResultLifetime
}

// restStore remembers the statements closed with DELETE, which answer
// CLOSED afterwards. Its zero value is ready.
type restStore struct {
	mu     sync.Mutex
	closed map[handleKey]time.Time
}

// restTombstoneLife is how long a closed statement answers CLOSED.
const restTombstoneLife = 12 * time.Hour

func (r *restStore) markClosed(k handleKey) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed == nil {
		r.closed = map[handleKey]time.Time{}
	}
	now := time.Now()
	if len(r.closed)%256 == 255 {
		for k, at := range r.closed {
			if now.Sub(at) > restTombstoneLife {
				delete(r.closed, k)
			}
		}
	}
	r.closed[k] = now
}

func (r *restStore) isClosed(k handleKey) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.closed[k]
	return ok
}

// restCall is a request of the API: the call and the statement and chunk
// its path names.
type restCall struct {
	method Method
	id     string
	chunk  string
}

// restReply is a handler's answer: the HTTP status and JSON body, and for
// the log the statement, the state reported and an error's SQLSTATE and
// message.
type restReply struct {
	status   int
	body     any
	op       *operation
	id       string // the statement named, when it is closed (op nil)
	state    State
	sqlState string
	message  string
}

// apiError is an error reply with the API's body {error_code, message}.
func apiError(status int, code, msg string) restReply {
	return restReply{status: status, body: restError{ErrorCode: code, Message: msg}, message: msg}
}

// routeREST maps a method and path under restPrefix to a call.
func routeREST(method, path string) (restCall, *restReply) {
	if path == restSessionsPrefix || strings.HasPrefix(path, restSessionsPrefix+"/") {
		return routeSession(method, path)
	}
	rest := strings.TrimPrefix(path, restPrefix)
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	if rest == "" || rest == "/" {
		parts = nil
	}
	var c restCall
	var want string
	switch {
	case len(parts) == 0:
		c.method, want = RESTSubmit, http.MethodPost
	case len(parts) == 1 && method == http.MethodDelete:
		c.method, want = RESTClose, http.MethodDelete
	case len(parts) == 1:
		c.method, want = RESTStatus, http.MethodGet
	case len(parts) == 2 && parts[1] == "cancel":
		c.method, want = RESTCancel, http.MethodPost
	case len(parts) == 4 && parts[1] == "result" && parts[2] == "chunks":
		c.method, want, c.chunk = RESTChunk, http.MethodGet, parts[3]
	default:
		r := apiError(http.StatusNotFound, "ENDPOINT_NOT_FOUND", "No API found for '"+method+" "+path+"'")
		return c, &r
	}
	if len(parts) > 0 {
		c.id = parts[0]
	}
	if method != want {
		r := apiError(http.StatusMethodNotAllowed, "BAD_REQUEST", "Method "+method+" is not allowed for "+path)
		return c, &r
	}
	return c, nil
}

// serveREST answers one Statement Execution API request and logs it.
func (s *Server) serveREST(w http.ResponseWriter, r *http.Request) {
	tok, bearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch {
	case !bearer:
		writeREST(w, apiError(http.StatusUnauthorized, "UNAUTHENTICATED",
			"Credential was not sent or was of an unsupported type for this API."))
		return
	case tok != s.cfg.token:
		writeREST(w, apiError(http.StatusForbidden, "PERMISSION_DENIED", "Invalid access token."))
		return
	}
	call, bad := routeREST(r.Method, r.URL.Path)
	if bad != nil {
		writeREST(w, *bad)
		return
	}
	var body []byte
	if r.Method == http.MethodPost {
		var err error
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.maxBodyBytes))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeREST(w, apiError(http.StatusRequestEntityTooLarge, "BAD_REQUEST", "Request body too large"))
				return
			}
			writeREST(w, apiError(http.StatusBadRequest, "BAD_REQUEST", "Cannot read the request body"))
			return
		}
	}
	start := time.Now()
	seq := s.log.begin(Request{Time: start, Method: call.method})
	done := func(status int, outcome Outcome) {
		s.log.update(seq, func(e *Request) {
			e.Duration, e.HTTPStatus, e.Outcome = time.Since(start), status, outcome
		})
	}
	ctx := r.Context()
	f := s.faults.match(call.method)
	if f != nil {
		s.log.update(seq, func(e *Request) { e.Fault = f.Fault })
		if !s.refuse(w, f, done) {
			return
		}
		ctx = context.WithoutCancel(ctx)
	}
	rep := s.handleREST(ctx, call, body)
	out, err := json.Marshal(rep.body)
	if err != nil {
		rep = apiError(http.StatusInternalServerError, "INTERNAL_ERROR", "cannot encode the reply")
		out, _ = json.Marshal(rep.body)
	}
	outcome := OutcomeOK
	if rep.status != http.StatusOK {
		outcome = OutcomeError
	}
	s.log.update(seq, func(e *Request) {
		if op := rep.op; op != nil {
			e.StatementID, e.Statement, e.Tags = op.h.String(), loggedText(op.text), maps.Clone(op.tags)
		} else if rep.id != "" {
			e.StatementID = rep.id
		}
		e.State, e.SQLState, e.Message = rep.state, rep.sqlState, rep.message
	})
	if f != nil && s.spoil(w, f.Fault, "application/json", out, done) {
		return
	}
	done(rep.status, outcome)
	writeJSONReply(w, rep.status, out)
}

// writeREST answers a reply that is not logged (authentication, routing).
func writeREST(w http.ResponseWriter, rep restReply) {
	out, _ := json.Marshal(rep.body)
	writeJSONReply(w, rep.status, out)
}

func writeJSONReply(w http.ResponseWriter, status int, out []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// handleREST runs one call.
func (s *Server) handleREST(ctx context.Context, c restCall, body []byte) restReply {
	switch c.method {
	case RESTSubmit:
		return s.restSubmit(ctx, body)
	case RESTSessionCreate, RESTSessionDelete:
		return s.handleSession(ctx, c, body)
	}
	op, k, rep := s.lookupREST(c.id)
	if rep != nil {
		return *rep
	}
	id := ""
	if op == nil {
		id = describeKey(k)
	}
	r := s.restCall(c, op, k)
	r.id = id
	return r
}

// restCall runs a call on a statement: op, or nil when it is closed.
func (s *Server) restCall(c restCall, op *operation, k handleKey) restReply {
	switch c.method {
	case RESTStatus:
		if op == nil {
			return restReply{status: http.StatusOK, state: StateClosed,
				body: restStatementResponse{StatementID: describeKey(k), Status: restStatus{State: "CLOSED"}}}
		}
		scripted := op.scriptedPoll()
		rep := s.statementReply(op)
		if scripted {
			s.advanceScript(op)
		}
		return rep
	case RESTChunk:
		return s.restChunk(op, k, c.chunk)
	case RESTCancel:
		if op != nil {
			op.touch()
			op.cancelOp()
		}
		return restReply{status: http.StatusOK, body: struct{}{}, op: op}
	default: // RESTClose
		if op != nil {
			s.rest.markClosed(k) // first: a call between the two finds the statement or its tombstone
			s.dropOp(op)
		}
		return restReply{status: http.StatusOK, body: struct{}{}, op: op}
	}
}

// lookupREST finds the statement of an ID: the operation, or nil with the
// key when it was closed (DELETE or retention), or an error reply for an
// ID that is malformed or names no statement of the API.
func (s *Server) lookupREST(id string) (*operation, handleKey, *restReply) {
	k, ok := parseStatementID(id)
	if !ok {
		r := apiError(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "Invalid statement ID '"+loggedID(id)+"'")
		return nil, k, &r
	}
	s.mu.Lock()
	op := s.ops[k]
	_, evicted := s.evicted[k]
	s.mu.Unlock()
	switch {
	case op != nil && op.rest != nil:
		return op, k, nil
	case op == nil && (evicted || s.rest.isClosed(k)):
		return nil, k, nil
	}
	r := apiError(http.StatusNotFound, "NOT_FOUND", "Statement "+describeKey(k)+" not found")
	return nil, k, &r
}

// parseStatementID reads a statement ID, a UUID in its canonical form.
func parseStatementID(id string) (handleKey, bool) {
	var k handleKey
	if len(id) != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-' {
		return k, false
	}
	h := id[0:8] + id[9:13] + id[14:18] + id[19:23] + id[24:36]
	if n, err := hex.Decode(k[:], []byte(h)); err != nil || n != len(k) {
		return k, false
	}
	return k, true
}

// loggedID bounds an ID echoed in an error message.
func loggedID(id string) string {
	if len(id) > 64 {
		id = id[:64] + "..."
	}
	return strings.ToValidUTF8(id, "?")
}

// statementReply is the StatementResponse of op now: its status and, once
// it succeeded, the manifest and the first chunk.
func (s *Server) statementReply(op *operation) restReply {
	op.touch()
	op.mu.Lock()
	defer op.mu.Unlock()
	st, state := op.restStateLocked()
	resp := restStatementResponse{StatementID: op.h.String(), Status: st}
	if st.State == "SUCCEEDED" {
		resp.Manifest = op.rest.manifestLocked(op)
		if len(op.rest.chunks) > 0 {
			resp.Result = s.chunkLocked(op, 0)
		}
		if op.rest.wholeLocked() {
			op.rest.delivered = true
		}
	}
	rep := restReply{status: http.StatusOK, body: resp, op: op, state: state}
	if st.Error != nil {
		rep.sqlState, rep.message = st.SQLState, st.Error.Message
	}
	return rep
}

// restChunk answers GET .../result/chunks/{n}.
func (s *Server) restChunk(op *operation, k handleKey, n string) restReply {
	if op == nil {
		return apiError(http.StatusBadRequest, "INVALID_STATE", "Statement "+describeKey(k)+" is CLOSED: its result is no longer available")
	}
	op.touch()
	op.mu.Lock()
	defer op.mu.Unlock()
	st, _ := op.restStateLocked()
	if st.State != "SUCCEEDED" {
		rep := apiError(http.StatusBadRequest, "INVALID_STATE", "Statement "+op.h.String()+" is "+st.State+": it has no result to fetch")
		rep.op = op
		return rep
	}
	i, err := strconv.Atoi(n)
	if err != nil || i < 0 || i >= len(op.rest.chunks) || strings.HasPrefix(n, "+") {
		rep := apiError(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "Invalid chunk index '"+loggedID(n)+"': the result has "+
			strconv.Itoa(len(op.rest.chunks))+" chunks")
		rep.op = op
		return rep
	}
	if ready := op.rest.chunks[i].ready; ready != nil {
		// A chunk encoded in the background: wait for it without op.mu,
		// so that polls, cancel and close go on meanwhile. Closing the
		// statement ends the wait.
		op.mu.Unlock()
		<-ready
		op.mu.Lock()
		// A chunk failed by the close (errStatementClosed) can wake the
		// wait before the close is visible in the state: it is the same
		// answer as a chunk of a closed statement.
		st, _ := op.restStateLocked()
		if err := op.rest.chunks[i].err; st.State != "SUCCEEDED" || errors.Is(err, errStatementClosed) {
			if st.State == "SUCCEEDED" {
				st.State = "CLOSED"
			}
			rep := apiError(http.StatusBadRequest, "INVALID_STATE", "Statement "+op.h.String()+" is "+st.State+": it has no result to fetch")
			rep.op = op
			return rep
		}
		if err := op.rest.chunks[i].err; err != nil {
			rep := apiError(http.StatusInternalServerError, "INTERNAL_ERROR", "result chunk "+strconv.Itoa(i)+": "+err.Error())
			rep.op = op
			return rep
		}
	}
	return restReply{status: http.StatusOK, body: s.chunkLocked(op, i), op: op, state: StateFinished}
}

// restSubmit answers POST /api/2.0/sql/statements: it starts the statement
// and waits up to wait_timeout for it to end (a scripted statement answers
// its first step at once); with on_wait_timeout CANCEL a statement still
// running then is cancelled.
func (s *Server) restSubmit(ctx context.Context, body []byte) restReply {
	req, err := parseSubmit(body)
	if err != nil {
		return apiError(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", err.Error())
	}
	if req.WarehouseID != s.cfg.warehouseID {
		return apiError(http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "Warehouse "+loggedID(req.WarehouseID)+" does not exist")
	}
	o := s.cfg.rest
	if req.hybrid && o.NoHybrid {
		return apiError(http.StatusBadRequest, "INVALID_PARAMETER_VALUE",
			`Invalid value for field 'disposition': "INLINE_OR_EXTERNAL_LINKS" is not supported (INLINE or EXTERNAL_LINKS)`)
	}
	ns := s.defaultNS
	if c := req.Catalog; c != "" && s.hasCatalog(ctx, c) {
		ns.catalog = c
	}
	if req.Schema != "" {
		ns.schema = req.Schema
	}
	op := newOperation(handleKey{}, req.Statement, nil, ns)
	op.tags = req.tags
	if rep := s.bindSession(ctx, op, req); rep != nil {
		return *rep
	}
	ns = op.ns
	op.arrow, op.lz4, op.arrowOpt = req.format == "ARROW_STREAM", req.lz4, restArrowOptions
	op.rest = &restExec{format: req.format, links: req.links, hybrid: req.hybrid, hybridLimit: o.HybridInlineLimit,
		lz4: req.lz4, rowLimit: req.rowLimit, byteLimit: req.byteLimit, chunkRows: o.ChunkRows, batchRows: s.cfg.batchRows,
		inlineLimit: o.InlineLimit}
	if req.rowLimit > 0 {
		op.rowLimit = req.rowLimit + 1 // one more row tells whether the limit truncated the result
	}
	var bindErr *opError
	if req.Schema != "" {
		if st := s.checkNamespace(ctx, ns); st != nil {
			bindErr = &opError{sqlState: st.GetSqlState(), message: st.GetErrorMessage()}
		}
	}
	if bindErr == nil && len(req.Parameters) > 0 {
		q, args, err := bindParams(req.Statement, sparkParams(req.Parameters))
		if err != nil {
			var ce *classError
			if !errors.As(err, &ce) {
				ce = &classError{class: "INVALID_PARAMETER_VALUE", state: "22023", msg: err.Error() + "."}
			}
			bindErr = ce.opErr()
		}
		op.query, op.args = q, args
	}
	op.runCtx, op.cancel = context.WithCancel(s.baseCtx)
	if op.timeout > 0 {
		op.runCtx, op.cancel = context.WithTimeout(s.baseCtx, op.timeout)
	}
	var sc *Script
	if bindErr == nil {
		sc = s.scripts.match(req.Statement)
	}
	if sc != nil && len(sc.Steps) > 0 {
		op.script = &scriptRun{sc: sc}
		op.state = sc.Steps[0].State.wire()
	}
	s.mu.Lock()
	if s.isClosing() {
		s.mu.Unlock()
		op.cancel()
		return apiError(http.StatusServiceUnavailable, "TEMPORARILY_UNAVAILABLE", "The warehouse is shutting down")
	}
	if !s.attachLocked(op) {
		s.mu.Unlock()
		op.cancel()
		_, rep := s.lookupRESTSession(req.SessionID)
		return *rep
	}
	s.ops[op.h.guid] = op
	s.mu.Unlock()
	switch {
	case bindErr != nil:
		op.mu.Lock()
		op.finishLocked(tcli.TOperationState_ERROR_STATE, bindErr)
		op.mu.Unlock()
		op.cancel()
	case op.script != nil: // its steps come first
	case sc != nil:
		s.endScript(op, sc)
	default:
		s.start(op)
	}
	if op.script == nil && req.wait > 0 {
		op.wait(ctx, req.wait, s.closing)
		if state, _, _ := op.snapshot(); !isTerminal(state) && req.cancelAt {
			op.cancelOp()
		}
	}
	return s.statementReply(op)
}

// sparkParams are the API's parameters in the form the binder takes, the
// positional ones in the order of their ordinals.
func sparkParams(ps []restParameter) []*tcli.TSparkParameter {
	ps = slices.Clone(ps)
	slices.SortStableFunc(ps, func(a, b restParameter) int { return cmp.Compare(a.Ordinal, b.Ordinal) })
	out := make([]*tcli.TSparkParameter, len(ps))
	for i, p := range ps {
		name, typ := p.Name, p.Type
		if typ == "" {
			typ = "STRING"
		}
		sp := &tcli.TSparkParameter{Type: &typ}
		if name != "" {
			sp.Name = &name
		}
		if p.Value != nil {
			v := *p.Value
			sp.Value = &tcli.TSparkParameterValue{StringValue: &v}
		}
		out[i] = sp
	}
	return out
}
