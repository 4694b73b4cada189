package emulator

import (
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// restExec is what a statement submitted through the Statement Execution
// API asked for, and its result cut into chunks once it succeeded.
type restExec struct {
	format      string // JSON_ARRAY, ARROW_STREAM or CSV
	links       bool   // EXTERNAL_LINKS, else INLINE; decided by buildLocked when hybrid
	hybrid      bool   // INLINE_OR_EXTERNAL_LINKS
	hybridLimit int64  // the largest result a hybrid statement answers inline
	lz4         bool   // ARROW_STREAM chunks as LZ4 frames
	rowLimit    int64  // the client's row_limit, 0 for none
	byteLimit   int64  // the client's byte_limit, 0 for none
	chunkRows   int
	batchRows   int
	inlineLimit int64

	// Set by buildLocked, under the operation's mu.
	built     bool
	truncated bool
	chunks    []restChunk
	bytes     int64
	failure   *opError // the result could not be served (INLINE over its limit)
	failCode  string   // the failure's error_code
	lazy      bool     // chunks 1 and on are encoded in the background by enc

	// delivered: a reply reporting SUCCEEDED carried the whole result (no
	// rows, or one inline chunk); under the operation's mu.
	delivered bool

	enc restEncoder
}

// restChunk is one chunk of a result: its rows and their encoding in the
// statement's format (an Arrow IPC stream, a JSON array of rows, CSV).
// A chunk encoded in the background has ready, closed once data (or err)
// is set; a chunk without ready is encoded already.
type restChunk struct {
	offset, rows int
	data         []byte
	ready        chan struct{}
	err          error
}

// restArrowOptions are the Arrow types of ARROW_STREAM results: decimals,
// nested types and the NULL type as native Arrow types.
var restArrowOptions = arrowOptions{decimalAsArrow: true, nullAsArrow: true, complexAsArrow: true}

// errStatementClosed is the encoding failure of a chunk whose statement
// was closed before the chunk was encoded.
var errStatementClosed = errors.New("the statement was closed")

// buildLocked cuts op's result into chunks once; op.mu held and op
// FINISHED. Rows beyond row_limit, and beyond byte_limit once the chunks'
// bytes reach it, are left out and the result marked truncated. Without
// byte_limit, a result of several chunks served as links is answered as
// soon as chunk 0 is encoded: the others are encoded in the background
// (see encodeRest) and the manifest leaves their byte counts out.
func (x *restExec) buildLocked(op *operation) {
	if x.built {
		return
	}
	x.built = true
	total := 0
	if op.hasResultSet && op.rows != nil {
		total = op.rows.Len()
	}
	n := total
	if x.rowLimit > 0 && int64(n) > x.rowLimit {
		n, x.truncated = int(x.rowLimit), true
	}
	if x.byteLimit == 0 {
		count := (n + x.chunkRows - 1) / x.chunkRows
		if count > 1 && x.hybrid {
			x.links = true // several chunks are never inline
		}
		if count > 1 && x.links {
			x.encodeLazily(op, n, count)
			return
		}
		if err := x.encodeAll(op, n); err != nil {
			x.chunks, x.bytes = nil, 0
			x.fail("INTERNAL_ERROR", "XX000", "result chunk: "+err.Error())
			return
		}
		x.settle()
		return
	}
	for off := 0; off < n; off += x.chunkRows {
		end := min(off+x.chunkRows, n)
		data, err := x.encode(op, off, end)
		if err != nil {
			x.fail("INTERNAL_ERROR", "XX000", "result chunk: "+err.Error())
			return
		}
		if x.byteLimit > 0 && x.bytes+int64(len(data)) > x.byteLimit {
			// Keep the share of this chunk's rows that fits.
			keep := int(int64(end-off) * (x.byteLimit - x.bytes) / int64(len(data)))
			x.truncated = true
			if keep <= 0 {
				break
			}
			if data, err = x.encode(op, off, off+keep); err != nil {
				x.fail("INTERNAL_ERROR", "XX000", "result chunk: "+err.Error())
				return
			}
			end = off + keep
			x.chunks = append(x.chunks, restChunk{offset: off, rows: end - off, data: data})
			x.bytes += int64(len(data))
			break
		}
		x.chunks = append(x.chunks, restChunk{offset: off, rows: end - off, data: data})
		x.bytes += int64(len(data))
	}
	x.settle()
}

// encodeLazily encodes chunk 0 of rows [0,n) now, for the first reply,
// and starts the background encoding of chunks 1 to count-1.
func (x *restExec) encodeLazily(op *operation, n, count int) {
	x.lazy = true
	x.chunks = make([]restChunk, count)
	for i := range x.chunks {
		off := i * x.chunkRows
		x.chunks[i] = restChunk{offset: off, rows: min(off+x.chunkRows, n) - off, ready: make(chan struct{})}
	}
	c := &x.chunks[0]
	c.data, c.err = x.encode(op, 0, c.rows)
	close(c.ready)
	if c.err != nil {
		x.chunks = nil
		x.fail("INTERNAL_ERROR", "XX000", "result chunk: "+c.err.Error())
		return
	}
	x.enc.start(x, op.cols, op.rows)
}

// restEncoder runs the background encoding of a result's chunks, on up to
// GOMAXPROCS goroutines in chunk order, and stops it when the statement
// is closed: stop waits for the chunks being encoded (the store they read
// is freed next) and fails those not started. Its zero value is ready.
type restEncoder struct {
	mu      sync.Mutex
	idle    sync.Cond // signalled when active drops to 0
	stopped bool
	active  int
	next    int // the next chunk to encode
}

// start launches the encoders of x's chunks 1 and on; after stop it only
// fails them.
func (e *restEncoder) start(x *restExec, cols []column, rows *resultStore) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.next = 1
	if e.stopped {
		e.failRestLocked(x)
		return
	}
	for range min(runtime.GOMAXPROCS(0), len(x.chunks)-1) {
		e.active++
		go e.run(x, cols, rows)
	}
}

// run encodes chunks until none is left or the encoder is stopped.
func (e *restEncoder) run(x *restExec, cols []column, rows *resultStore) {
	for {
		e.mu.Lock()
		if e.stopped || e.next >= len(x.chunks) {
			e.active--
			if e.active == 0 {
				e.idle.Broadcast()
			}
			e.mu.Unlock()
			return
		}
		c := &x.chunks[e.next]
		e.next++
		e.mu.Unlock()
		c.data, c.err = x.encodeRows(cols, rows, c.offset, c.offset+c.rows)
		close(c.ready)
	}
}

// stop ends the background encoding: it waits for the chunks being encoded
// and fails the others with errStatementClosed.
func (e *restEncoder) stop(x *restExec) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return
	}
	e.stopped = true
	if e.idle.L == nil {
		e.idle.L = &e.mu
	}
	for e.active > 0 {
		e.idle.Wait()
	}
	if e.next > 0 { // started
		e.failRestLocked(x)
	}
}

// failRestLocked fails the chunks not encoded; e.mu held.
func (e *restEncoder) failRestLocked(x *restExec) {
	for ; e.next < len(x.chunks); e.next++ {
		c := &x.chunks[e.next]
		c.err = errStatementClosed
		close(c.ready)
	}
}

// encodeAll encodes the chunks of rows [0,n) on GOMAXPROCS goroutines: a
// finished result's store is only read.
func (x *restExec) encodeAll(op *operation, n int) error {
	count := (n + x.chunkRows - 1) / x.chunkRows
	x.chunks = make([]restChunk, count)
	errs := make([]error, count)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), count) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < count; i = int(next.Add(1) - 1) {
				off := i * x.chunkRows
				end := min(off+x.chunkRows, n)
				data, err := x.encode(op, off, end)
				x.chunks[i], errs[i] = restChunk{offset: off, rows: end - off, data: data}, err
			}
		})
	}
	wg.Wait()
	for _, c := range x.chunks {
		x.bytes += int64(len(c.data))
	}
	return errors.Join(errs...)
}

// settle picks the disposition of a hybrid result, inline when it is one
// chunk of at most hybridLimit bytes (the whole result in the first
// reply's attachment or data_array), external links otherwise; then it
// fails an INLINE result larger than the inline limit.
func (x *restExec) settle() {
	if x.hybrid {
		x.links = len(x.chunks) > 1 || x.bytes > x.hybridLimit
	}
	if !x.links && x.bytes > x.inlineLimit {
		x.chunks = nil
		x.fail("BAD_REQUEST", "54000", "Inline byte limit exceeded: a statement with disposition INLINE can have a result of at most "+
			strconv.FormatInt(x.inlineLimit, 10)+" bytes; use disposition EXTERNAL_LINKS for larger results.")
	}
}

func (x *restExec) fail(code, sqlState, msg string) {
	x.failure, x.failCode = &opError{sqlState: sqlState, message: msg}, code
}

// encode writes rows [start,end) of op's result in the statement's format.
func (x *restExec) encode(op *operation, start, end int) ([]byte, error) {
	return x.encodeRows(op.cols, op.rows, start, end)
}

// encodeRows writes rows [start,end) of a result in the statement's format.
func (x *restExec) encodeRows(cols []column, rows *resultStore, start, end int) ([]byte, error) {
	switch x.format {
	case "ARROW_STREAM":
		return fileBytes(arrowSchema(cols, restArrowOptions), cols, rows, start, end, x.batchRows, x.lz4)
	case "CSV":
		var b strings.Builder
		w := csv.NewWriter(&b)
		if start == 0 {
			names := make([]string, len(cols))
			for i, c := range cols {
				names[i] = c.name
			}
			_ = w.Write(names)
		}
		rec := make([]string, len(cols))
		for r := start; r < end; r++ {
			for ci, c := range cols {
				rec[ci] = "null"
				if v := rows.value(r, ci); v != nil {
					rec[ci] = restText(v, c.typ)
				}
			}
			_ = w.Write(rec)
		}
		w.Flush()
		return []byte(b.String()), w.Error()
	default: // JSON_ARRAY
		var b strings.Builder
		b.WriteByte('[')
		for r := start; r < end; r++ {
			if r > start {
				b.WriteByte(',')
			}
			b.WriteByte('[')
			for ci, c := range cols {
				if ci > 0 {
					b.WriteByte(',')
				}
				if v := rows.value(r, ci); v == nil {
					b.WriteString("null")
				} else {
					writeJSONString(&b, restText(v, c.typ))
				}
			}
			b.WriteByte(']')
		}
		b.WriteByte(']')
		return []byte(b.String()), nil
	}
}

// restText is the text of a non-NULL value in JSON_ARRAY and CSV results:
// binary as hexadecimal digits (as Databricks' Python connector decodes
// it), everything else in its Thrift text form.
func restText(v any, t *colType) string {
	if b, ok := v.([]byte); ok && t.kind == kBinary {
		return strings.ToUpper(hex.EncodeToString(b))
	}
	return textValue(v, t)
}

// The JSON replies of the Statement Execution API.
type (
	restStatementResponse struct {
		StatementID string          `json:"statement_id"`
		Status      restStatus      `json:"status"`
		Manifest    *restManifest   `json:"manifest,omitempty"`
		Result      *restResultData `json:"result,omitempty"`
	}
	restStatus struct {
		State    string            `json:"state"`
		Error    *restServiceError `json:"error,omitempty"`
		SQLState string            `json:"sql_state,omitempty"`
	}
	restServiceError struct {
		ErrorCode string `json:"error_code,omitempty"`
		Message   string `json:"message,omitempty"`
	}
	restManifest struct {
		Format            string          `json:"format"`
		Schema            restSchema      `json:"schema"`
		TotalChunkCount   int             `json:"total_chunk_count"`
		Chunks            []restChunkInfo `json:"chunks,omitempty"`
		TotalRowCount     int64           `json:"total_row_count"`
		TotalByteCount    *int64          `json:"total_byte_count,omitempty"`
		Truncated         bool            `json:"truncated"`
		ResultCompression string          `json:"result_compression,omitempty"`
	}
	restSchema struct {
		ColumnCount int          `json:"column_count"`
		Columns     []restColumn `json:"columns,omitempty"`
	}
	restColumn struct {
		Name             string `json:"name"`
		TypeText         string `json:"type_text"`
		TypeName         string `json:"type_name"`
		Position         int    `json:"position"`
		TypePrecision    *int   `json:"type_precision,omitempty"`
		TypeScale        *int   `json:"type_scale,omitempty"`
		TypeIntervalType string `json:"type_interval_type,omitempty"`
	}
	restChunkInfo struct {
		ChunkIndex int    `json:"chunk_index"`
		RowOffset  int64  `json:"row_offset"`
		RowCount   int64  `json:"row_count"`
		ByteCount  *int64 `json:"byte_count,omitempty"`
	}
	// restResultData is one chunk: inline (data_array or attachment, with
	// the chunk's position) or as external_links.
	restResultData struct {
		ChunkIndex            *int               `json:"chunk_index,omitempty"`
		RowOffset             *int64             `json:"row_offset,omitempty"`
		RowCount              *int64             `json:"row_count,omitempty"`
		DataArray             json.RawMessage    `json:"data_array,omitempty"`
		Attachment            []byte             `json:"attachment,omitempty"`
		ExternalLinks         []restExternalLink `json:"external_links,omitempty"`
		NextChunkIndex        *int               `json:"next_chunk_index,omitempty"`
		NextChunkInternalLink string             `json:"next_chunk_internal_link,omitempty"`
	}
	restExternalLink struct {
		ChunkIndex            int               `json:"chunk_index"`
		RowOffset             int64             `json:"row_offset"`
		RowCount              int64             `json:"row_count"`
		ByteCount             int64             `json:"byte_count"`
		ExternalLink          string            `json:"external_link"`
		Expiration            string            `json:"expiration"`
		HTTPHeaders           map[string]string `json:"http_headers,omitempty"`
		NextChunkIndex        *int              `json:"next_chunk_index,omitempty"`
		NextChunkInternalLink string            `json:"next_chunk_internal_link,omitempty"`
	}
	// restError is the body of an error reply.
	restError struct {
		ErrorCode string `json:"error_code"`
		Message   string `json:"message"`
	}
)

// manifestLocked describes the built result; op.mu held.
func (x *restExec) manifestLocked(op *operation) *restManifest {
	m := &restManifest{Format: x.format, TotalChunkCount: len(x.chunks), Truncated: x.truncated}
	m.Schema = restSchemaOf(op.cols)
	for i := range x.chunks {
		c := &x.chunks[i] // only offset and rows: a lazy chunk's data may be being written
		ci := restChunkInfo{ChunkIndex: i, RowOffset: int64(c.offset), RowCount: int64(c.rows)}
		if x.links && !x.lazy {
			n := int64(len(c.data))
			ci.ByteCount = &n
		}
		m.Chunks = append(m.Chunks, ci)
		m.TotalRowCount += int64(c.rows)
	}
	if x.links && !x.lazy {
		n := x.bytes
		m.TotalByteCount = &n
	}
	if x.lz4 {
		m.ResultCompression = "LZ4_FRAME"
	}
	return m
}

// wholeLocked reports whether a reply carries the whole built result: no
// chunks, or one inline; op.mu held.
func (x *restExec) wholeLocked() bool {
	return len(x.chunks) == 0 || (len(x.chunks) == 1 && !x.links)
}

// restSchemaOf is the manifest schema of result columns.
func restSchemaOf(cols []column) restSchema {
	s := restSchema{ColumnCount: len(cols)}
	for i, c := range cols {
		rc := restColumn{Name: c.name, TypeText: c.typ.sqlText(), TypeName: c.typ.restTypeName(), Position: i}
		if c.typ.kind == kDecimal {
			p, sc := c.typ.precision, c.typ.scale
			rc.TypePrecision, rc.TypeScale = &p, &sc
		}
		if c.typ.kind == kInterval {
			rc.TypeIntervalType = "DAY TO SECOND"
		}
		s.Columns = append(s.Columns, rc)
	}
	return s
}

// chunkPath is the API path of a chunk, next_chunk_internal_link.
func chunkPath(id string, i int) string {
	return restPrefix + "/" + id + "/result/chunks/" + strconv.Itoa(i)
}

// chunkLocked is chunk i of the built result, encoded (see chunkReady):
// inline data or a fresh external link; op.mu held.
func (s *Server) chunkLocked(op *operation, i int) *restResultData {
	x := op.rest
	c := x.chunks[i]
	id := op.h.String()
	var next *int
	nextLink := ""
	if i+1 < len(x.chunks) {
		n := i + 1
		next, nextLink = &n, chunkPath(id, n)
	}
	if x.links {
		o := s.cfg.links
		if o == nil {
			o = &defaultLinkOptions
		}
		lk := s.files.add(c.data, o, s.fileBase(), op)
		return &restResultData{ExternalLinks: []restExternalLink{{
			ChunkIndex: i, RowOffset: int64(c.offset), RowCount: int64(c.rows), ByteCount: lk.BytesNum,
			ExternalLink: lk.FileLink, Expiration: time.Unix(lk.ExpiryTime, 0).UTC().Format(time.RFC3339),
			HTTPHeaders: lk.HttpHeaders, NextChunkIndex: next, NextChunkInternalLink: nextLink,
		}}}
	}
	idx, off, rows := i, int64(c.offset), int64(c.rows)
	d := &restResultData{ChunkIndex: &idx, RowOffset: &off, RowCount: &rows, NextChunkIndex: next, NextChunkInternalLink: nextLink}
	if x.format == "ARROW_STREAM" {
		d.Attachment = c.data
	} else {
		d.DataArray = c.data
	}
	return d
}

// defaultLinkOptions serve the external links of REST statements when
// WithLinks set none.
var defaultLinkOptions = LinkOptions{FileRows: 50000, Lifetime: 15 * time.Minute}

// restStateLocked is the API's view of op now: the reply (without
// manifest and result) and the log's state; op.mu held. A finished
// statement's result is built here.
func (op *operation) restStateLocked() (restStatus, State) {
	switch op.state {
	case tcli.TOperationState_PENDING_STATE, tcli.TOperationState_INITIALIZED_STATE:
		return restStatus{State: "PENDING"}, StatePending
	case tcli.TOperationState_RUNNING_STATE:
		return restStatus{State: "RUNNING"}, StateRunning
	case tcli.TOperationState_FINISHED_STATE:
		op.rest.buildLocked(op)
		if f := op.rest.failure; f != nil {
			return restStatus{State: "FAILED", SQLState: f.sqlState,
				Error: &restServiceError{ErrorCode: op.rest.failCode, Message: f.message}}, StateError
		}
		return restStatus{State: "SUCCEEDED"}, StateFinished
	case tcli.TOperationState_ERROR_STATE:
		e := op.err
		if e == nil {
			e = &opError{sqlState: "XX000", message: "statement failed"}
		}
		return restStatus{State: "FAILED", SQLState: e.sqlState,
			Error: &restServiceError{ErrorCode: restErrorCode(e.sqlState), Message: e.message}}, StateError
	case tcli.TOperationState_TIMEDOUT_STATE:
		msg := "Query timed out"
		if op.err != nil {
			msg = op.err.message
		}
		return restStatus{State: "FAILED", SQLState: "57014",
			Error: &restServiceError{ErrorCode: "DEADLINE_EXCEEDED", Message: msg}}, StateTimedOut
	case tcli.TOperationState_CANCELED_STATE:
		return restStatus{State: "CANCELED"}, StateCanceled
	default:
		return restStatus{State: "CLOSED"}, StateClosed
	}
}

// restErrorCode is the error_code of a failed statement: BAD_REQUEST for
// the failures the statement's text or data caused (SQLSTATE classes 0A,
// 07, 21, 22, 23, 3F, 42), ABORTED for transaction rollbacks (40),
// CANCELLED for 57014, INTERNAL_ERROR otherwise.
func restErrorCode(sqlState string) string {
	class := sqlState
	if len(class) > 2 {
		class = class[:2]
	}
	switch {
	case sqlState == "57014":
		return "CANCELLED"
	case class == "40":
		return "ABORTED"
	case strings.Contains(" 0A 07 21 22 23 3F 42 ", " "+class+" "):
		return "BAD_REQUEST"
	}
	return "INTERNAL_ERROR"
}

// sqlText is the column type as Databricks SQL writes it (type_text):
// INT, DECIMAL(10,2), MAP<STRING,INT>, STRUCT<a:INT>.
func (t *colType) sqlText() string { return t.sqlType(",", ":") }

// restTypeName is the column's type_name, the API's ColumnInfoTypeName.
func (t *colType) restTypeName() string {
	switch t.kind {
	case kNull:
		return "NULL"
	case kInt8:
		return "BYTE"
	case kInt16:
		return "SHORT"
	case kInt32:
		return "INT"
	case kInt64:
		return "LONG"
	case kInterval:
		return "INTERVAL"
	case kString:
		return "STRING"
	}
	text := t.sqlText()
	if i := strings.IndexAny(text, "(<"); i >= 0 {
		text = text[:i]
	}
	return text
}
