package emulator

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
)

// ServeHTTP handles one Thrift-over-HTTP call: POST to the warehouse path
// with a Bearer token and a Thrift binary message as the body.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.cfg.logger.Error("request panicked", "panic", fmt.Sprint(p))
			httpError(w, http.StatusInternalServerError, "internal error")
		}
	}()
	if strings.HasPrefix(r.URL.Path, "/files/") {
		s.serveFile(w, r)
		return
	}
	if p := r.URL.Path; p == restPrefix || strings.HasPrefix(p, restPrefix+"/") ||
		p == restSessionsPrefix || strings.HasPrefix(p, restSessionsPrefix+"/") {
		s.serveREST(w, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/volumes/") {
		s.serveStaging(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpError(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	if r.URL.Path != s.httpPath {
		httpError(w, http.StatusNotFound, "no warehouse at this path")
		return
	}
	if !s.authorized(r) {
		httpError(w, http.StatusUnauthorized, "Invalid access token.")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.maxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpError(w, http.StatusRequestEntityTooLarge, "request body too large")
			return
		}
		httpError(w, http.StatusBadRequest, "cannot read request body")
		return
	}
	method := peekMethod(body)
	if method == "" {
		method = string(Malformed)
	}
	start := time.Now()
	seq := s.log.begin(Request{Time: start, Method: Method(method)})
	s.answer(w, r, body, Method(method), seq, func(status int, outcome Outcome) {
		s.log.update(seq, func(e *Request) {
			e.Duration, e.HTTPStatus = time.Since(start), status
			switch {
			case outcome != OutcomeOK:
				e.Outcome = outcome
			case e.Outcome == OutcomePending:
				e.Outcome = OutcomeError // a Thrift exception, or a call without its argument
			}
		})
	})
}

// answer serves one Thrift call after the fault rules had their say. It
// calls done with the HTTP status it answers and, unless it is OutcomeOK
// (then the reply's TStatus says), the outcome, before the client can see
// the answer.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, body []byte, method Method, seq int64, done func(int, Outcome)) {
	f := s.faults.match(method)
	ctx := r.Context()
	if f != nil {
		s.log.update(seq, func(e *Request) { e.Fault = f.Fault })
		if !s.refuse(w, f, done) {
			return
		}
		// The request was on its way: it is processed even if the client
		// gave up during the latency.
		ctx = context.WithoutCancel(ctx)
	}
	out, err := s.process(context.WithValue(ctx, logKey{}, seq), body)
	if err != nil {
		done(http.StatusBadRequest, OutcomeRefused)
		httpError(w, http.StatusBadRequest, "malformed Thrift request")
		return
	}
	if f == nil || !s.spoil(w, f.Fault, "application/x-thrift", out, done) {
		done(http.StatusOK, OutcomeOK)
		w.Header().Set("Content-Type", "application/x-thrift")
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		_, _ = w.Write(out)
	}
}

// refuse applies the part of fault f that comes before processing: the
// latency, then Drop or Status. It reports whether the request is still
// to be processed.
func (s *Server) refuse(w http.ResponseWriter, f *applied, done func(int, Outcome)) bool {
	if f.latency > 0 && !s.sleep(f.latency) {
		done(0, OutcomeDropped)
		dropConnection(w)
		return false
	}
	switch {
	case f.Drop:
		done(0, OutcomeDropped)
		dropConnection(w)
		return false
	case f.Status != 0:
		if f.RetryAfter > 0 {
			secs := int64((f.RetryAfter + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		}
		done(f.Status, OutcomeRefused)
		httpError(w, f.Status, "injected fault: "+http.StatusText(f.Status))
		return false
	}
	return true
}

// spoil applies the part of fault f that comes after processing to the
// answer out (DropResponse, Truncate, ContentLength) and reports whether
// it did; otherwise the answer is still to be sent.
func (s *Server) spoil(w http.ResponseWriter, f *Fault, contentType string, out []byte, done func(int, Outcome)) bool {
	switch {
	case f.DropResponse:
		done(0, OutcomeDropped)
		dropConnection(w)
	case f.Truncate:
		done(http.StatusOK, OutcomeDropped)
		rawAnswer(w, contentType, int64(len(out)), out[:len(out)/2])
	case f.ContentLength > 0:
		done(http.StatusOK, OutcomeDropped)
		rawAnswer(w, contentType, f.ContentLength, out)
	default:
		return false
	}
	return true
}

// sleep waits d unless the server closes first; it reports whether it
// slept.
func (s *Server) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.closing:
		return false
	}
}

// rawAnswer writes a 200 answer announcing length bytes, then body, on the
// hijacked connection, and closes it.
func rawAnswer(w http.ResponseWriter, contentType string, length int64, body []byte) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	_, _ = fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", contentType, length)
	_, _ = buf.Write(body)
	_ = buf.Flush()
}

// authorized checks "Authorization: Bearer <token>".
func (s *Server) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && tok == s.cfg.token
}

// process runs the Thrift processor on one request message.
func (s *Server) process(ctx context.Context, body []byte) ([]byte, error) {
	in := thrift.NewTMemoryBufferLen(len(body))
	_, _ = in.Write(body)
	out := thrift.NewTMemoryBuffer()
	conf := &thrift.TConfiguration{TBinaryStrictRead: thrift.BoolPtr(true), TBinaryStrictWrite: thrift.BoolPtr(true)}
	iprot := thrift.NewTBinaryProtocolConf(in, conf)
	oprot := thrift.NewTBinaryProtocolConf(out, conf)
	_, terr := s.proc.Process(ctx, iprot, oprot)
	if out.Len() > 0 {
		return bytes.Clone(out.Bytes()), nil
	}
	if terr != nil {
		return nil, terr
	}
	return nil, errors.New("no reply")
}

// peekMethod reads the method name of a strict binary Thrift message, or
// returns "" when the body is not one.
func peekMethod(b []byte) string {
	if len(b) < 8 || b[0] != 0x80 || b[1] != 0x01 {
		return ""
	}
	n := binary.BigEndian.Uint32(b[4:8])
	if n == 0 || n > 64 || int(n) > len(b)-8 {
		return ""
	}
	return string(b[8 : 8+n])
}

// httpError answers a non-200 status with the Databricks reason headers.
func httpError(w http.ResponseWriter, status int, reason string) {
	w.Header().Set("X-Databricks-Reason-Phrase", reason)
	w.Header().Set("X-Thriftserver-Error-Message", reason)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, reason+"\n")
}

// dropConnection closes the client connection without an answer.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// sleepCtx sleeps d unless ctx ends first; it reports whether it slept.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
