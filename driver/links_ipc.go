package driver

import (
	"encoding/binary"
	"errors"
	"fmt"
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

// splitIPC splits an Arrow IPC stream into its record-batch messages (each
// framed as arrowbatch.Reader.Decode expects), skipping schema messages and
// stopping at the end-of-stream marker. It never panics on corrupt input.
func splitIPC(data []byte) ([][]byte, error) {
	var msgs [][]byte
	sawSchema := false
	for len(data) > 0 {
		start := data
		if len(data) < 4 {
			return nil, errors.New("truncated IPC stream")
		}
		n := binary.LittleEndian.Uint32(data)
		data = data[4:]
		if n == ipcContinuation {
			if len(data) < 4 {
				return nil, errors.New("truncated IPC stream")
			}
			n = binary.LittleEndian.Uint32(data)
			data = data[4:]
		}
		if n == 0 {
			break
		}
		if uint64(n) > uint64(len(data)) {
			return nil, errors.New("truncated IPC message")
		}
		kind, body, ok := ipcMessageInfo(data[:n])
		if !ok {
			return nil, errors.New("corrupt IPC message metadata")
		}
		data = data[n:]
		if body < 0 || body > int64(len(data)) {
			return nil, errors.New("truncated IPC message body")
		}
		data = data[body:]
		msg := start[:len(start)-len(data)]
		switch kind {
		case ipcHeaderSchema:
			sawSchema = true
		case ipcHeaderRecordBatch:
			if !sawSchema {
				return nil, errors.New("IPC stream without schema")
			}
			msgs = append(msgs, msg)
		default:
			return nil, fmt.Errorf("unsupported IPC message type %d", kind)
		}
	}
	if !sawSchema {
		return nil, errors.New("IPC stream without schema")
	}
	return msgs, nil
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
