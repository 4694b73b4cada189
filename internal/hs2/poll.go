package hs2

import (
	"context"
	"time"

	"github.com/asyncsql/databricks/internal/backoff"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// Terminal reports whether a state ends an operation: anything but
// initialized, pending and running. (UKNOWN_STATE counts as final, as the
// server sends it only for operations it lost track of.)
func Terminal(s tcli.TOperationState) bool {
	switch s {
	case tcli.TOperationState_INITIALIZED_STATE, tcli.TOperationState_PENDING_STATE, tcli.TOperationState_RUNNING_STATE:
		return false
	}
	return true
}

// Status makes one GetOperationStatus call. A status without a state counts
// as running. When ctx has ended, the error is ctx's.
func (c *Client) Status(ctx context.Context, h *tcli.TOperationHandle) (*tcli.TGetOperationStatusResp, error) {
	id := StatementID(h)
	resp, err := c.svc.GetOperationStatus(ctx, &tcli.TGetOperationStatusReq{OperationHandle: h})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, c.rpcErr(err, id)
	}
	if err := c.checkStatus("GetOperationStatus", resp.Status, id); err != nil {
		return nil, err
	}
	if resp.OperationState == nil {
		resp.OperationState = ptr(tcli.TOperationState_RUNNING_STATE)
	}
	return resp, nil
}

// Wait polls op until it reaches a terminal state or ctx is done. On ctx
// done, or when a status call fails, it cancels and closes the operation on
// a bounded detached context (the statement may still run) and returns the
// error (ctx.Err() once ctx is done). Terminal failures are returned as the
// status only: callers use Outcome.
func (c *Client) Wait(ctx context.Context, op *Operation) (*tcli.TGetOperationStatusResp, error) {
	if op.Status != nil && op.Status.OperationState != nil && Terminal(*op.Status.OperationState) {
		return op.Status, nil
	}
	b := backoff.New(c.opts.Poll)
	for {
		resp, err := c.Status(ctx, op.Handle)
		if err != nil {
			c.Cleanup(ctx, op, CancelAndClose)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		op.Status = resp
		if Terminal(resp.GetOperationState()) {
			return resp, nil
		}
		t := time.NewTimer(b.Next())
		select {
		case <-ctx.Done():
			t.Stop()
			c.Cleanup(ctx, op, CancelAndClose)
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}
