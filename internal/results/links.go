package results

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/asyncsql/databricks/arrowbatch"
	"github.com/asyncsql/databricks/internal/backoff"
	"github.com/asyncsql/databricks/internal/stmterr"
	"github.com/asyncsql/databricks/thrift/tcli"
)

const (
	// linkAttempts bounds the failed downloads of one file (refreshes
	// included).
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
// files, so the time to the first byte of every file overlaps, but a
// response whose body is not needed yet is left unread (parked): its buffer
// is only allocated when the body is read. When the consumer is the
// bottleneck this holds 1+linkReadyAhead bodies instead of maxDownloads;
// when the network is, the decoder finds its next file still arriving and
// the allowance grows by one file each time, up to maxDownloads. Two ahead
// is where a network-bound read stops waiting for files while memory stays
// near its floor (BENCHMARKS.md).
const linkReadyAhead = 2

// linkLimits are the time and memory bounds of downloads.
type linkLimits struct {
	// park is how long a response may wait unread for the consumer; then
	// it is closed (a storage server may drop an idle connection) and
	// requested again once its body is needed.
	park time.Duration
	// stall ends a download attempt (which is then retried) when no byte
	// arrives for this long.
	stall time.Duration
	// prealloc bounds the memory reserved for a file from the size its
	// link or response announces, before the bytes arrive (see readBody).
	prealloc int64
}

var defaultLinkLimits = linkLimits{park: 5 * time.Second, stall: 60 * time.Second, prealloc: 16 << 20}

// errLinkParked marks a response closed unread after linkLimits.park.
var errLinkParked = errors.New("response closed unread")

// errLinkExpired marks a download refused because the link lapsed.
var errLinkExpired = errors.New("result link expired")

// fileState is where a result file is in the body admissions (see
// linkReader.admitLocked). A file moves forward only:
//
//	fileRequested -> fileParked -> fileAdmitted -> fileReleased
//
// A file whose download ends without a response to read (an error) goes
// from fileRequested to fileReleased when the decoder is done with it.
type fileState uint8

const (
	// fileRequested: its download runs and has no response waiting.
	fileRequested fileState = iota
	// fileParked: its response waits unread in linkReader.parked.
	fileParked
	// fileAdmitted: it may read its body, and counts among the held bodies.
	fileAdmitted
	// fileReleased: the decoder is done with its bytes.
	fileReleased
)

// linkFile is one result link and, once downloaded, its bytes. A file that
// stands for an error that ends the result has no link.
type linkFile struct {
	link *resultLink
	// seq is the file's place in the result (0 first).
	seq int
	// state (under linkReader.mu) is where the file is in the admissions;
	// admit is closed when it becomes fileAdmitted.
	state fileState
	admit chan struct{}
	// done is closed when the download has ended: body or err is set.
	done chan struct{}
	// body is the file as downloaded (an LZ4 frame when compressed); its
	// messages are decompressed and decoded one at a time, and it is dropped
	// as soon as its last needed message is decoded.
	body []byte
	err  error
}

// errorFile is a file that stands for err, which ends the result.
func errorFile(err error) *linkFile {
	done := make(chan struct{})
	close(done)
	return &linkFile{err: err, done: done}
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
// at once, and it shares a core with downloads and the garbage collector):
// with a single batch ahead the consumer waits for the decoder.
const linkBatchesAhead = 4

// linkReader delivers the record batches of a URL_BASED_SET result in order.
// A lister goroutine reads the FetchResults pages and starts one download
// goroutine per link; at most max files are requested, downloaded or being
// read at any time, so memory is bounded by max files (held compressed as
// downloaded) plus a few decoded batches, whatever the result size. Of
// those, only the bodies needed soon are read (see linkReadyAhead): a slow
// consumer holds about three files, not max. A decoder goroutine
// decompresses and decodes each file's messages in order, on a core of its
// own while the consumer converts rows, and hands the batches over through a
// small channel.
type linkReader struct {
	cfg    *Config
	id     string
	limits linkLimits

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

	// The consumer's state: rec is the record last returned.
	peeked   *linkBatch
	drainedQ bool
	rec      arrow.RecordBatch
	err      error // the error that ended the result, returned again
}

var _ Source = (*linkReader)(nil)

// newLinkReader starts reading the links of an operation: those of the
// direct-results page cfg.First, if any, then those of the pages fetched
// while the server holds more. cfg.Reader is the consumer's reader: the
// records returned bind to it, but are decoded with a reader of the
// decoder's own.
func newLinkReader(ctx context.Context, cfg *Config, limits linkLimits) *linkReader {
	n := cfg.MaxDownloads
	l := &linkReader{cfg: cfg, id: cfg.StatementID, limits: limits,
		sem: make(chan struct{}, n), queue: make(chan *linkFile, n+1), out: make(chan linkBatch, linkBatchesAhead),
		base: min(n, 1+linkReadyAhead), max: n}
	l.allow, l.peakAllow = l.base, l.base
	l.ctx, l.cancel = context.WithCancel(ctx)
	l.fetchCtx, l.fetchCancel = context.WithCancel(ctx)
	l.dec, l.decErr = decoderReader(cfg.Reader)
	l.wg.Add(2)
	go l.list()
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
	if f.state == fileRequested {
		f.state = fileParked
		i := len(l.parked)
		for i > 0 && l.parked[i-1].seq > f.seq {
			i--
		}
		l.parked = append(l.parked, nil)
		copy(l.parked[i+1:], l.parked[i:])
		l.parked[i] = f
		l.admitLocked()
	}
	admitted := f.state == fileAdmitted
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
		return f.state == fileAdmitted, nil
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
			f.state = fileAdmitted
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
	switch f.state {
	case fileAdmitted:
		l.held--
		f.state = fileReleased
	case fileRequested:
		f.state = fileReleased
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
			if f.state == fileAdmitted && len(l.parked) > 0 && l.allow < l.max {
				l.allow++
				l.peakAllow = max(l.peakAllow, l.allow)
				l.admitLocked()
			}
		}
	}
	l.decoded++
}

// Next implements Source: the next record, exactly rowCount rows per link.
func (l *linkReader) Next() (Batch, error) {
	if l.rec != nil {
		l.rec.Release()
		l.rec = nil
	}
	rec, err := l.next()
	if err != nil {
		return Batch{}, err
	}
	l.rec = rec
	return Batch{Record: rec}, nil
}

// next returns the next record, owned by the caller; io.EOF after the last.
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

// Exhausted implements Source. It never blocks.
func (l *linkReader) Exhausted() bool {
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

// Close implements Source: it stops the lister, the decoder and every
// download and waits for them (see CloseMode).
func (l *linkReader) Close(mode CloseMode) {
	l.cancel()
	if mode == SettleFetch {
		stopped := make(chan struct{})
		go func() {
			l.wg.Wait()
			close(stopped)
		}()
		waitUpTo(stopped, SettleTimeout)
		l.fetchCancel()
		<-stopped
	}
	l.fetchCancel()
	l.wg.Wait()
	if l.rec != nil {
		l.rec.Release()
		l.rec = nil
	}
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
