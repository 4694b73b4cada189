package driver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/asyncsql/databricks/thrift/tcli"
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
	backoff := linkMinBackoff
	var last error
	pause := false
	for attempt := 0; attempt < linkAttempts; attempt++ {
		if pause {
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
			pause = false
			continue
		}
		pause = true
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
// whether another attempt may succeed. The body is read only once f is
// admitted (see park); errLinkParked when it was not within linkParkLimit.
func (l *linkReader) get(f *linkFile, lk *tcli.TSparkArrowResultLink) (body []byte, retry bool, err error) {
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
		// The URL carries a signature: report the failure without it.
		return nil, true, fmt.Errorf("request failed: %s", redactLink(err, lk.FileLink))
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
	body, err = readBody(&progressReader{r: resp.Body, t: watchdog}, lk.BytesNum, resp.ContentLength)
	if err != nil {
		return nil, true, err
	}
	return body, false, nil
}

// linkMaxPrealloc bounds the buffer allocated up front from a size the link
// or the response announces.
const linkMaxPrealloc = 1 << 30

// readBody reads a file of size bytes (the link's bytesNum; when unknown,
// the Content-Length, or whatever the body holds). A known size is read
// into one buffer of exactly that size, allocated once: growing a buffer
// while reading would leave the garbage of every smaller one and, with
// bytes.Buffer, a capacity of up to twice the file that the held file
// keeps alive.
func readBody(r io.Reader, size, contentLength int64) ([]byte, error) {
	exact := size > 0
	if !exact && contentLength > 0 {
		size = contentLength
	}
	if size <= 0 || size > linkMaxPrealloc {
		var buf bytes.Buffer
		src := r
		if exact {
			// A body longer than the link says is an error: read one
			// byte more than expected, never an unbounded stream.
			src = io.LimitReader(r, size+1)
		}
		if _, err := buf.ReadFrom(src); err != nil {
			return nil, fmt.Errorf("reading the body: %v", err)
		}
		if exact && int64(buf.Len()) != size {
			return nil, fmt.Errorf("body has %d bytes, link says %d", buf.Len(), size)
		}
		return buf.Bytes(), nil
	}
	body := make([]byte, size)
	if n, err := io.ReadFull(r, body); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			if exact {
				return nil, fmt.Errorf("body has %d bytes, link says %d", n, size)
			}
			return nil, fmt.Errorf("reading the body: %v", err)
		}
		return nil, fmt.Errorf("reading the body: %v", err)
	}
	var one [1]byte
	if n, _ := io.ReadFull(r, one[:]); n > 0 {
		if exact {
			return nil, fmt.Errorf("body has more than the %d bytes the link says", size)
		}
		return nil, fmt.Errorf("body has more than its Content-Length of %d bytes", size)
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
