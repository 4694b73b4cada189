package results

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/asyncsql/databricks/colset"
	"github.com/asyncsql/databricks/internal/stmterr"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// pageReader is the Source of a result of pages: column-based pages are
// handed out whole, the inline batches of Arrow pages one record at a time.
type pageReader struct {
	cfg *Config
	f   *fetcher

	// cur is the Arrow page being read, next its next batch.
	cur  *tcli.TRowSet
	next int
	// rec is the record last returned; prev the batch it was decoded
	// from, recycled once the record after it is decoded.
	rec  arrow.RecordBatch
	prev []byte
	err  error
}

var _ Source = (*pageReader)(nil)

func newPageReader(ctx context.Context, cfg *Config) *pageReader {
	return &pageReader{cfg: cfg, f: newFetcher(ctx, cfg)}
}

// Next implements Source.
func (p *pageReader) Next() (Batch, error) {
	if p.rec != nil {
		p.rec.Release()
		p.rec = nil
	}
	if p.err != nil {
		return Batch{}, p.err
	}
	var b Batch
	var err error
	if p.cfg.Format == ColumnPages {
		var rs *tcli.TRowSet
		if rs, err = p.nextPage(); err == nil {
			b.Columns = rs.Columns
		}
	} else {
		b.Record, err = p.nextRecord()
	}
	if err != nil {
		p.err = err
		return Batch{}, err
	}
	return b, nil
}

// nextRecord decodes the next Arrow batch.
func (p *pageReader) nextRecord() (arrow.RecordBatch, error) {
	id := p.cfg.StatementID
	for p.cur == nil || p.next >= len(p.cur.ArrowBatches) {
		rs, err := p.nextPage()
		if err != nil {
			return nil, err
		}
		p.cur, p.next = rs, 0
	}
	b := p.cur.ArrowBatches[p.next]
	p.next++
	if b == nil {
		return nil, stmterr.Errorf(id, "nil Arrow batch")
	}
	decode := p.cfg.Reader.DecodeTransient // b.Batch is never modified
	if p.cfg.Records == RecordsRetained {
		decode = p.cfg.Reader.Decode
	}
	rec, err := decode(b.Batch)
	if err != nil {
		return nil, stmterr.Errorf(id, "%w", err)
	}
	if rec.NumRows() != b.RowCount {
		// The page's offsets count the announced rows: a batch that holds
		// others would shift every row after it.
		n := rec.NumRows()
		rec.Release()
		return nil, stmterr.Errorf(id, "%w: Arrow batch holds %d rows, its page says %d", ErrCorrupt, n, b.RowCount)
	}
	// The record before no longer refers to its batch (DecodeTransient's
	// records live until the next call), and what the caller took from it
	// are copies: its memory can take a later batch.
	p.f.recycle(p.prev)
	p.prev = b.Batch
	p.rec = rec
	return rec, nil
}

// nextPage returns the next page with rows (or batches); io.EOF after the
// last.
func (p *pageReader) nextPage() (*tcli.TRowSet, error) {
	for {
		rs, err := p.f.next()
		if err != nil {
			return nil, err
		}
		if rs != nil && (colset.RowCount(rs) > 0 || len(rs.ArrowBatches) > 0) {
			return rs, nil
		}
	}
}

// Exhausted implements Source.
func (p *pageReader) Exhausted() bool {
	if p.err == io.EOF {
		return true
	}
	if !p.f.drained() {
		return false
	}
	return p.cfg.Format == ColumnPages || p.cur == nil || p.next >= len(p.cur.ArrowBatches)
}

// Close implements Source.
func (p *pageReader) Close(mode CloseMode) {
	p.f.close(mode)
	if p.rec != nil {
		p.rec.Release()
		p.rec = nil
	}
}
