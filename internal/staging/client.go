package staging

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asyncsql/databricks/internal/backoff"
	"github.com/asyncsql/databricks/internal/secret"
)

// DefaultAttempts is the number of HTTP requests of one transfer, retries
// included, when Client.Attempts is zero.
const DefaultAttempts = 5

// DefaultRetry is the pause between attempts when Client.Retry is zero:
// doubling from 100ms up to 5s, each pause drawn from its upper half.
var DefaultRetry = backoff.Policy{Min: 100 * time.Millisecond, Max: 5 * time.Second, Factor: 2, Jitter: backoff.UpperHalf}

// maxRetryAfter caps the wait a Retry-After header asks for.
const maxRetryAfter = time.Minute

// DefaultStall ends an attempt (which is then retried) when no byte moved
// for this long, when Client.Stall is zero.
const DefaultStall = 60 * time.Second

// Streams are the reader a PUT of InputStream uploads and the writer a GET
// of OutputStream writes to.
type Streams struct {
	// Reader is uploaded from its current position; Size is the number of
	// bytes it holds, or negative when unknown: then Reader must be an
	// io.Seeker, since a presigned PUT needs a Content-Length.
	Reader io.Reader
	Size   int64
	// Writer receives the body of a GET.
	Writer io.Writer
}

// Client performs the transfers of staging instructions.
type Client struct {
	// HTTP sends the requests; nil means http.DefaultClient. It must not
	// add the workspace's credentials (the driver's client does not: they
	// are added per RPC).
	HTTP *http.Client
	// Dirs are the local directories files may be read from and written to.
	Dirs []string
	// Attempts bounds the requests of one transfer (0: DefaultAttempts);
	// Retry is the pause between them (zero: DefaultRetry).
	Attempts int
	Retry    backoff.Policy
	// Stall ends an attempt in which no byte moved for this long (0:
	// DefaultStall), as for result-link downloads.
	Stall time.Duration
	// Log receives debug records (never a URL or header value); nil is
	// silent.
	Log *slog.Logger
}

// Do performs the transfer in asks for: the PUT of a local file or of
// st.Reader, the GET into a new local file or st.Writer, or the DELETE.
func (c *Client) Do(ctx context.Context, in *Instruction, st Streams) error {
	switch in.Op {
	case Put:
		return c.put(ctx, in, st)
	case Get:
		return c.get(ctx, in, st)
	case Remove:
		if st.Reader != nil || st.Writer != nil {
			return fmt.Errorf("%w: a staging stream was given for a REMOVE", ErrStream)
		}
		return c.remove(ctx, in)
	}
	return fmt.Errorf("%w: operation %q", ErrBadRow, truncate(string(in.Op), 20))
}

// source is the body of a PUT.
type source struct {
	size int64
	// open returns the reader of an attempt. When rereadable it starts
	// at the first byte each time; otherwise it continues where the last
	// attempt stopped, so only an attempt after one that read nothing may
	// use it.
	open       func() (io.Reader, error)
	rereadable bool
}

func (c *Client) put(ctx context.Context, in *Instruction, st Streams) error {
	if st.Writer != nil {
		return fmt.Errorf("%w: a staging writer was given for a PUT", ErrStream)
	}
	var src source
	switch {
	case in.LocalFile == InputStream:
		if st.Reader == nil {
			return fmt.Errorf("%w: PUT of %s without a reader (driver.WithStagingReader)", ErrStream, InputStream)
		}
		s, err := readerSource(st.Reader, st.Size)
		if err != nil {
			return err
		}
		src = s
	case st.Reader != nil:
		return fmt.Errorf("%w: a staging reader was given, but the PUT names the local file %q, not %s", ErrStream, in.LocalFile, InputStream)
	default:
		l, err := locate(c.Dirs, in.LocalFile)
		if err != nil {
			return err
		}
		defer l.root.Close()
		f, size, err := l.openSource()
		if err != nil {
			return err
		}
		defer f.Close()
		// ReadAt keeps no offset: an attempt the transport still reads
		// after it failed cannot disturb the next one.
		src = source{size: size, rereadable: true, open: func() (io.Reader, error) { return io.NewSectionReader(f, 0, size), nil }}
	}
	return c.upload(ctx, in, src)
}

// readerSource is the source of a reader: re-read by seeking back when r
// is an io.Seeker, else sent once.
func readerSource(r io.Reader, size int64) (source, error) {
	sk, ok := r.(io.Seeker)
	if !ok {
		if size < 0 {
			return source{}, fmt.Errorf("%w: the reader's size is unknown and it is no io.Seeker; a presigned PUT needs a Content-Length", ErrStream)
		}
		return source{size: size, open: func() (io.Reader, error) { return r, nil }}, nil
	}
	start, err := sk.Seek(0, io.SeekCurrent)
	if err != nil {
		return source{}, fmt.Errorf("staging: reader: %w", err)
	}
	if size < 0 {
		end, err := sk.Seek(0, io.SeekEnd)
		if err != nil {
			return source{}, fmt.Errorf("staging: reader: %w", err)
		}
		size = end - start
	}
	return source{size: size, rereadable: true, open: func() (io.Reader, error) {
		if _, err := sk.Seek(start, io.SeekStart); err != nil {
			return nil, fmt.Errorf("staging: reader: %w", err)
		}
		return r, nil
	}}, nil
}

// upload sends the PUT, retrying while the body can be read again.
func (c *Client) upload(ctx context.Context, in *Instruction, src source) error {
	var sent int64
	return c.retry(ctx, in, func(attempt int) (outcome, error) {
		if sent > 0 && !src.rereadable {
			return final, fmt.Errorf("the reader is no io.Seeker and %d of its bytes were sent, so the upload cannot be repeated", sent)
		}
		r, err := src.open()
		if err != nil {
			return final, err
		}
		actx, wd := c.watch(ctx)
		body := &fence{r: io.LimitReader(r, src.size), progress: wd.kick}
		// The transport may read the body after the response (or failure)
		// came; the next attempt starts only once this one can read no more.
		defer func() { sent += body.stop() }()
		defer wd.stop()
		req, err := c.request(actx, in, http.MethodPut, body)
		if err != nil {
			return final, err
		}
		req.ContentLength = src.size
		if src.size == 0 {
			req.Body = http.NoBody
		}
		resp, err := c.http().Do(req)
		if err != nil {
			return retryable, wd.explain(c.transportErr(err, in))
		}
		defer drain(resp)
		if ok(resp.StatusCode) {
			if n := body.count(); n != src.size {
				return final, fmt.Errorf("the reader ended after %d of %d bytes", n, src.size)
			}
			return done, nil
		}
		return statusOutcome(resp), statusErr(resp)
	})
}

func (c *Client) get(ctx context.Context, in *Instruction, st Streams) error {
	if st.Reader != nil {
		return fmt.Errorf("%w: a staging reader was given for a GET", ErrStream)
	}
	switch {
	case in.LocalFile == OutputStream:
		if st.Writer == nil {
			return fmt.Errorf("%w: GET to %s without a writer (driver.WithStagingWriter)", ErrStream, OutputStream)
		}
		return c.download(ctx, in, &writerSink{w: st.Writer})
	case st.Writer != nil:
		return fmt.Errorf("%w: a staging writer was given, but the GET names the local file %q, not %s", ErrStream, in.LocalFile, OutputStream)
	}
	l, err := locate(c.Dirs, in.LocalFile)
	if err != nil {
		return err
	}
	defer l.root.Close()
	p, err := l.createPending()
	if err != nil {
		return err
	}
	if err := c.download(ctx, in, p); err != nil {
		p.abort()
		return err
	}
	return p.commit()
}

// sink receives a download.
type sink interface {
	io.Writer
	// restart prepares for the body again from its first byte, or fails
	// when the bytes already written cannot be taken back.
	restart() error
}

// writerSink is a sink of an application's writer: what it received
// stays received.
type writerSink struct {
	w io.Writer
	n int64
}

func (s *writerSink) Write(b []byte) (int, error) {
	n, err := s.w.Write(b)
	s.n += int64(n)
	if err != nil {
		return n, errSink{fmt.Errorf("writing to the staging writer: %w", err)}
	}
	return n, nil
}

func (s *writerSink) restart() error {
	if s.n > 0 {
		return fmt.Errorf("the server does not resume the download and %d bytes were written to the writer already", s.n)
	}
	return nil
}

// errSink marks a failed write to the sink, which is not retried.
type errSink struct{ err error }

func (e errSink) Error() string { return e.err.Error() }
func (e errSink) Unwrap() error { return e.err }

// download GETs the body into s, resuming an interrupted body with a Range
// request from the first byte missing.
func (c *Client) download(ctx context.Context, in *Instruction, s sink) error {
	var got int64
	return c.retry(ctx, in, func(attempt int) (outcome, error) {
		actx, wd := c.watch(ctx)
		defer wd.stop()
		req, err := c.request(actx, in, http.MethodGet, nil)
		if err != nil {
			return final, err
		}
		if got > 0 {
			req.Header.Set("Range", "bytes="+strconv.FormatInt(got, 10)+"-")
		}
		resp, err := c.http().Do(req)
		if err != nil {
			return retryable, wd.explain(c.transportErr(err, in))
		}
		defer drain(resp)
		switch {
		case resp.StatusCode == http.StatusPartialContent && got > 0 && rangeStart(resp) == got:
		case resp.StatusCode == http.StatusOK:
			if got > 0 {
				if err := s.restart(); err != nil {
					return final, err
				}
				got = 0
			}
		default:
			return statusOutcome(resp), statusErr(resp)
		}
		n, err := io.Copy(s, &progressReader{r: resp.Body, progress: wd.kick})
		got += n
		if err != nil {
			var we errSink
			if errors.As(err, &we) {
				return final, we.err
			}
			return retryable, wd.explain(fmt.Errorf("reading the body after %d bytes: %s", got, secret.LinkError(err, in.URL, in.headerValues())))
		}
		return done, nil
	})
}

// rangeStart is the first byte of a 206 answer's Content-Range, -1 when
// it has none.
func rangeStart(resp *http.Response) int64 {
	v, ok := strings.CutPrefix(resp.Header.Get("Content-Range"), "bytes ")
	if !ok {
		return -1
	}
	first, _, _ := strings.Cut(v, "-")
	n, err := strconv.ParseInt(first, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

func (c *Client) remove(ctx context.Context, in *Instruction) error {
	return c.retry(ctx, in, func(attempt int) (outcome, error) {
		actx, wd := c.watch(ctx)
		defer wd.stop()
		req, err := c.request(actx, in, http.MethodDelete, nil)
		if err != nil {
			return final, err
		}
		resp, err := c.http().Do(req)
		if err != nil {
			return retryable, wd.explain(c.transportErr(err, in))
		}
		defer drain(resp)
		switch {
		case ok(resp.StatusCode):
			return done, nil
		case resp.StatusCode == http.StatusNotFound && attempt > 0:
			// An earlier attempt removed it and its answer was lost.
			return done, nil
		}
		return statusOutcome(resp), statusErr(resp)
	})
}

// outcome is how one attempt ended.
type outcome uint8

const (
	done outcome = iota
	retryable
	final
)

// retry runs attempt until it is done, fails for good, or the attempts run
// out, pausing between attempts.
func (c *Client) retry(ctx context.Context, in *Instruction, attempt func(n int) (outcome, error)) error {
	max := c.Attempts
	if max <= 0 {
		max = DefaultAttempts
	}
	p := c.Retry
	if p == (backoff.Policy{}) {
		p = DefaultRetry
	}
	pause := backoff.New(p)
	var last error
	for n := 0; n < max; n++ {
		out, err := attempt(n)
		if out == done {
			return nil
		}
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("staging %s: %w", in.Op, cerr)
		}
		if out == final {
			return fmt.Errorf("staging %s: %w", in.Op, err)
		}
		last = err
		if n+1 == max {
			break
		}
		wait := pause.Next()
		var ra retryAfter
		if errors.As(err, &ra) && ra.d > 0 {
			wait = min(ra.d, maxRetryAfter)
		}
		c.log().LogAttrs(ctx, slog.LevelDebug, "staging: retrying", slog.String("op", string(in.Op)),
			slog.Int("attempt", n+1), slog.Duration("wait", wait), slog.String("error", err.Error()))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("staging %s: %w", in.Op, ctx.Err())
		case <-t.C:
		}
	}
	return fmt.Errorf("staging %s: giving up after %d attempts: %w", in.Op, max, last)
}

// request builds a request to the presigned URL with exactly the
// instruction's headers.
func (c *Client) request(ctx context.Context, in *Instruction, method string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, in.URL.Reveal(), body)
	if err != nil {
		// Its text would quote the URL.
		return nil, errors.New("the presigned URL is not a valid URL")
	}
	if req.URL.Scheme != "https" && req.URL.Scheme != "http" {
		return nil, errors.New("the presigned URL is neither https nor http")
	}
	for k, v := range in.Headers {
		req.Header.Set(k, v.Reveal())
	}
	return req, nil
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

func (c *Client) log() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.New(slog.DiscardHandler)
}

// transportErr is a failed request's error without the URL or headers.
func (c *Client) transportErr(err error, in *Instruction) error {
	return fmt.Errorf("request failed: %s", secret.LinkError(err, in.URL, in.headerValues()))
}

// ok reports a success status of a PUT or DELETE.
func ok(status int) bool {
	switch status {
	case http.StatusOK, http.StatusCreated, http.StatusAccepted, http.StatusNoContent:
		return true
	}
	return false
}

// statusOutcome says whether an answer's status is worth another attempt.
func statusOutcome(resp *http.Response) outcome {
	s := resp.StatusCode
	if s >= 500 || s == http.StatusTooManyRequests || s == http.StatusRequestTimeout {
		return retryable
	}
	return final
}

// retryAfter is an HTTP status error whose answer asked for a pause.
type retryAfter struct {
	err error
	d   time.Duration
}

func (r retryAfter) Error() string { return r.err.Error() }
func (r retryAfter) Unwrap() error { return r.err }

// StatusError is a non-success answer of the storage to a staging request.
type StatusError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is the storage's error code (the <Code> of an S3, Azure or GCS
	// error document), empty when there is none.
	Code string
}

// Error implements error.
func (e *StatusError) Error() string {
	s := "HTTP " + strconv.Itoa(e.StatusCode)
	if e.Code != "" {
		s += " (" + e.Code + ")"
	}
	return s
}

// errorCode finds the <Code> of a storage error document.
var errorCode = regexp.MustCompile(`<Code>([A-Za-z0-9._-]{1,64})</Code>`)

// statusErr reads the error of a non-success answer: its status and the
// storage's error code, never the rest of the body, which may quote the
// signature (S3's SignatureDoesNotMatch does).
func statusErr(resp *http.Response) error {
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	e := &StatusError{StatusCode: resp.StatusCode}
	if m := errorCode.FindSubmatch(head); m != nil {
		e.Code = string(m[1])
	}
	if v := strings.TrimSpace(resp.Header.Get("Retry-After")); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return retryAfter{err: e, d: time.Duration(min(n, 3600)) * time.Second}
		}
	}
	return e
}

// drain reads a little of what is left of a body, so that the connection
// can be reused, and closes it.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// watchdog cancels an attempt's context when no byte moved for its
// duration.
type watchdog struct {
	d       time.Duration
	t       *time.Timer
	cancel  context.CancelFunc
	stalled atomic.Bool
}

// watch returns the context of one attempt, cancelled by its watchdog.
func (c *Client) watch(ctx context.Context) (context.Context, *watchdog) {
	actx, cancel := context.WithCancel(ctx)
	w := &watchdog{d: c.Stall, cancel: cancel}
	if w.d <= 0 {
		w.d = DefaultStall
	}
	w.t = time.AfterFunc(w.d, func() { w.stalled.Store(true); cancel() })
	return actx, w
}

// kick records progress.
func (w *watchdog) kick() { w.t.Reset(w.d) }

// stop ends the watch and the attempt's context.
func (w *watchdog) stop() {
	w.t.Stop()
	w.cancel()
}

// explain is err, or the stall when the watchdog ended the attempt.
func (w *watchdog) explain(err error) error {
	if w.stalled.Load() {
		return fmt.Errorf("no progress for %v", w.d)
	}
	return err
}

// progressReader reports each read that returned bytes.
type progressReader struct {
	r        io.Reader
	progress func()
}

// Read implements io.Reader.
func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.progress()
	}
	return n, err
}

// fence passes reads to r until stop is called; stop waits for a read in
// progress, so that the reader is the caller's again once it returns.
// progress is called after each read that returned bytes.
type fence struct {
	mu       sync.Mutex
	r        io.Reader
	n        int64
	stopped  bool
	progress func()
}

// Read implements io.Reader.
func (f *fence) Read(b []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped {
		return 0, errors.New("staging: body of a finished attempt")
	}
	n, err := f.r.Read(b)
	f.n += int64(n)
	if n > 0 && f.progress != nil {
		f.progress()
	}
	return n, err
}

// count returns the bytes read so far.
func (f *fence) count() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

// stop ends the reads and returns the bytes read.
func (f *fence) stop() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopped = true
	return f.n
}
