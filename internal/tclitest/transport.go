package tclitest

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
)

// Transport returns an http.RoundTripper that serves every request in
// process, without a network, whatever its URL: the whole HTTP path (the
// real RPC client, its headers and retries, the HTTP faults) then runs
// inside a testing/synctest bubble, where sockets are not allowed. A hang-up
// or a dropped reply is a round trip that fails with io.ErrUnexpectedEOF, as
// a connection closed before the answer is.
func (f *Server) Transport() http.RoundTripper { return transport{f} }

type transport struct{ srv *Server }

func (t transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		defer r.Body.Close()
	}
	w := &memWriter{header: http.Header{}}
	t.srv.ServeHTTP(w, r)
	if w.hungUp {
		return nil, io.ErrUnexpectedEOF
	}
	if w.code == 0 {
		w.code = http.StatusOK
	}
	w.header.Set("Content-Length", strconv.Itoa(w.body.Len()))
	return &http.Response{
		Status: strconv.Itoa(w.code) + " " + http.StatusText(w.code), StatusCode: w.code,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: w.header, Body: io.NopCloser(&w.body), ContentLength: int64(w.body.Len()), Request: r,
	}, nil
}

// memWriter is the http.ResponseWriter of an in-process round trip.
type memWriter struct {
	header http.Header
	code   int
	body   bytes.Buffer
	hungUp bool
}

func (w *memWriter) Header() http.Header { return w.header }

func (w *memWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *memWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}
