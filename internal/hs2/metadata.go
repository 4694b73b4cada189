package hs2

import (
	"context"
	"fmt"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// MetadataCall is one of the service's catalog metadata calls.
type MetadataCall uint8

// The metadata calls.
const (
	GetCatalogs MetadataCall = iota + 1
	GetSchemas
	GetTables
	GetColumns
	GetFunctions
	GetPrimaryKeys
	GetCrossReference
)

var metadataNames = [...]string{
	GetCatalogs: "GetCatalogs", GetSchemas: "GetSchemas", GetTables: "GetTables",
	GetColumns: "GetColumns", GetFunctions: "GetFunctions",
	GetPrimaryKeys: "GetPrimaryKeys", GetCrossReference: "GetCrossReference",
}

// String returns the method name of m.
func (m MetadataCall) String() string {
	if int(m) < len(metadataNames) && metadataNames[m] != "" {
		return metadataNames[m]
	}
	return fmt.Sprintf("MetadataCall(%d)", uint8(m))
}

// MetadataRequest says what a metadata call lists. An empty field is not
// sent: the server then matches every name (or, for the catalog of the
// calls that take an exact one, uses its default). Schema, Table, Column and
// Function are patterns (SQL LIKE: '%' any run, '_' one character, '\'
// escapes either) in GetSchemas, GetTables, GetColumns and GetFunctions;
// every name of GetPrimaryKeys and GetCrossReference is exact.
type MetadataRequest struct {
	Call MetadataCall
	// Catalog, Schema and Table narrow the listing; in GetCrossReference
	// they name the parent table (the one whose primary key is referenced).
	Catalog, Schema, Table string
	// Column narrows GetColumns.
	Column string
	// Function narrows GetFunctions ("%" when empty: the field is required).
	Function string
	// TableTypes narrows GetTables to these table types (such as "TABLE",
	// "VIEW"); empty lists every type.
	TableTypes []string
	// ForeignCatalog, ForeignSchema and ForeignTable name the foreign table
	// of GetCrossReference (the one holding the foreign key).
	ForeignCatalog, ForeignSchema, ForeignTable string
}

// metadataCall is a metadata request ready to send: its method name and the
// call that makes it.
type metadataCall struct {
	method string
	// req is the Thrift request struct, for tests.
	req  any
	call func(context.Context) (submitted, error)
}

// buildMetadata builds the Thrift request of r for session s: asynchronous,
// with direct results when the session has them.
func (c *Client) buildMetadata(s *Session, r MetadataRequest) (metadataCall, error) {
	var direct *tcli.TSparkGetDirectResults
	if s.DirectResults() {
		direct = &tcli.TSparkGetDirectResults{MaxRows: c.opts.MaxRows}
	}
	const async = true
	h := s.Handle
	m := metadataCall{method: r.Call.String()}
	switch r.Call {
	case GetCatalogs:
		req := &tcli.TGetCatalogsReq{SessionHandle: h, GetDirectResults: direct, RunAsync: async}
		m.req, m.call = req, func(ctx context.Context) (submitted, error) {
			resp, err := c.svc.GetCatalogs(ctx, req)
			if err != nil || resp == nil {
				return submitted{}, err
			}
			return submitted{resp.Status, resp.OperationHandle, resp.DirectResults}, nil
		}
	case GetSchemas:
		req := &tcli.TGetSchemasReq{SessionHandle: h, CatalogName: opt(r.Catalog), SchemaName: opt(r.Schema),
			GetDirectResults: direct, RunAsync: async}
		m.req, m.call = req, func(ctx context.Context) (submitted, error) {
			resp, err := c.svc.GetSchemas(ctx, req)
			if err != nil || resp == nil {
				return submitted{}, err
			}
			return submitted{resp.Status, resp.OperationHandle, resp.DirectResults}, nil
		}
	case GetTables:
		req := &tcli.TGetTablesReq{SessionHandle: h, CatalogName: opt(r.Catalog), SchemaName: opt(r.Schema),
			TableName: opt(r.Table), GetDirectResults: direct, RunAsync: async}
		if len(r.TableTypes) > 0 {
			req.TableTypes = r.TableTypes
		}
		m.req, m.call = req, func(ctx context.Context) (submitted, error) {
			resp, err := c.svc.GetTables(ctx, req)
			if err != nil || resp == nil {
				return submitted{}, err
			}
			return submitted{resp.Status, resp.OperationHandle, resp.DirectResults}, nil
		}
	case GetColumns:
		req := &tcli.TGetColumnsReq{SessionHandle: h, CatalogName: opt(r.Catalog), SchemaName: opt(r.Schema),
			TableName: opt(r.Table), ColumnName: opt(r.Column), GetDirectResults: direct, RunAsync: async}
		m.req, m.call = req, func(ctx context.Context) (submitted, error) {
			resp, err := c.svc.GetColumns(ctx, req)
			if err != nil || resp == nil {
				return submitted{}, err
			}
			return submitted{resp.Status, resp.OperationHandle, resp.DirectResults}, nil
		}
	case GetFunctions:
		fn := r.Function
		if fn == "" {
			fn = "%"
		}
		req := &tcli.TGetFunctionsReq{SessionHandle: h, CatalogName: opt(r.Catalog), SchemaName: opt(r.Schema),
			FunctionName: fn, GetDirectResults: direct, RunAsync: async}
		m.req, m.call = req, func(ctx context.Context) (submitted, error) {
			resp, err := c.svc.GetFunctions(ctx, req)
			if err != nil || resp == nil {
				return submitted{}, err
			}
			return submitted{resp.Status, resp.OperationHandle, resp.DirectResults}, nil
		}
	case GetPrimaryKeys:
		req := &tcli.TGetPrimaryKeysReq{SessionHandle: h, CatalogName: opt(r.Catalog), SchemaName: opt(r.Schema),
			TableName: opt(r.Table), GetDirectResults: direct, RunAsync: async}
		m.req, m.call = req, func(ctx context.Context) (submitted, error) {
			resp, err := c.svc.GetPrimaryKeys(ctx, req)
			if err != nil || resp == nil {
				return submitted{}, err
			}
			return submitted{resp.Status, resp.OperationHandle, resp.DirectResults}, nil
		}
	case GetCrossReference:
		req := &tcli.TGetCrossReferenceReq{SessionHandle: h,
			ParentCatalogName: opt(r.Catalog), ParentSchemaName: opt(r.Schema), ParentTableName: opt(r.Table),
			ForeignCatalogName: opt(r.ForeignCatalog), ForeignSchemaName: opt(r.ForeignSchema),
			ForeignTableName: opt(r.ForeignTable), GetDirectResults: direct, RunAsync: async}
		m.req, m.call = req, func(ctx context.Context) (submitted, error) {
			resp, err := c.svc.GetCrossReference(ctx, req)
			if err != nil || resp == nil {
				return submitted{}, err
			}
			return submitted{resp.Status, resp.OperationHandle, resp.DirectResults}, nil
		}
	default:
		return metadataCall{}, fmt.Errorf("databricks: unknown metadata call %v", r.Call)
	}
	return m, nil
}

// Metadata starts the metadata call r in session s and returns its
// operation once the server accepted it, to be waited for and read like a
// statement's (Wait, Outcome, the rows of the driver). Cancellation during
// the call works as for Execute. An error matching NotRun means that
// nothing ran.
func (c *Client) Metadata(ctx context.Context, s *Session, r MetadataRequest) (*Operation, error) {
	m, err := c.buildMetadata(s, r)
	if err != nil {
		return nil, err
	}
	op, err := c.submit(ctx, s, m.method, m.call)
	if err != nil {
		return nil, err
	}
	c.log.Debug("databricks: metadata call submitted", "call", m.method, "statement", op.ID)
	return op, nil
}

// opt is nil for an empty string: a field the request leaves out.
func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
