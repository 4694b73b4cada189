package results

import (
	"bytes"
	"io"

	"github.com/asyncsql/databricks/arrowbatch"
	"github.com/asyncsql/databricks/internal/stmterr"
)

// decode is the decoder goroutine: it takes the files in order, waits for
// each download and sends its batches, exactly rowCount rows per link, then
// closes out. It stops at the first error, which it sends as a batch.
func (l *linkReader) decode() {
	defer l.wg.Done()
	defer close(l.out)
	defer func() {
		if l.dec != nil {
			l.dec.Close()
		}
		// No file came: a result without rows, or one closed early.
		l.setSchema(nil, l.ctx.Err())
	}()
	for {
		var f *linkFile
		select {
		case f = <-l.queue:
		case <-l.ctx.Done():
			return
		}
		if f == nil {
			return
		}
		l.starting(f)
		select {
		case <-f.done:
		case <-l.ctx.Done():
			return
		}
		err := f.err
		if err == nil && l.decErr != nil {
			err = stmterr.Errorf(l.id, "%w", l.decErr)
		}
		if err == nil {
			err = l.decodeFile(f)
		}
		l.release(f)
		if err != nil {
			l.setSchema(nil, err)
			l.send(linkBatch{err: err, last: f.link != nil})
			return
		}
	}
}

// decodeFile sends the batches of a downloaded file: exactly its link's
// rowCount rows (rows past it are padding), the last one marked.
func (l *linkReader) decodeFile(f *linkFile) error {
	remaining := f.link.rows
	body := f.body
	if l.cfg.LZ4 {
		if err := l.stream.ResetLZ4(body); err != nil {
			return stmterr.Errorf(l.id, "%w: result file of row %d: %w", ErrCorrupt, f.link.startRow, err)
		}
		if l.stream.Detached() {
			// Decompressed whole: the downloaded bytes are not read
			// again, and their memory is free at once.
			f.body = nil
		}
	} else {
		l.stream.Reset(body)
	}
	defer func() {
		// Drop every reference to the file's bytes: its place in memory
		// is free as soon as its last needed message is decoded.
		f.body = nil
		l.stream.Reset(nil)
	}()
	for remaining > 0 {
		msg, err := l.stream.Next()
		if err == io.EOF {
			return stmterr.Errorf(l.id, "%w: result file of row %d holds %d rows fewer than its link's %d", ErrCorrupt, f.link.startRow, remaining, f.link.rows)
		}
		if err != nil {
			return stmterr.Errorf(l.id, "%w: result file of row %d: %w", ErrCorrupt, f.link.startRow, err)
		}
		if l.dec == nil {
			if err := l.learnSchema(f); err != nil {
				return err
			}
		}
		// msg lives in a buffer the stream reuses; Decode copies it.
		rec, err := l.dec.Decode(msg)
		if err != nil {
			return stmterr.Errorf(l.id, "%w: result file of row %d: %w", ErrCorrupt, f.link.startRow, err)
		}
		n := rec.NumRows()
		if n > remaining {
			s := rec.NewSlice(0, remaining)
			rec.Release()
			rec, n = s, remaining
		}
		if n == 0 {
			rec.Release()
			continue
		}
		remaining -= n
		if remaining == 0 {
			// The rest of the file (padding rows, the end-of-stream
			// marker, the LZ4 end mark) is read to its end, so that a
			// file cut short or followed by garbage is an error.
			if err := l.stream.Drain(); err != nil {
				rec.Release()
				return stmterr.Errorf(l.id, "%w: result file of row %d: %w", ErrCorrupt, f.link.startRow, err)
			}
			f.body = nil
			l.stream.Reset(nil)
			l.release(f)
		}
		if !l.send(linkBatch{rec: rec, last: remaining == 0}) {
			rec.Release()
			return l.ctx.Err()
		}
	}
	return nil
}

// learnSchema builds the decoder's reader from the schema message of f,
// the first file of a result given without a Reader, and publishes it.
func (l *linkReader) learnSchema(f *linkFile) error {
	msg := bytes.Clone(l.stream.Schema())
	dec, err := arrowbatch.NewReader(msg, arrowbatch.Options{})
	if err != nil {
		return stmterr.Errorf(l.id, "%w: result file of row %d: schema: %w", ErrCorrupt, f.link.startRow, err)
	}
	l.dec = dec
	l.setSchema(msg, nil)
	return nil
}

// send hands b to the consumer; false when the reader is closing.
func (l *linkReader) send(b linkBatch) bool {
	select {
	case l.out <- b:
		return true
	case <-l.ctx.Done():
		return false
	}
}
