package results

import (
	"github.com/asyncsql/databricks/internal/stmterr"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// list schedules the links of every page in order, fetching pages as the
// semaphore admits more files.
// The links of the direct-results page come first; a fetch after them
// continues with FETCH_NEXT.
func (l *linkReader) list() {
	defer l.wg.Done()
	defer close(l.queue)
	first := l.cfg.First
	var links []*tcli.TSparkArrowResultLink
	if first != nil && first.Results != nil {
		links = first.Results.ResultLinks
	}
	more := !l.cfg.ServerClosed && (first == nil || first.GetHasMoreRows())
	fetched := first != nil
	// next is the row the next link must start at.
	var next int64
	seq := 0
	for {
		for _, lk := range links {
			if lk == nil || lk.RowCount < 0 {
				l.push(errorFile(stmterr.Errorf(l.id, "invalid result link")))
				return
			}
			if lk.StartRowOffset != next {
				l.push(errorFile(stmterr.Errorf(l.id, "%w: result links skip from row %d to %d", ErrCorrupt, next, lk.StartRowOffset)))
				return
			}
			next = lk.StartRowOffset + lk.RowCount
			if lk.RowCount == 0 {
				continue
			}
			select {
			case l.sem <- struct{}{}:
			case <-l.ctx.Done():
				return
			}
			f := &linkFile{link: newResultLink(lk), seq: seq, admit: make(chan struct{}), done: make(chan struct{})}
			seq++
			if !l.push(f) {
				<-l.sem
				return
			}
			l.notify(linkStarted, f)
			l.wg.Add(1)
			go l.download(f)
		}
		if !more {
			return
		}
		o := tcli.TFetchOrientation_FETCH_NEXT
		if !fetched {
			o = l.cfg.Orientation
		}
		fetched = true
		resp, err := l.fetchPage(o, next)
		if err != nil {
			l.push(errorFile(err))
			return
		}
		links, more = nil, resp.GetHasMoreRows()
		if resp.Results != nil {
			links = resp.Results.ResultLinks
			if len(links) == 0 && len(resp.Results.ArrowBatches) > 0 {
				l.push(errorFile(stmterr.Errorf(l.id, "Arrow batches in a result of links")))
				return
			}
		}
	}
}

// fetchPage fetches the page of links that starts at row next. The
// request names that row (servers of result links honour startRowOffset),
// so the RPC client may repeat it after a failure; a page whose first link
// starts elsewhere is asked for again, up to PageAttempts times.
func (l *linkReader) fetchPage(o tcli.TFetchOrientation, next int64) (*tcli.TFetchResultsResp, error) {
	l.fetchMu.Lock()
	defer l.fetchMu.Unlock()
	for attempt := 1; ; attempt++ {
		off := next
		resp, err := l.fetch(&tcli.TFetchResultsReq{OperationHandle: l.cfg.Handle, Orientation: o, MaxRows: l.cfg.MaxRows, StartRowOffset: &off})
		if err != nil {
			return nil, err
		}
		if resp.Results == nil || len(resp.Results.ResultLinks) == 0 || resp.Results.ResultLinks[0] == nil ||
			resp.Results.ResultLinks[0].StartRowOffset == next || attempt >= PageAttempts {
			return resp, nil
		}
		l.cfg.Log.Debug("databricks: links at the wrong row, asking again", "statement", l.id,
			"got", resp.Results.ResultLinks[0].StartRowOffset, "want", next)
	}
}

// fetch calls FetchResults on the reader's fetch context; fetchMu held.
// Every request of the reader names its row, so it may be repeated.
func (l *linkReader) fetch(req *tcli.TFetchResultsReq) (*tcli.TFetchResultsResp, error) {
	return l.cfg.Fetch(l.fetchCtx, req)
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

// refresh fetches a fresh link for the rows at offset.
func (l *linkReader) refresh(offset int64) (*resultLink, error) {
	l.fetchMu.Lock()
	defer l.fetchMu.Unlock()
	off := offset
	resp, err := l.fetch(&tcli.TFetchResultsReq{OperationHandle: l.cfg.Handle, Orientation: tcli.TFetchOrientation_FETCH_NEXT,
		MaxRows: l.cfg.MaxRows, StartRowOffset: &off})
	if err != nil {
		return nil, err
	}
	if resp.Results != nil {
		for _, lk := range resp.Results.ResultLinks {
			if lk != nil && lk.StartRowOffset == offset {
				return newResultLink(lk), nil
			}
		}
	}
	return nil, stmterr.Errorf(l.id, "refreshing the link of row %d: the server returned no link for it", offset)
}
