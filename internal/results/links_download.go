package results

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/asyncsql/databricks/internal/backoff"
	"github.com/asyncsql/databricks/internal/stmterr"
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

// attemptOutcome is how one download attempt of a file ended.
type attemptOutcome uint8

const (
	// gotBody: the file is downloaded.
	gotBody attemptOutcome = iota
	// parkedTooLong: the response waited unread past linkLimits.park and
	// was closed; it is requested again once its body is needed, without
	// counting as a failed attempt.
	parkedTooLong
	// failedRetryable: another attempt may succeed (after a pause).
	failedRetryable
	// failedFinal: no attempt will.
	failedFinal
)

// download fetches one file: up to linkAttempts failed attempts, paused by
// linkRetryPolicy, refreshing a link that expired.
func (l *linkReader) download(f *linkFile) {
	defer l.wg.Done()
	defer l.notify(linkLanded, f)
	lk := f.link
	pause := backoff.New(linkRetryPolicy)
	var last error
	for failures := 0; failures < linkAttempts; {
		if errors.Is(last, errLinkExpired) || lk.expiry > 0 && time.Now().Add(linkExpirySkew).Unix() >= lk.expiry {
			fresh, err := l.refreshed(f.link)
			if err != nil {
				f.finish(nil, err)
				return
			}
			lk = fresh
		}
		body, outcome, err := l.get(f, lk)
		switch {
		case outcome == gotBody:
			f.finish(body, nil)
			return
		case outcome == parkedTooLong:
			if _, err := l.park(f, 0); err != nil {
				f.finish(nil, err)
				return
			}
			continue
		case l.ctx.Err() != nil:
			f.finish(nil, l.ctx.Err())
			return
		case outcome == failedFinal:
			f.finish(nil, stmterr.Errorf(l.id, "downloading the result file of row %d: %w", lk.startRow, err))
			return
		}
		last = err
		failures++
		if failures < linkAttempts && !l.sleep(pause.Next()) {
			f.finish(nil, l.ctx.Err())
			return
		}
	}
	f.finish(nil, stmterr.Errorf(l.id, "downloading the result file of row %d: giving up after %d attempts: %w", lk.startRow, linkAttempts, last))
}

// sleep waits for d; false when the reader is closing first.
func (l *linkReader) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-l.ctx.Done():
		return false
	}
}

// refreshed fetches a fresh link for the rows of lk, a file's own link. A
// longer file from the same offset serves too: the file keeps lk's row
// count, and rows past it are ignored like padding.
func (l *linkReader) refreshed(lk *resultLink) (*resultLink, error) {
	fresh, err := l.refresh(lk)
	if err != nil {
		return nil, err
	}
	if fresh.rows < lk.rows {
		return nil, stmterr.Errorf(l.id, "refreshed link of row %d has %d rows, not %d", lk.startRow, fresh.rows, lk.rows)
	}
	if fresh.expiry > 0 && time.Now().Unix() >= fresh.expiry {
		return nil, stmterr.Errorf(l.id, "refreshed link of row %d is already expired", lk.startRow)
	}
	return fresh, nil
}

// get makes one download attempt of f, sending only the link's headers. The
// body is read only once f is admitted (see park); parkedTooLong when it was
// not within linkLimits.park.
func (l *linkReader) get(f *linkFile, lk *resultLink) (body []byte, outcome attemptOutcome, err error) {
	stallAfter := l.limits.stall
	ctx, cancel := context.WithCancel(l.ctx)
	defer cancel()
	var stalled atomic.Bool
	watchdog := time.AfterFunc(stallAfter, func() { stalled.Store(true); cancel() })
	defer watchdog.Stop()
	defer func() {
		if err != nil && stalled.Load() && l.ctx.Err() == nil {
			body, outcome, err = nil, failedRetryable, fmt.Errorf("no data for %v", stallAfter)
		}
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, lk.url.Reveal(), nil)
	if err != nil {
		// Its text would quote the URL.
		return nil, failedFinal, errors.New("invalid link URL")
	}
	for k, v := range lk.headers {
		req.Header.Set(k, v.Reveal())
	}
	resp, err := l.cfg.HTTPClient.Do(req)
	if err != nil {
		// The URL carries a signature: report the failure without it, and
		// without wrapping what would still quote it.
		return nil, failedRetryable, fmt.Errorf("request failed: %s", redactLink(err, lk))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusForbidden:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, failedRetryable, errLinkExpired
	case resp.StatusCode >= 500, resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusRequestTimeout:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, failedRetryable, fmt.Errorf("HTTP %d", resp.StatusCode)
	default:
		return nil, failedFinal, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	// No byte is read while parked: the watchdog rests.
	watchdog.Stop()
	admitted, err := l.park(f, l.limits.park)
	if err != nil {
		return nil, failedFinal, err
	}
	if !admitted {
		return nil, parkedTooLong, errLinkParked
	}
	watchdog.Reset(stallAfter)
	body, err = readBody(&progressReader{r: resp.Body, t: watchdog, d: stallAfter}, lk.bytes, resp.ContentLength, l.limits.prealloc)
	if err != nil {
		return nil, failedRetryable, err
	}
	return body, gotBody, nil
}

// readBody reads a file of size bytes (the link's bytesNum; when unknown,
// the Content-Length, or whatever the body holds). An announced size is
// trusted only as far as the bytes that come: the buffer starts at no more
// than prealloc and doubles as bytes arrive, never past the size,
// so an honest file up to that bound costs one exact allocation and a
// larger one ends in a buffer of exactly its size, while a link claiming a
// gigabyte for a small file costs the small file. A body longer or shorter
// than announced is an error.
func readBody(r io.Reader, size, contentLength, prealloc int64) ([]byte, error) {
	what := "the link says"
	if size <= 0 {
		size, what = contentLength, "its Content-Length says"
	}
	if size <= 0 {
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(r); err != nil {
			return nil, fmt.Errorf("reading the body: %w", err)
		}
		return buf.Bytes(), nil
	}
	body := make([]byte, 0, min(size, prealloc))
	for int64(len(body)) < size {
		if len(body) == cap(body) {
			grown := make([]byte, len(body), min(size, max(2*int64(cap(body)), 64<<10)))
			copy(grown, body)
			body = grown
		}
		n, err := r.Read(body[len(body):cap(body)])
		body = body[:len(body)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the body: %w", err)
		}
	}
	if int64(len(body)) < size {
		return nil, fmt.Errorf("body has %d bytes, %s %d", len(body), what, size)
	}
	var one [1]byte
	if n, _ := io.ReadFull(r, one[:]); n > 0 {
		return nil, fmt.Errorf("body has more than the %d bytes %s", size, what)
	}
	return body, nil
}

// progressReader re-arms the stall watchdog t (to d) whenever data arrives.
type progressReader struct {
	r io.Reader
	t *time.Timer
	d time.Duration
}

// Read implements io.Reader.
func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.t.Reset(p.d)
	}
	return n, err
}
