package driver

// The statements of the REST backend by reference (OperationRef, the async
// package's surface): a detached submission and what any process can do
// with a reference — status, cancel, close, read the result.

import (
	"context"
	"errors"
	"fmt"

	sqldriver "database/sql/driver"

	"github.com/asyncsql/databricks/internal/rest"
)

// submitDetached implements backend: wait_timeout 0s, so that the reply
// comes at once with the statement's ID. The reply is read on a context
// detached from ctx (bounded by submitReplyTimeout); the reference is then
// returned with ctx's error.
func (b *restBackend) submitDetached(ctx context.Context, query string, args []sqldriver.NamedValue) (OperationRef, OperationStatus, error) {
	if len(b.c.cfg.restSessionConfs()) > 0 {
		return OperationRef{}, OperationStatus{}, errDetachedSessionParams
	}
	req, err := b.request(ctx, query, args, 0)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return OperationRef{}, OperationStatus{}, err
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), submitReplyTimeout)
	defer cancel()
	resp, err := b.post(dctx, req)
	if err != nil {
		return OperationRef{}, OperationStatus{}, b.fail(err)
	}
	if fn := statementIDCallback(ctx); fn != nil {
		fn(resp.StatementID)
	}
	b.c.log.Debug("databricks: detached statement submitted", "statement", resp.StatementID)
	st := b.statusOf(resp)
	ref := OperationRef{rest: restRef{id: resp.StatementID, warehouse: b.warehouse, hasResultSet: st.HasResultSet}}
	return ref, st, ctx.Err()
}

// checkRef is the error of a reference this backend cannot follow.
func (b *restBackend) checkRef(ref OperationRef) error {
	if ref.rest.id == "" {
		return fmt.Errorf("%w: a reference of the Thrift backend", ErrInvalidRef)
	}
	if ref.rest.warehouse != b.warehouse {
		return fmt.Errorf("%w: a reference of another warehouse", ErrInvalidRef)
	}
	return nil
}

// status implements backend with one status call. A CLOSED statement is,
// as on Thrift, one the server no longer knows: its result is gone.
func (b *restBackend) status(ctx context.Context, ref OperationRef) (OperationStatus, error) {
	resp, err := b.lookup(ctx, ref)
	if err != nil {
		return OperationStatus{}, err
	}
	return b.statusOf(resp), nil
}

// lookup makes the status call of a reference; a CLOSED statement is an
// error that matches ErrInvalidHandle.
func (b *restBackend) lookup(ctx context.Context, ref OperationRef) (*rest.StatementResponse, error) {
	if err := b.checkRef(ref); err != nil {
		return nil, err
	}
	resp, err := b.rc.Status(ctx, ref.rest.id)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, b.fail(err)
	}
	if resp.Status.State == rest.Closed {
		msg := "statement closed: by a close, or after the server's retention time without polling"
		if e := resp.Status.Error; e != nil && e.Message != "" {
			msg = e.Message
		}
		st := StateClosed
		return nil, &ServerError{Message: msg, StatementID: resp.StatementID, State: &st, Method: "rest status", invalidHandle: true}
	}
	return resp, nil
}

// cancel implements backend.
func (b *restBackend) cancel(ctx context.Context, ref OperationRef) error {
	if err := b.checkRef(ref); err != nil {
		return err
	}
	return b.fail(b.rc.Cancel(ctx, ref.rest.id))
}

// closeRef implements backend; a statement the server no longer knows
// counts as closed.
func (b *restBackend) closeRef(ctx context.Context, ref OperationRef) error {
	if err := b.checkRef(ref); err != nil {
		return err
	}
	err := b.fail(b.rc.Close(ctx, ref.rest.id))
	if errors.Is(err, ErrInvalidHandle) {
		return nil
	}
	return err
}

// refOperation implements backend with one status call, whose reply holds
// the manifest and the first chunk. A statement that has not succeeded is
// an error: its failure, or a *ServerError saying it still runs.
func (b *restBackend) refOperation(ctx context.Context, ref OperationRef) (operation, error) {
	resp, err := b.lookup(ctx, ref)
	if err != nil {
		return nil, err
	}
	switch resp.Status.State {
	case rest.Succeeded:
	case rest.Pending, rest.Running:
		st := restState(resp.Status.State)
		return nil, &ServerError{Message: "statement has not finished", StatementID: resp.StatementID, State: &st}
	default:
		return nil, b.fail(resp.Err("GetStatement"))
	}
	return &restOp{b: b, resp: resp, keptOnServer: true}, nil
}
