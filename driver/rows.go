package driver

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"unsafe"

	sqldriver "database/sql/driver"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/asyncsql/databricks/arrowbatch"
	"github.com/asyncsql/databricks/colset"
	"github.com/asyncsql/databricks/internal/hs2"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// rows streams a result set page by page.
type rows struct {
	c    *Connector
	op   *hs2.Operation
	cols []column
	f    *fetcher
	// links reads URL_BASED_SET results (nil otherwise).
	links *linkReader

	arrow bool
	// noFields marks an Arrow result whose Arrow schema has no fields while
	// the table schema has columns: it must hold no rows.
	noFields bool
	// handsOutRecords is set when the records themselves reach the user
	// (QueryArrow): they are then decoded from copies, valid after the
	// next batch. Rows.Next reads each record before decoding the next and
	// hands out copies of its values, so it decodes without copying.
	handsOutRecords bool
	ar              *arrowbatch.Reader
	dec             *colset.Decoder

	// current page
	cur      *tcli.TRowSet
	batchIdx int
	// prev is the batch of the record before rec, recycled once the next
	// record is decoded.
	prev   []byte
	rec    arrow.RecordBatch
	cp     *colset.Page
	n, row int

	ctx     context.Context
	eof     bool
	closed  bool
	lastErr error
}

var (
	_ sqldriver.Rows                           = (*rows)(nil)
	_ sqldriver.RowsColumnTypeScanType         = (*rows)(nil)
	_ sqldriver.RowsColumnTypeDatabaseTypeName = (*rows)(nil)
	_ sqldriver.RowsColumnTypeNullable         = (*rows)(nil)
	_ sqldriver.RowsColumnTypeLength           = (*rows)(nil)
	_ sqldriver.RowsColumnTypePrecisionScale   = (*rows)(nil)
)

// newRows prepares the result of a finished operation: it reads the metadata
// (from direct results or GetResultSetMetadata) and plans the columns once.
func (c *Connector) newRows(ctx context.Context, op *hs2.Operation, orientation tcli.TFetchOrientation) (*rows, error) {
	meta, err := c.hs.ResultSetMetadata(ctx, op)
	if err != nil {
		return nil, err
	}
	var first *tcli.TFetchResultsResp
	if op.Direct != nil {
		first = op.Direct.ResultSet
	}
	r := &rows{c: c, op: op, ctx: ctx}
	format := tcli.TSparkRowSetType_COLUMN_BASED_SET
	if meta.ResultFormat != nil {
		format = *meta.ResultFormat
	}
	switch format {
	case tcli.TSparkRowSetType_ARROW_BASED_SET, tcli.TSparkRowSetType_URL_BASED_SET:
		if len(meta.ArrowSchema) == 0 {
			// Not something the server reported as an error: the reply
			// lacks what the driver needs to read it.
			return nil, fmt.Errorf("%w: Arrow result without an Arrow schema (statement %s)", ErrUnsupportedResult, op.ID)
		}
		// Batches are LZ4 frames when lz4Compressed; the fetcher decompresses
		// them (link files are decompressed by the link reader), so the
		// Reader always sees plain IPC messages.
		ar, err := arrowbatch.NewReader(meta.ArrowSchema, arrowbatch.Options{Location: c.location()})
		if err != nil {
			return nil, fmt.Errorf("databricks: statement %s: %w", op.ID, err)
		}
		r.arrow, r.ar = true, ar
		r.cols = newPlan(meta.Schema, ar.Schema())
		if ar.NumColumns() == 0 && len(r.cols) > 0 {
			// Servers answer the empty result of a command so: an Arrow
			// schema without fields, no batches. The columns are the
			// table schema's, and a batch with rows is an error.
			r.cols, r.noFields = newPlan(meta.Schema, nil), true
		} else if len(r.cols) != ar.NumColumns() {
			ar.Close()
			return nil, fmt.Errorf("databricks: statement %s: Arrow schema has %d columns, table schema %d", op.ID, ar.NumColumns(), len(r.cols))
		}
	case tcli.TSparkRowSetType_COLUMN_BASED_SET:
		r.cols = newPlan(meta.Schema, nil)
		types := make([]colset.ColumnType, len(r.cols))
		for i, col := range r.cols {
			types[i] = colset.ColumnType{Type: col.typ, Scale: int(col.scale)}
		}
		dec, err := colset.NewDecoder(types, colset.Options{Location: c.location(), TextZone: c.sessionZone()})
		if err != nil {
			return nil, fmt.Errorf("databricks: statement %s: %w", op.ID, err)
		}
		r.dec = dec
	default:
		return nil, fmt.Errorf("%w: %s (statement %s)", ErrUnsupportedResult, format, op.ID)
	}
	if format == tcli.TSparkRowSetType_URL_BASED_SET {
		more := op.Lifetime != hs2.Closed && (first == nil || first.GetHasMoreRows())
		r.links = newLinkReader(ctx, c, op.Handle, r.ar, meta.GetLz4Compressed(), first, more, orientation)
		r.f = newFetcher(ctx, c, op.Handle, true, true, nil, true) // pages are the link reader's
		return r, nil
	}
	r.f = newFetcher(ctx, c, op.Handle, r.arrow, op.SparkProtocol(), first, op.Lifetime == hs2.Closed)
	r.f.orientation = orientation
	if r.arrow && meta.GetLz4Compressed() {
		r.f.decompressLZ4()
	}
	return r, nil
}

// Columns implements driver.Rows.
func (r *rows) Columns() []string { return columnNames(r.cols) }

// Next implements driver.Rows.
func (r *rows) Next(dest []sqldriver.Value) error {
	if r.closed {
		return ErrClosed
	}
	if r.lastErr != nil {
		return r.lastErr
	}
	for r.row >= r.n {
		if err := r.advance(); err != nil {
			if err != io.EOF {
				r.lastErr = err
			}
			return err
		}
	}
	if r.arrow {
		// driver.Value is declared as any: a []driver.Value is a []any
		// with the same layout, only its element type has another name.
		r.ar.Row(r.row, *(*[]any)(unsafe.Pointer(&dest)))
	} else {
		for i := range dest {
			dest[i] = r.cp.Value(i, r.row)
		}
	}
	r.row++
	return nil
}

// advance moves to the next batch or page; io.EOF after the last row.
func (r *rows) advance() error {
	if r.arrow {
		rec, err := r.nextRecord()
		if err != nil {
			return err
		}
		if r.noFields && rec.NumRows() > 0 {
			return fmt.Errorf("databricks: statement %s: %w: %d rows of an Arrow schema without fields", r.op.ID, ErrCorruptResult, rec.NumRows())
		}
		if err := r.ar.Bind(rec); err != nil {
			return fmt.Errorf("databricks: statement %s: %w", r.op.ID, err)
		}
		r.n, r.row = int(rec.NumRows()), 0
		return nil
	}
	rs, err := r.nextPage()
	if err != nil {
		return err
	}
	p, err := r.dec.Decode(rs.Columns)
	if err != nil {
		return fmt.Errorf("databricks: statement %s: %w", r.op.ID, err)
	}
	r.cp, r.n, r.row = p, p.NumRows(), 0
	return nil
}

// nextRecord decodes the next Arrow batch, releasing the previous one. The
// record stays owned by rows until the next call or Close.
func (r *rows) nextRecord() (arrow.RecordBatch, error) {
	if r.rec != nil {
		r.rec.Release()
		r.rec = nil
	}
	if r.links != nil {
		rec, err := r.links.next()
		if err == io.EOF {
			r.finish()
		}
		r.rec = rec
		return rec, err
	}
	for r.cur == nil || r.batchIdx >= len(r.cur.ArrowBatches) {
		rs, err := r.nextPage()
		if err != nil {
			return nil, err
		}
		r.cur, r.batchIdx = rs, 0
	}
	b := r.cur.ArrowBatches[r.batchIdx]
	r.batchIdx++
	if b == nil {
		return nil, fmt.Errorf("databricks: statement %s: nil Arrow batch", r.op.ID)
	}
	decode := r.ar.DecodeTransient // b.Batch is never modified
	if r.handsOutRecords {
		decode = r.ar.Decode
	}
	rec, err := decode(b.Batch)
	if err != nil {
		return nil, fmt.Errorf("databricks: statement %s: %w", r.op.ID, err)
	}
	if rec.NumRows() != b.RowCount {
		// The page's offsets count the announced rows: a batch that holds
		// others would shift every row after it.
		n := rec.NumRows()
		rec.Release()
		return nil, fmt.Errorf("databricks: statement %s: %w: Arrow batch holds %d rows, its page says %d", r.op.ID, ErrCorruptResult, n, b.RowCount)
	}
	// The record before no longer refers to its batch (DecodeTransient's
	// records live until the next call), and what Next returned from it
	// are copies: its memory can take a later batch.
	r.f.recycle(r.prev)
	r.prev = b.Batch
	r.rec = rec
	return rec, nil
}

// nextPage returns the next non-empty page; at the end it closes the
// operation and returns io.EOF.
func (r *rows) nextPage() (*tcli.TRowSet, error) {
	for {
		rs, err := r.f.next()
		if err == io.EOF {
			r.finish()
			return nil, io.EOF
		}
		if err != nil {
			return nil, err
		}
		if rs != nil && (rowSetLen(rs) > 0 || len(rs.ArrowBatches) > 0) {
			return rs, nil
		}
	}
}

// finish runs once at EOF: it closes the operation, unless the server did or
// the result is kept on the server (OperationRows).
func (r *rows) finish() {
	if r.eof {
		return
	}
	r.eof = true
	r.c.hs.Cleanup(r.ctx, r.op, hs2.Close)
}

// exhausted reports whether every row has been returned.
func (r *rows) exhausted() bool {
	if r.links != nil {
		return r.row >= r.n && r.links.drained()
	}
	if r.f == nil || r.row < r.n || !r.f.drained() {
		return false
	}
	return !r.arrow || r.cur == nil || r.batchIdx >= len(r.cur.ArrowBatches)
}

// Close implements driver.Rows. It stops the read-ahead and closes the
// operation unless that already happened (or the result is detached).
func (r *rows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if !r.eof && r.exhausted() {
		// The last row was read even if Next never returned io.EOF (QueryRow).
		r.f.close(false)
		r.finish()
	}
	// A result left on the server lets its page requests in flight finish,
	// so that the server cannot count one after a new reader's FETCH_FIRST.
	settle := r.op.Lifetime == hs2.Kept && !r.eof
	if r.f != nil {
		r.f.close(settle)
	}
	if r.links != nil {
		r.links.close(settle)
	}
	if r.rec != nil {
		r.rec.Release()
		r.rec = nil
	}
	if r.ar != nil {
		r.ar.Close()
	}
	if !r.eof {
		r.c.hs.Cleanup(r.ctx, r.op, hs2.Close)
	}
	return nil
}

// ColumnTypeScanType implements driver.RowsColumnTypeScanType.
func (r *rows) ColumnTypeScanType(i int) reflect.Type { return r.cols[i].scan }

// ColumnTypeDatabaseTypeName implements driver.RowsColumnTypeDatabaseTypeName.
func (r *rows) ColumnTypeDatabaseTypeName(i int) string { return r.cols[i].typeName }

// ColumnTypeNullable implements driver.RowsColumnTypeNullable. Nullability is
// known only from an Arrow schema.
func (r *rows) ColumnTypeNullable(i int) (nullable, ok bool) {
	return r.cols[i].nullable, r.cols[i].nullOK
}

// ColumnTypeLength implements driver.RowsColumnTypeLength.
func (r *rows) ColumnTypeLength(i int) (int64, bool) { return r.cols[i].length, r.cols[i].hasLength }

// ColumnTypePrecisionScale implements driver.RowsColumnTypePrecisionScale.
func (r *rows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	return r.cols[i].precision, r.cols[i].scale, r.cols[i].hasPS
}

// emptyRows is a result without columns (DDL).
type emptyRows struct{}

// Columns implements driver.Rows.
func (e *emptyRows) Columns() []string { return nil }

// Close implements driver.Rows.
func (e *emptyRows) Close() error { return nil }

// Next implements driver.Rows: io.EOF.
func (e *emptyRows) Next([]sqldriver.Value) error { return io.EOF }
