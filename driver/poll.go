package driver

import (
	"context"
	"time"

	"github.com/asyncsql/databricks/internal/backoff"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// terminal reports whether a state ends an operation.
func terminal(s tcli.TOperationState) bool {
	switch s {
	case tcli.TOperationState_INITIALIZED_STATE, tcli.TOperationState_PENDING_STATE, tcli.TOperationState_RUNNING_STATE:
		return false
	}
	return true
}

// statusOutcome converts a terminal status into nil (FINISHED) or a *ServerError.
func statusOutcome(resp *tcli.TGetOperationStatusResp, stmtID string) error {
	if resp.GetOperationState() == tcli.TOperationState_FINISHED_STATE {
		return nil
	}
	return stateError(resp, stmtID)
}

// getStatus makes one GetOperationStatus call.
func (c *Connector) getStatus(ctx context.Context, h *tcli.TOperationHandle) (*tcli.TGetOperationStatusResp, error) {
	id := statementID(h)
	resp, err := c.svc.GetOperationStatus(ctx, &tcli.TGetOperationStatusReq{OperationHandle: h})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, wrapRPC(err, id)
	}
	if err := checkStatus("GetOperationStatus", resp.Status, id); err != nil {
		return nil, err
	}
	if resp.OperationState == nil {
		// A status without a state is treated as still running.
		resp.OperationState = ptr(tcli.TOperationState_RUNNING_STATE)
	}
	return resp, nil
}

// wait polls op until it reaches a terminal state, ctx is done, or deadline
// (when non-zero) passes. On ctx done it cancels and closes the operation on a
// bounded detached context and returns ctx.Err(). It returns the last status; a
// non-terminal status means the deadline passed. Terminal failures are
// returned as the status only: callers use statusOutcome.
func (c *Connector) wait(ctx context.Context, op *operation, deadline time.Time) (*tcli.TGetOperationStatusResp, error) {
	if op.status != nil && op.status.OperationState != nil && terminal(*op.status.OperationState) {
		return op.status, nil
	}
	b := backoff.New(c.cfg.pollPolicy())
	for {
		resp, err := c.statusWithin(ctx, op.handle, deadline)
		if err != nil {
			// Whatever failed, the statement may still run: stop it.
			c.cleanupOp(ctx, op, true)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		if resp == nil {
			// The deadline passed while the server held the call.
			return op.lastStatus(), nil
		}
		op.status = resp
		if terminal(resp.GetOperationState()) {
			return resp, nil
		}
		d := b.Next()
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				return resp, nil
			}
			d = min(d, left)
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			c.cleanupOp(ctx, op, true)
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// minStatusCall is the least time a status call gets under a wait deadline, so
// that a deadline already close still allows one answer from a fast server.
const minStatusCall = 250 * time.Millisecond

// statusWithin makes one status call. With a deadline, the call is abandoned
// when the deadline passes, because a long-polling server may hold it for
// seconds: then it returns a nil response and a nil error.
func (c *Connector) statusWithin(ctx context.Context, h *tcli.TOperationHandle, deadline time.Time) (*tcli.TGetOperationStatusResp, error) {
	if deadline.IsZero() {
		return c.getStatus(ctx, h)
	}
	callCtx, cancel := context.WithDeadline(ctx, later(deadline, time.Now().Add(minStatusCall)))
	defer cancel()
	resp, err := c.getStatus(callCtx, h)
	if err != nil && ctx.Err() == nil && callCtx.Err() != nil {
		return nil, nil
	}
	return resp, err
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// lastStatus is the latest status of op, or a running one when none came yet.
func (op *operation) lastStatus() *tcli.TGetOperationStatusResp {
	if op.status != nil {
		return op.status
	}
	return &tcli.TGetOperationStatusResp{
		Status:         &tcli.TStatus{StatusCode: tcli.TStatusCode_SUCCESS_STATUS},
		OperationState: ptr(tcli.TOperationState_RUNNING_STATE),
	}
}
