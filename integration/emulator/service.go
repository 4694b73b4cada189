package emulator

import (
	"context"
	"time"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// service implements tcli.TCLIService on top of the Server's state.
type service struct{ s *Server }

var _ tcli.TCLIService = service{}

// OpenSession implements tcli.TCLIService.
func (v service) OpenSession(ctx context.Context, req *tcli.TOpenSessionReq) (*tcli.TOpenSessionResp, error) {
	if req == nil {
		return &tcli.TOpenSessionResp{Status: missingRequest(), ServerProtocolVersion: v.s.cfg.maxProtocol}, nil
	}
	resp := v.s.openSession(ctx, req)
	v.s.note(ctx, nil, resp.Status, nil)
	return resp, nil
}

// CloseSession implements tcli.TCLIService.
func (v service) CloseSession(ctx context.Context, req *tcli.TCloseSessionReq) (*tcli.TCloseSessionResp, error) {
	if req == nil {
		return &tcli.TCloseSessionResp{Status: missingRequest()}, nil
	}
	resp := v.s.closeSession(req)
	v.s.note(ctx, nil, resp.Status, nil)
	return resp, nil
}

// ExecuteStatement implements tcli.TCLIService.
func (v service) ExecuteStatement(ctx context.Context, req *tcli.TExecuteStatementReq) (*tcli.TExecuteStatementResp, error) {
	if req == nil {
		return &tcli.TExecuteStatementResp{Status: missingRequest()}, nil
	}
	resp, op := v.s.executeStatement(ctx, req)
	var status *tcli.TGetOperationStatusResp
	if resp.DirectResults != nil {
		status = resp.DirectResults.OperationStatus
	}
	v.s.note(ctx, op, resp.Status, status)
	return resp, nil
}

// GetOperationStatus implements tcli.TCLIService: held up to the status
// hold while the statement runs.
func (v service) GetOperationStatus(ctx context.Context, req *tcli.TGetOperationStatusReq) (*tcli.TGetOperationStatusResp, error) {
	if req == nil {
		return &tcli.TGetOperationStatusResp{Status: missingRequest()}, nil
	}
	op, st := v.s.lookupOp(req.OperationHandle, false)
	if st != nil {
		v.s.note(ctx, nil, st, nil)
		return &tcli.TGetOperationStatusResp{Status: st}, nil
	}
	op.touch()
	if !op.scriptedPoll() {
		op.wait(ctx, v.s.cfg.statusHold, v.s.closing)
	}
	op.touch()
	resp := op.statusResp()
	v.s.note(ctx, op, resp.Status, resp)
	v.s.advanceScript(op)
	return resp, nil
}

// CancelOperation implements tcli.TCLIService.
func (v service) CancelOperation(ctx context.Context, req *tcli.TCancelOperationReq) (*tcli.TCancelOperationResp, error) {
	if req == nil {
		return &tcli.TCancelOperationResp{Status: missingRequest()}, nil
	}
	op, st := v.s.lookupOp(req.OperationHandle, true)
	v.s.note(ctx, op, st, nil)
	if st != nil {
		return &tcli.TCancelOperationResp{Status: st}, nil
	}
	op.touch()
	op.cancelOp()
	return &tcli.TCancelOperationResp{Status: okStatus()}, nil
}

// CloseOperation implements tcli.TCLIService.
func (v service) CloseOperation(ctx context.Context, req *tcli.TCloseOperationReq) (*tcli.TCloseOperationResp, error) {
	if req == nil {
		return &tcli.TCloseOperationResp{Status: missingRequest()}, nil
	}
	op, st := v.s.lookupOp(req.OperationHandle, true)
	v.s.note(ctx, op, st, nil)
	if st != nil {
		return &tcli.TCloseOperationResp{Status: st}, nil
	}
	v.s.dropOp(op)
	return &tcli.TCloseOperationResp{Status: okStatus()}, nil
}

// GetResultSetMetadata implements tcli.TCLIService.
func (v service) GetResultSetMetadata(ctx context.Context, req *tcli.TGetResultSetMetadataReq) (*tcli.TGetResultSetMetadataResp, error) {
	if req == nil {
		return &tcli.TGetResultSetMetadataResp{Status: missingRequest()}, nil
	}
	op, st := v.s.lookupOp(req.OperationHandle, true)
	if st == nil {
		op.touch()
		st = finishedStatus(op)
	}
	v.s.note(ctx, op, st, nil)
	if st != nil {
		return &tcli.TGetResultSetMetadataResp{Status: st}, nil
	}
	return op.metadataResp(), nil
}

// FetchResults implements tcli.TCLIService.
func (v service) FetchResults(ctx context.Context, req *tcli.TFetchResultsReq) (*tcli.TFetchResultsResp, error) {
	if req == nil {
		return &tcli.TFetchResultsResp{Status: missingRequest()}, nil
	}
	op, st := v.s.lookupOp(req.OperationHandle, true)
	if st != nil {
		v.s.note(ctx, nil, st, nil)
		return &tcli.TFetchResultsResp{Status: st}, nil
	}
	op.touch()
	resp := v.s.fetchResults(op, req)
	v.s.note(ctx, op, resp.Status, nil)
	return resp, nil
}

// missingRequest answers a call whose argument struct is absent.
func missingRequest() *tcli.TStatus { return errStatus("08S01", "Required field 'req' is unset") }

// finishedStatus is nil when op finished successfully, else the error to
// answer a metadata or fetch call with.
func finishedStatus(op *operation) *tcli.TStatus {
	state, _, e := op.snapshot()
	switch {
	case state == tcli.TOperationState_FINISHED_STATE:
		return nil
	case e != nil:
		return opErrStatus(e)
	case isTerminal(state):
		return errStatus("HY008", "Operation is "+state.String())
	default:
		return errStatus("HY010", "Operation is not finished: "+state.String())
	}
}

// fetchResults answers one FetchResults call.
func (s *Server) fetchResults(op *operation, req *tcli.TFetchResultsReq) *tcli.TFetchResultsResp {
	if req.FetchType == 1 { // logs: none
		f := false
		return &tcli.TFetchResultsResp{Status: okStatus(), HasMoreRows: &f,
			Results: &tcli.TRowSet{Rows: []*tcli.TRow{}, Columns: []*tcli.TColumn{}}}
	}
	if st := finishedStatus(op); st != nil {
		return &tcli.TFetchResultsResp{Status: st}
	}
	var fromStart bool
	switch req.Orientation {
	case tcli.TFetchOrientation_FETCH_NEXT:
	case tcli.TFetchOrientation_FETCH_FIRST:
		fromStart = true
	default:
		return &tcli.TFetchResultsResp{Status: errStatus("HYC00", "Unsupported fetch orientation "+req.Orientation.String())}
	}
	offset := req.StartRowOffset
	if op.hive {
		offset = nil
	}
	rs, more, st := op.fetch(req.MaxRows, req.GetMaxBytes(), s.cfg.maxPageRows, s.cfg.batchRows, fromStart, offset)
	if st != nil {
		return &tcli.TFetchResultsResp{Status: st}
	}
	if op.hive {
		more = false
	}
	resp := &tcli.TFetchResultsResp{Status: okStatus(), HasMoreRows: &more, Results: rs}
	if req.GetIncludeResultSetMetadata() {
		resp.ResultSetMetadata = op.metadataResp()
	}
	return resp
}

// lookupOp finds an operation. Status works with the guid alone; the other
// calls need the secret too. Evicted operations answer with the inactivity
// message.
func (s *Server) lookupOp(h *tcli.TOperationHandle, needSecret bool) (*operation, *tcli.TStatus) {
	if h == nil {
		return nil, invalidHandle("Invalid OperationHandle")
	}
	k, ok := keyOf(h.OperationId)
	if !ok {
		return nil, invalidHandle("Invalid OperationHandle")
	}
	s.mu.Lock()
	op := s.ops[k]
	_, evicted := s.evicted[k]
	s.mu.Unlock()
	if op == nil {
		if evicted {
			return nil, invalidHandle(inactivityMessage + ": " + describeKey(k))
		}
		return nil, invalidHandle("Invalid OperationHandle: " + describeKey(k))
	}
	if (needSecret || len(h.OperationId.Secret) > 0) && !op.h.secretMatches(h.OperationId) {
		return nil, invalidHandle("Invalid OperationHandle: " + describeKey(k))
	}
	return op, nil
}

// dropOp closes an operation and forgets it.
func (s *Server) dropOp(op *operation) {
	s.mu.Lock()
	delete(s.ops, op.h.guid)
	if sess := s.sessions[op.sessKey]; sess != nil {
		sess.mu.Lock()
		delete(sess.ops, op.h.guid)
		sess.mu.Unlock()
	}
	s.mu.Unlock()
	op.closeOp()
}

// evictIdle evicts operations idle for longer than the eviction time.
func (s *Server) evictIdle(now time.Time) {
	s.mu.Lock()
	var idle []*operation
	for _, op := range s.ops {
		if s.expired(op, now) {
			idle = append(idle, op)
		}
	}
	for k, at := range s.evicted {
		if now.Sub(at) > 24*time.Hour {
			delete(s.evicted, k)
		}
	}
	for _, op := range idle {
		s.evicted[op.h.guid] = now
	}
	s.mu.Unlock()
	for _, op := range idle {
		s.cfg.logger.Debug("operation evicted", "operation", op.h.String())
		s.dropOp(op)
	}
}
