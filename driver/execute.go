package driver

import (
	"context"
	"time"

	sqldriver "database/sql/driver"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// executeReplyTimeout bounds how long the driver keeps reading an
// ExecuteStatement reply after the caller's context is done.
const executeReplyTimeout = 2 * time.Minute

// operation is a submitted statement.
type operation struct {
	handle *tcli.TOperationHandle
	id     string
	sess   *session
	// direct holds the direct results of ExecuteStatement, if any.
	direct *tcli.TSparkDirectResults
	// status is the latest status response.
	status *tcli.TGetOperationStatusResp
	// serverClosed is true when the server already closed the operation
	// (directResults.closeOperation).
	serverClosed bool
	// kept marks an operation whose result stays on the server until the
	// application closes it (OperationRows): the driver never closes it.
	kept bool
}

// execOptions selects how a statement is submitted.
type execOptions struct {
	// direct asks for direct results (when the server supports them).
	direct bool
}

// buildExecute builds the ExecuteStatement request for a session.
func (c *Connector) buildExecute(s *session, query string, args []sqldriver.NamedValue, o execOptions) (*tcli.TExecuteStatementReq, error) {
	req := &tcli.TExecuteStatementReq{
		SessionHandle: s.handle,
		Statement:     query,
		RunAsync:      true,
	}
	if t := c.cfg.QueryTimeout; t > 0 {
		secs := int64(t / time.Second)
		if t%time.Second != 0 {
			secs++
		}
		req.QueryTimeout = secs
	}
	if o.direct && s.directResults() {
		req.GetDirectResults = &tcli.TSparkGetDirectResults{MaxRows: c.maxRows()}
	}
	if c.cfg.UseArrow && s.arrow() {
		req.CanReadArrowResult_ = ptr(true)
		req.UseArrowNativeTypes = &tcli.TSparkArrowTypes{
			TimestampAsArrow:     ptr(true),
			DecimalAsArrow:       ptr(true),
			ComplexTypesAsArrow:  ptr(c.cfg.UseArrowComplexTypes),
			IntervalTypesAsArrow: ptr(false),
			NullTypeAsArrow:      ptr(true),
		}
		if c.cfg.UseLZ4 && s.lz4() {
			req.CanDecompressLZ4Result_ = ptr(true)
		}
	}
	// Result files are Arrow streams: links need Arrow too.
	if c.cfg.UseArrow && c.cfg.UseCloudFetch && s.proto >= tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V3 {
		req.CanDownloadResult_ = ptr(true)
	}
	if len(args) > 0 {
		if !s.parameters() {
			return nil, ErrParametersNotSupported
		}
		params, err := buildParameters(args)
		if err != nil {
			return nil, err
		}
		req.Parameters = params
	}
	return req, nil
}

// execute submits a statement and returns once the server accepted it. When ctx
// is done while the call is in flight, the reply is still read on a bounded
// detached context in the background and the operation is cancelled and
// closed; execute returns ctx.Err() at once.
func (c *Connector) execute(ctx context.Context, s *session, query string, args []sqldriver.NamedValue, o execOptions) (*operation, error) {
	req, err := c.buildExecute(s, query, args, o)
	if err != nil {
		return nil, err
	}
	resp, err := c.executeRPC(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if notRunError(err) {
			return nil, badConn(wrapRPC(err, ""))
		}
		return nil, wrapRPC(err, "")
	}
	op := &operation{handle: resp.OperationHandle, id: statementID(resp.OperationHandle), sess: s, direct: resp.DirectResults}
	if err := checkStatus("ExecuteStatement", resp.Status, op.id); err != nil {
		if op.handle != nil {
			c.cleanupOp(ctx, op, false)
		}
		return nil, err
	}
	if op.handle == nil {
		return nil, &ServerError{Method: "ExecuteStatement", Message: "server returned no operation handle"}
	}
	if fn := statementIDCallback(ctx); fn != nil {
		fn(op.id)
	}
	c.log.Debug("databricks: statement submitted", "statement", op.id)
	if d := op.direct; d != nil {
		op.status = d.OperationStatus
		op.serverClosed = d.CloseOperation != nil
	}
	return op, nil
}

// executeRPC runs ExecuteStatement on a context detached from ctx's
// cancellation, racing ctx.
func (c *Connector) executeRPC(ctx context.Context, req *tcli.TExecuteStatementReq) (*tcli.TExecuteStatementResp, error) {
	if ctx.Done() == nil {
		return c.svc.ExecuteStatement(ctx, req)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), executeReplyTimeout)
	type result struct {
		resp *tcli.TExecuteStatementResp
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		r, err := c.svc.ExecuteStatement(dctx, req)
		ch <- result{r, err}
	}()
	select {
	case r := <-ch:
		cancel()
		return r.resp, r.err
	case <-ctx.Done():
	}
	c.background(func() {
		defer cancel()
		r := <-ch
		if r.err != nil || r.resp == nil || r.resp.OperationHandle == nil {
			return
		}
		op := &operation{handle: r.resp.OperationHandle, id: statementID(r.resp.OperationHandle)}
		op.serverClosed = r.resp.DirectResults != nil && r.resp.DirectResults.CloseOperation != nil
		c.log.Debug("databricks: cancelling statement abandoned during submit", "statement", op.id)
		c.cleanupOp(dctx, op, true)
	})
	return nil, ctx.Err()
}

// cleanupOp cancels (when cancel is set) and closes an operation on a bounded
// detached context; errors are logged only.
func (c *Connector) cleanupOp(ctx context.Context, op *operation, cancel bool) {
	if op.serverClosed || op.handle == nil || op.kept {
		return
	}
	ctx, stop := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer stop()
	if cancel {
		if err := c.cancelOp(ctx, op.handle); err != nil {
			c.log.Debug("databricks: cancel failed", "statement", op.id, "err", err)
		}
	}
	if err := c.closeOp(ctx, op.handle); err != nil {
		c.log.Debug("databricks: close failed", "statement", op.id, "err", err)
	}
	op.serverClosed = true
}

func (c *Connector) cancelOp(ctx context.Context, h *tcli.TOperationHandle) error {
	resp, err := c.svc.CancelOperation(ctx, &tcli.TCancelOperationReq{OperationHandle: h})
	if err == nil {
		err = checkStatus("CancelOperation", resp.Status, statementID(h))
	}
	return wrapRPC(err, statementID(h))
}

func (c *Connector) closeOp(ctx context.Context, h *tcli.TOperationHandle) error {
	resp, err := c.svc.CloseOperation(ctx, &tcli.TCloseOperationReq{OperationHandle: h})
	if err == nil {
		err = checkStatus("CloseOperation", resp.Status, statementID(h))
	}
	return wrapRPC(err, statementID(h))
}

// rowsAffected extracts the modified row count of a finished operation.
func rowsAffected(op *operation) int64 {
	if op.status != nil && op.status.NumModifiedRows != nil {
		return *op.status.NumModifiedRows
	}
	if op.handle != nil && op.handle.ModifiedRowCount != nil {
		return int64(*op.handle.ModifiedRowCount)
	}
	return 0
}

type stmtIDKey struct{}

// WithStatementIDCallback returns a context that makes the driver call fn with
// the statement ID (the operation GUID as a UUID) as soon as ExecuteStatement
// returns, before the statement finishes. fn runs on the calling goroutine.
func WithStatementIDCallback(ctx context.Context, fn func(id string)) context.Context {
	return context.WithValue(ctx, stmtIDKey{}, fn)
}

func statementIDCallback(ctx context.Context) func(string) {
	fn, _ := ctx.Value(stmtIDKey{}).(func(string))
	return fn
}
