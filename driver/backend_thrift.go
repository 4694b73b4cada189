package driver

import (
	"context"
	"fmt"
	"maps"
	"time"

	sqldriver "database/sql/driver"

	"github.com/asyncsql/databricks/internal/hs2"
	"github.com/asyncsql/databricks/internal/results"
	"github.com/asyncsql/databricks/internal/stmterr"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// thriftBackend is the backend over HiveServer2 Thrift: sessions,
// ExecuteStatement with direct results, GetOperationStatus polling,
// FetchResults pages and result links.
type thriftBackend struct {
	c  *Connector
	hs *hs2.Client
}

var (
	_ backend   = (*thriftBackend)(nil)
	_ session   = (*thriftSession)(nil)
	_ operation = (*thriftOp)(nil)
)

// newThriftBackend builds the Thrift backend of c over svc.
func newThriftBackend(c *Connector, svc tcli.TCLIService) *thriftBackend {
	cfg := c.cfg
	return &thriftBackend{c: c, hs: hs2.New(svc, hs2.Options{
		Catalog:              cfg.Catalog,
		Schema:               cfg.Schema,
		SessionParams:        cfg.sessionParams(),
		QueryTimeout:         cfg.QueryTimeout,
		UseArrow:             cfg.UseArrow,
		UseArrowComplexTypes: cfg.UseArrowComplexTypes,
		UseLZ4:               cfg.UseLZ4,
		UseCloudFetch:        cfg.UseCloudFetch,
		MaxRows:              c.maxRows(),
		Poll:                 cfg.pollPolicy(),
		Logger:               c.log,
		NewError:             newServerError,
	})}
}

// sessionParams is the session configuration: SessionParams and the query
// tags as QUERY_TAGS.
func (c *Config) sessionParams() map[string]string {
	if len(c.QueryTags) == 0 {
		return c.SessionParams
	}
	p := maps.Clone(c.SessionParams)
	if p == nil {
		p = map[string]string{}
	}
	p[hs2.SessionTagsKey] = hs2.FormatQueryTags(c.QueryTags)
	return p
}

func (b *thriftBackend) close() { b.hs.Close() }

// openSession implements backend.
func (b *thriftBackend) openSession(ctx context.Context) (session, error) {
	s, err := b.hs.OpenSession(ctx)
	if hs2.NotRun(err) {
		return nil, badConn(err)
	}
	if err != nil {
		return nil, err
	}
	return &thriftSession{b: b, s: s}, nil
}

// thriftSession is a connection's HiveServer2 session.
type thriftSession struct {
	b *thriftBackend
	s *hs2.Session
}

// close implements session.
func (s *thriftSession) close(ctx context.Context) error { return s.b.hs.CloseSession(ctx, s.s) }

// execute implements session: ExecuteStatement with direct results, then
// GetOperationStatus polls until the statement ends. Every statement of a
// connection passes here, Exec and Query alike, so this is where Thrift-only
// kinds of statement belong: requests that are not SQL text (catalog
// metadata calls instead of ExecuteStatement) before the submission, and
// results that are not rows to hand out (a Volumes staging operation, whose
// metadata says isStagingOperation) once the operation finished.
func (s *thriftSession) execute(ctx context.Context, query string, args []sqldriver.NamedValue) (operation, error) {
	params, err := thriftParams(s.s, args)
	if err != nil {
		return nil, err
	}
	send, keep, err := thriftLimits(ctx, false)
	if err != nil {
		return nil, err
	}
	op, err := s.b.hs.Execute(ctx, s.s, query, hs2.ExecOptions{
		DirectResults:  true,
		Params:         params,
		QueryTags:      queryTags(ctx),
		Submitted:      statementIDCallback(ctx),
		ResultRowLimit: send,
	})
	top, err := s.finished(ctx, op, err)
	if err != nil {
		return nil, err
	}
	top.rowCap = keep
	if staged, err := s.b.stage(ctx, query, top); err != nil || staged {
		return stagedOp(op.ID, err)
	}
	return top, nil
}

// thriftParams builds the parameters of a statement for a session (nil for
// a detached statement, whose session is not open yet): none without
// arguments, ErrParametersNotSupported below the protocol that carries them.
func thriftParams(s *hs2.Session, args []sqldriver.NamedValue) ([]*tcli.TSparkParameter, error) {
	if len(args) == 0 {
		return nil, nil
	}
	if s != nil && !s.Parameters() {
		return nil, ErrParametersNotSupported
	}
	return buildParameters(args)
}

// thriftOp is a finished HiveServer2 operation.
type thriftOp struct {
	b  *thriftBackend
	op *hs2.Operation
	// rowCap is the row limit to keep (WithRowLimit), 0 for none: the
	// server was asked for one row more, which tells a cut result.
	rowCap int64
}

func (o *thriftOp) statementID() string                         { return o.op.ID }
func (o *thriftOp) rowsAffected(context.Context) (int64, error) { return o.op.RowsAffected(), nil }
func (o *thriftOp) hasResultSet() bool                          { return o.op.HasResultSet() }
func (o *thriftOp) kept() bool                                  { return o.op.Lifetime == hs2.Kept }
func (o *thriftOp) release(ctx context.Context)                 { o.b.hs.Cleanup(ctx, o.op, hs2.Close) }

// result implements operation: the metadata comes from the direct results
// or GetResultSetMetadata; pages follow with FETCH_NEXT after the direct
// results' first page.
func (o *thriftOp) result(ctx context.Context, opts rowsOptions) (resultPlan, error) {
	op, hs, c := o.op, o.b.hs, o.b.c
	meta, err := hs.ResultSetMetadata(ctx, op)
	if err != nil {
		return resultPlan{}, err
	}
	var first *tcli.TFetchResultsResp
	if op.Direct != nil {
		first = op.Direct.ResultSet
	}
	p := resultPlan{schema: meta.Schema, arrowSchema: meta.ArrowSchema, rowCap: o.rowCap, source: results.Config{
		Fetch: func(ctx context.Context, req *tcli.TFetchResultsReq) (*tcli.TFetchResultsResp, error) {
			return hs.FetchResults(ctx, req, op.ID)
		},
		Handle: op.Handle, StatementID: op.ID,
		LZ4:     meta.GetLz4Compressed(),
		Records: opts.records,
		First:   first, ServerClosed: op.Lifetime == hs2.Closed, SparkProtocol: op.SparkProtocol(),
		Orientation: tcli.TFetchOrientation_FETCH_NEXT,
		MaxRows:     c.maxRows(), MaxDownloads: c.cfg.maxDownloads(),
		HTTPClient: c.httpClient, Log: c.log,
	}}
	format := tcli.TSparkRowSetType_COLUMN_BASED_SET
	if meta.ResultFormat != nil {
		format = *meta.ResultFormat
	}
	switch format {
	case tcli.TSparkRowSetType_ARROW_BASED_SET:
		p.source.Format = results.ArrowPages
	case tcli.TSparkRowSetType_URL_BASED_SET:
		p.source.Format = results.Links
	case tcli.TSparkRowSetType_COLUMN_BASED_SET:
		p.source.Format = results.ColumnPages
	default:
		return resultPlan{}, stmterr.Errorf(op.ID, "%w: %s", ErrUnsupportedResult, format)
	}
	return p, nil
}

// submitDetached implements backend: a new session of its own, no direct
// results.
func (b *thriftBackend) submitDetached(ctx context.Context, query string, args []sqldriver.NamedValue) (OperationRef, OperationStatus, error) {
	params, err := thriftParams(nil, args)
	if err == nil {
		_, _, err = thriftLimits(ctx, true)
	}
	if err != nil {
		return OperationRef{}, OperationStatus{}, err
	}
	ref, err := b.hs.SubmitDetached(ctx, query, hs2.ExecOptions{Params: params, QueryTags: queryTags(ctx), Submitted: statementIDCallback(ctx)})
	if ref.Op.IsZero() {
		return OperationRef{}, OperationStatus{}, err
	}
	return OperationRef{ref: ref}, OperationStatus{State: StateInitialized, HasResultSet: ref.HasResultSet}, err
}

// status implements backend with one GetOperationStatus call.
func (b *thriftBackend) status(ctx context.Context, ref OperationRef) (OperationStatus, error) {
	if err := thriftRef(ref); err != nil {
		return OperationStatus{}, err
	}
	resp, err := b.hs.Status(ctx, ref.ref.Handle())
	if err != nil {
		return OperationStatus{}, err
	}
	return b.statusFromResp(resp, ref.StatementID()), nil
}

// statusFromResp is the status a GetOperationStatus reply reports.
func (b *thriftBackend) statusFromResp(resp *tcli.TGetOperationStatusResp, stmtID string) OperationStatus {
	st := OperationStatus{State: stateOf(resp.GetOperationState()), RowsAffected: resp.GetNumModifiedRows(), HasResultSet: resp.GetHasResultSet()}
	if resp.OperationStarted != nil && *resp.OperationStarted > 0 {
		st.Started = time.UnixMilli(*resp.OperationStarted).UTC()
	}
	if resp.OperationCompleted != nil && *resp.OperationCompleted > 0 {
		st.Completed = time.UnixMilli(*resp.OperationCompleted).UTC()
	}
	if st.State.Terminal() && st.State != StateFinished {
		st.Err = b.hs.StateError(resp, stmtID)
	}
	return st
}

// cancel implements backend.
func (b *thriftBackend) cancel(ctx context.Context, ref OperationRef) error {
	if err := thriftRef(ref); err != nil {
		return err
	}
	return b.hs.CancelOperation(ctx, ref.ref.Handle())
}

// closeRef implements backend: the operation, then its dedicated session.
func (b *thriftBackend) closeRef(ctx context.Context, ref OperationRef) error {
	if err := thriftRef(ref); err != nil {
		return err
	}
	return b.hs.CloseRef(ctx, ref.ref)
}

// refOperation implements backend: one FetchResults FETCH_FIRST with the
// metadata included; later pages follow with FETCH_NEXT. A reference
// without a result set costs no request.
func (b *thriftBackend) refOperation(ctx context.Context, ref OperationRef) (operation, error) {
	if err := thriftRef(ref); err != nil {
		return nil, err
	}
	if !ref.HasResultSet() {
		return &thriftOp{b: b, op: &hs2.Operation{Handle: ref.ref.Handle(), ID: ref.StatementID(), Lifetime: hs2.Kept}}, nil
	}
	op, err := b.hs.FirstPage(ctx, ref.ref)
	if err != nil {
		return nil, err
	}
	return &thriftOp{b: b, op: op}, nil
}

// thriftRef is the error of a reference the Thrift backend cannot follow:
// one of the REST backend.
func thriftRef(ref OperationRef) error {
	if ref.rest.id != "" {
		return fmt.Errorf("%w: a reference of the REST backend", ErrInvalidRef)
	}
	return nil
}

// finished waits for the operation a submission (err its error) started
// to end and returns it when it succeeded. A submission the server cannot
// have run is marked badConn; a failed operation is closed and its error
// returned.
func (s *thriftSession) finished(ctx context.Context, op *hs2.Operation, err error) (*thriftOp, error) {
	if hs2.NotRun(err) {
		return nil, badConn(err)
	}
	if err != nil {
		return nil, err
	}
	hs := s.b.hs
	st, err := hs.Wait(ctx, op)
	if err != nil {
		return nil, err
	}
	if err := hs.Outcome(st, op.ID); err != nil {
		hs.Cleanup(ctx, op, hs2.Close)
		return nil, err
	}
	return &thriftOp{b: s.b, op: op}, nil
}
