package driver

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Arrow IPC framing (format/Message.fbs): a message is an optional
// continuation marker, a little-endian int32 metadata length, a flatbuffer
// Message table of that length and a body of Message.bodyLength bytes.
const (
	ipcContinuation      = 0xFFFFFFFF
	ipcHeaderSchema      = 1
	ipcHeaderRecordBatch = 3
	// Slots of the Message table.
	ipcSlotHeaderType = 1
	ipcSlotBodyLength = 3
)

// ipcSource yields the bytes of an IPC stream in chunks: a whole
// uncompressed file, or the decompressed blocks of an LZ4 file. A chunk is
// valid until the next call; io.EOF after the last.
type ipcSource interface {
	Next() ([]byte, error)
}

// wholeFile is an ipcSource of one chunk.
type wholeFile struct{ b []byte }

// Next returns the file once, then io.EOF.
func (w *wholeFile) Next() ([]byte, error) {
	if w.b == nil {
		return nil, io.EOF
	}
	b := w.b
	w.b = nil
	return b, nil
}

// ipcStream reads the record-batch messages of an Arrow IPC stream one at a
// time (each framed as arrowbatch.Reader.Decode expects), skipping schema
// messages and stopping at the end-of-stream marker, so that a result file is
// never held decoded as a whole. It never panics on corrupt input, and no
// message may claim more than limit bytes.
//
// Memory: a message that lies within one chunk is returned as a slice of
// it, without a copy; one that spans chunks is assembled in a scratch
// buffer reused for every message. A message is therefore valid only until
// the next call of next: the caller decodes it at once (arrowbatch's IPC
// reader copies what it reads; linkReader checks that no record aliases
// these buffers).
type ipcStream struct {
	src       ipcSource
	limit     int64
	sawSchema bool
	done      bool

	cur     []byte // the unread rest of the current chunk
	pend    []byte // bytes taken from earlier chunks, read before cur
	scratch []byte // backing array of pend, reused
	srcErr  error  // the source's error, once it stopped
}

// reset starts reading a new stream from src, keeping the scratch buffer.
func (s *ipcStream) reset(src ipcSource, limit int64) {
	*s = ipcStream{src: src, limit: limit, scratch: s.scratch[:0]}
	s.pend = s.scratch[:0]
}

// fill loads the next chunk into cur; false when the source is exhausted
// (s.srcErr then says why).
func (s *ipcStream) fill() bool {
	if s.srcErr != nil {
		return false
	}
	for {
		c, err := s.src.Next()
		if err != nil {
			s.srcErr = err
			return false
		}
		if len(c) > 0 {
			s.cur = c
			return true
		}
	}
}

// peek returns the next n bytes, contiguous, without consuming them: a
// slice of the current chunk when it holds them, else of the scratch
// buffer. err is io.EOF when no byte is left, io.ErrUnexpectedEOF when
// fewer than n are, or the source's error.
func (s *ipcStream) peek(n int) ([]byte, error) {
	if len(s.pend) == 0 && len(s.cur) >= n {
		return s.cur[:n], nil
	}
	for len(s.pend) < n {
		if len(s.cur) == 0 && !s.fill() {
			if s.srcErr != io.EOF {
				return nil, s.srcErr
			}
			if len(s.pend) == 0 {
				return nil, io.EOF
			}
			return nil, io.ErrUnexpectedEOF
		}
		if len(s.pend) == 0 && len(s.cur) >= n {
			return s.cur[:n], nil
		}
		k := min(n-len(s.pend), len(s.cur))
		s.pend = append(s.pend, s.cur[:k]...)
		s.cur = s.cur[k:]
	}
	s.scratch = s.pend[:0]
	return s.pend[:n], nil
}

// skip consumes n bytes; io.ErrUnexpectedEOF when fewer are left.
func (s *ipcStream) skip(n int64) error {
	k := min(n, int64(len(s.pend)))
	s.pend = s.pend[k:]
	n -= k
	if len(s.pend) == 0 {
		s.pend = s.scratch[:0]
	}
	for n > 0 {
		if len(s.cur) == 0 && !s.fill() {
			if s.srcErr != io.EOF {
				return s.srcErr
			}
			return io.ErrUnexpectedEOF
		}
		k := min(n, int64(len(s.cur)))
		s.cur = s.cur[k:]
		n -= k
	}
	return nil
}

// next returns the next record-batch message, or io.EOF at the end. The
// message is valid until the next call.
func (s *ipcStream) next() ([]byte, error) {
	for !s.done {
		hdr, err := s.peek(4)
		if err != nil {
			if err == io.EOF && s.sawSchema {
				s.done = true
				break
			}
			return nil, truncated(err, "IPC stream")
		}
		n := binary.LittleEndian.Uint32(hdr)
		prefix := 4
		if n == ipcContinuation {
			if hdr, err = s.peek(8); err != nil {
				return nil, truncated(err, "IPC stream")
			}
			n = binary.LittleEndian.Uint32(hdr[4:])
			prefix = 8
		}
		if n == 0 {
			s.done = true
			break
		}
		if int64(n) > s.limit {
			return nil, errors.New("corrupt IPC message length")
		}
		head, err := s.peek(prefix + int(n))
		if err != nil {
			return nil, truncated(err, "IPC message")
		}
		kind, body, ok := ipcMessageInfo(head[prefix:])
		if !ok {
			return nil, errors.New("corrupt IPC message metadata")
		}
		if body < 0 || body > s.limit-int64(n) {
			return nil, errors.New("corrupt IPC message body length")
		}
		switch kind {
		case ipcHeaderSchema:
			s.sawSchema = true
			if err := s.skip(int64(prefix) + int64(n) + body); err != nil {
				return nil, truncated(err, "IPC message body")
			}
			continue
		case ipcHeaderRecordBatch:
			if !s.sawSchema {
				return nil, errors.New("IPC stream without schema")
			}
		default:
			return nil, fmt.Errorf("unsupported IPC message type %d", kind)
		}
		size := prefix + int(n) + int(body)
		msg, err := s.peek(size)
		if err != nil {
			return nil, truncated(err, "IPC message body")
		}
		s.skip(int64(size))
		return msg, nil
	}
	if !s.sawSchema {
		return nil, errors.New("IPC stream without schema")
	}
	return nil, io.EOF
}

// drain reads the rest of the stream to its end without returning its
// messages: what follows the rows a caller needs must still be a whole
// stream, and the source is read to its end (an LZ4 file to its end mark
// and content checksum).
func (s *ipcStream) drain() error {
	for {
		_, err := s.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	s.cur, s.pend = nil, s.scratch[:0]
	for s.fill() {
		s.cur = nil
	}
	if s.srcErr != io.EOF {
		return fmt.Errorf("reading the end of the file: %v", s.srcErr)
	}
	return nil
}

// truncated names a short read of what; other read errors (a corrupt LZ4
// frame) keep their text.
func truncated(err error, what string) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errors.New("truncated " + what)
	}
	return fmt.Errorf("reading %s: %v", what, err)
}

// ipcMessageInfo reads the header type and body length of a Message table.
func ipcMessageInfo(meta []byte) (kind byte, body int64, ok bool) {
	u32 := func(pos int) (uint32, bool) {
		if pos < 0 || pos+4 > len(meta) {
			return 0, false
		}
		return binary.LittleEndian.Uint32(meta[pos:]), true
	}
	u16 := func(pos int) (int, bool) {
		if pos < 0 || pos+2 > len(meta) {
			return 0, false
		}
		return int(binary.LittleEndian.Uint16(meta[pos:])), true
	}
	root, ok := u32(0)
	if !ok || int64(root) >= int64(len(meta)) {
		return 0, 0, false
	}
	t := int(root)
	so, ok := u32(t)
	if !ok {
		return 0, 0, false
	}
	vt := int64(t) - int64(int32(so))
	if vt < 0 || vt >= int64(len(meta)) {
		return 0, 0, false
	}
	vsize, ok := u16(int(vt))
	if !ok {
		return 0, 0, false
	}
	field := func(slot int) (int, bool) {
		e := 4 + 2*slot
		if e+2 > vsize {
			return 0, false
		}
		off, ok := u16(int(vt) + e)
		if !ok || off == 0 {
			return 0, false
		}
		return t + off, true
	}
	if pos, ok := field(ipcSlotHeaderType); ok && pos < len(meta) {
		kind = meta[pos]
	}
	if pos, ok := field(ipcSlotBodyLength); ok {
		if pos+8 > len(meta) {
			return 0, 0, false
		}
		body = int64(binary.LittleEndian.Uint64(meta[pos:]))
	}
	return kind, body, true
}
