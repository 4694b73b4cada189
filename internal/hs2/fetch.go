package hs2

import (
	"context"

	"github.com/asyncsql/databricks/internal/rpc"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// FetchResults calls FetchResults and checks the reply's status. A request
// that names the row it starts at (startRowOffset) is safe to repeat, so the
// RPC client may retry it after transport errors, 5xx and garbled replies;
// other requests are not repeated. When ctx has ended, the error is ctx's.
func (c *Client) FetchResults(ctx context.Context, req *tcli.TFetchResultsReq, id string) (*tcli.TFetchResultsResp, error) {
	callCtx := ctx
	if req.StartRowOffset != nil {
		callCtx = rpc.Repeatable(ctx)
	}
	resp, err := c.svc.FetchResults(callCtx, req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, c.rpcErr(err, id)
	}
	if err := c.checkStatus("FetchResults", resp.Status, id); err != nil {
		return nil, err
	}
	return resp, nil
}

// ResultSetMetadata returns the metadata of a finished operation: from its
// direct results, or from a GetResultSetMetadata call. It also checks the
// status of the direct results' first page.
func (c *Client) ResultSetMetadata(ctx context.Context, op *Operation) (*tcli.TGetResultSetMetadataResp, error) {
	var meta *tcli.TGetResultSetMetadataResp
	if d := op.Direct; d != nil {
		meta = d.ResultSetMetadata
		if meta != nil {
			if err := c.checkStatus("GetResultSetMetadata", meta.Status, op.ID); err != nil {
				return nil, err
			}
		}
		if d.ResultSet != nil {
			if err := c.checkStatus("FetchResults", d.ResultSet.Status, op.ID); err != nil {
				return nil, err
			}
		}
	}
	if meta != nil {
		return meta, nil
	}
	if op.Lifetime == Closed {
		return nil, c.fail(&Failure{Method: "ExecuteStatement", Message: "server closed the operation without result metadata", StatementID: op.ID})
	}
	resp, err := c.svc.GetResultSetMetadata(ctx, &tcli.TGetResultSetMetadataReq{OperationHandle: op.Handle})
	if err != nil {
		return nil, c.rpcErr(err, op.ID)
	}
	if err := c.checkStatus("GetResultSetMetadata", resp.Status, op.ID); err != nil {
		return nil, err
	}
	return resp, nil
}
