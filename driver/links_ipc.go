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

// ipcStream reads the record-batch messages of an Arrow IPC stream one at a
// time (each framed as arrowbatch.Reader.Decode expects), skipping schema
// messages and stopping at the end-of-stream marker, so that a result file is
// never held decoded as a whole. It never panics on corrupt input, and no
// message may claim more than limit bytes.
type ipcStream struct {
	r         io.Reader
	limit     int64
	sawSchema bool
	done      bool
}

// next returns the next record-batch message, or io.EOF at the end.
func (s *ipcStream) next() ([]byte, error) {
	for !s.done {
		var hdr [8]byte
		if _, err := io.ReadFull(s.r, hdr[:4]); err != nil {
			if err == io.EOF && s.sawSchema {
				s.done = true
				break
			}
			return nil, truncated(err, "IPC stream")
		}
		n := binary.LittleEndian.Uint32(hdr[:4])
		prefix := 4
		if n == ipcContinuation {
			if _, err := io.ReadFull(s.r, hdr[4:8]); err != nil {
				return nil, truncated(err, "IPC stream")
			}
			n = binary.LittleEndian.Uint32(hdr[4:8])
			prefix = 8
		}
		if n == 0 {
			s.done = true
			break
		}
		if int64(n) > s.limit {
			return nil, errors.New("corrupt IPC message length")
		}
		meta := make([]byte, n)
		if _, err := io.ReadFull(s.r, meta); err != nil {
			return nil, truncated(err, "IPC message")
		}
		kind, body, ok := ipcMessageInfo(meta)
		if !ok {
			return nil, errors.New("corrupt IPC message metadata")
		}
		if body < 0 || body > s.limit-int64(n) {
			return nil, errors.New("corrupt IPC message body length")
		}
		switch kind {
		case ipcHeaderSchema:
			s.sawSchema = true
			if _, err := io.CopyN(io.Discard, s.r, body); err != nil {
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
		msg := make([]byte, prefix+int(n)+int(body))
		copy(msg, hdr[:prefix])
		copy(msg[prefix:], meta)
		if _, err := io.ReadFull(s.r, msg[prefix+int(n):]); err != nil {
			return nil, truncated(err, "IPC message body")
		}
		return msg, nil
	}
	if !s.sawSchema {
		return nil, errors.New("IPC stream without schema")
	}
	return nil, io.EOF
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
