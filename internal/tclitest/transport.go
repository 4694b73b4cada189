package tclitest

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// Transport returns an http.RoundTripper that serves every request in
// process, without a network, whatever its URL: the whole HTTP path (the
// real RPC client, its headers and retries, the HTTP faults) then runs
// inside a testing/synctest bubble, where sockets are not allowed. A hang-up
// or a dropped reply is a round trip that fails with io.ErrUnexpectedEOF, as
// a connection closed before the answer is.
func (f *Server) Transport() http.RoundTripper { return inProcess{f} }

// Transport returns an http.RoundTripper that serves the storage's files in
// process, without a network, whatever the URL's host, so that downloads
// run inside testing/synctest bubbles. The answer streams as it is written:
// a held body, a stall or a truncation is seen by the client as over a
// connection.
func (s *Storage) Transport() http.RoundTripper { return inProcess{http.HandlerFunc(s.serve)} }

// inProcess runs a handler for each request in a goroutine of its own and
// streams its answer through a pipe. Closing the response body ends the
// request's context, as closing a connection does; the request's own
// context ending cuts the body.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(r.Context())
	pr, pw := io.Pipe()
	w := &streamWriter{header: http.Header{}, body: pw, ready: make(chan struct{})}
	go func() {
		defer func() {
			if p := recover(); p != nil {
				// http.ErrAbortHandler: the connection is cut mid-body.
				pw.CloseWithError(io.ErrUnexpectedEOF)
			}
			w.sendHeader(http.StatusOK)
			pw.Close()
		}()
		t.h.ServeHTTP(w, r.WithContext(ctx))
	}()
	select {
	case <-w.ready:
	case <-r.Context().Done():
		// Abandoned before the header: what the handler still writes
		// goes nowhere.
		cancel()
		pr.CloseWithError(r.Context().Err())
		return nil, r.Context().Err()
	}
	if w.hungUp {
		cancel()
		pr.CloseWithError(io.ErrUnexpectedEOF)
		return nil, io.ErrUnexpectedEOF
	}
	stop := context.AfterFunc(ctx, func() { pr.CloseWithError(ctx.Err()) })
	resp := &http.Response{
		Status: strconv.Itoa(w.code) + " " + http.StatusText(w.code), StatusCode: w.code, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: w.header, Body: &cancelBody{ReadCloser: pr, cancel: func() { stop(); cancel() }}, ContentLength: -1, Request: r,
	}
	if n, err := strconv.ParseInt(w.header.Get("Content-Length"), 10, 64); err == nil {
		resp.ContentLength = n
	}
	return resp, nil
}

// streamWriter is the http.ResponseWriter of an in-process round trip: its
// header is handed to the client at the first write or flush, its body
// through a pipe.
type streamWriter struct {
	header http.Header
	body   *io.PipeWriter
	once   sync.Once
	code   int
	hungUp bool
	ready  chan struct{}
}

func (w *streamWriter) Header() http.Header { return w.header }

func (w *streamWriter) WriteHeader(code int) { w.sendHeader(code) }

func (w *streamWriter) sendHeader(code int) {
	w.once.Do(func() {
		w.code = code
		w.header = w.header.Clone()
		close(w.ready)
	})
}

func (w *streamWriter) Write(b []byte) (int, error) {
	w.sendHeader(http.StatusOK)
	return w.body.Write(b)
}

// Flush sends the header; the body is unbuffered.
func (w *streamWriter) Flush() { w.sendHeader(http.StatusOK) }

// hangUp closes the connection: before the header the round trip fails,
// after it the body is cut short.
func (w *streamWriter) hangUp() {
	w.once.Do(func() {
		w.hungUp = true
		close(w.ready)
	})
	w.body.CloseWithError(io.ErrUnexpectedEOF)
}

// cancelBody ends the request's context when the client closes the body.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	b.cancel()
	return b.ReadCloser.Close()
}
