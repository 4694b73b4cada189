package tclitest

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// Transport returns an http.RoundTripper that serves the storage's files in
// process, without a network, whatever the URL's host, so that downloads
// run inside testing/synctest bubbles (where sockets are not allowed). The
// answer streams as it is written: a held body, a stall or a truncation is
// seen by the client as over a connection. Closing the response body ends
// the request's context, as closing a connection does; the request's own
// context ending cuts the body.
func (s *Storage) Transport() http.RoundTripper { return storageTransport{s} }

type storageTransport struct{ s *Storage }

func (t storageTransport) RoundTrip(r *http.Request) (*http.Response, error) {
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
		t.s.serve(w, r.WithContext(ctx))
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
	// The client's context ending cuts the answer, as it closes the
	// connection.
	stop := context.AfterFunc(ctx, func() { pr.CloseWithError(ctx.Err()) })
	body := &cancelBody{ReadCloser: pr, cancel: func() { stop(); cancel() }}
	resp := &http.Response{
		Status: strconv.Itoa(w.code) + " " + http.StatusText(w.code), StatusCode: w.code, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: w.header, Body: body, ContentLength: -1, Request: r,
	}
	if n, err := strconv.ParseInt(w.header.Get("Content-Length"), 10, 64); err == nil {
		resp.ContentLength = n
	}
	return resp, nil
}

// streamWriter is the http.ResponseWriter of an in-process download: its
// header is handed to the client at the first write or flush, its body
// through a pipe.
type streamWriter struct {
	header http.Header
	body   *io.PipeWriter
	once   sync.Once
	code   int
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

// cancelBody ends the request's context when the client closes the body.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	b.cancel()
	return b.ReadCloser.Close()
}
