package driver

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
)

// download fetches one file with retries and splits it into messages.
func (l *linkReader) download(f *linkFile) {
	defer l.wg.Done()
	defer func() {
		l.mu.Lock()
		if f.admitted {
			l.landed++
		}
		l.mu.Unlock()
	}()
	lk := f.link
	pause := backoff.New(linkRetryPolicy)
	var last error
	paused := false
	for attempt := 0; attempt < linkAttempts; attempt++ {
		if paused {
			t := time.NewTimer(pause.Next())
			select {
			case <-t.C:
			case <-l.ctx.Done():
				t.Stop()
				f.finish(nil, l.ctx.Err())
				return
			}
		}
		if errors.Is(last, errLinkExpired) || lk.expiry > 0 && time.Now().Add(linkExpirySkew).Unix() >= lk.expiry {
			fresh, err := l.refresh(lk.startRow)
			if err != nil {
				f.finish(nil, err)
				return
			}
			// A longer file from the same offset serves too: rows past
			// f.link.rows are ignored like padding.
			if fresh.rows < f.link.rows {
				f.finish(nil, l.errorf("refreshed link of row %d has %d rows, not %d", lk.startRow, fresh.rows, f.link.rows))
				return
			}
			lk = fresh
			if lk.expiry > 0 && time.Now().Unix() >= lk.expiry {
				f.finish(nil, l.errorf("refreshed link of row %d is already expired", lk.startRow))
				return
			}
		}
		body, retry, err := l.get(f, lk)
		if err == nil {
			f.finish(body, nil)
			return
		}
		if err == errLinkParked {
			// Not a failure: request again once the body is needed.
			if _, err := l.park(f, 0); err != nil {
				f.finish(nil, err)
				return
			}
			attempt--
			paused = false
			continue
		}
		paused = true
		if l.ctx.Err() != nil {
			f.finish(nil, l.ctx.Err())
			return
		}
		if !retry {
			f.finish(nil, l.errorf("downloading the result file of row %d: %v", lk.startRow, err))
			return
		}
		last = err
	}
	f.finish(nil, l.errorf("downloading the result file of row %d: giving up after %d attempts: %v", lk.startRow, linkAttempts, last))
}

// get downloads a file, sending only the link's headers. retry reports
// whether another attempt may succeed. The body is read only once f is
// admitted (see park); errLinkParked when it was not within linkParkLimit.
func (l *linkReader) get(f *linkFile, lk *resultLink) (body []byte, retry bool, err error) {
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
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, lk.url.Reveal(), nil)
	if err != nil {
		return nil, false, errors.New("invalid link URL")
	}
	for k, v := range lk.headers {
		req.Header.Set(k, v.Reveal())
	}
	resp, err := l.hc.Do(req)
	if err != nil {
		// The URL carries a signature: report the failure without it.
		return nil, true, fmt.Errorf("request failed: %s", redactLink(err, lk))
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
	// No byte is read while parked: the watchdog rests.
	watchdog.Stop()
	admitted, err := l.park(f, linkParkLimit)
	if err != nil {
		return nil, false, err
	}
	if !admitted {
		return nil, false, errLinkParked
	}
	watchdog.Reset(linkStallTimeout)
	body, err = readBody(&progressReader{r: resp.Body, t: watchdog}, lk.bytes, resp.ContentLength)
	if err != nil {
		return nil, true, err
	}
	return body, false, nil
}

// linkMaxPrealloc bounds the memory reserved for a file from the size its
// link (bytesNum) or its response (Content-Length) announces, before the
// bytes arrive. A var for tests.
var linkMaxPrealloc int64 = 16 << 20

// readBody reads a file of size bytes (the link's bytesNum; when unknown,
// the Content-Length, or whatever the body holds). An announced size is
// trusted only as far as the bytes that come: the buffer starts at no more
// than linkMaxPrealloc and doubles as bytes arrive, never past the size,
// so an honest file up to that bound costs one exact allocation and a
// larger one ends in a buffer of exactly its size, while a link claiming a
// gigabyte for a small file costs the small file. A body longer or shorter
// than announced is an error.
func readBody(r io.Reader, size, contentLength int64) ([]byte, error) {
	what := "the link says"
	if size <= 0 {
		size, what = contentLength, "its Content-Length says"
	}
	if size <= 0 {
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(r); err != nil {
			return nil, fmt.Errorf("reading the body: %v", err)
		}
		return buf.Bytes(), nil
	}
	body := make([]byte, 0, min(size, linkMaxPrealloc))
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
			return nil, fmt.Errorf("reading the body: %v", err)
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
