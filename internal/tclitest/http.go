package tclitest

import (
	"context"
	"encoding/binary"
	"io"
	"net/http"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// ServeHTTP logs the request, applies the next fault of the method named in
// the message header and runs the Thrift processor over the POST body.
func (f *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	method := messageName(body)
	f.mu.Lock()
	hr := &httpRequest{entry: &Request{Method: method, Header: r.Header.Clone(), At: time.Now()}, fault: f.nextFault(method)}
	f.log = append(f.log, hr.entry)
	f.mu.Unlock()
	switch fault := hr.fault; {
	case fault.HTTPStatus != 0:
		for k, v := range fault.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(fault.HTTPStatus)
		_, _ = w.Write(fault.Body)
		return
	case fault.HangUp:
		hangUp(w)
		return
	}
	in := thrift.NewTMemoryBuffer()
	_, _ = in.Write(body)
	out := thrift.NewTMemoryBuffer()
	cfg := &thrift.TConfiguration{}
	proc := tcli.NewTCLIServiceProcessor(f)
	ctx := context.WithValue(r.Context(), requestKey{}, hr)
	if _, err := proc.Process(ctx, thrift.NewTBinaryProtocolConf(in, cfg), thrift.NewTBinaryProtocolConf(out, cfg)); err != nil && r.Context().Err() != nil {
		return
	}
	if hr.fault.DropReply {
		hangUp(w)
		return
	}
	w.Header().Set("Content-Type", "application/x-thrift")
	_, _ = w.Write(out.Bytes())
}

// hangUp closes the connection of w without an answer.
func hangUp(w http.ResponseWriter) {
	if sw, ok := w.(*streamWriter); ok {
		sw.hangUp()
		return
	}
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
	}
}

// messageName reads the method name of a strict binary Thrift message.
func messageName(b []byte) Method {
	if len(b) < 8 {
		return ""
	}
	n := int(binary.BigEndian.Uint32(b[4:8]))
	if n < 0 || 8+n > len(b) {
		return ""
	}
	return Method(b[8 : 8+n])
}
