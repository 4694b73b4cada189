package emulator

import (
	"context"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// The metadata calls: each starts an operation whose rows list part of
// DuckDB's catalog (metadata.go), read like a statement's.

// GetCatalogs implements tcli.TCLIService.
func (v service) GetCatalogs(ctx context.Context, req *tcli.TGetCatalogsReq) (*tcli.TGetCatalogsResp, error) {
	if req == nil {
		return &tcli.TGetCatalogsResp{Status: missingRequest()}, nil
	}
	a := v.s.metadata(ctx, req.SessionHandle, metaCall{kind: tcli.TOperationType_GET_CATALOGS, name: "GetCatalogs"},
		req.GetDirectResults, req.RunAsync)
	return &tcli.TGetCatalogsResp{Status: a.status, OperationHandle: a.handle, DirectResults: a.direct}, nil
}

// GetSchemas implements tcli.TCLIService.
func (v service) GetSchemas(ctx context.Context, req *tcli.TGetSchemasReq) (*tcli.TGetSchemasResp, error) {
	if req == nil {
		return &tcli.TGetSchemasResp{Status: missingRequest()}, nil
	}
	a := v.s.metadata(ctx, req.SessionHandle, metaCall{kind: tcli.TOperationType_GET_SCHEMAS, name: "GetSchemas",
		catalog: req.CatalogName, schema: req.SchemaName}, req.GetDirectResults, req.RunAsync)
	return &tcli.TGetSchemasResp{Status: a.status, OperationHandle: a.handle, DirectResults: a.direct}, nil
}

// GetTables implements tcli.TCLIService.
func (v service) GetTables(ctx context.Context, req *tcli.TGetTablesReq) (*tcli.TGetTablesResp, error) {
	if req == nil {
		return &tcli.TGetTablesResp{Status: missingRequest()}, nil
	}
	a := v.s.metadata(ctx, req.SessionHandle, metaCall{kind: tcli.TOperationType_GET_TABLES, name: "GetTables",
		catalog: req.CatalogName, schema: req.SchemaName, table: req.TableName, tableTypes: req.TableTypes},
		req.GetDirectResults, req.RunAsync)
	return &tcli.TGetTablesResp{Status: a.status, OperationHandle: a.handle, DirectResults: a.direct}, nil
}

// GetColumns implements tcli.TCLIService.
func (v service) GetColumns(ctx context.Context, req *tcli.TGetColumnsReq) (*tcli.TGetColumnsResp, error) {
	if req == nil {
		return &tcli.TGetColumnsResp{Status: missingRequest()}, nil
	}
	a := v.s.metadata(ctx, req.SessionHandle, metaCall{kind: tcli.TOperationType_GET_COLUMNS, name: "GetColumns",
		catalog: req.CatalogName, schema: req.SchemaName, table: req.TableName, column: req.ColumnName},
		req.GetDirectResults, req.RunAsync)
	return &tcli.TGetColumnsResp{Status: a.status, OperationHandle: a.handle, DirectResults: a.direct}, nil
}

// GetFunctions implements tcli.TCLIService.
func (v service) GetFunctions(ctx context.Context, req *tcli.TGetFunctionsReq) (*tcli.TGetFunctionsResp, error) {
	if req == nil {
		return &tcli.TGetFunctionsResp{Status: missingRequest()}, nil
	}
	fn := req.FunctionName
	a := v.s.metadata(ctx, req.SessionHandle, metaCall{kind: tcli.TOperationType_GET_FUNCTIONS, name: "GetFunctions",
		catalog: req.CatalogName, schema: req.SchemaName, function: &fn}, req.GetDirectResults, req.RunAsync)
	return &tcli.TGetFunctionsResp{Status: a.status, OperationHandle: a.handle, DirectResults: a.direct}, nil
}

// GetPrimaryKeys implements tcli.TCLIService.
func (v service) GetPrimaryKeys(ctx context.Context, req *tcli.TGetPrimaryKeysReq) (*tcli.TGetPrimaryKeysResp, error) {
	if req == nil {
		return &tcli.TGetPrimaryKeysResp{Status: missingRequest()}, nil
	}
	a := v.s.metadata(ctx, req.SessionHandle, metaCall{kind: tcli.TOperationType_UNKNOWN, name: "GetPrimaryKeys",
		catalog: req.CatalogName, schema: req.SchemaName, table: req.TableName}, req.GetDirectResults, req.RunAsync)
	return &tcli.TGetPrimaryKeysResp{Status: a.status, OperationHandle: a.handle, DirectResults: a.direct}, nil
}

// GetCrossReference implements tcli.TCLIService.
func (v service) GetCrossReference(ctx context.Context, req *tcli.TGetCrossReferenceReq) (*tcli.TGetCrossReferenceResp, error) {
	if req == nil {
		return &tcli.TGetCrossReferenceResp{Status: missingRequest()}, nil
	}
	a := v.s.metadata(ctx, req.SessionHandle, metaCall{kind: tcli.TOperationType_UNKNOWN, name: "GetCrossReference",
		catalog: req.ParentCatalogName, schema: req.ParentSchemaName, table: req.ParentTableName,
		fkCatalog: req.ForeignCatalogName, fkSchema: req.ForeignSchemaName, fkTable: req.ForeignTableName},
		req.GetDirectResults, req.RunAsync)
	return &tcli.TGetCrossReferenceResp{Status: a.status, OperationHandle: a.handle, DirectResults: a.direct}, nil
}
