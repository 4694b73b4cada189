package tclitest

import (
	"context"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// The metadata calls answer from the script registered under their method
// name (Script(string(GetTables), ...)), OneInt(1) without one, as
// ExecuteStatement answers a statement; the log holds their requests.

// metadataOp starts the operation of a metadata call (lock not held).
func (f *Server) metadataOp(ctx context.Context, m Method, req any, sess *tcli.TSessionHandle, typ tcli.TOperationType, direct bool) (*tcli.TStatus, *tcli.TOperationHandle, *tcli.TSparkDirectResults, error) {
	st, err := f.begin(ctx, m, req)
	if err != nil || st != nil {
		return st, nil, nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	session := sessionGUID(sess)
	if !f.sessions[session] {
		return invalidHandle("Invalid SessionHandle"), nil, nil, nil
	}
	s, found := f.scripts[string(m)]
	if !found {
		s = OneInt(1)
	}
	if s.ExecStatus != nil {
		return s.ExecStatus, nil, nil, nil
	}
	h, d := f.startOp(s, session, typ, direct)
	return OK(), h, d, nil
}

// GetCatalogs starts the GetCatalogs script.
func (f *Server) GetCatalogs(ctx context.Context, req *tcli.TGetCatalogsReq) (*tcli.TGetCatalogsResp, error) {
	st, h, d, err := f.metadataOp(ctx, GetCatalogs, req, req.GetSessionHandle(), tcli.TOperationType_GET_CATALOGS, req.GetDirectResults != nil)
	if err != nil {
		return nil, err
	}
	return &tcli.TGetCatalogsResp{Status: st, OperationHandle: h, DirectResults: d}, nil
}

// GetSchemas starts the GetSchemas script.
func (f *Server) GetSchemas(ctx context.Context, req *tcli.TGetSchemasReq) (*tcli.TGetSchemasResp, error) {
	st, h, d, err := f.metadataOp(ctx, GetSchemas, req, req.GetSessionHandle(), tcli.TOperationType_GET_SCHEMAS, req.GetDirectResults != nil)
	if err != nil {
		return nil, err
	}
	return &tcli.TGetSchemasResp{Status: st, OperationHandle: h, DirectResults: d}, nil
}

// GetTables starts the GetTables script.
func (f *Server) GetTables(ctx context.Context, req *tcli.TGetTablesReq) (*tcli.TGetTablesResp, error) {
	st, h, d, err := f.metadataOp(ctx, GetTables, req, req.GetSessionHandle(), tcli.TOperationType_GET_TABLES, req.GetDirectResults != nil)
	if err != nil {
		return nil, err
	}
	return &tcli.TGetTablesResp{Status: st, OperationHandle: h, DirectResults: d}, nil
}

// GetColumns starts the GetColumns script.
func (f *Server) GetColumns(ctx context.Context, req *tcli.TGetColumnsReq) (*tcli.TGetColumnsResp, error) {
	st, h, d, err := f.metadataOp(ctx, GetColumns, req, req.GetSessionHandle(), tcli.TOperationType_GET_COLUMNS, req.GetDirectResults != nil)
	if err != nil {
		return nil, err
	}
	return &tcli.TGetColumnsResp{Status: st, OperationHandle: h, DirectResults: d}, nil
}

// GetFunctions starts the GetFunctions script.
func (f *Server) GetFunctions(ctx context.Context, req *tcli.TGetFunctionsReq) (*tcli.TGetFunctionsResp, error) {
	st, h, d, err := f.metadataOp(ctx, GetFunctions, req, req.GetSessionHandle(), tcli.TOperationType_GET_FUNCTIONS, req.GetDirectResults != nil)
	if err != nil {
		return nil, err
	}
	return &tcli.TGetFunctionsResp{Status: st, OperationHandle: h, DirectResults: d}, nil
}

// GetPrimaryKeys starts the GetPrimaryKeys script.
func (f *Server) GetPrimaryKeys(ctx context.Context, req *tcli.TGetPrimaryKeysReq) (*tcli.TGetPrimaryKeysResp, error) {
	st, h, d, err := f.metadataOp(ctx, GetPrimaryKeys, req, req.GetSessionHandle(), tcli.TOperationType_UNKNOWN, req.GetDirectResults != nil)
	if err != nil {
		return nil, err
	}
	return &tcli.TGetPrimaryKeysResp{Status: st, OperationHandle: h, DirectResults: d}, nil
}

// GetCrossReference starts the GetCrossReference script.
func (f *Server) GetCrossReference(ctx context.Context, req *tcli.TGetCrossReferenceReq) (*tcli.TGetCrossReferenceResp, error) {
	st, h, d, err := f.metadataOp(ctx, GetCrossReference, req, req.GetSessionHandle(), tcli.TOperationType_UNKNOWN, req.GetDirectResults != nil)
	if err != nil {
		return nil, err
	}
	return &tcli.TGetCrossReferenceResp{Status: st, OperationHandle: h, DirectResults: d}, nil
}
