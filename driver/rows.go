package driver

import (
	"context"
	"io"
	"reflect"
	"unsafe"

	sqldriver "database/sql/driver"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/asyncsql/databricks/arrowbatch"
	"github.com/asyncsql/databricks/colset"
	"github.com/asyncsql/databricks/internal/results"
	"github.com/asyncsql/databricks/internal/stmterr"
)

// rows converts the batches of a result set for database/sql: Arrow records
// through the arrowbatch Reader's column readers, column-based pages
// through colset. Fetching, read-ahead, decompression and downloads are the
// results.Source's.
type rows struct {
	c  *Connector
	op operation
	// id is the statement ID, for errors.
	id   string
	cols []column
	src  results.Source

	// ar converts Arrow records (nil for column-based results); noFields
	// marks an Arrow result whose Arrow schema has no fields while the
	// table schema has columns: it must hold no rows.
	ar       *arrowbatch.Reader
	noFields bool
	// noBatches marks a result known to hold no batch (neither ar nor
	// dec is set): a batch is an error.
	noBatches bool
	// dec converts column-based pages; cp is the page being read.
	dec *colset.Decoder
	cp  *colset.Page
	// n is the number of rows of the current batch, row the next one.
	n, row int

	// truncated: the server reported the result cut by a limit, told
	// after its last row. rowCap (0: none) is the most rows handed out, a
	// row beyond it telling a cut result; seen counts the rows handed out.
	truncated    bool
	rowCap, seen int64

	ctx     context.Context
	state   rowsState
	lastErr error
}

// rowsState is where a result is in its life.
type rowsState uint8

const (
	// rowsReading: rows remain, or may; the operation is open.
	rowsReading rowsState = iota
	// rowsDone: the last row was returned and the operation closed (unless
	// kept on the server).
	rowsDone
	// rowsClosed: Close was called.
	rowsClosed
)

// rowsOptions says how a result is read.
type rowsOptions struct {
	// records says how long Arrow records are used: RecordsRetained when
	// they reach the application (QueryArrow).
	records results.RecordUse
}

var (
	_ sqldriver.Rows                           = (*rows)(nil)
	_ sqldriver.RowsColumnTypeScanType         = (*rows)(nil)
	_ sqldriver.RowsColumnTypeDatabaseTypeName = (*rows)(nil)
	_ sqldriver.RowsColumnTypeNullable         = (*rows)(nil)
	_ sqldriver.RowsColumnTypeLength           = (*rows)(nil)
	_ sqldriver.RowsColumnTypePrecisionScale   = (*rows)(nil)
)

// openRows prepares the result of a finished operation: it asks the
// backend for the result's description, plans the columns once and opens
// the result's source.
func (c *Connector) openRows(ctx context.Context, op operation, opts rowsOptions) (*rows, error) {
	p, err := op.result(ctx, opts)
	if err != nil {
		return nil, err
	}
	r := &rows{c: c, op: op, id: op.statementID(), ctx: ctx, truncated: p.truncated, rowCap: p.rowCap}
	src := p.source
	switch src.Format {
	case results.Chunks:
		if err := r.openChunks(ctx, p); err != nil {
			return nil, err
		}
		return r, nil
	case results.ArrowPages, results.Links:
		if err := r.planArrow(p); err != nil {
			return nil, err
		}
		src.Reader = r.ar
	case results.ColumnPages:
		r.cols = newPlan(p.schema, nil)
		types := make([]colset.ColumnType, len(r.cols))
		for i, col := range r.cols {
			types[i] = colset.ColumnType{Type: col.typ, Scale: int(col.scale)}
		}
		dec, err := colset.NewDecoder(types, colset.Options{Location: c.location(), TextZone: c.sessionZone()})
		if err != nil {
			return nil, stmterr.Errorf(r.id, "%w", err)
		}
		r.dec = dec
	}
	r.src = results.Open(ctx, src)
	return r, nil
}

// openChunks opens a result whose Arrow schema travels only in its files
// (the REST backend's): the source starts, and the columns are planned once
// the first file is there. A result without rows has no file and no
// schema: its columns are the table schema's.
func (r *rows) openChunks(ctx context.Context, p resultPlan) error {
	r.src = results.Open(ctx, p.source)
	schema, err := r.src.(results.SchemaSource).Schema(ctx)
	if err == nil && schema == nil {
		r.cols, r.noBatches = newPlan(p.schema, nil), true
		return nil
	}
	if err == nil {
		p.arrowSchema = schema
		err = r.planArrow(p)
	}
	if err != nil {
		r.src.Close(results.CancelFetch)
		return err
	}
	return nil
}

// planArrow builds the Arrow reader and the columns of an Arrow result.
func (r *rows) planArrow(p resultPlan) error {
	id := r.id
	if len(p.arrowSchema) == 0 {
		// Not something the server reported as an error: the reply lacks
		// what the driver needs to read it.
		return stmterr.Errorf(id, "%w: Arrow result without an Arrow schema", ErrUnsupportedResult)
	}
	ar, err := arrowbatch.NewReader(p.arrowSchema, arrowbatch.Options{Location: r.c.location()})
	if err != nil {
		return stmterr.Errorf(id, "%w", err)
	}
	r.ar = ar
	r.cols = newPlan(p.schema, ar.Schema())
	if ar.NumColumns() == 0 && len(r.cols) > 0 {
		// Servers answer the empty result of a command so: an Arrow
		// schema without fields, no batches. The columns are the table
		// schema's, and a batch with rows is an error.
		r.cols, r.noFields = newPlan(p.schema, nil), true
	} else if len(r.cols) != ar.NumColumns() {
		ar.Close()
		return stmterr.Errorf(id, "Arrow schema has %d columns, table schema %d", ar.NumColumns(), len(r.cols))
	}
	return nil
}

// Columns implements driver.Rows.
func (r *rows) Columns() []string { return columnNames(r.cols) }

// Next implements driver.Rows.
func (r *rows) Next(dest []sqldriver.Value) error {
	if r.state == rowsClosed {
		return ErrClosed
	}
	if r.lastErr != nil {
		return r.lastErr
	}
	for r.row >= r.n {
		if err := r.advance(); err != nil {
			if err == io.EOF && r.truncated {
				err = r.truncErr()
			}
			if err != io.EOF {
				r.lastErr = err
			}
			return err
		}
	}
	if r.rowCap > 0 && r.seen >= r.rowCap {
		// A row beyond the limit: the result was cut.
		r.lastErr = r.truncErr()
		return r.lastErr
	}
	r.seen++
	if r.ar != nil {
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

// truncErr is the end of a result cut by its limit.
func (r *rows) truncErr() error {
	return stmterr.Errorf(r.id, "%w", ErrTruncated)
}

// advance moves to the next batch; io.EOF after the last row.
func (r *rows) advance() error {
	if r.ar != nil {
		rec, err := r.nextRecord()
		if err != nil {
			return err
		}
		if r.noFields && rec.NumRows() > 0 {
			return stmterr.Errorf(r.id, "%w: %d rows of an Arrow schema without fields", ErrCorruptResult, rec.NumRows())
		}
		if err := r.ar.Bind(rec); err != nil {
			return stmterr.Errorf(r.id, "%w", err)
		}
		r.n, r.row = int(rec.NumRows()), 0
		return nil
	}
	b, err := r.next()
	if err != nil {
		return err
	}
	if r.noBatches {
		return stmterr.Errorf(r.id, "%w: rows in a result without a schema", ErrCorruptResult)
	}
	p, err := r.dec.Decode(b.Columns)
	if err != nil {
		return stmterr.Errorf(r.id, "%w", err)
	}
	r.cp, r.n, r.row = p, p.NumRows(), 0
	return nil
}

// nextRecord returns the next Arrow record. It stays the source's, valid
// until the next call or Close.
func (r *rows) nextRecord() (arrow.RecordBatch, error) {
	b, err := r.next()
	return b.Record, err
}

// next returns the source's next batch; at the end it closes the operation.
func (r *rows) next() (results.Batch, error) {
	b, err := r.src.Next()
	if err == io.EOF {
		r.finish()
	}
	return b, err
}

// finish runs once, when the last row has been read: it closes the
// operation, unless the server did or the result is kept on the server
// (OperationRows).
func (r *rows) finish() {
	if r.state != rowsReading {
		return
	}
	r.state = rowsDone
	r.op.release(r.ctx)
}

// Close implements driver.Rows. It stops the source and closes the
// operation unless that already happened (or the result is detached).
func (r *rows) Close() error {
	if r.state == rowsClosed {
		return nil
	}
	// The last row may have been read without Next returning io.EOF
	// (QueryRow). Otherwise a result left on the server lets its page
	// requests in flight finish, so that the server cannot count one after
	// a new reader's FETCH_FIRST.
	read := r.state == rowsDone || r.row >= r.n && r.src.Exhausted()
	mode := results.CancelFetch
	if r.op.kept() && !read {
		mode = results.SettleFetch
	}
	r.src.Close(mode)
	if r.ar != nil {
		r.ar.Close()
	}
	r.finish()
	r.state = rowsClosed
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
