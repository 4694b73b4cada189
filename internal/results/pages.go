package results

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/asyncsql/databricks/arrowbatch"
	"github.com/asyncsql/databricks/colset"
	"github.com/asyncsql/databricks/internal/stmterr"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// page is one FetchResults page (or the direct-results page).
type page struct {
	rows *tcli.TRowSet
	err  error
	// last is set on the final page: no fetch follows it.
	last bool
}

// fetcher delivers the pages of an operation in order. The first page may come
// from direct results. Later pages are fetched by one goroutine that reads at
// most one page ahead of the consumer: it blocks handing a page over until
// the consumer asks for it, so memory holds the page being read plus one.
// LZ4-compressed Arrow batches are decompressed by a second goroutine and
// handed over one batch at a time (see start).
type fetcher struct {
	cfg   *Config
	id    string
	arrow bool
	// nextRow is the row the next page must start at: the rows of every page
	// received so far (see fetchPage).
	nextRow int64

	first    *tcli.TRowSet // direct-results page not yet delivered
	firstErr error         // why the direct-results page cannot be read
	hasFirst bool
	done     bool // no page left on the server

	// lz4 is set when the batches are LZ4 frames. They are decompressed
	// one at a time: those of the direct-results page by the consumer as
	// it reaches them (firstFrames), later ones in a goroutine of their own
	// (inflateRun, with runFrames), beside the consumer.
	lz4         bool
	firstFrames arrowbatch.Inflater
	runFrames   arrowbatch.Inflater
	// spare holds decompressed batches the consumer has finished reading
	// (see recycle), to be decompressed into again instead of allocating.
	spare chan []byte

	ctx    context.Context
	cancel context.CancelFunc
	ch     chan page
	stop   chan struct{}
	exited chan struct{}
	// raw carries the fetched pages to the inflating goroutine, which hands
	// their batches over on ch one at a time; inflated is closed when it
	// has stopped.
	raw      chan page
	inflated chan struct{}
	started  bool
}

// newFetcher makes a fetcher for the pages cfg describes: the direct-results
// page cfg.First first, if any, then those fetched from the server unless
// cfg.ServerClosed says it holds none.
func newFetcher(ctx context.Context, cfg *Config) *fetcher {
	f := &fetcher{cfg: cfg, id: cfg.StatementID, arrow: cfg.Format != ColumnPages}
	f.ctx, f.cancel = context.WithCancel(ctx)
	if first := cfg.First; first != nil {
		f.first, f.hasFirst = first.Results, true
		f.done = cfg.ServerClosed || !f.more(first)
		if err := f.check(first.Results); err != nil {
			f.first, f.firstErr = nil, err
		}
	} else if cfg.ServerClosed {
		f.done = true
	}
	if f.arrow && cfg.LZ4 {
		f.lz4 = true
		// Decompressed batches live in ch (2), with the inflating
		// goroutine (1) and with the consumer (the batch it reads and
		// the one before).
		f.spare = make(chan []byte, 4)
	}
	return f
}

// recycle hands back a decompressed batch that nothing refers to any more:
// the consumer has decoded the batch after it, and its values are copies.
func (f *fetcher) recycle(batch []byte) {
	if f.spare == nil || cap(batch) == 0 {
		return
	}
	select {
	case f.spare <- batch[:0]:
	default:
	}
}

// buffer returns memory to decompress a batch into: a recycled batch, or
// nil for the inflater to allocate.
func (f *fetcher) buffer() []byte {
	select {
	case b := <-f.spare:
		return b
	default:
		return nil
	}
}

// more decides whether pages may follow resp: servers of the Spark protocol
// (every server of Arrow results) report hasMoreRows reliably; Apache
// Spark's Thrift server always says false, so there only an empty page ends
// the result.
func (f *fetcher) more(resp *tcli.TFetchResultsResp) bool {
	if f.arrow || f.cfg.SparkProtocol {
		return resp.GetHasMoreRows()
	}
	return colset.RowCount(resp.Results) > 0
}

// PageAttempts bounds the requests for one page whose reply starts at
// another row than asked (a server that honours startRowOffset is asked
// again).
const PageAttempts = 3

// check verifies that rs starts at row f.nextRow and that its batches announce
// sane row counts, then counts its rows as received.
func (f *fetcher) check(rs *tcli.TRowSet) error {
	if rs == nil {
		return nil
	}
	for _, b := range rs.ArrowBatches {
		if b != nil && b.RowCount < 0 {
			return stmterr.Errorf(f.id, "%w: Arrow batch of %d rows", ErrCorrupt, b.RowCount)
		}
	}
	n := int64(colset.RowCount(rs))
	if n == 0 {
		return nil
	}
	if rs.StartRowOffset != f.nextRow {
		return &pageError{id: f.id, got: rs.StartRowOffset, want: f.nextRow}
	}
	f.nextRow += n
	return nil
}

// pageError is a page that does not start where the rows received so far
// end: accepting it would skip or repeat rows.
type pageError struct {
	id        string
	got, want int64
}

// Error says where the page starts and where it should.
func (e *pageError) Error() string {
	return stmterr.Errorf(e.id, "%v: page starts at row %d, not at row %d", ErrCorrupt, e.got, e.want).Error()
}

// Unwrap returns ErrCorrupt.
func (e *pageError) Unwrap() error { return ErrCorrupt }

// fetchPage fetches the page that starts at row f.nextRow. On a server of the
// Spark protocol the request names that row, which makes it safe to repeat:
// the RPC client retries transport errors, 5xx and garbled replies within
// its retry budget, and a page that starts elsewhere (the server moved its
// cursor for a request whose reply was lost, or for a reader that gave up) is
// asked for again. Elsewhere such a page is an error, never accepted.
func (f *fetcher) fetchPage(orientation tcli.TFetchOrientation) (*tcli.TFetchResultsResp, error) {
	for attempt := 1; ; attempt++ {
		req := &tcli.TFetchResultsReq{OperationHandle: f.cfg.Handle, Orientation: orientation, MaxRows: f.cfg.MaxRows}
		if f.cfg.SparkProtocol {
			req.StartRowOffset = ptr(f.nextRow)
		}
		resp, err := f.cfg.Fetch(f.ctx, req)
		if err != nil {
			return nil, err
		}
		err = f.check(resp.Results)
		var pe *pageError
		if err == nil || !errors.As(err, &pe) || !f.cfg.SparkProtocol || attempt >= PageAttempts {
			return resp, err
		}
		f.cfg.Log.Debug("databricks: page at the wrong row, asking again", "statement", f.id, "got", pe.got, "want", pe.want)
	}
}

// next returns the next page, or io.EOF after the last one.
func (f *fetcher) next() (*tcli.TRowSet, error) {
	if f.hasFirst && f.firstErr != nil {
		f.hasFirst, f.done = false, true
		return nil, f.firstErr
	}
	if f.hasFirst {
		rs := f.first
		if f.lz4 && rs != nil && len(rs.ArrowBatches) > 1 {
			// Compressed batches of the direct-results page are
			// decompressed one at a time too, as the consumer reaches
			// them, into the batches it has finished with.
			f.first = &tcli.TRowSet{ArrowBatches: rs.ArrowBatches[1:]}
			rs = &tcli.TRowSet{ArrowBatches: rs.ArrowBatches[:1]}
		} else {
			f.hasFirst, f.first = false, nil
		}
		rs, err := f.inflatePage(&f.firstFrames, rs)
		if err != nil {
			f.done = true
			return nil, err
		}
		if !f.done {
			f.start()
		}
		return rs, nil
	}
	if f.done {
		return nil, io.EOF
	}
	f.start()
	p, ok := <-f.ch
	if !ok {
		f.done = true
		return nil, io.EOF
	}
	if p.err != nil {
		f.done = true
		return nil, p.err
	}
	if p.last {
		f.done = true
	}
	return p.rows, nil
}

// start launches the read-ahead goroutine once.
func (f *fetcher) start() {
	if f.started {
		return
	}
	f.started = true
	f.stop = make(chan struct{})
	f.exited = make(chan struct{})
	if !f.lz4 {
		f.ch = make(chan page)
		go f.run(f.ch)
		return
	}
	// Fetching stays a page ahead (unbuffered raw) while the batches of
	// the page before are decompressed one at a time, two waiting for the
	// consumer: decompression runs beside the consumer, and memory holds
	// compressed pages plus a few decompressed batches.
	f.raw, f.ch, f.inflated = make(chan page), make(chan page, 2), make(chan struct{})
	go f.run(f.raw)
	go f.inflateRun()
}

// run fetches pages and sends them on out until the last one, an error or
// stop.
func (f *fetcher) run(out chan<- page) {
	defer close(f.exited)
	defer close(out)
	orientation := f.cfg.Orientation
	for {
		select {
		case <-f.stop:
			return
		default:
		}
		resp, err := f.fetchPage(orientation)
		orientation = tcli.TFetchOrientation_FETCH_NEXT
		var p page
		more := false
		if err != nil {
			p.err = err
		} else {
			p.rows = resp.Results
			more = f.more(resp)
		}
		p.last = !more
		if p.err != nil || colset.RowCount(p.rows) > 0 || hasBatches(p.rows) {
			select {
			case out <- p:
			case <-f.stop:
				return
			}
		}
		if !more {
			return
		}
	}
}

// inflateRun hands over the batches of the pages on raw, decompressed, on ch.
func (f *fetcher) inflateRun() {
	defer close(f.inflated)
	defer close(f.ch)
	for p := range f.raw {
		if p.err == nil && hasBatches(p.rows) {
			if !f.sendInflated(p.rows, p.last) {
				return
			}
			continue
		}
		select {
		case f.ch <- p:
		case <-f.stop:
			return
		}
	}
}

// sendInflated decompresses the batches of rs one at a time and hands each
// over as a page of its own, so that memory holds the compressed page, one
// decompressed batch waiting and the consumer's, not two decompressed pages.
// It reports whether the caller should go on (false after an error or when
// stopped).
func (f *fetcher) sendInflated(rs *tcli.TRowSet, last bool) bool {
	for i, b := range rs.ArrowBatches {
		if b == nil {
			continue
		}
		one, err := f.inflatePage(&f.runFrames, &tcli.TRowSet{ArrowBatches: []*tcli.TSparkArrowBatch{b}})
		p := page{rows: one, err: err, last: err != nil || last && i == len(rs.ArrowBatches)-1}
		select {
		case f.ch <- p:
		case <-f.stop:
			return false
		}
		if err != nil {
			return false
		}
	}
	return true
}

// inflatePage returns rs with the LZ4 frames of its Arrow batches replaced
// by their decompressed bytes, each in memory of its own until the consumer
// recycles it (its records refer to it); rs itself is left as it is.
func (f *fetcher) inflatePage(z *arrowbatch.Inflater, rs *tcli.TRowSet) (*tcli.TRowSet, error) {
	if !f.lz4 || rs == nil || len(rs.ArrowBatches) == 0 {
		return rs, nil
	}
	out := *rs
	out.ArrowBatches = make([]*tcli.TSparkArrowBatch, len(rs.ArrowBatches))
	for i, b := range rs.ArrowBatches {
		if b == nil {
			continue
		}
		data, err := z.Inflate(f.buffer(), b.Batch)
		if err != nil {
			return nil, stmterr.Errorf(f.id, "%w", err)
		}
		out.ArrowBatches[i] = &tcli.TSparkArrowBatch{Batch: data, RowCount: b.RowCount}
	}
	return &out, nil
}

// SettleTimeout bounds how long closing with SettleFetch waits for a
// FetchResults in flight.
const SettleTimeout = 5 * time.Second

// drained reports whether every page has been handed out.
func (f *fetcher) drained() bool { return !f.hasFirst && f.done }

// close stops the read-ahead goroutines and waits for them (see CloseMode).
func (f *fetcher) close(mode CloseMode) {
	if f.started {
		close(f.stop)
		if mode == SettleFetch {
			waitUpTo(f.exited, SettleTimeout)
		}
		f.cancel()
		<-f.exited
		if f.inflated != nil {
			<-f.inflated
		}
		f.started = false
	}
	f.cancel()
	f.done = true
}

// waitUpTo waits until done is closed or d has passed.
func waitUpTo(done <-chan struct{}, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// hasBatches reports whether rs holds Arrow batches.
func hasBatches(rs *tcli.TRowSet) bool { return rs != nil && len(rs.ArrowBatches) > 0 }

func ptr[T any](v T) *T { return &v }
