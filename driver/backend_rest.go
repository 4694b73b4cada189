package driver

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sqldriver "database/sql/driver"

	"github.com/asyncsql/databricks/internal/backoff"
	"github.com/asyncsql/databricks/internal/hs2"
	"github.com/asyncsql/databricks/internal/rest"
	"github.com/asyncsql/databricks/internal/results"
	"github.com/asyncsql/databricks/internal/stmterr"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// restBackend is the backend over the Statement Execution API: a statement
// is submitted with wait_timeout (so that one that finishes within it costs
// one request), then polled with the connector's backoff; its result comes
// as Arrow streams, inline or as external links. Each request names the
// warehouse, catalog and schema, unless session parameters make each
// connection a session of the API (backend_rest_session.go).
type restBackend struct {
	c         *Connector
	rc        *rest.Client
	warehouse string
	wait      time.Duration

	// linksOnly is set once the warehouse refused INLINE_OR_EXTERNAL_LINKS:
	// the connector's later submissions ask for EXTERNAL_LINKS at once.
	linksOnly atomic.Bool

	// bg tracks background cleanups (submissions abandoned by their
	// context); bgMu orders their start against close.
	bg      sync.WaitGroup
	bgMu    sync.Mutex
	closing bool
}

var (
	_ backend   = (*restBackend)(nil)
	_ session   = restSession{}
	_ operation = (*restOp)(nil)
)

// restCleanupTimeout bounds cancel and close calls made on detached
// contexts, and submitReplyTimeout (beyond the wait) the reading of a
// submission's reply after its context ended.
const (
	restCleanupTimeout = hs2.CleanupTimeout
	submitReplyTimeout = hs2.ExecuteReplyTimeout
)

// newRESTBackend builds the REST backend of c over rc. Validate has checked
// the warehouse path.
func newRESTBackend(c *Connector, rc *rest.Client) *restBackend {
	id, _ := c.cfg.warehouseID()
	return &restBackend{c: c, rc: rc, warehouse: id, wait: c.cfg.waitTimeout()}
}

// close implements backend: it waits for the background cleanups; later
// ones run on their caller's goroutine.
func (b *restBackend) close() {
	b.bgMu.Lock()
	b.closing = true
	b.bgMu.Unlock()
	b.bg.Wait()
}

// background runs f on a goroutine of its own that close waits for, or on
// the caller's once close has started.
func (b *restBackend) background(f func()) {
	b.bgMu.Lock()
	if b.closing {
		b.bgMu.Unlock()
		f()
		return
	}
	b.bg.Add(1)
	b.bgMu.Unlock()
	go func() {
		defer b.bg.Done()
		f()
	}()
}

// openSession implements backend: see openRESTSession.
func (b *restBackend) openSession(ctx context.Context) (session, error) {
	return b.openRESTSession(ctx)
}

// restSession is a connection of the REST backend: a way to the backend
// and the ID of its session of the API, empty when it has none.
type restSession struct {
	b  *restBackend
	id string
}

// execute implements session: submit with the backend's wait, then poll
// until the statement ends.
func (s restSession) execute(ctx context.Context, query string, args []sqldriver.NamedValue) (operation, error) {
	b := s.b
	if stagingCommand(query) {
		return nil, ErrStagingNotSupported
	}
	req, err := b.request(ctx, query, args, b.waitFor(ctx))
	if err != nil {
		return nil, err
	}
	resp, err := s.submit(ctx, req)
	if err != nil {
		return nil, err
	}
	if fn := statementIDCallback(ctx); fn != nil {
		fn(resp.StatementID)
	}
	b.c.log.Debug("databricks: statement submitted", "statement", resp.StatementID, "state", string(resp.Status.State))
	resp, err = b.waitDone(ctx, resp)
	if err != nil {
		return nil, err
	}
	if err := b.outcome(resp); err != nil {
		b.closeLater(ctx, resp.StatementID)
		return nil, err
	}
	if m := resp.Manifest; m != nil && m.IsVolumeOperation {
		b.cleanup(ctx, resp.StatementID, closeOnly)
		return nil, stmterr.Errorf(resp.StatementID, "%w", ErrStagingNotSupported)
	}
	return &restOp{b: b, resp: resp}, nil
}

// waitFor is the server-side wait of a submission on ctx: the backend's,
// cut to the whole seconds left before ctx's deadline, and 0s (reply at
// once, then poll) when fewer than the API's 5 are left. A submission whose
// context ends cannot be cancelled before its reply names the statement, so
// the wait never outlasts the deadline.
func (b *restBackend) waitFor(ctx context.Context) time.Duration {
	w := b.wait
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl).Truncate(time.Second); left < w {
			w = left
		}
		if w < rest.MinWaitTimeout {
			w = 0
		}
	}
	return w
}

// request builds the submission of a statement: ARROW_STREAM results,
// INLINE_OR_EXTERNAL_LINKS with UseCloudFetch (a small result inline in the
// reply, so that it costs no download; any other as links) or else INLINE
// (up to the API's 25 MiB), LZ4 with UseLZ4, the session's and the
// context's query tags merged, and the context's row and byte limits.
// EXTERNAL_LINKS replaces the hybrid
// disposition once the warehouse refused it (see post).
func (b *restBackend) request(ctx context.Context, query string, args []sqldriver.NamedValue, wait time.Duration) (*rest.ExecuteRequest, error) {
	cfg := b.c.cfg
	params, err := restParams(args)
	if err != nil {
		return nil, err
	}
	tags, err := restQueryTags(cfg.QueryTags, queryTags(ctx))
	if err != nil {
		return nil, err
	}
	req := &rest.ExecuteRequest{
		Statement:     query,
		WarehouseID:   b.warehouse,
		Catalog:       cfg.Catalog,
		Schema:        cfg.Schema,
		Parameters:    params,
		Format:        rest.ArrowStream,
		Disposition:   rest.Inline,
		WaitTimeout:   wait,
		OnWaitTimeout: rest.Continue,
		QueryTags:     tags,
	}
	l := limits(ctx)
	req.RowLimit, req.ByteLimit = l.rows, l.bytes
	if cfg.UseCloudFetch {
		req.Disposition = rest.InlineOrExternalLinks
		if b.linksOnly.Load() {
			req.Disposition = rest.ExternalLinks
		}
	}
	if cfg.UseLZ4 {
		req.Compression = rest.LZ4Frame
	}
	return req, nil
}

// submit sends a submission. When ctx ends while it is in flight, the reply
// is still read, on a context detached from ctx and bounded by the wait
// plus submitReplyTimeout, in the background, and the statement it names is
// canceled and closed; submit returns ctx's error at once.
func (b *restBackend) submit(ctx context.Context, req *rest.ExecuteRequest) (*rest.StatementResponse, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if ctx.Done() == nil {
		resp, err := b.post(ctx, req)
		return resp, b.fail(err)
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), req.WaitTimeout+submitReplyTimeout)
	type result struct {
		resp *rest.StatementResponse
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		resp, err := b.post(dctx, req)
		ch <- result{resp, err}
	}()
	select {
	case r := <-ch:
		cancel()
		return r.resp, b.fail(r.err)
	case <-ctx.Done():
	}
	b.background(func() {
		defer cancel()
		r := <-ch
		if r.err != nil {
			return
		}
		b.c.log.Debug("databricks: cancelling statement abandoned during submit", "statement", r.resp.StatementID)
		if !r.resp.Status.State.Terminal() {
			b.cleanup(dctx, r.resp.StatementID, cancelAndClose)
		} else {
			b.cleanup(dctx, r.resp.StatementID, closeOnly)
		}
	})
	return nil, ctx.Err()
}

// post sends a submission. When the warehouse refuses the hybrid
// disposition INLINE_OR_EXTERNAL_LINKS (which Databricks does not offer to
// every client or warehouse), it sends it again, once, with EXTERNAL_LINKS
// and remembers that for the connector's later submissions. The resubmit is
// safe: a submission refused with HTTP 400 created no statement, so the
// statement cannot run twice.
func (b *restBackend) post(ctx context.Context, req *rest.ExecuteRequest) (*rest.StatementResponse, error) {
	resp, err := b.rc.Submit(ctx, req)
	if err == nil || req.Disposition != rest.InlineOrExternalLinks || !refusesHybrid(err) {
		return resp, err
	}
	if !b.linksOnly.Swap(true) {
		b.c.log.Info("databricks: the warehouse refuses disposition INLINE_OR_EXTERNAL_LINKS; using EXTERNAL_LINKS", "err", err)
	}
	req.Disposition = rest.ExternalLinks
	return b.rc.Submit(ctx, req)
}

// refusesHybrid reports whether a submission's error is the definitive
// refusal of the disposition INLINE_OR_EXTERNAL_LINKS: HTTP 400 (or 501)
// INVALID_PARAMETER_VALUE, BAD_REQUEST or NOT_IMPLEMENTED whose message
// names it or the disposition. Other fields of the submission are never
// the subject of such a message: the driver sends only ARROW_STREAM, which
// every disposition accepts.
func refusesHybrid(err error) bool {
	var re *rest.Error
	if !errors.As(err, &re) || (re.StatusCode != http.StatusBadRequest && re.StatusCode != http.StatusNotImplemented) {
		return false
	}
	switch re.ErrorCode {
	case "INVALID_PARAMETER_VALUE", "BAD_REQUEST", "NOT_IMPLEMENTED":
	default:
		return false
	}
	msg := strings.ToUpper(re.Message)
	return strings.Contains(msg, string(rest.InlineOrExternalLinks)) || strings.Contains(msg, "DISPOSITION")
}

// waitDone polls a statement until it reaches a final state. When ctx ends
// or a status call fails, it cancels and closes the statement on a bounded
// detached context and returns the error (ctx's once ctx ended).
func (b *restBackend) waitDone(ctx context.Context, resp *rest.StatementResponse) (*rest.StatementResponse, error) {
	id := resp.StatementID
	bo := backoff.New(b.c.cfg.pollPolicy())
	for !resp.Status.State.Terminal() {
		t := time.NewTimer(bo.Next())
		select {
		case <-ctx.Done():
			t.Stop()
			b.cleanup(ctx, id, cancelAndClose)
			return nil, ctx.Err()
		case <-t.C:
		}
		next, err := b.rc.Status(ctx, id)
		if err != nil {
			b.cleanup(ctx, id, cancelAndClose)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, b.fail(err)
		}
		resp = next
	}
	return resp, nil
}

// outcome is the error of a statement that ended other than SUCCEEDED.
func (b *restBackend) outcome(resp *rest.StatementResponse) error {
	if resp.Status.State == rest.Succeeded {
		return nil
	}
	return b.fail(resp.Err("ExecuteStatement"))
}

// restCleanup says what cleanup does to a statement.
type restCleanup uint8

const (
	// closeOnly closes a statement that has ended.
	closeOnly restCleanup = iota
	// cancelAndClose cancels it first: it may still run.
	cancelAndClose
)

// cleanup cancels (with cancelAndClose) and closes a statement on a bounded
// context detached from ctx; failures are logged only.
func (b *restBackend) cleanup(ctx context.Context, id string, mode restCleanup) {
	ctx, stop := context.WithTimeout(context.WithoutCancel(ctx), restCleanupTimeout)
	defer stop()
	if mode == cancelAndClose {
		if err := b.rc.Cancel(ctx, id); err != nil {
			b.c.log.Debug("databricks: cancel failed", "statement", id, "err", err)
		}
	}
	if err := b.rc.Close(ctx, id); err != nil {
		b.c.log.Debug("databricks: close failed", "statement", id, "err", err)
	}
}

// closeLater closes a failed statement in the background: the DELETE only
// frees the server's record of the failure early, so no caller waits for
// it. close waits for it.
func (b *restBackend) closeLater(ctx context.Context, id string) {
	ctx = context.WithoutCancel(ctx)
	b.background(func() { b.cleanup(ctx, id, closeOnly) })
}

// fail converts an error of the REST client into the driver's: a refused
// request (other than 429 and 5xx, which stay transient errors) and a
// statement that failed become a *ServerError, a statement the server does
// not know one that matches ErrInvalidHandle.
func (b *restBackend) fail(err error) error {
	var re *rest.Error
	if err == nil || !errors.As(err, &re) {
		return err
	}
	if re.StatusCode != 0 && (re.Temporary() || re.StatusCode >= 500) {
		return err
	}
	e := &ServerError{
		SQLState:    re.SQLState,
		Message:     re.Message,
		StatementID: re.StatementID,
		cause:       re,
	}
	if e.Message == "" {
		e.Message = re.ErrorCode
	}
	if re.StatusCode != 0 {
		e.Method = "rest " + re.Op
		e.invalidHandle = re.NotFound()
		if e.Message == "" {
			e.Message = fmt.Sprintf("HTTP %d", re.StatusCode)
		}
	} else {
		st := restState(re.State)
		e.State = &st
	}
	return e
}

// restState maps a statement state of the API to the driver's.
func restState(s rest.State) OperationState {
	switch s {
	case rest.Pending:
		return StatePending
	case rest.Running:
		return StateRunning
	case rest.Succeeded:
		return StateFinished
	case rest.Failed:
		return StateError
	case rest.Canceled:
		return StateCanceled
	case rest.Closed:
		return StateClosed
	}
	return StateUnknown
}

// restParams converts statement arguments into the API's parameters: the
// same SQL types and literal text as on Thrift (see buildParameters), the
// value left out for NULL. A NULL without an explicit type goes without a
// type, which the API reads as STRING, since it knows no VOID.
func restParams(args []sqldriver.NamedValue) ([]rest.Parameter, error) {
	if len(args) == 0 {
		return nil, nil
	}
	out := make([]rest.Parameter, 0, len(args))
	for _, a := range args {
		p := rest.Parameter{}
		if a.Name != "" {
			p.Name = strings.TrimPrefix(a.Name, ":")
		} else {
			p.Ordinal = a.Ordinal
		}
		typ, text, isNull, err := paramValue(a.Value)
		if err != nil {
			if a.Name != "" {
				return nil, fmt.Errorf("databricks: parameter %q: %w", a.Name, err)
			}
			return nil, fmt.Errorf("databricks: parameter %d: %w", a.Ordinal, err)
		}
		if typ != "VOID" {
			p.Type = typ
		}
		if !isNull {
			p.Value = &text
		}
		out = append(out, p)
	}
	return out, nil
}

// restQueryTags merges the session's tags and a statement's (these winning
// on the same key) into the API's list, in key order. Keys are checked as
// on Thrift, so that a tag valid on one backend is valid on the other.
func restQueryTags(session, stmt map[string]string) ([]rest.QueryTag, error) {
	if len(session) == 0 && len(stmt) == 0 {
		return nil, nil
	}
	if err := hs2.CheckQueryTags(stmt); err != nil {
		return nil, err
	}
	all := maps.Clone(session)
	if all == nil {
		all = map[string]string{}
	}
	maps.Copy(all, stmt)
	out := make([]rest.QueryTag, 0, len(all))
	for _, k := range slices.Sorted(maps.Keys(all)) {
		t := rest.QueryTag{Key: k}
		if v := all[k]; v != "" {
			t.Value = &v
		}
		out = append(out, t)
	}
	return out, nil
}

// statusOf is the OperationStatus of a status reply. The API reports
// neither start and end times nor a modified-row count.
func (b *restBackend) statusOf(resp *rest.StatementResponse) OperationStatus {
	st := OperationStatus{State: restState(resp.Status.State), HasResultSet: restHasResultSet(resp)}
	if st.State.Terminal() && st.State != StateFinished {
		st.Err = b.fail(resp.Err("GetStatement"))
	}
	return st
}

// restHasResultSet reports whether a succeeded statement has columns.
func restHasResultSet(resp *rest.StatementResponse) bool {
	m := resp.Manifest
	return m != nil && (m.Schema.ColumnCount > 0 || len(m.Schema.Columns) > 0)
}

// restOp is a succeeded statement of the REST backend.
type restOp struct {
	b    *restBackend
	resp *rest.StatementResponse
	// keptOnServer: read by reference, never closed by the reader;
	// released: closed already.
	keptOnServer, released bool
}

func (o *restOp) statementID() string { return o.resp.StatementID }
func (o *restOp) hasResultSet() bool  { return restHasResultSet(o.resp) }
func (o *restOp) kept() bool          { return o.keptOnServer }

// rowsAffected implements operation. The API reports no modified-row
// count: a DML statement answers, as on Databricks, a one-row result whose
// first column is num_affected_rows, which is read here (from the reply's
// inline chunk, or one chunk request). Any other result counts 0.
func (o *restOp) rowsAffected(ctx context.Context) (int64, error) {
	m := o.resp.Manifest
	if !o.hasResultSet() || len(m.Schema.Columns) == 0 || m.Schema.Columns[0].Name != "num_affected_rows" || m.TotalRowCount != 1 {
		return 0, nil
	}
	r, err := o.b.c.openRows(ctx, o, rowsOptions{})
	if err != nil {
		return 0, err
	}
	defer r.Close()
	dest := make([]sqldriver.Value, len(r.Columns()))
	if err := r.Next(dest); err != nil {
		return 0, err
	}
	n, _ := dest[0].(int64)
	return n, nil
}

// release implements operation: DELETE, unless kept, done already or
// not needed. A succeeded statement whose reply carried its whole result
// (no result set, no rows, or one inline chunk) is not closed at all: the
// client holds nothing the server must release early, the API reference
// has no close call (Databricks' SDK sends none), and the server drops the
// statement after its retention. So a SELECT 1 that finishes within the
// wait costs its one submission. One the server still serves (external
// links, later chunks) is closed before release returns, so that its files
// are gone when Rows.Close is.
func (o *restOp) release(ctx context.Context) {
	if o.keptOnServer || o.released {
		return
	}
	o.released = true
	if o.wholeInReply() {
		return
	}
	o.b.cleanup(ctx, o.resp.StatementID, closeOnly)
}

// wholeInReply reports whether the statement's reply held its whole
// result: no result set, no rows, or one chunk inline.
func (o *restOp) wholeInReply() bool {
	m := o.resp.Manifest
	if !o.hasResultSet() || m.TotalChunkCount == 0 {
		return true
	}
	rd := o.resp.Result
	return m.TotalChunkCount == 1 && rd != nil && len(rd.ExternalLinks) == 0 && rd.Attachment != nil
}

// restTypeIDs maps the API's type names (ColumnInfo.type_name) to the
// Thrift type IDs the column plan is built on.
var restTypeIDs = map[string]tcli.TTypeId{
	"BOOLEAN": tcli.TTypeId_BOOLEAN_TYPE, "BYTE": tcli.TTypeId_TINYINT_TYPE, "TINYINT": tcli.TTypeId_TINYINT_TYPE,
	"SHORT": tcli.TTypeId_SMALLINT_TYPE, "SMALLINT": tcli.TTypeId_SMALLINT_TYPE,
	"INT": tcli.TTypeId_INT_TYPE, "INTEGER": tcli.TTypeId_INT_TYPE,
	"LONG": tcli.TTypeId_BIGINT_TYPE, "BIGINT": tcli.TTypeId_BIGINT_TYPE,
	"FLOAT": tcli.TTypeId_FLOAT_TYPE, "DOUBLE": tcli.TTypeId_DOUBLE_TYPE,
	"DECIMAL": tcli.TTypeId_DECIMAL_TYPE, "STRING": tcli.TTypeId_STRING_TYPE,
	"CHAR": tcli.TTypeId_CHAR_TYPE, "VARCHAR": tcli.TTypeId_VARCHAR_TYPE,
	"BINARY": tcli.TTypeId_BINARY_TYPE, "DATE": tcli.TTypeId_DATE_TYPE,
	"TIMESTAMP": tcli.TTypeId_TIMESTAMP_TYPE, "TIMESTAMP_NTZ": tcli.TTypeId_TIMESTAMP_TYPE,
	"ARRAY": tcli.TTypeId_ARRAY_TYPE, "MAP": tcli.TTypeId_MAP_TYPE, "STRUCT": tcli.TTypeId_STRUCT_TYPE,
	"NULL": tcli.TTypeId_NULL_TYPE, "VOID": tcli.TTypeId_NULL_TYPE,
	"INTERVAL": tcli.TTypeId_INTERVAL_DAY_TIME_TYPE, "USER_DEFINED_TYPE": tcli.TTypeId_USER_DEFINED_TYPE,
}

// restSchema converts a manifest's columns into the table schema the
// column plan reads: types by type_name, DECIMAL's precision and scale.
func restSchema(s rest.Schema) *tcli.TTableSchema {
	cols := slices.Clone(s.Columns)
	slices.SortStableFunc(cols, func(a, b rest.Column) int { return a.Position - b.Position })
	ts := &tcli.TTableSchema{Columns: make([]*tcli.TColumnDesc, len(cols))}
	for i, c := range cols {
		typ, ok := restTypeIDs[strings.ToUpper(c.TypeName)]
		if !ok {
			typ = tcli.TTypeId_STRING_TYPE
		}
		if typ == tcli.TTypeId_INTERVAL_DAY_TIME_TYPE && strings.Contains(strings.ToUpper(c.TypeIntervalType+" "+c.TypeText), "MONTH") {
			typ = tcli.TTypeId_INTERVAL_YEAR_MONTH_TYPE
		}
		prim := &tcli.TPrimitiveTypeEntry{Type: typ}
		if typ == tcli.TTypeId_DECIMAL_TYPE {
			p, sc := int32(c.TypePrecision), int32(c.TypeScale)
			prim.TypeQualifiers = &tcli.TTypeQualifiers{Qualifiers: map[string]*tcli.TTypeQualifierValue{
				"precision": {I32Value: &p}, "scale": {I32Value: &sc},
			}}
		}
		ts.Columns[i] = &tcli.TColumnDesc{
			ColumnName: c.Name,
			TypeDesc:   &tcli.TTypeDesc{Types: []*tcli.TTypeEntry{{PrimitiveEntry: prim}}},
			Position:   int32(i + 1),
		}
	}
	return ts
}

// result implements operation: the manifest's columns, and the chunks
// through the results scheduler, the statement's reply giving the first
// one. The Arrow schema travels only in the chunks' streams: openRows reads
// it from the source.
func (o *restOp) result(ctx context.Context, opts rowsOptions) (resultPlan, error) {
	m := o.resp.Manifest
	if m == nil {
		return resultPlan{}, &ServerError{Message: "statement succeeded without a result manifest", StatementID: o.resp.StatementID}
	}
	if m.Format != "" && m.Format != rest.ArrowStream {
		return resultPlan{}, fmt.Errorf("%w: %s (statement %s)", ErrUnsupportedResult, m.Format, o.resp.StatementID)
	}
	b, id := o.b, o.resp.StatementID
	return resultPlan{schema: restSchema(m.Schema), truncated: m.Truncated, source: results.Config{
		Format:      results.Chunks,
		StatementID: id,
		Manifest:    m,
		FirstChunk:  o.resp.Result,
		Chunk: func(ctx context.Context, index int) (*rest.ResultData, error) {
			rd, err := b.rc.Chunk(ctx, id, index)
			return rd, b.fail(err)
		},
		Records:      opts.records,
		MaxDownloads: b.c.cfg.maxDownloads(),
		HTTPClient:   b.c.httpClient, Log: b.c.log,
	}}, nil
}
