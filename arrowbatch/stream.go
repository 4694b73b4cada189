package arrowbatch

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/asyncsql/databricks/internal/lz4frame"
)

// A result file is an Arrow IPC stream (format/Message.fbs): messages, each
// an optional continuation marker, a little-endian int32 metadata length, a
// flatbuffer Message table of that length and a body of Message.bodyLength
// bytes, ended by a zero length. A compressed file is that stream in LZ4
// frames.

// source yields the bytes of an IPC stream in chunks: a whole uncompressed
// file, or the decompressed blocks of an LZ4 file. A chunk is valid until the
// next call; io.EOF after the last.
type source interface {
	Next() ([]byte, error)
}

// wholeFile is a source of one chunk.
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

// Stream reads the record-batch messages of a result file, an Arrow IPC
// stream held in memory (plain or in LZ4 frames), one at a time, each framed
// as [Reader.Decode] expects. It skips schema messages and stops at the
// end-of-stream marker, so that a file is never held decoded as a whole
// (for when one is held decompressed, see [Stream.ResetLZ4]). It never
// panics on corrupt input, and no message may claim more bytes than the
// file can hold.
//
// Memory: a message that lies within one chunk (the plain file, one
// decompressed LZ4 block, or an LZ4 file decompressed whole) is returned as a slice of it, without a copy; one
// that spans chunks is assembled in a scratch buffer reused for every
// message. A message is therefore valid only until the next call of Next:
// the caller decodes it at once ([Reader.Decode] copies what it reads).
//
// The zero Stream is ready for [Stream.Reset] or [Stream.ResetLZ4]. A Stream
// is not safe for concurrent use.
type Stream struct {
	src       source
	limit     int64
	sawSchema bool
	done      bool

	cur     []byte // the unread rest of the current chunk
	pend    []byte // bytes taken from earlier chunks, read before cur
	scratch []byte // backing array of pend, reused
	srcErr  error  // the source's error, once it stopped
	schema  []byte // the stream's schema message, once read (reused)

	file   wholeFile
	frames lz4frame.Reader
	// whole is the reused buffer of a compressed file decompressed at
	// once; sized says the first compressed file decided whether there is
	// one (see ResetLZ4).
	whole    []byte
	sized    bool
	detached bool // the current file is read from whole
}

// Reset starts reading file, a plain IPC stream, keeping the buffers. A nil
// file drops every reference to the file before.
func (s *Stream) Reset(file []byte) {
	s.frames.Reset(nil)
	s.file = wholeFile{b: file}
	s.reset(&s.file, int64(len(file)))
}

// Buffers returns the buffers the Stream reuses (the scratch buffer, the
// LZ4 block buffer and the buffer of a file decompressed whole) at their
// full capacity, for callers that check that nothing they keep refers to
// them.
func (s *Stream) Buffers() [][]byte {
	return [][]byte{s.scratch[:cap(s.scratch)], s.frames.Buffer(), s.whole[:cap(s.whole)]}
}

// reset starts reading a new stream from src, keeping the scratch buffer.
func (s *Stream) reset(src source, limit int64) {
	s.src, s.limit, s.sawSchema, s.done = src, limit, false, false
	s.detached = false
	s.cur, s.srcErr = nil, nil
	s.schema = s.schema[:0]
	s.scratch = s.scratch[:0]
	s.pend = s.scratch[:0]
}

// fill loads the next chunk into cur; false when the source is exhausted
// (s.srcErr then says why).
func (s *Stream) fill() bool {
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
func (s *Stream) peek(n int) ([]byte, error) {
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
func (s *Stream) skip(n int64) error {
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

// Next returns the next record-batch message, or io.EOF at the end. The
// message is valid until the next call.
func (s *Stream) Next() ([]byte, error) {
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
		kind, body, ok := messageInfo(head[prefix:])
		if !ok {
			return nil, errors.New("corrupt IPC message metadata")
		}
		if body < 0 || body > s.limit-int64(n) {
			return nil, errors.New("corrupt IPC message body length")
		}
		switch kind {
		case headerSchema:
			s.sawSchema = true
			s.schema = append(s.schema[:0], head...)
			if err := s.skip(int64(prefix) + int64(n) + body); err != nil {
				return nil, truncated(err, "IPC message body")
			}
			continue
		case headerRecordBatch:
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

// Schema returns the stream's schema message (metadata only, framed as
// [NewReader] takes it) once Next has read past it, nil before. It is
// valid until the next Reset: copy it to keep it. A result whose schema
// travels only in its files (the Statement Execution API's) builds its
// Reader from it.
func (s *Stream) Schema() []byte {
	if len(s.schema) == 0 {
		return nil
	}
	return s.schema
}

// Drain reads the rest of the stream to its end without returning its
// messages: what follows the rows a caller needs must still be a whole
// stream, and the source is read to its end (an LZ4 file to its end mark
// and content checksum).
func (s *Stream) Drain() error {
	for {
		_, err := s.Next()
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
		return fmt.Errorf("reading the end of the file: %w", s.srcErr)
	}
	return nil
}

// truncated names a short read of what; other read errors (a corrupt LZ4
// frame) keep their text.
func truncated(err error, what string) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errors.New("truncated " + what)
	}
	return fmt.Errorf("reading %s: %w", what, err)
}

// messageInfo reads the header type and body length of a Message table,
// without checking the rest of it: Decode checks a message it decodes.
func messageInfo(meta []byte) (kind byte, body int64, ok bool) {
	fb := flatbuf{b: meta}
	root, ok := fb.offset(0)
	if !ok {
		return 0, 0, false
	}
	if pos, ok := fb.field(root, slotMessageHeaderType); ok && pos < len(meta) {
		kind = meta[pos]
	}
	if pos, ok := fb.field(root, slotMessageBodyLength); ok {
		v, ok := fb.u64(pos)
		if !ok {
			return 0, 0, false
		}
		body = int64(v)
	}
	return kind, body, true
}
