package hs2

import (
	"context"
	"errors"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// SubmitDetached runs a statement in a new session of its own, without
// results returned inline, so that the statement outlives the call: see
// driver.Connector.SubmitDetached. params are built before the session is
// opened. Once the request is sent, the reply is read on a context detached
// from ctx (bounded by ExecuteReplyTimeout); the reference is then returned
// with ctx's error. A non-zero Ref is returned whenever the server accepted
// the statement.
func (c *Client) SubmitDetached(ctx context.Context, query string, o ExecOptions) (Ref, error) {
	s, err := c.OpenSession(ctx)
	if err != nil {
		return Ref{}, err
	}
	o.DirectResults = false
	req, err := c.BuildExecute(s, query, o)
	if err == nil {
		err = ctx.Err() // nothing sent yet: nothing to follow
	}
	if err != nil {
		_ = c.CloseSession(ctx, s)
		return Ref{}, err
	}
	// The session is closed when the statement cannot be followed: closing
	// a session closes its operations on the server, so a reply lost on the
	// way cannot leave an orphan.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ExecuteReplyTimeout)
	defer cancel()
	resp, err := c.svc.ExecuteStatement(dctx, req)
	if err != nil {
		_ = c.CloseSession(dctx, s)
		return Ref{}, c.rpcErr(err, "")
	}
	id := StatementID(resp.OperationHandle)
	if err := c.checkStatus("ExecuteStatement", resp.Status, id); err != nil {
		_ = c.CloseSession(dctx, s)
		return Ref{}, err
	}
	if resp.OperationHandle == nil || resp.OperationHandle.OperationId == nil {
		_ = c.CloseSession(dctx, s)
		return Ref{}, c.missing("ExecuteStatement", "server returned no operation handle", "")
	}
	ref := Ref{
		Op:           handleFromThrift(resp.OperationHandle.OperationId),
		Session:      s.ID(),
		HasResultSet: resp.OperationHandle.HasResultSet,
		Protocol:     int64(s.Protocol),
	}
	if o.Submitted != nil {
		o.Submitted(id)
	}
	c.log.Debug("databricks: detached statement submitted", "statement", id)
	return ref, ctx.Err()
}

// CloseRef closes the operation that ref names, then its dedicated session.
// Unknown handles count as closed.
func (c *Client) CloseRef(ctx context.Context, ref Ref) error {
	err := c.CloseOperation(ctx, ref.Handle())
	if isInvalidHandle(err) {
		err = nil
	}
	if s := ref.Sess(); s != nil {
		err = errors.Join(err, c.CloseSession(ctx, s))
	}
	return err
}

// FirstPage fetches the first page of the result that ref names, with its
// metadata when the server includes it, and returns the operation to read
// it as, with the page in place of direct results; later pages follow with
// FETCH_NEXT. The operation is kept: reading it never closes it.
func (c *Client) FirstPage(ctx context.Context, ref Ref) (*Operation, error) {
	op := keptOperation(ref)
	req := &tcli.TFetchResultsReq{
		OperationHandle:          op.Handle,
		Orientation:              tcli.TFetchOrientation_FETCH_FIRST,
		MaxRows:                  c.opts.MaxRows,
		IncludeResultSetMetadata: ptr(true),
	}
	if tcli.TProtocolVersion(ref.Protocol) >= tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V1 {
		// Naming the first row makes the request safe to repeat, like
		// every page request of the fetcher.
		req.StartRowOffset = ptr(int64(0))
	}
	resp, err := c.FetchResults(ctx, req, op.ID)
	if err != nil {
		return nil, err
	}
	op.Direct = &tcli.TSparkDirectResults{ResultSetMetadata: resp.ResultSetMetadata, ResultSet: resp}
	return op, nil
}
