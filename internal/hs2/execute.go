package hs2

import (
	"context"
	"time"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// ExecuteReplyTimeout bounds how long an ExecuteStatement reply is still read
// after the caller's context is done.
const ExecuteReplyTimeout = 2 * time.Minute

// Lifetime says who closes an operation on the server.
type Lifetime uint8

const (
	// Owned operations are closed by the driver once their result is read
	// or abandoned.
	Owned Lifetime = iota
	// Kept operations stay on the server until the application closes
	// them (a result read by reference): the driver never closes them.
	Kept
	// Closed operations are closed already, by the server
	// (directResults.closeOperation) or by the driver.
	Closed
)

// Operation is a submitted statement.
type Operation struct {
	Handle *tcli.TOperationHandle
	// ID is the statement ID (StatementID of Handle).
	ID      string
	Session *Session
	// Direct holds the direct results of ExecuteStatement, if any.
	Direct *tcli.TSparkDirectResults
	// Status is the latest status response.
	Status *tcli.TGetOperationStatusResp
	// Lifetime says whether the driver still has to close the operation.
	Lifetime Lifetime
}

// keptOperation returns the operation that ref names, to be read and never
// closed.
func keptOperation(ref Ref) *Operation {
	return &Operation{Handle: ref.Handle(), ID: ref.StatementID(), Session: ref.Sess(), Lifetime: Kept}
}

// newOperation is the operation of an accepted ExecuteStatement or
// metadata reply.
func newOperation(resp submitted, s *Session) *Operation {
	op := &Operation{Handle: resp.handle, ID: StatementID(resp.handle), Session: s, Direct: resp.direct}
	if d := op.Direct; d != nil {
		op.Status = d.OperationStatus
		if d.CloseOperation != nil {
			op.Lifetime = Closed
		}
	}
	return op
}

// SparkProtocol reports whether op's server speaks the Spark protocol.
func (op *Operation) SparkProtocol() bool { return op.Session.SparkProtocol() }

// RowsAffected is the modified row count of a finished operation.
func (op *Operation) RowsAffected() int64 {
	if op.Status != nil && op.Status.NumModifiedRows != nil {
		return *op.Status.NumModifiedRows
	}
	if op.Handle != nil && op.Handle.ModifiedRowCount != nil {
		return int64(*op.Handle.ModifiedRowCount)
	}
	return 0
}

// HasResultSet reports whether a finished operation has rows to fetch.
func (op *Operation) HasResultSet() bool {
	if op.Direct != nil && (op.Direct.ResultSetMetadata != nil || op.Direct.ResultSet != nil) {
		return true
	}
	if op.Status != nil && op.Status.HasResultSet != nil {
		return *op.Status.HasResultSet
	}
	return op.Handle.HasResultSet
}

// ExecOptions select how a statement is submitted.
type ExecOptions struct {
	// DirectResults asks for direct results (when the server supports
	// them).
	DirectResults bool
	// Params are the statement's query parameters.
	Params []*tcli.TSparkParameter
	// QueryTags are the statement's query tags, sent in the confOverlay
	// (StatementTagsKey); the server adds them to the session's.
	QueryTags map[string]string
	// Submitted, when set, is called with the statement ID as soon as the
	// server has accepted the statement, on the calling goroutine.
	Submitted func(id string)
	// ResultRowLimit, when positive, is sent as resultRowLimit: the most
	// rows the server returns.
	ResultRowLimit int64
}

// BuildExecute builds the ExecuteStatement request for a session.
func (c *Client) BuildExecute(s *Session, query string, o ExecOptions) (*tcli.TExecuteStatementReq, error) {
	req := &tcli.TExecuteStatementReq{
		SessionHandle: s.Handle,
		Statement:     query,
		RunAsync:      true,
	}
	if t := c.opts.QueryTimeout; t > 0 {
		secs := int64(t / time.Second)
		if t%time.Second != 0 {
			secs++
		}
		req.QueryTimeout = secs
	}
	if o.ResultRowLimit > 0 {
		req.ResultRowLimit = ptr(o.ResultRowLimit)
	}
	if o.DirectResults && s.DirectResults() {
		req.GetDirectResults = &tcli.TSparkGetDirectResults{MaxRows: c.opts.MaxRows}
	}
	if c.opts.UseArrow && s.Arrow() {
		req.CanReadArrowResult_ = ptr(true)
		req.UseArrowNativeTypes = &tcli.TSparkArrowTypes{
			TimestampAsArrow:     ptr(true),
			DecimalAsArrow:       ptr(true),
			ComplexTypesAsArrow:  ptr(c.opts.UseArrowComplexTypes),
			IntervalTypesAsArrow: ptr(false),
			NullTypeAsArrow:      ptr(true),
		}
		if c.opts.UseLZ4 && s.LZ4() {
			req.CanDecompressLZ4Result_ = ptr(true)
		}
	}
	// Result files are Arrow streams: links need Arrow too.
	if c.opts.UseArrow && c.opts.UseCloudFetch && s.CloudFetch() {
		req.CanDownloadResult_ = ptr(true)
	}
	if len(o.Params) > 0 {
		if !s.Parameters() {
			return nil, ErrParametersNotSupported
		}
		req.Parameters = o.Params
	}
	if len(o.QueryTags) > 0 {
		if err := CheckQueryTags(o.QueryTags); err != nil {
			return nil, err
		}
		req.ConfOverlay = map[string]string{StatementTagsKey: FormatQueryTags(o.QueryTags)}
	}
	return req, nil
}

// Execute submits a statement and returns once the server accepted it. When
// ctx is done while the call is in flight, the reply is still read on a
// bounded detached context in the background and the operation is cancelled
// and closed; Execute returns ctx.Err() at once. An error matching NotRun
// means that nothing ran.
func (c *Client) Execute(ctx context.Context, s *Session, query string, o ExecOptions) (*Operation, error) {
	req, err := c.BuildExecute(s, query, o)
	if err != nil {
		return nil, err
	}
	op, err := c.submit(ctx, s, "ExecuteStatement", func(ctx context.Context) (submitted, error) {
		resp, err := c.svc.ExecuteStatement(ctx, req)
		if err != nil || resp == nil {
			return submitted{}, err
		}
		return submitted{resp.Status, resp.OperationHandle, resp.DirectResults}, nil
	})
	if err != nil {
		return nil, err
	}
	if o.Submitted != nil {
		o.Submitted(op.ID)
	}
	c.log.Debug("databricks: statement submitted", "statement", op.ID)
	return op, nil
}

// submitted is what a call that starts an operation (ExecuteStatement, a
// metadata call) answers.
type submitted struct {
	status *tcli.TStatus
	handle *tcli.TOperationHandle
	direct *tcli.TSparkDirectResults
}

// submit makes a call that starts an operation in s and returns the
// operation once the server accepted it; see Execute for what happens when
// ctx is done during the call.
func (c *Client) submit(ctx context.Context, s *Session, method string, call func(context.Context) (submitted, error)) (*Operation, error) {
	resp, err := c.submitRPC(ctx, call)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, c.rpcErr(err, "")
	}
	id := StatementID(resp.handle)
	if err := c.checkStatus(method, resp.status, id); err != nil {
		if resp.handle != nil {
			c.Cleanup(ctx, &Operation{Handle: resp.handle, ID: id}, Close)
		}
		return nil, err
	}
	if resp.handle == nil {
		return nil, c.missing(method, "server returned no operation handle", "")
	}
	return newOperation(resp, s), nil
}

// submitRPC runs call on a context detached from ctx's cancellation, racing
// ctx. When ctx wins, the reply is read in the background and the operation
// it names is cancelled and closed.
func (c *Client) submitRPC(ctx context.Context, call func(context.Context) (submitted, error)) (submitted, error) {
	if ctx.Done() == nil {
		return call(ctx)
	}
	if err := ctx.Err(); err != nil {
		return submitted{}, err
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ExecuteReplyTimeout)
	type result struct {
		resp submitted
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		r, err := call(dctx)
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
		if r.err != nil || r.resp.handle == nil {
			return
		}
		op := newOperation(r.resp, nil)
		c.log.Debug("databricks: cancelling statement abandoned during submit", "statement", op.ID)
		c.Cleanup(dctx, op, CancelAndClose)
	})
	return submitted{}, ctx.Err()
}

// CleanupMode says what Cleanup does to an operation.
type CleanupMode uint8

const (
	// Close closes the operation (it has finished, or its result is read).
	Close CleanupMode = iota
	// CancelAndClose cancels the operation first: it may still run.
	CancelAndClose
)

// Cleanup cancels (with CancelAndClose) and closes an operation the driver
// owns, on a bounded detached context; errors are logged only. Operations
// kept or closed already are left alone.
func (c *Client) Cleanup(ctx context.Context, op *Operation, mode CleanupMode) {
	if op.Lifetime != Owned || op.Handle == nil {
		return
	}
	ctx, stop := context.WithTimeout(context.WithoutCancel(ctx), CleanupTimeout)
	defer stop()
	if mode == CancelAndClose {
		if err := c.CancelOperation(ctx, op.Handle); err != nil {
			c.log.Debug("databricks: cancel failed", "statement", op.ID, "err", err)
		}
	}
	if err := c.CloseOperation(ctx, op.Handle); err != nil {
		c.log.Debug("databricks: close failed", "statement", op.ID, "err", err)
	}
	op.Lifetime = Closed
}

// CancelOperation asks the server to cancel an operation.
func (c *Client) CancelOperation(ctx context.Context, h *tcli.TOperationHandle) error {
	id := StatementID(h)
	resp, err := c.svc.CancelOperation(ctx, &tcli.TCancelOperationReq{OperationHandle: h})
	if err != nil {
		return c.rpcErr(err, id)
	}
	return c.checkStatus("CancelOperation", resp.Status, id)
}

// CloseOperation closes an operation.
func (c *Client) CloseOperation(ctx context.Context, h *tcli.TOperationHandle) error {
	id := StatementID(h)
	resp, err := c.svc.CloseOperation(ctx, &tcli.TCloseOperationReq{OperationHandle: h})
	if err != nil {
		return c.rpcErr(err, id)
	}
	return c.checkStatus("CloseOperation", resp.Status, id)
}
