package driver

import (
	"context"
	"database/sql"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/asyncsql/databricks/internal/results"
	"github.com/asyncsql/databricks/internal/stmterr"
)

// ArrowIterator yields the Arrow record batches of a result without converting
// rows. Use it like a scanner:
//
//	for it.Next() { rec := it.Record(); ... }
//	if err := it.Err(); err != nil { ... }
//	it.Close()
type ArrowIterator interface {
	// Next advances to the next record batch; false at the end or on error.
	Next() bool
	// Record returns the current batch. It is valid until the next call to
	// Next or Close; call Retain to keep it longer.
	Record() arrow.RecordBatch
	// Schema returns the Arrow schema of the result.
	Schema() *arrow.Schema
	// Err returns the error that stopped Next, if any.
	Err() error
	// StatementID returns the statement's ID.
	StatementID() string
	// Close releases the result and closes the operation on the server.
	Close() error
}

// QueryArrow runs query on sc and returns its Arrow batches. The connection
// must stay open until the iterator is closed. Servers that answer with
// column-based results (older than SPARK V5, or UseArrow false) give ErrNoArrow.
func QueryArrow(ctx context.Context, sc *sql.Conn, query string, args ...any) (ArrowIterator, error) {
	var it ArrowIterator
	err := sc.Raw(func(dc any) error {
		cn, ok := dc.(*conn)
		if !ok {
			return fmt.Errorf("databricks: QueryArrow: not a databricks connection (%T)", dc)
		}
		nv, err := namedArgs(args)
		if err != nil {
			return err
		}
		op, err := cn.run(ctx, query, nv)
		if err != nil {
			return err
		}
		if !op.hasResultSet() {
			op.release(ctx)
			return stmterr.Errorf(op.statementID(), "%w: no result set", ErrNoArrow)
		}
		r, err := cn.c.openRows(ctx, op, rowsOptions{records: results.RecordsRetained})
		if err != nil {
			op.release(ctx)
			return err
		}
		if r.ar == nil {
			r.Close()
			return stmterr.Errorf(r.id, "%w", ErrNoArrow)
		}
		it = &arrowIter{r: r}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return it, nil
}

// arrowIter adapts rows to ArrowIterator. Under a row cap (WithRowLimit
// on Thrift) the batch that crosses it is handed out as a slice, which
// the iterator releases at the next call.
type arrowIter struct {
	r     *rows
	rec   arrow.RecordBatch
	slice arrow.RecordBatch
	cut   bool // the slice left rows out: the result was cut
	err   error
}

// Next implements ArrowIterator.
func (it *arrowIter) Next() bool {
	if it.err != nil || it.r.state == rowsClosed {
		return false
	}
	it.rec = nil
	it.releaseSlice()
	r := it.r
	if it.cut {
		it.err = r.truncErr()
		return false
	}
	for {
		rec, err := r.nextRecord()
		if err != nil {
			if err == io.EOF && r.truncated {
				err = r.truncErr()
			}
			if err != io.EOF {
				it.err = err
			}
			return false
		}
		n := rec.NumRows()
		if r.rowCap > 0 && n > 0 && r.seen >= r.rowCap {
			it.err = r.truncErr() // a row beyond the limit
			return false
		}
		if r.rowCap > 0 && r.seen+n > r.rowCap {
			rec = rec.NewSlice(0, r.rowCap-r.seen)
			it.slice, it.cut, n = rec, true, rec.NumRows()
		}
		r.seen += n
		if n == 0 && r.rowCap > 0 && r.seen >= r.rowCap {
			continue // an empty batch after the limit says nothing
		}
		it.rec = rec
		return true
	}
}

// releaseSlice releases the slice handed out last, if any.
func (it *arrowIter) releaseSlice() {
	if it.slice != nil {
		it.slice.Release()
		it.slice = nil
	}
}

// Record implements ArrowIterator.
func (it *arrowIter) Record() arrow.RecordBatch { return it.rec }

// Schema implements ArrowIterator.
func (it *arrowIter) Schema() *arrow.Schema { return it.r.ar.Schema() }

// Err implements ArrowIterator.
func (it *arrowIter) Err() error { return it.err }

// StatementID implements ArrowIterator.
func (it *arrowIter) StatementID() string { return it.r.id }

// Close implements ArrowIterator.
func (it *arrowIter) Close() error {
	it.rec = nil
	it.releaseSlice()
	return it.r.Close()
}
