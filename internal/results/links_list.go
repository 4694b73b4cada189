package results

import (
	"context"

	"github.com/asyncsql/databricks/internal/stmterr"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// linkLister is where a result's links come from: Thrift FetchResults pages
// (thriftLister) or the chunks of a Statement Execution API result
// (restLister). The reader serializes its calls (fetchMu).
type linkLister interface {
	// next returns the next page of links, to start at row (the row after
	// the links listed so far); more is false after the last page. A nil
	// link of the server's is returned as one with negative rows.
	next(ctx context.Context, row int64) (links []*resultLink, more bool, err error)
	// refresh returns a fresh link for the file lk, whose link lapsed.
	refresh(ctx context.Context, lk *resultLink) (*resultLink, error)
}

// list schedules the links of every page in order, asking the lister for
// pages as the semaphore admits more files. A file whose bytes came with
// its page (an inline chunk) is queued as downloaded.
func (l *linkReader) list() {
	defer l.wg.Done()
	defer close(l.queue)
	// next is the row the next link must start at.
	var next int64
	seq := 0
	for {
		links, more, err := l.page(next)
		if err != nil {
			l.push(errorFile(err))
			return
		}
		for _, lk := range links {
			if lk.rows < 0 {
				l.push(errorFile(stmterr.Errorf(l.id, "invalid result link")))
				return
			}
			if lk.startRow != next {
				l.push(errorFile(stmterr.Errorf(l.id, "%w: result links skip from row %d to %d", ErrCorrupt, next, lk.startRow)))
				return
			}
			next = lk.startRow + lk.rows
			if lk.rows == 0 {
				continue
			}
			select {
			case l.sem <- struct{}{}:
			case <-l.ctx.Done():
				return
			}
			f := &linkFile{link: lk, seq: seq, admit: make(chan struct{}), done: make(chan struct{})}
			seq++
			inline := lk.inline != nil
			if inline {
				f.finish(lk.inline, nil)
				lk.inline = nil
			}
			if !l.push(f) {
				<-l.sem
				return
			}
			if inline {
				continue
			}
			l.notify(linkStarted, f)
			l.wg.Add(1)
			go l.download(f)
		}
		if !more {
			return
		}
	}
}

// page asks the lister for the page of links that starts at row.
func (l *linkReader) page(row int64) ([]*resultLink, bool, error) {
	l.fetchMu.Lock()
	defer l.fetchMu.Unlock()
	return l.lister.next(l.fetchCtx, row)
}

// refresh asks the lister for a fresh link for the file lk.
func (l *linkReader) refresh(lk *resultLink) (*resultLink, error) {
	l.fetchMu.Lock()
	defer l.fetchMu.Unlock()
	return l.lister.refresh(l.fetchCtx, lk)
}

// push queues f for the consumer; false when the reader is closing.
func (l *linkReader) push(f *linkFile) bool {
	select {
	case l.queue <- f:
		return true
	case <-l.ctx.Done():
		return false
	}
}

// thriftLister lists the links of URL_BASED_SET pages: those of the
// direct-results page cfg.First, if any, then those of the pages fetched
// with FetchResults while the server holds more (the first fetch with
// cfg.Orientation, the others with FETCH_NEXT).
type thriftLister struct {
	cfg     *Config
	id      string
	started bool
	fetched bool
}

// thriftLinks returns the links of page rs.
func thriftLinks(rs *tcli.TRowSet) []*resultLink {
	if rs == nil || len(rs.ResultLinks) == 0 {
		return nil
	}
	out := make([]*resultLink, len(rs.ResultLinks))
	for i, lk := range rs.ResultLinks {
		out[i] = newResultLink(lk)
	}
	return out
}

// next implements linkLister.
func (t *thriftLister) next(ctx context.Context, row int64) ([]*resultLink, bool, error) {
	if !t.started {
		t.started = true
		first := t.cfg.First
		more := !t.cfg.ServerClosed && (first == nil || first.GetHasMoreRows())
		if first != nil {
			t.fetched = true
			return thriftLinks(first.Results), more, nil
		}
		if !more {
			return nil, false, nil
		}
	}
	o := tcli.TFetchOrientation_FETCH_NEXT
	if !t.fetched {
		o = t.cfg.Orientation
	}
	t.fetched = true
	resp, err := t.fetchPage(ctx, o, row)
	if err != nil {
		return nil, false, err
	}
	if resp.Results != nil && len(resp.Results.ResultLinks) == 0 && len(resp.Results.ArrowBatches) > 0 {
		return nil, false, stmterr.Errorf(t.id, "Arrow batches in a result of links")
	}
	return thriftLinks(resp.Results), resp.GetHasMoreRows(), nil
}

// fetchPage fetches the page of links that starts at row next. The
// request names that row (servers of result links honour startRowOffset),
// so the RPC client may repeat it after a failure; a page whose first link
// starts elsewhere is asked for again, up to PageAttempts times.
func (t *thriftLister) fetchPage(ctx context.Context, o tcli.TFetchOrientation, next int64) (*tcli.TFetchResultsResp, error) {
	for attempt := 1; ; attempt++ {
		off := next
		resp, err := t.cfg.Fetch(ctx, &tcli.TFetchResultsReq{OperationHandle: t.cfg.Handle, Orientation: o, MaxRows: t.cfg.MaxRows, StartRowOffset: &off})
		if err != nil {
			return nil, err
		}
		if resp.Results == nil || len(resp.Results.ResultLinks) == 0 || resp.Results.ResultLinks[0] == nil ||
			resp.Results.ResultLinks[0].StartRowOffset == next || attempt >= PageAttempts {
			return resp, nil
		}
		t.cfg.Log.Debug("databricks: links at the wrong row, asking again", "statement", t.id,
			"got", resp.Results.ResultLinks[0].StartRowOffset, "want", next)
	}
}

// refresh implements linkLister: a FETCH_NEXT that names the file's row.
func (t *thriftLister) refresh(ctx context.Context, lk *resultLink) (*resultLink, error) {
	off := lk.startRow
	resp, err := t.cfg.Fetch(ctx, &tcli.TFetchResultsReq{OperationHandle: t.cfg.Handle, Orientation: tcli.TFetchOrientation_FETCH_NEXT,
		MaxRows: t.cfg.MaxRows, StartRowOffset: &off})
	if err != nil {
		return nil, err
	}
	if resp.Results != nil {
		for _, fresh := range resp.Results.ResultLinks {
			if fresh != nil && fresh.StartRowOffset == lk.startRow {
				return newResultLink(fresh), nil
			}
		}
	}
	return nil, stmterr.Errorf(t.id, "refreshing the link of row %d: the server returned no link for it", lk.startRow)
}
