package results

import (
	"bytes"
	"context"
	"io"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/asyncsql/databricks/arrowbatch"
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

// finish records the outcome of a download.
func (l *linkFile) finish(body []byte, err error) {
	l.body, l.err = body, err
	close(l.done)
}

// linkBatch is a decoded record batch on its way to the consumer, or the
// error that ends the result. last marks the final batch of a file: its
// receipt frees the file's place among the maxDownloads.
type linkBatch struct {
	rec  arrow.RecordBatch
	err  error
	last bool
}

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

// linkBatchesAhead is how many decoded batches may wait for the consumer.
// The decoder works in bursts (an LZ4 block of up to 4 MiB is decompressed
// at once, and it shares a core with downloads and the garbage collector):
// with a single batch ahead the consumer waits for the decoder.
const linkBatchesAhead = 4

// linkReader delivers the record batches of a result of files in order: a
// URL_BASED_SET result (Thrift) or the chunks of a Statement Execution API
// result. A lister goroutine reads the pages of links (see linkLister) and
// starts one download goroutine per link; at most max files are requested, downloaded or being
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
	// released by the decoder.
	mu      sync.Mutex
	decSeq  int
	decoded int
	allow   int
	base    int
	max     int
	parked  []*linkFile
	held    int
	// observe, when set before the goroutines start (only tests set it,
	// see export_test.go), sees every download event and every change of
	// the admissions, with mu held. It must not block.
	observe func(linkEvent, *linkFile)

	// lister is where the links come from; fetchMu serializes its calls
	// (the pages of the list goroutine, the refreshes of downloads).
	lister  linkLister
	fetchMu sync.Mutex

	// The decoder goroutine's state.
	dec    *arrowbatch.Reader // its own reader: arrowbatch.Reader is not safe for concurrent use
	decErr error              // why dec could not be built
	stream arrowbatch.Stream

	// The result's schema message, set once (see setSchema): that of
	// cfg.Reader, or, without one, that of the first file.
	schemaOnce  sync.Once
	schemaReady chan struct{}
	schemaMsg   []byte
	schemaErr   error

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
	l := makeLinkReader(ctx, cfg, limits)
	l.start()
	return l
}

// makeLinkReader builds a reader without starting its goroutines.
func makeLinkReader(ctx context.Context, cfg *Config, limits linkLimits) *linkReader {
	n := cfg.MaxDownloads
	l := &linkReader{cfg: cfg, id: cfg.StatementID, limits: limits,
		sem: make(chan struct{}, n), queue: make(chan *linkFile, n+1), out: make(chan linkBatch, linkBatchesAhead),
		base: min(n, 1+linkReadyAhead), max: n}
	l.allow = l.base
	l.ctx, l.cancel = context.WithCancel(ctx)
	l.fetchCtx, l.fetchCancel = context.WithCancel(ctx)
	if cfg.Format == Chunks {
		l.lister = &restLister{cfg: cfg, id: cfg.StatementID, wg: &l.wg}
	} else {
		l.lister = &thriftLister{cfg: cfg, id: cfg.StatementID}
	}
	l.schemaReady = make(chan struct{})
	if cfg.Reader != nil {
		l.dec, l.decErr = decoderReader(cfg.Reader)
		l.setSchema(nil, nil)
	}
	return l
}

// start starts the lister and the decoder.
func (l *linkReader) start() {
	l.wg.Add(2)
	go l.list()
	go l.decode()
}

// decoderReader builds a Reader for the decoder goroutine with the schema of
// ar (re-encoded as an IPC schema message: ar keeps its own to itself).
// Only Decode is used on it, so the value options do not matter.
func decoderReader(ar *arrowbatch.Reader) (*arrowbatch.Reader, error) {
	msg, err := schemaMessage(ar)
	if err != nil {
		return nil, err
	}
	return arrowbatch.NewReader(msg, arrowbatch.Options{})
}

// schemaMessage returns the schema of ar as an IPC schema message.
func schemaMessage(ar *arrowbatch.Reader) ([]byte, error) {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(ar.Schema()))
	if err := w.Close(); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}), nil
}

// setSchema records the result's schema message, or the error that ended
// the result before one was known; only the first call counts.
func (l *linkReader) setSchema(msg []byte, err error) {
	l.schemaOnce.Do(func() {
		l.schemaMsg, l.schemaErr = msg, err
		close(l.schemaReady)
	})
}

// Schema implements SchemaSource.
func (l *linkReader) Schema(ctx context.Context) ([]byte, error) {
	select {
	case <-l.schemaReady:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.ctx.Done():
		return nil, l.ctx.Err()
	}
	if l.schemaErr != nil || l.schemaMsg != nil || l.cfg.Reader == nil {
		return l.schemaMsg, l.schemaErr
	}
	return schemaMessage(l.cfg.Reader)
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
