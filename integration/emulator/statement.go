package emulator

import (
	"context"
	"errors"
	"time"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// executeStatement implements ExecuteStatement. The statement always runs
// in the background; the call then waits: without runAsync until it is
// done, with runAsync and getDirectResults up to the direct-results hold,
// with runAsync alone not at all.
//
// It also returns the operation, nil when none was created.
func (s *Server) executeStatement(ctx context.Context, req *tcli.TExecuteStatementReq) (*tcli.TExecuteStatementResp, *operation) {
	sess, st := s.lookupSession(req.SessionHandle)
	if st != nil {
		return &tcli.TExecuteStatementResp{Status: st}, nil
	}
	proto := sess.protocol
	query := req.Statement
	op := newOperation(sess.h.guid, req.Statement, nil, namespace{})
	tags, err := statementTags(sess.tags, req)
	if err != nil {
		return &tcli.TExecuteStatementResp{Status: invalidTags(err)}, nil
	}
	op.tags = tags
	if len(req.Parameters) > 0 {
		// A warehouse binds native parameters whatever version the session
		// negotiated (the Python connector asks for SPARK V7 and sends them);
		// servers without the Databricks extensions, or emulating a runtime
		// before SPARK V8, refuse them.
		if !spark(proto, 1) || !spark(s.cfg.maxProtocol, 8) {
			return &tcli.TExecuteStatementResp{Status: classStatus(&classError{class: "UNSUPPORTED_FEATURE.PARAMETERIZED_QUERIES",
				state: "0A000", msg: "The feature is not supported: parameterized queries on a server below SPARK_CLI_SERVICE_PROTOCOL_V8."})}, nil
		}
		q, nargs, err := bindParams(req.Statement, req.Parameters)
		if err != nil {
			var ce *classError
			if !errors.As(err, &ce) {
				ce = &classError{class: "INVALID_PARAMETER_VALUE", state: "22023", msg: err.Error() + "."}
			}
			return &tcli.TExecuteStatementResp{Status: classStatus(ce)}, nil
		}
		query, op.args = q, nargs
	}
	op.query = query
	sess.mu.Lock()
	op.ns = sess.ns
	sess.mu.Unlock()
	op.hive = !spark(proto, 1)
	op.arrow = spark(proto, 5) && req.GetCanReadArrowResult_()
	op.lz4 = op.arrow && spark(proto, 6) && req.GetCanDecompressLZ4Result_()
	if t := req.UseArrowNativeTypes; t != nil {
		op.arrowOpt = arrowOptions{decimalAsArrow: t.GetDecimalAsArrow(), nullAsArrow: t.GetNullTypeAsArrow(),
			complexAsArrow: t.GetComplexTypesAsArrow()}
	}
	op.rowLimit = req.GetResultRowLimit()
	if s.cfg.links != nil && op.arrow && spark(proto, 3) && req.GetCanDownloadResult_() {
		op.links, op.store, op.fileBase = s.cfg.links, &s.files, s.fileBase()
	}
	op.loc = sess.loc

	runCtx, cancel := context.WithCancel(s.baseCtx)
	if req.QueryTimeout > 0 {
		op.timeout = time.Duration(req.QueryTimeout) * time.Second
		runCtx, cancel = context.WithTimeout(s.baseCtx, op.timeout)
	}
	op.runCtx, op.cancel = runCtx, cancel
	sc := s.scripts.match(req.Statement)
	if sc != nil && req.RunAsync && len(sc.Steps) > 0 {
		op.script = &scriptRun{sc: sc}
		op.state = sc.Steps[0].State.wire()
	}

	s.mu.Lock()
	if s.isClosing() {
		s.mu.Unlock()
		cancel()
		return &tcli.TExecuteStatementResp{Status: errStatus("08006", "server is shutting down")}, nil
	}
	s.ops[op.h.guid] = op
	sess.mu.Lock()
	sess.ops[op.h.guid] = op
	sess.mu.Unlock()
	s.mu.Unlock()
	switch {
	case op.script != nil: // its steps come first
	case sc != nil:
		s.endScript(op, sc)
	default:
		s.start(op)
	}

	direct := req.GetDirectResults != nil && spark(proto, 1)
	switch {
	case !req.RunAsync:
		op.wait(ctx, -1, s.closing)
	case direct && op.script == nil:
		op.wait(ctx, s.cfg.directHold, s.closing)
	}
	op.touch()
	resp := &tcli.TExecuteStatementResp{Status: okStatus(), OperationHandle: op.handleFor()}
	if direct {
		resp.DirectResults = s.directResults(op, req.GetDirectResults)
	}
	return resp, op
}

// directResults fills TSparkDirectResults: the status; once finished the
// metadata and the first page (empty without a result set); closeOperation
// (and the operation is dropped) when that page holds the whole result or
// the statement failed, was cancelled or timed out.
func (s *Server) directResults(op *operation, d *tcli.TSparkGetDirectResults) *tcli.TSparkDirectResults {
	// The state decides, and the status is read after it: a statement that
	// finishes between the two reads is then FINISHED in both, never a
	// RUNNING status beside a closeOperation.
	state, _, _ := op.snapshot()
	dr := &tcli.TSparkDirectResults{OperationStatus: op.statusResp()}
	if !isTerminal(state) {
		return dr
	}
	if state != tcli.TOperationState_FINISHED_STATE {
		// Failed, cancelled or timed out: the status says all; the
		// operation is closed inline like a complete result.
		dr.CloseOperation = &tcli.TCloseOperationResp{Status: okStatus()}
		s.dropOp(op)
		return dr
	}
	// Metadata and a (possibly empty) first page also for statements without
	// a result set: clients read isStagingOperation from the metadata.
	dr.ResultSetMetadata = op.metadataResp()
	rs, more, st := op.fetch(d.MaxRows, d.GetMaxBytes(), s.cfg.maxPageRows, s.cfg.batchRows, false, nil)
	if st != nil {
		dr.ResultSet = &tcli.TFetchResultsResp{Status: st}
		return dr
	}
	dr.ResultSet = &tcli.TFetchResultsResp{Status: okStatus(), HasMoreRows: &more, Results: rs}
	if !more {
		dr.CloseOperation = &tcli.TCloseOperationResp{Status: okStatus()}
		s.dropOp(op)
	}
	return dr
}
