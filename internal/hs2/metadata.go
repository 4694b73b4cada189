package hs2

import (
	"context"
	"fmt"

	"github.com/asyncsql/databricks/internal/metadata"
	"github.com/asyncsql/databricks/thrift/tcli"
)

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
func (c *Client) buildMetadata(s *Session, r metadata.Request) (metadataCall, error) {
	var direct *tcli.TSparkGetDirectResults
	if s.DirectResults() {
		direct = &tcli.TSparkGetDirectResults{MaxRows: c.opts.MaxRows}
	}
	const async = true
	h := s.Handle
	m := metadataCall{method: r.Call.String()}
	switch r.Call {
	case metadata.GetCatalogs:
		req := &tcli.TGetCatalogsReq{SessionHandle: h, GetDirectResults: direct, RunAsync: async}
		m.req, m.call = req, func(ctx context.Context) (submitted, error) {
			resp, err := c.svc.GetCatalogs(ctx, req)
			if err != nil || resp == nil {
				return submitted{}, err
			}
			return submitted{resp.Status, resp.OperationHandle, resp.DirectResults}, nil
		}
	case metadata.GetSchemas:
		req := &tcli.TGetSchemasReq{SessionHandle: h, CatalogName: opt(r.Catalog), SchemaName: opt(r.Schema),
			GetDirectResults: direct, RunAsync: async}
		m.req, m.call = req, func(ctx context.Context) (submitted, error) {
			resp, err := c.svc.GetSchemas(ctx, req)
			if err != nil || resp == nil {
				return submitted{}, err
			}
			return submitted{resp.Status, resp.OperationHandle, resp.DirectResults}, nil
		}
	case metadata.GetTables:
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
	case metadata.GetColumns:
		req := &tcli.TGetColumnsReq{SessionHandle: h, CatalogName: opt(r.Catalog), SchemaName: opt(r.Schema),
			TableName: opt(r.Table), ColumnName: opt(r.Column), GetDirectResults: direct, RunAsync: async}
		m.req, m.call = req, func(ctx context.Context) (submitted, error) {
			resp, err := c.svc.GetColumns(ctx, req)
			if err != nil || resp == nil {
				return submitted{}, err
			}
			return submitted{resp.Status, resp.OperationHandle, resp.DirectResults}, nil
		}
	case metadata.GetFunctions:
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
	case metadata.GetPrimaryKeys:
		req := &tcli.TGetPrimaryKeysReq{SessionHandle: h, CatalogName: opt(r.Catalog), SchemaName: opt(r.Schema),
			TableName: opt(r.Table), GetDirectResults: direct, RunAsync: async}
		m.req, m.call = req, func(ctx context.Context) (submitted, error) {
			resp, err := c.svc.GetPrimaryKeys(ctx, req)
			if err != nil || resp == nil {
				return submitted{}, err
			}
			return submitted{resp.Status, resp.OperationHandle, resp.DirectResults}, nil
		}
	case metadata.GetCrossReference:
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
func (c *Client) Metadata(ctx context.Context, s *Session, r metadata.Request) (*Operation, error) {
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
