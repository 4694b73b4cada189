package driver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pierrec/lz4/v4"

	"github.com/asyncsql/databricks/arrowbatch"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// defaultMaxDownloads is the number of result files downloaded (or held)
// at once when Config.MaxDownloads is zero.
const defaultMaxDownloads = 8

const (
	// linkAttempts bounds the downloads of one file (refreshes included).
	linkAttempts = 8
	// linkMinBackoff and linkMaxBackoff bound the pause between attempts.
	linkMinBackoff = 20 * time.Millisecond
	linkMaxBackoff = 2 * time.Second
	// linkExpirySkew treats a link as expired this long before its
	// expiryTime, so a download does not start on a link about to lapse.
	linkExpirySkew = 2 * time.Second
)

// linkStallTimeout ends a download attempt (which is then retried) when no
// byte arrives for this long; a variable for tests.
var linkStallTimeout = 60 * time.Second

// errLinkExpired marks a download refused because the link lapsed.
var errLinkExpired = errors.New("result link expired")

// linkFile is one result link and, once downloaded, its record-batch
// messages. done is closed when msgs or err is set.
type linkFile struct {
	link *tcli.TSparkArrowResultLink
	done chan struct{}
	// body is the file as downloaded (an LZ4 frame when compressed); its
	// messages are decompressed and decoded one at a time while it is read.
	body []byte
	err  error
}

// linkReader delivers the record batches of a URL_BASED_SET result in order.
// A lister goroutine reads the FetchResults pages and starts one download
// goroutine per link; at most max files are downloading or waiting to be
// read at any time, so memory is bounded by max files whatever the result
// size. Records are decoded one at a time by the consumer.
type linkReader struct {
	c      *Connector
	handle *tcli.TOperationHandle
	id     string
	ar     *arrowbatch.Reader
	lz4    bool
	hc     *http.Client

	ctx    context.Context
	cancel context.CancelFunc
	sem    chan struct{}
	queue  chan *linkFile
	wg     sync.WaitGroup

	// fetchMu serializes FetchResults calls of the lister and refreshes;
	// moved is set when a refresh repositioned the server's cursor.
	fetchMu sync.Mutex
	moved   bool

	cur       *linkFile
	msgs      *ipcStream // the messages of cur still to read
	remaining int64
	drainedQ  bool
	peeked    *linkFile
}

// newLinkReader starts reading the links of an operation. first is the
// direct-results page (nil if none); more says whether pages follow it.
func newLinkReader(ctx context.Context, c *Connector, h *tcli.TOperationHandle, ar *arrowbatch.Reader, lz4 bool,
	first *tcli.TFetchResultsResp, more bool, orientation tcli.TFetchOrientation) *linkReader {
	n := c.cfg.MaxDownloads
	if n <= 0 {
		n = defaultMaxDownloads
	}
	l := &linkReader{c: c, handle: h, id: statementID(h), ar: ar, lz4: lz4, hc: c.httpClient,
		sem: make(chan struct{}, n), queue: make(chan *linkFile, n+1)}
	if l.hc == nil {
		l.hc = http.DefaultClient
	}
	l.ctx, l.cancel = context.WithCancel(ctx)
	var links []*tcli.TSparkArrowResultLink
	if first != nil && first.Results != nil {
		links = first.Results.ResultLinks
	}
	l.wg.Add(1)
	go l.list(links, first == nil || more, first != nil, orientation)
	return l
}

// list schedules the links of every page in order, fetching pages as the
// semaphore admits more files.
func (l *linkReader) list(links []*tcli.TSparkArrowResultLink, more, fetched bool, orientation tcli.TFetchOrientation) {
	defer l.wg.Done()
	defer close(l.queue)
	var next int64 = -1
	for {
		for _, lk := range links {
			if lk == nil || lk.RowCount < 0 {
				l.push(&linkFile{err: l.errorf("invalid result link"), done: closed()})
				return
			}
			if next >= 0 && lk.StartRowOffset != next {
				l.push(&linkFile{err: l.errorf("result links skip from row %d to %d", next, lk.StartRowOffset), done: closed()})
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
			f := &linkFile{link: lk, done: make(chan struct{})}
			if !l.push(f) {
				<-l.sem
				return
			}
			l.wg.Add(1)
			go l.download(f)
		}
		if !more {
			return
		}
		req := &tcli.TFetchResultsReq{OperationHandle: l.handle, Orientation: tcli.TFetchOrientation_FETCH_NEXT, MaxRows: l.c.maxRows()}
		if !fetched {
			req.Orientation = orientation
		}
		fetched = true
		l.fetchMu.Lock()
		if l.moved && next >= 0 {
			req.StartRowOffset = &next
		}
		resp, err := l.fetch(req)
		l.moved = false
		l.fetchMu.Unlock()
		if err != nil {
			l.push(&linkFile{err: err, done: closed()})
			return
		}
		links, more = nil, resp.GetHasMoreRows()
		if resp.Results != nil {
			links = resp.Results.ResultLinks
			if len(links) == 0 && len(resp.Results.ArrowBatches) > 0 {
				l.push(&linkFile{err: l.errorf("Arrow batches in a result of links"), done: closed()})
				return
			}
		}
	}
}

// fetch calls FetchResults and checks the status; fetchMu held.
func (l *linkReader) fetch(req *tcli.TFetchResultsReq) (*tcli.TFetchResultsResp, error) {
	resp, err := l.c.svc.FetchResults(l.ctx, req)
	if err != nil {
		if l.ctx.Err() != nil {
			err = l.ctx.Err()
		}
		return nil, wrapRPC(err, l.id)
	}
	if err := checkStatus("FetchResults", resp.Status, l.id); err != nil {
		return nil, err
	}
	return resp, nil
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
func (l *linkReader) refresh(offset int64) (*tcli.TSparkArrowResultLink, error) {
	l.fetchMu.Lock()
	defer l.fetchMu.Unlock()
	l.moved = true
	off := offset
	resp, err := l.fetch(&tcli.TFetchResultsReq{OperationHandle: l.handle, Orientation: tcli.TFetchOrientation_FETCH_NEXT,
		MaxRows: l.c.maxRows(), StartRowOffset: &off})
	if err != nil {
		return nil, err
	}
	if resp.Results != nil {
		for _, lk := range resp.Results.ResultLinks {
			if lk != nil && lk.StartRowOffset == offset {
				return lk, nil
			}
		}
	}
	return nil, l.errorf("refreshing the link of row %d: the server returned no link for it", offset)
}

// finish records the outcome of a download.
func (l *linkFile) finish(body []byte, err error) {
	l.body, l.err = body, err
	close(l.done)
}

// download fetches one file with retries and splits it into messages.
func (l *linkReader) download(f *linkFile) {
	defer l.wg.Done()
	lk := f.link
	backoff := linkMinBackoff
	var last error
	for attempt := 0; attempt < linkAttempts; attempt++ {
		if attempt > 0 {
			d := backoff/2 + rand.N(backoff/2+1)
			backoff = min(backoff*2, linkMaxBackoff)
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-l.ctx.Done():
				t.Stop()
				f.finish(nil, l.ctx.Err())
				return
			}
		}
		if errors.Is(last, errLinkExpired) || lk.ExpiryTime > 0 && time.Now().Add(linkExpirySkew).Unix() >= lk.ExpiryTime {
			fresh, err := l.refresh(lk.StartRowOffset)
			if err != nil {
				f.finish(nil, err)
				return
			}
			// A longer file from the same offset serves too: rows past
			// f.link.RowCount are ignored like padding.
			if fresh.RowCount < f.link.RowCount {
				f.finish(nil, l.errorf("refreshed link of row %d has %d rows, not %d", lk.StartRowOffset, fresh.RowCount, f.link.RowCount))
				return
			}
			lk = fresh
			if lk.ExpiryTime > 0 && time.Now().Unix() >= lk.ExpiryTime {
				f.finish(nil, l.errorf("refreshed link of row %d is already expired", lk.StartRowOffset))
				return
			}
		}
		body, retry, err := l.get(lk)
		if err == nil {
			f.finish(body, nil)
			return
		}
		if l.ctx.Err() != nil {
			f.finish(nil, l.ctx.Err())
			return
		}
		if !retry {
			f.finish(nil, l.errorf("downloading the result file of row %d: %v", lk.StartRowOffset, err))
			return
		}
		last = err
	}
	f.finish(nil, l.errorf("downloading the result file of row %d: giving up after %d attempts: %v", lk.StartRowOffset, linkAttempts, last))
}

// get downloads a file, sending only the link's headers. retry reports
// whether another attempt may succeed.
func (l *linkReader) get(lk *tcli.TSparkArrowResultLink) (body []byte, retry bool, err error) {
	ctx, cancel := context.WithCancel(l.ctx)
	defer cancel()
	var stalled atomic.Bool
	watchdog := time.AfterFunc(linkStallTimeout, func() { stalled.Store(true); cancel() })
	defer watchdog.Stop()
	defer func() {
		if err != nil && stalled.Load() && l.ctx.Err() == nil {
			body, retry, err = nil, true, fmt.Errorf("no data for %v", linkStallTimeout)
		}
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, lk.FileLink, nil)
	if err != nil {
		return nil, false, errors.New("invalid link URL")
	}
	for k, v := range lk.HttpHeaders {
		req.Header.Set(k, v)
	}
	resp, err := l.hc.Do(req)
	if err != nil {
		// The URL may carry a signature: report the failure without it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, true, fmt.Errorf("request failed: %v", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusForbidden:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, true, errLinkExpired
	case resp.StatusCode >= 500, resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusRequestTimeout:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, true, fmt.Errorf("HTTP %d", resp.StatusCode)
	default:
		return nil, false, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	var buf bytes.Buffer
	var src io.Reader = &progressReader{r: resp.Body, t: watchdog}
	if lk.BytesNum > 0 {
		// A body longer than the link says is an error: read one byte more
		// than expected, never an unbounded stream.
		src = io.LimitReader(src, lk.BytesNum+1)
		if lk.BytesNum < 1<<30 {
			buf.Grow(int(lk.BytesNum))
		}
	}
	if _, err := buf.ReadFrom(src); err != nil {
		return nil, true, fmt.Errorf("reading the body: %v", err)
	}
	if lk.BytesNum > 0 && int64(buf.Len()) != lk.BytesNum {
		return nil, true, fmt.Errorf("body has %d bytes, link says %d", buf.Len(), lk.BytesNum)
	}
	return buf.Bytes(), false, nil
}

// progressReader re-arms the stall watchdog whenever data arrives.
type progressReader struct {
	r io.Reader
	t *time.Timer
}

// Read implements io.Reader.
func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.t.Reset(linkStallTimeout)
	}
	return n, err
}

// messages returns the record-batch messages of a downloaded file, read one
// at a time. A message may not claim more bytes than the file can hold: the
// body itself, or what LZ4 can expand it to (at most 255 times, plus a frame's
// worth).
func (l *linkReader) messages(body []byte) *ipcStream {
	var r io.Reader = bytes.NewReader(body)
	limit := int64(len(body))
	if l.lz4 {
		r = lz4.NewReader(r)
		limit = 255*limit + 4<<20
	}
	return &ipcStream{r: r, limit: limit}
}

// errorf formats an error about the statement.
func (l *linkReader) errorf(format string, args ...any) error {
	return fmt.Errorf("databricks: statement %s: %s", l.id, fmt.Sprintf(format, args...))
}

// next returns the next record, exactly rowCount rows per link; io.EOF after
// the last. The record is owned by the caller.
func (l *linkReader) next() (arrow.RecordBatch, error) {
	for {
		if f := l.cur; f != nil {
			if l.remaining > 0 && l.msgs != nil {
				msg, err := l.msgs.next()
				if err == io.EOF {
					l.msgs = nil
					continue
				}
				if err != nil {
					return nil, l.errorf("result file of row %d: %v", f.link.StartRowOffset, err)
				}
				rec, err := l.ar.Decode(msg)
				if err != nil {
					return nil, fmt.Errorf("databricks: statement %s: %w", l.id, err)
				}
				n := rec.NumRows()
				if n > l.remaining {
					s := rec.NewSlice(0, l.remaining)
					rec.Release()
					rec, n = s, l.remaining
				}
				if n == 0 {
					rec.Release()
					continue
				}
				l.remaining -= n
				return rec, nil
			}
			if l.remaining > 0 {
				return nil, l.errorf("result file of row %d holds %d rows fewer than its link's %d", f.link.StartRowOffset, l.remaining, f.link.RowCount)
			}
			l.release()
		}
		if l.drainedQ {
			return nil, io.EOF
		}
		f := l.peeked
		l.peeked = nil
		if f == nil {
			select {
			case f = <-l.queue:
			case <-l.ctx.Done():
				return nil, l.ctx.Err()
			}
		}
		if f == nil {
			l.drainedQ = true
			return nil, io.EOF
		}
		select {
		case <-f.done:
		case <-l.ctx.Done():
			return nil, l.ctx.Err()
		}
		if f.err != nil {
			if f.link != nil {
				<-l.sem
			}
			return nil, f.err
		}
		l.cur, l.msgs, l.remaining = f, l.messages(f.body), f.link.RowCount
	}
}

// release frees the current file and admits another download.
func (l *linkReader) release() {
	l.cur.body = nil
	l.cur, l.msgs = nil, nil
	<-l.sem
}

// drained reports whether every record has been returned. It never blocks.
func (l *linkReader) drained() bool {
	if l.cur != nil && l.remaining > 0 || l.peeked != nil {
		return false
	}
	if l.drainedQ {
		return true
	}
	select {
	case f, ok := <-l.queue:
		if !ok {
			l.drainedQ = true
			return true
		}
		l.peeked = f
		return false
	default:
		return false
	}
}

// close stops the lister and every download and waits for them.
func (l *linkReader) close() {
	l.cancel()
	l.wg.Wait()
	l.cur, l.peeked = nil, nil
}

// closed returns a closed channel.
func closed() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}
