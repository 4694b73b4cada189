package driver

import (
	"context"
	"io"

	"github.com/asyncsql/databricks/colset"
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
type fetcher struct {
	c       *Connector
	handle  *tcli.TOperationHandle
	id      string
	arrow   bool
	maxRows int64
	// orientation of the first FetchResults call (FETCH_NEXT, or FETCH_FIRST
	// when resuming an operation from its first row).
	orientation tcli.TFetchOrientation

	first    *tcli.TRowSet // direct-results page not yet delivered
	hasFirst bool
	done     bool // no page left on the server

	ctx     context.Context
	cancel  context.CancelFunc
	ch      chan page
	stop    chan struct{}
	exited  chan struct{}
	started bool
}

// newFetcher makes a fetcher. first is the direct-results page (nil if none),
// more says whether the server may hold pages after it.
func newFetcher(ctx context.Context, c *Connector, h *tcli.TOperationHandle, arrow bool, first *tcli.TFetchResultsResp, serverClosed bool) *fetcher {
	f := &fetcher{c: c, handle: h, id: statementID(h), arrow: arrow, maxRows: c.maxRows(), orientation: tcli.TFetchOrientation_FETCH_NEXT}
	f.ctx, f.cancel = context.WithCancel(ctx)
	if first != nil {
		f.first, f.hasFirst = first.Results, true
		f.done = serverClosed || !f.more(first)
	} else if serverClosed {
		f.done = true
	}
	return f
}

// more decides whether pages may follow resp: Arrow servers report
// hasMoreRows reliably; column-based servers (Spark) always say false, so for
// column sets only an empty page ends the result.
func (f *fetcher) more(resp *tcli.TFetchResultsResp) bool {
	if f.arrow {
		return resp.GetHasMoreRows()
	}
	return rowSetLen(resp.Results) > 0
}

// next returns the next page, or io.EOF after the last one.
func (f *fetcher) next() (*tcli.TRowSet, error) {
	if f.hasFirst {
		f.hasFirst = false
		rs := f.first
		f.first = nil
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
	f.ch = make(chan page)
	f.stop = make(chan struct{})
	f.exited = make(chan struct{})
	go f.run()
}

func (f *fetcher) run() {
	defer close(f.exited)
	defer close(f.ch)
	orientation := f.orientation
	for {
		resp, err := f.c.svc.FetchResults(f.ctx, &tcli.TFetchResultsReq{
			OperationHandle: f.handle,
			Orientation:     orientation,
			MaxRows:         f.maxRows,
		})
		orientation = tcli.TFetchOrientation_FETCH_NEXT
		var p page
		more := false
		switch {
		case err != nil:
			if f.ctx.Err() != nil {
				err = f.ctx.Err()
			}
			p.err = wrapRPC(err, f.id)
		default:
			if serr := checkStatus("FetchResults", resp.Status, f.id); serr != nil {
				p.err = serr
				break
			}
			p.rows = resp.Results
			more = f.more(resp)
		}
		p.last = !more
		if p.err != nil || rowSetLen(p.rows) > 0 || hasBatches(p.rows) {
			select {
			case f.ch <- p:
			case <-f.stop:
				return
			}
		}
		if !more {
			return
		}
	}
}

// drained reports whether every page has been handed out.
func (f *fetcher) drained() bool { return !f.hasFirst && f.done }

// close stops the read-ahead goroutine and waits for it.
func (f *fetcher) close() {
	f.cancel()
	if f.started {
		close(f.stop)
		<-f.exited
		f.started = false
	}
	f.done = true
}

// rowSetLen returns the number of rows in a row set.
func rowSetLen(rs *tcli.TRowSet) int {
	if rs == nil {
		return 0
	}
	if len(rs.ArrowBatches) > 0 {
		n := 0
		for _, b := range rs.ArrowBatches {
			if b != nil {
				n += int(b.RowCount)
			}
		}
		return n
	}
	if len(rs.Columns) > 0 {
		return colset.Len(rs.Columns[0])
	}
	return len(rs.Rows)
}

func hasBatches(rs *tcli.TRowSet) bool { return rs != nil && len(rs.ArrowBatches) > 0 }
