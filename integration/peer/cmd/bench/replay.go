package main

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// tape records the HTTP exchanges of one driver with the emulator and then
// replays them without the emulator: each Thrift call gets the next recorded
// response of its method, with the request's sequence id; any other request
// (the Statement Execution API, result files) the next recorded response of
// its method and path, with the emulator's address in it replaced by the
// tape's, so that result links point at the tape too. Scan throughput
// is measured on replays, so that it is the driver's cost and not the
// emulator's (which shares this machine and, in this process, builds every
// Arrow page from boxed rows).
type tape struct {
	target string // emulator base URL, "http://host:port"

	mu        sync.Mutex
	recording bool
	byMethod  map[string][][]byte
	pos       map[string]int
	srv       *http.Server
	addr      string
}

// newTape starts a tape in recording mode in front of target.
func newTape(target string) (*tape, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t := &tape{target: target, recording: true, byMethod: map[string][][]byte{}, pos: map[string]int{}, addr: ln.Addr().String()}
	t.srv = &http.Server{Handler: t}
	go func() { _ = t.srv.Serve(ln) }()
	return t, nil
}

// replay switches to replaying, from the first recorded response.
func (t *tape) replay() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.recording = false
	clear(t.pos)
}

func (t *tape) close() { _ = t.srv.Close() }

func (t *tape) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	name, seq, ok := thriftHeader(body)
	thrift := ok
	if !ok {
		name, ok = "HTTP "+r.Method+" "+r.URL.Path, true
	}
	t.mu.Lock()
	rec := t.recording
	t.mu.Unlock()
	if !rec {
		if !ok {
			http.NotFound(w, r)
			return
		}
		t.mu.Lock()
		q := t.byMethod[name]
		i := t.pos[name]
		if i < len(q) {
			t.pos[name]++
		} else {
			i = len(q) - 1 // e.g. one status call more than recorded
		}
		t.mu.Unlock()
		if i < 0 {
			http.Error(w, "nothing recorded for "+name, http.StatusInternalServerError)
			return
		}
		if !thrift {
			w.Header().Set("Content-Type", "application/json")
			if strings.HasPrefix(r.URL.Path, "/files/") {
				w.Header().Set("Content-Type", "application/octet-stream")
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(q[i])))
			_, _ = w.Write(q[i])
			return
		}
		hdr, rest := withSeq(q[i], seq)
		w.Header().Set("Content-Type", "application/x-thrift")
		w.Header().Set("Content-Length", strconv.Itoa(len(hdr)+len(rest)))
		_, _ = w.Write(hdr)
		_, _ = w.Write(rest)
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, t.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if !thrift {
		out = bytes.ReplaceAll(out, []byte(t.target), []byte("http://"+t.addr))
		resp.Header.Del("Content-Length")
	}
	if ok && resp.StatusCode == http.StatusOK {
		t.mu.Lock()
		t.byMethod[name] = append(t.byMethod[name], out)
		t.mu.Unlock()
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(out)
}

// thriftHeader reads the method name and sequence id of a strict binary
// Thrift message.
func thriftHeader(msg []byte) (string, uint32, bool) {
	if len(msg) < 8 || msg[0]&0x80 == 0 {
		return "", 0, false
	}
	n := int(binary.BigEndian.Uint32(msg[4:8]))
	if n < 0 || len(msg) < 12+n {
		return "", 0, false
	}
	return string(msg[8 : 8+n]), binary.BigEndian.Uint32(msg[8+n : 12+n]), true
}

// withSeq is msg with its sequence id replaced by seq: a patched copy of
// the header and the rest of msg, shared.
func withSeq(msg []byte, seq uint32) ([]byte, []byte) {
	name, _, ok := thriftHeader(msg)
	if !ok {
		return nil, msg
	}
	n := 12 + len(name)
	hdr := bytes.Clone(msg[:n])
	binary.BigEndian.PutUint32(hdr[8+len(name):], seq)
	return hdr, msg[n:]
}
