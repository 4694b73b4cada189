package driver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/asyncsql/databricks/arrowbatch"
	"github.com/asyncsql/databricks/internal/backoff"
	"github.com/asyncsql/databricks/internal/hs2"
	"github.com/asyncsql/databricks/thrift/tcli"
)

const (
	// linkAttempts bounds the downloads of one file (refreshes included).
	linkAttempts = 8
	// linkExpirySkew treats a link as expired this long before its
	// expiryTime, so a download does not start on a link about to lapse.
	linkExpirySkew = 2 * time.Second
)

// linkRetryPolicy is the pause between download attempts of one file:
// doubling from 20ms up to 2s, each pause drawn from its upper half.
var linkRetryPolicy = backoff.Policy{Min: 20 * time.Millisecond, Max: 2 * time.Second, Factor: 2, Jitter: backoff.UpperHalf}

// linkReadyAhead is how many result bodies, downloaded or being
// downloaded, may wait ahead of the one being decoded before the bodies of
// further files are read. Requests still start for up to maxDownloads
// files, so the time to the first byte of every file overlaps as before,
// but a response whose body is not needed yet is left unread (parked): its
// buffer is only allocated when the body is read. When the consumer is the
// bottleneck this holds 1+linkReadyAhead bodies instead of maxDownloads;
// when the network is, the decoder finds its next file still arriving and
// the allowance grows by one file each time, up to maxDownloads.
// BenchmarkLinks8Columns (20 files of 3.1 MB, 5 rounds, peak heap and
// Mrows/s): 1 ahead 37 MB, 4.5; 2 ahead 43 MB, 4.7; 3 ahead 50 MB, 4.6;
// 7 ahead (all eight read at once, as before) 68 MB, 4.9. With 200 ms per
// file (network-bound) 1 ahead let the consumer wait: 3.0 Mrows/s against
// 3.6 for 2, 3 or 7.
const linkReadyAhead = 2

// linkParkLimit is how long a response may wait unread for the consumer;
// then it is closed (a storage server may drop an idle connection) and
// requested again once its body is needed. A variable for tests.
var linkParkLimit = 5 * time.Second

// errLinkParked marks a response closed unread after linkParkLimit.
var errLinkParked = errors.New("response closed unread")

// linkStallTimeout ends a download attempt (which is then retried) when no
// byte arrives for this long; a variable for tests.
var linkStallTimeout = 60 * time.Second

// errLinkExpired marks a download refused because the link lapsed.
var errLinkExpired = errors.New("result link expired")

// linkFile is one result link and, once downloaded, its bytes. done is
// closed when body or err is set.
type linkFile struct {
	link *resultLink
	done chan struct{}
	// seq is the file's place in the result (0 first).
	seq int
	// admit is closed when the file may read its body; admitted (under
	// linkReader.mu) is set then, and the file counts among the held bodies
	// until the decoder releases it.
	admit    chan struct{}
	admitted bool
	parked   bool
	released bool
	// body is the file as downloaded (an LZ4 frame when compressed); its
	// messages are decompressed and decoded one at a time, and it is dropped
	// as soon as its last needed message is decoded.
	body []byte
	err  error
}

// linkBatch is a decoded record batch on its way to the consumer, or the
// error that ends the result. last marks the final batch of a file: its
// receipt frees the file's place among the maxDownloads.
type linkBatch struct {
	rec  arrow.RecordBatch
	err  error
	last bool
}

// linkBatchesAhead is how many decoded batches may wait for the consumer.
// The decoder works in bursts (an LZ4 block of up to 4 MiB is decompressed
// at once, and it shares the second core with downloads and the garbage
// collector): with one batch ahead the consumer waited for it 1-8 ms at a
// time, 5-15% of a 2,000,000-row read; with four, not once.
const linkBatchesAhead = 4

// linkReader delivers the record batches of a URL_BASED_SET result in order.
// A lister goroutine reads the FetchResults pages and starts one download
// goroutine per link; at most max files are requested, downloaded or being
// read at any time, so memory is bounded by max files (held compressed as
// downloaded) plus a few decoded batches, whatever the result size. Of
// those, only the bodies needed soon are read (see linkReadyAhead): a slow
// consumer holds about three files, not max. A
// decoder goroutine decompresses and decodes each file's messages in order,
// on a core of its own while the consumer converts rows, and hands the
// batches over through a small channel.
type linkReader struct {
	c      *Connector
	handle *tcli.TOperationHandle
	id     string
	lz4    bool
	hc     *http.Client

	ctx    context.Context
	cancel context.CancelFunc
	// fetchCtx is the context of FetchResults calls, cancelled after ctx
	// when closing lets them settle (see close).
	fetchCtx    context.Context
	fetchCancel context.CancelFunc
	sem         chan struct{}
	queue       chan *linkFile
	out         chan linkBatch
	wg          sync.WaitGroup

	// mu guards the body admissions: decSeq is the file the decoder is on,
	// allow how many files from it may read their bodies (between base and
	// max, see linkReadyAhead), parked the responses waiting to read
	// theirs, in file order. held counts the files admitted and not yet
	// released by the decoder; peakHeld, peakAllow, started and landed
	// (admitted files whose download ended) are for tests.
	mu        sync.Mutex
	decSeq    int
	decoded   int
	allow     int
	base      int
	max       int
	parked    []*linkFile
	held      int
	peakHeld  int
	peakAllow int
	started   int
	landed    int

	// fetchMu serializes FetchResults calls of the lister and refreshes.
	fetchMu sync.Mutex

	// The decoder goroutine's state.
	dec    *arrowbatch.Reader // its own reader: arrowbatch.Reader is not safe for concurrent use
	decErr error              // why dec could not be built
	stream arrowbatch.Stream

	// The consumer's state.
	peeked   *linkBatch
	drainedQ bool
	err      error // the error that ended the result, returned again
}

// newLinkReader starts reading the links of an operation. first is the
// direct-results page (nil if none); more says whether pages follow it. ar
// is the consumer's reader: the records returned bind to it, but are
// decoded with a reader of the decoder's own.
func newLinkReader(ctx context.Context, c *Connector, h *tcli.TOperationHandle, ar *arrowbatch.Reader, lz4 bool,
	first *tcli.TFetchResultsResp, more bool, orientation tcli.TFetchOrientation) *linkReader {
	n := c.cfg.maxDownloads()
	l := &linkReader{c: c, handle: h, id: hs2.StatementID(h), lz4: lz4, hc: c.httpClient,
		sem: make(chan struct{}, n), queue: make(chan *linkFile, n+1), out: make(chan linkBatch, linkBatchesAhead),
		base: min(n, 1+linkReadyAhead), max: n}
	l.allow, l.peakAllow = l.base, l.base
	if l.hc == nil {
		l.hc = http.DefaultClient
	}
	l.ctx, l.cancel = context.WithCancel(ctx)
	l.fetchCtx, l.fetchCancel = context.WithCancel(ctx)
	var links []*tcli.TSparkArrowResultLink
	if first != nil && first.Results != nil {
		links = first.Results.ResultLinks
	}
	l.dec, l.decErr = decoderReader(ar)
	l.wg.Add(2)
	go l.list(links, first == nil || more, first != nil, orientation)
	go l.decode()
	return l
}

// decoderReader builds a Reader for the decoder goroutine with the schema of
// ar (re-encoded as an IPC schema message: ar keeps its own to itself).
// Only Decode is used on it, so the value options do not matter.
func decoderReader(ar *arrowbatch.Reader) (*arrowbatch.Reader, error) {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(ar.Schema()))
	if err := w.Close(); err != nil {
		return nil, err
	}
	msg := bytes.TrimSuffix(buf.Bytes(), []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})
	return arrowbatch.NewReader(msg, arrowbatch.Options{})
}

// list schedules the links of every page in order, fetching pages as the
// semaphore admits more files.
func (l *linkReader) list(links []*tcli.TSparkArrowResultLink, more, fetched bool, orientation tcli.TFetchOrientation) {
	defer l.wg.Done()
	defer close(l.queue)
	// next is the row the next link must start at.
	var next int64
	seq := 0
	for {
		for _, lk := range links {
			if lk == nil || lk.RowCount < 0 {
				l.push(&linkFile{err: l.errorf("invalid result link"), done: closed()})
				return
			}
			if lk.StartRowOffset != next {
				l.push(&linkFile{err: fmt.Errorf("databricks: statement %s: %w: result links skip from row %d to %d", l.id, ErrCorruptResult, next, lk.StartRowOffset), done: closed()})
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
			f := &linkFile{link: newResultLink(lk), done: make(chan struct{}), seq: seq, admit: make(chan struct{})}
			seq++
			if !l.push(f) {
				<-l.sem
				return
			}
			l.mu.Lock()
			l.started++
			l.mu.Unlock()
			l.wg.Add(1)
			go l.download(f)
		}
		if !more {
			return
		}
		o := tcli.TFetchOrientation_FETCH_NEXT
		if !fetched {
			o = orientation
		}
		fetched = true
		resp, err := l.fetchPage(o, next)
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

// fetchPage fetches the page of links that starts at row next. The
// request names that row (servers of result links honour startRowOffset),
// so the RPC client may repeat it after a failure; a page whose first link
// starts elsewhere is asked for again, up to pageAttempts times.
func (l *linkReader) fetchPage(o tcli.TFetchOrientation, next int64) (*tcli.TFetchResultsResp, error) {
	l.fetchMu.Lock()
	defer l.fetchMu.Unlock()
	for attempt := 1; ; attempt++ {
		off := next
		resp, err := l.fetch(&tcli.TFetchResultsReq{OperationHandle: l.handle, Orientation: o, MaxRows: l.c.maxRows(), StartRowOffset: &off})
		if err != nil {
			return nil, err
		}
		if resp.Results == nil || len(resp.Results.ResultLinks) == 0 || resp.Results.ResultLinks[0] == nil ||
			resp.Results.ResultLinks[0].StartRowOffset == next || attempt >= pageAttempts {
			return resp, nil
		}
		l.c.log.Debug("databricks: links at the wrong row, asking again", "statement", l.id,
			"got", resp.Results.ResultLinks[0].StartRowOffset, "want", next)
	}
}

// fetch calls FetchResults on the reader's fetch context; fetchMu held.
// Every request of the reader names its row, so it may be repeated.
func (l *linkReader) fetch(req *tcli.TFetchResultsReq) (*tcli.TFetchResultsResp, error) {
	return l.c.hs.FetchResults(l.fetchCtx, req, l.id)
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
	resp, err := l.fetch(&tcli.TFetchResultsReq{OperationHandle: l.handle, Orientation: tcli.TFetchOrientation_FETCH_NEXT,
		MaxRows: l.c.maxRows(), StartRowOffset: &off})
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
	return nil, l.errorf("refreshing the link of row %d: the server returned no link for it", offset)
}

// finish records the outcome of a download.
func (l *linkFile) finish(body []byte, err error) {
	l.body, l.err = body, err
	close(l.done)
}

// park waits until f may read its body (see admitLocked). It gives up after
// limit (if positive), reporting false, and returns the context's error
// when the reader is closing.
func (l *linkReader) park(f *linkFile, limit time.Duration) (bool, error) {
	l.mu.Lock()
	if !f.admitted && !f.parked {
		f.parked = true
		i := len(l.parked)
		for i > 0 && l.parked[i-1].seq > f.seq {
			i--
		}
		l.parked = append(l.parked, nil)
		copy(l.parked[i+1:], l.parked[i:])
		l.parked[i] = f
		l.admitLocked()
	}
	admitted := f.admitted
	l.mu.Unlock()
	if admitted {
		return true, nil
	}
	var expire <-chan time.Time
	if limit > 0 {
		t := time.NewTimer(limit)
		defer t.Stop()
		expire = t.C
	}
	select {
	case <-f.admit:
		return true, nil
	case <-expire:
		l.mu.Lock()
		defer l.mu.Unlock()
		return f.admitted, nil
	case <-l.ctx.Done():
		return false, l.ctx.Err()
	}
}

// admitLocked lets parked files read their bodies when they are among the
// allow files from the one the decoder is on: a window of file numbers, not
// a count of bodies, so that a later file answering first never takes the
// place of an earlier one, and the file the decoder waits for is always
// admitted. The decoder releases a file before it turns to the next, so at
// most allow bodies are held. mu held.
func (l *linkReader) admitLocked() {
	kept := l.parked[:0]
	for _, f := range l.parked {
		if f.seq < l.decSeq+l.allow {
			f.admitted, f.parked = true, false
			l.held++
			l.peakHeld = max(l.peakHeld, l.held)
			close(f.admit)
			continue
		}
		kept = append(kept, f)
	}
	clear(l.parked[len(kept):])
	l.parked = kept
}

// release frees f's place among the held bodies once the decoder is done
// with its bytes: the window moves on to the next file at once, even while
// the decoder waits to hand f's last batch over.
func (l *linkReader) release(f *linkFile) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if f.admitted && !f.released {
		f.released = true
		l.held--
	}
	if f.seq == l.decSeq {
		l.decSeq++
	}
	l.admitLocked()
}

// starting is called by the decoder when it turns to f: f becomes the file
// always admitted, and the allowance adapts. Found still arriving (its body
// admitted but not complete) while other responses wait unread, the
// network is behind: one more body may be read at once. Found complete,
// the allowance shrinks back by one towards base.
func (l *linkReader) starting(f *linkFile) {
	if f.link == nil {
		return // an error, not a file
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.decSeq = f.seq
	l.admitLocked()
	if l.decoded > 0 {
		select {
		case <-f.done:
			if l.allow > l.base {
				l.allow--
			}
		default:
			if f.admitted && len(l.parked) > 0 && l.allow < l.max {
				l.allow++
				l.peakAllow = max(l.peakAllow, l.allow)
				l.admitLocked()
			}
		}
	}
	l.decoded++
}

// errorf formats an error about the statement.
func (l *linkReader) errorf(format string, args ...any) error {
	return fmt.Errorf("databricks: statement %s: %s", l.id, fmt.Sprintf(format, args...))
}

// next returns the next record, exactly rowCount rows per link; io.EOF after
// the last. The record is owned by the caller.
func (l *linkReader) next() (arrow.RecordBatch, error) {
	if l.err != nil {
		return nil, l.err
	}
	if err := l.ctx.Err(); err != nil {
		return nil, err
	}
	var b linkBatch
	if l.peeked != nil {
		b, l.peeked = *l.peeked, nil
	} else {
		if l.drainedQ {
			return nil, io.EOF
		}
		var ok bool
		select {
		case b, ok = <-l.out:
		case <-l.ctx.Done():
			return nil, l.ctx.Err()
		}
		if !ok {
			l.drainedQ = true
			if err := l.ctx.Err(); err != nil {
				return nil, err
			}
			return nil, io.EOF
		}
	}
	if b.last {
		// The file's last batch: another download may start.
		<-l.sem
	}
	if b.err != nil {
		l.err = b.err
		return nil, b.err
	}
	return b.rec, nil
}

// drained reports whether every record has been returned. It never blocks.
func (l *linkReader) drained() bool {
	if l.peeked != nil {
		return false
	}
	if l.drainedQ {
		return true
	}
	select {
	case b, ok := <-l.out:
		if !ok {
			l.drainedQ = true
			return true
		}
		l.peeked = &b
		return false
	default:
		return false
	}
}

// close stops the lister, the decoder and every download and waits for them.
// A FetchResults in flight is cancelled too, unless settle is set: then it
// may finish first, for up to settleTimeout (see fetcher.close).
func (l *linkReader) close(settle bool) {
	l.cancel()
	if settle {
		stopped := make(chan struct{})
		go func() {
			l.wg.Wait()
			close(stopped)
		}()
		waitUpTo(stopped, settleTimeout)
		l.fetchCancel()
		<-stopped
	}
	l.fetchCancel()
	l.wg.Wait()
	if l.peeked != nil && l.peeked.rec != nil {
		l.peeked.rec.Release()
	}
	l.peeked = nil
	for b := range l.out {
		if b.rec != nil {
			b.rec.Release()
		}
	}
}

// closed returns a closed channel.
func closed() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}
