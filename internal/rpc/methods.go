package rpc

import (
	"context"
	"fmt"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// response is a TCLIService response: a pointer with a TStatus.
type response[R any] interface {
	*R
	GetStatus() *tcli.TStatus
}

// finish checks that the reply carried a result and that its status is not an
// error. A response with an error status is returned with a *StatusError.
func finish[R any, P response[R]](method string, resp P) (P, error) {
	if resp == nil {
		return nil, fmt.Errorf("rpc: %s: %w: no result", method, errMalformedReply)
	}
	return resp, CheckStatus(method, resp.GetStatus())
}

// OpenSession opens a session.
func (c *Client) OpenSession(ctx context.Context, req *tcli.TOpenSessionReq) (*tcli.TOpenSessionResp, error) {
	var res tcli.TCLIServiceOpenSessionResult
	if err := c.call(ctx, "OpenSession", &tcli.TCLIServiceOpenSessionArgs{Req: req}, &res); err != nil {
		return nil, err
	}
	return finish("OpenSession", res.Success)
}

// CloseSession closes a session and the operations it holds.
func (c *Client) CloseSession(ctx context.Context, req *tcli.TCloseSessionReq) (*tcli.TCloseSessionResp, error) {
	var res tcli.TCLIServiceCloseSessionResult
	if err := c.call(ctx, "CloseSession", &tcli.TCLIServiceCloseSessionArgs{Req: req}, &res); err != nil {
		return nil, err
	}
	return finish("CloseSession", res.Success)
}

// ExecuteStatement submits a statement. It is never retried after a failure
// that may have reached the server.
func (c *Client) ExecuteStatement(ctx context.Context, req *tcli.TExecuteStatementReq) (*tcli.TExecuteStatementResp, error) {
	var res tcli.TCLIServiceExecuteStatementResult
	if err := c.call(ctx, "ExecuteStatement", &tcli.TCLIServiceExecuteStatementArgs{Req: req}, &res); err != nil {
		return nil, err
	}
	return finish("ExecuteStatement", res.Success)
}

// GetOperationStatus returns the state of an operation.
func (c *Client) GetOperationStatus(ctx context.Context, req *tcli.TGetOperationStatusReq) (*tcli.TGetOperationStatusResp, error) {
	var res tcli.TCLIServiceGetOperationStatusResult
	if err := c.call(ctx, "GetOperationStatus", &tcli.TCLIServiceGetOperationStatusArgs{Req: req}, &res); err != nil {
		return nil, err
	}
	return finish("GetOperationStatus", res.Success)
}

// GetResultSetMetadata returns the schema and result format of an operation.
func (c *Client) GetResultSetMetadata(ctx context.Context, req *tcli.TGetResultSetMetadataReq) (*tcli.TGetResultSetMetadataResp, error) {
	var res tcli.TCLIServiceGetResultSetMetadataResult
	if err := c.call(ctx, "GetResultSetMetadata", &tcli.TCLIServiceGetResultSetMetadataArgs{Req: req}, &res); err != nil {
		return nil, err
	}
	return finish("GetResultSetMetadata", res.Success)
}

// FetchResults returns a page of rows. It is never retried after a failure
// that may have reached the server.
func (c *Client) FetchResults(ctx context.Context, req *tcli.TFetchResultsReq) (*tcli.TFetchResultsResp, error) {
	var res tcli.TCLIServiceFetchResultsResult
	if err := c.call(ctx, "FetchResults", &tcli.TCLIServiceFetchResultsArgs{Req: req}, &res); err != nil {
		return nil, err
	}
	return finish("FetchResults", res.Success)
}

// CancelOperation asks the server to stop an operation.
func (c *Client) CancelOperation(ctx context.Context, req *tcli.TCancelOperationReq) (*tcli.TCancelOperationResp, error) {
	var res tcli.TCLIServiceCancelOperationResult
	if err := c.call(ctx, "CancelOperation", &tcli.TCLIServiceCancelOperationArgs{Req: req}, &res); err != nil {
		return nil, err
	}
	return finish("CancelOperation", res.Success)
}

// CloseOperation releases an operation on the server.
func (c *Client) CloseOperation(ctx context.Context, req *tcli.TCloseOperationReq) (*tcli.TCloseOperationResp, error) {
	var res tcli.TCLIServiceCloseOperationResult
	if err := c.call(ctx, "CloseOperation", &tcli.TCLIServiceCloseOperationArgs{Req: req}, &res); err != nil {
		return nil, err
	}
	return finish("CloseOperation", res.Success)
}

// GetCatalogs starts an operation listing the catalogs.
func (c *Client) GetCatalogs(ctx context.Context, req *tcli.TGetCatalogsReq) (*tcli.TGetCatalogsResp, error) {
	var res tcli.TCLIServiceGetCatalogsResult
	if err := c.call(ctx, "GetCatalogs", &tcli.TCLIServiceGetCatalogsArgs{Req: req}, &res); err != nil {
		return nil, err
	}
	return finish("GetCatalogs", res.Success)
}

// GetSchemas starts an operation listing schemas.
func (c *Client) GetSchemas(ctx context.Context, req *tcli.TGetSchemasReq) (*tcli.TGetSchemasResp, error) {
	var res tcli.TCLIServiceGetSchemasResult
	if err := c.call(ctx, "GetSchemas", &tcli.TCLIServiceGetSchemasArgs{Req: req}, &res); err != nil {
		return nil, err
	}
	return finish("GetSchemas", res.Success)
}

// GetTables starts an operation listing tables and views.
func (c *Client) GetTables(ctx context.Context, req *tcli.TGetTablesReq) (*tcli.TGetTablesResp, error) {
	var res tcli.TCLIServiceGetTablesResult
	if err := c.call(ctx, "GetTables", &tcli.TCLIServiceGetTablesArgs{Req: req}, &res); err != nil {
		return nil, err
	}
	return finish("GetTables", res.Success)
}

// GetColumns starts an operation listing columns of tables.
func (c *Client) GetColumns(ctx context.Context, req *tcli.TGetColumnsReq) (*tcli.TGetColumnsResp, error) {
	var res tcli.TCLIServiceGetColumnsResult
	if err := c.call(ctx, "GetColumns", &tcli.TCLIServiceGetColumnsArgs{Req: req}, &res); err != nil {
		return nil, err
	}
	return finish("GetColumns", res.Success)
}

// GetFunctions starts an operation listing functions.
func (c *Client) GetFunctions(ctx context.Context, req *tcli.TGetFunctionsReq) (*tcli.TGetFunctionsResp, error) {
	var res tcli.TCLIServiceGetFunctionsResult
	if err := c.call(ctx, "GetFunctions", &tcli.TCLIServiceGetFunctionsArgs{Req: req}, &res); err != nil {
		return nil, err
	}
	return finish("GetFunctions", res.Success)
}

// GetPrimaryKeys starts an operation listing a table's primary key columns.
func (c *Client) GetPrimaryKeys(ctx context.Context, req *tcli.TGetPrimaryKeysReq) (*tcli.TGetPrimaryKeysResp, error) {
	var res tcli.TCLIServiceGetPrimaryKeysResult
	if err := c.call(ctx, "GetPrimaryKeys", &tcli.TCLIServiceGetPrimaryKeysArgs{Req: req}, &res); err != nil {
		return nil, err
	}
	return finish("GetPrimaryKeys", res.Success)
}

// GetCrossReference starts an operation listing the foreign keys between
// two tables.
func (c *Client) GetCrossReference(ctx context.Context, req *tcli.TGetCrossReferenceReq) (*tcli.TGetCrossReferenceResp, error) {
	var res tcli.TCLIServiceGetCrossReferenceResult
	if err := c.call(ctx, "GetCrossReference", &tcli.TCLIServiceGetCrossReferenceArgs{Req: req}, &res); err != nil {
		return nil, err
	}
	return finish("GetCrossReference", res.Success)
}
