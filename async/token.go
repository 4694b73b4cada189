package async

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/asyncsql/databricks/driver"
)

// Token format, version 2:
//
//	"dbx2." + base64url-without-padding( payload || CRC-32C(prefix || payload) )
//
// payload, integers as Go varints (zig-zag) or uvarints:
//
//	flags      1 byte: bit 1 a failure follows; other bits must be zero
//	warehouse  8 bytes big endian, warehouseHash of Connector.Warehouse()
//	status     1 byte, a Status
//	ref        uvarint length + driver.OperationRef.MarshalBinary (1..300)
//	started    varint, Unix milliseconds in [0, 253402300800000), 0 when
//	           unknown
//	completed  the same
//	rows       varint, rows affected
//	failure    (when flagged) sqlstate uvarint length + bytes (0..32),
//	           error code varint (int32), message uvarint length + bytes
//	           (0..1024, UTF-8)
//
// Version 1 ("dbx1.", made before the driver's reference serialised
// itself) is still read: the same layout with the handles inline instead of
// ref — flags bit 0 the operation has a result set; after status the
// operation GUID (1..64 bytes), its secret, the session GUID and secret
// (0..64 bytes each, uvarint length first), then the protocol version as a
// varint.
const (
	tokenPrefix   = "dbx2."
	tokenPrefixV1 = "dbx1."
	maxHandleLen  = 64
	maxRefLen     = 300
	maxSQLState   = 32
	maxMessageLen = 1024
	maxTokenLen   = 4096
	maxMillis     = 253402300800000 // 10000-01-01T00:00:00Z

	flagResultSetV1 = 1 << 0
	flagFailure     = 1 << 1
	knownFlags      = flagFailure
	knownFlagsV1    = flagResultSetV1 | flagFailure
)

var (
	crcTable  = crc32.MakeTable(crc32.Castagnoli)
	tokenB64  = base64.RawURLEncoding.Strict()
	errNoBind = fmt.Errorf("%w: execution is not bound to a warehouse (use a DB to create or parse it)", ErrInvalidToken)
)

// MarshalText encodes e as a compact token: "dbx2." followed by base64url
// text of a binary encoding of the driver's reference (handles and
// secrets), the warehouse binding, the status, times, rows affected and
// failure (SQLSTATE, error code and the first 1024 bytes of the message),
// ending with a CRC-32C checksum. The token contains the operation secret.
func (e Execution) MarshalText() ([]byte, error) {
	payload, err := e.appendBinary(nil)
	if err != nil {
		return nil, err
	}
	payload = binary.BigEndian.AppendUint32(payload, crc32Token(payload))
	out := make([]byte, len(tokenPrefix)+tokenB64.EncodedLen(len(payload)))
	copy(out, tokenPrefix)
	tokenB64.Encode(out[len(tokenPrefix):], payload)
	return out, nil
}

// UnmarshalText decodes a token made by MarshalText, of this version or of
// version 1 ("dbx1."). Any malformed, truncated
// or altered token fails with an error wrapping ErrInvalidToken. The warehouse
// binding is checked when the execution is used with a DB (ErrWrongWarehouse),
// or at once by DB.ParseExecution.
func (e *Execution) UnmarshalText(text []byte) error {
	if len(text) > maxTokenLen {
		return fmt.Errorf("%w: too long", ErrInvalidToken)
	}
	prefix, v1 := tokenPrefix, bytes.HasPrefix(text, []byte(tokenPrefixV1))
	if v1 {
		prefix = tokenPrefixV1
	}
	body, ok := bytes.CutPrefix(text, []byte(prefix))
	if !ok {
		if i := bytes.IndexByte(text, '.'); i > 0 && i < 8 {
			return fmt.Errorf("%w: unknown version %q", ErrInvalidToken, text[:i])
		}
		return fmt.Errorf("%w: missing %q prefix", ErrInvalidToken, tokenPrefix)
	}
	for _, c := range body {
		// The decoder skips line breaks; a token has none.
		if !isBase64URL(c) {
			return fmt.Errorf("%w: bad encoding", ErrInvalidToken)
		}
	}
	raw := make([]byte, tokenB64.DecodedLen(len(body)))
	n, err := tokenB64.Decode(raw, body)
	if err != nil {
		return fmt.Errorf("%w: bad encoding", ErrInvalidToken)
	}
	raw = raw[:n]
	if len(raw) < 4 {
		return fmt.Errorf("%w: truncated", ErrInvalidToken)
	}
	payload, sum := raw[:len(raw)-4], binary.BigEndian.Uint32(raw[len(raw)-4:])
	if crc32Prefixed(prefix, payload) != sum {
		return fmt.Errorf("%w: checksum mismatch (altered or truncated)", ErrInvalidToken)
	}
	var d Execution
	if err := d.decodeBinary(payload, v1); err != nil {
		return err
	}
	*e = d
	return nil
}

func isBase64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// crc32Token is the CRC-32C of the version prefix and the payload.
func crc32Token(payload []byte) uint32 { return crc32Prefixed(tokenPrefix, payload) }

func crc32Prefixed(prefix string, payload []byte) uint32 {
	return crc32.Update(crc32.Checksum([]byte(prefix), crcTable), crcTable, payload)
}

// appendBinary appends the payload of e to b.
func (e *Execution) appendBinary(b []byte) ([]byte, error) {
	if e.warehouse == 0 {
		return nil, errNoBind
	}
	if e.Ref.IsZero() {
		return nil, fmt.Errorf("%w: execution has no operation handle", ErrInvalidToken)
	}
	if !e.Status.valid() {
		return nil, fmt.Errorf("%w: invalid status %d", ErrInvalidToken, uint8(e.Status))
	}
	ref, err := e.Ref.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if len(ref) > maxRefLen {
		return nil, fmt.Errorf("%w: reference longer than %d bytes", ErrInvalidToken, maxRefLen)
	}
	var flags byte
	if e.Err != nil {
		flags |= flagFailure
	}
	b = append(b, flags)
	b = binary.BigEndian.AppendUint64(b, e.warehouse)
	b = append(b, byte(e.Status))
	b = appendBytes(b, ref)
	b = binary.AppendVarint(b, millis(e.Started))
	b = binary.AppendVarint(b, millis(e.Completed))
	b = binary.AppendVarint(b, e.RowsAffected)
	if e.Err != nil {
		state, code, msg := failureParts(e.Err)
		b = appendBytes(b, []byte(truncateUTF8(state, maxSQLState)))
		b = binary.AppendVarint(b, int64(code))
		b = appendBytes(b, []byte(truncateUTF8(msg, maxMessageLen)))
	}
	return b, nil
}

// decodeBinary parses a payload (of version 1 when v1 is set) into e.
func (e *Execution) decodeBinary(p []byte, v1 bool) error {
	r := tokenReader{b: p}
	flags := r.byte()
	known := byte(knownFlags)
	if v1 {
		known = knownFlagsV1
	}
	if flags&^known != 0 {
		return fmt.Errorf("%w: unknown flags", ErrInvalidToken)
	}
	e.warehouse = r.uint64()
	e.Status = Status(r.byte())
	var ref []byte
	if v1 {
		ref = refV1(&r, flags&flagResultSetV1 != 0)
	} else {
		ref = r.bytes(maxRefLen)
	}
	e.Started = r.time()
	e.Completed = r.time()
	e.RowsAffected = r.varint()
	if flags&flagFailure != 0 {
		se := &driver.ServerError{}
		se.SQLState = string(r.bytes(maxSQLState))
		code := r.varint()
		if code < -1<<31 || code > 1<<31-1 {
			r.fail()
		}
		se.ErrorCode = int32(code)
		se.Message = string(r.bytes(maxMessageLen))
		e.Err = se
	}
	switch {
	case r.err:
		return fmt.Errorf("%w: truncated or malformed payload", ErrInvalidToken)
	case len(r.b) != 0:
		return fmt.Errorf("%w: trailing bytes", ErrInvalidToken)
	case e.warehouse == 0:
		return fmt.Errorf("%w: no warehouse binding", ErrInvalidToken)
	case !e.Status.valid():
		return fmt.Errorf("%w: invalid status", ErrInvalidToken)
	}
	if err := e.Ref.UnmarshalBinary(ref); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if se, ok := e.Err.(*driver.ServerError); ok {
		if !utf8.ValidString(se.SQLState) || !utf8.ValidString(se.Message) {
			return fmt.Errorf("%w: invalid text", ErrInvalidToken)
		}
		se.StatementID = e.StatementID()
		if st, ok := stateOf(e.Status); ok {
			se.State = &st
		}
	}
	return nil
}

// refV1 reads the inline handles of a version 1 token and returns them in
// the binary form of driver.OperationRef (its version 1, documented with
// MarshalBinary), nil after a read error.
func refV1(r *tokenReader, hasResultSet bool) []byte {
	var flags byte
	if hasResultSet {
		flags = 1
	}
	out := []byte{1, flags}
	for range 4 { // operation guid and secret, session guid and secret
		out = appendBytes(out, r.bytes(maxHandleLen))
	}
	proto := r.varint()
	if r.err {
		return nil
	}
	return binary.AppendVarint(out, proto)
}

// failureParts extracts what a token keeps of a failure.
func failureParts(err error) (state string, code int32, msg string) {
	var se *driver.ServerError
	if errors.As(err, &se) {
		msg = se.Message
		if msg == "" {
			msg = se.DisplayMessage
		}
		return se.SQLState, se.ErrorCode, msg
	}
	return "", 0, err.Error()
}

// truncateUTF8 cuts s to at most n bytes without splitting a character and
// replaces invalid UTF-8, so that decoding accepts what encoding produced.
func truncateUTF8(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// millis is the token form of t: Unix milliseconds, 0 for the zero time and
// for times a token cannot hold (before 1970 or after 9999).
func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	ms := t.UnixMilli()
	if ms < 0 || ms >= maxMillis {
		return 0
	}
	return ms
}

// tokenReader reads a payload; after the first error every read returns zero
// values and err stays set.
type tokenReader struct {
	b   []byte
	err bool
}

func (r *tokenReader) fail() { r.err, r.b = true, nil }

func (r *tokenReader) byte() byte {
	if len(r.b) < 1 {
		r.fail()
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *tokenReader) uint64() uint64 {
	if len(r.b) < 8 {
		r.fail()
		return 0
	}
	v := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *tokenReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *tokenReader) bytes(limit int) []byte {
	l, n := binary.Uvarint(r.b)
	if n <= 0 || l > uint64(limit) || l > uint64(len(r.b)-n) {
		r.fail()
		return nil
	}
	r.b = r.b[n:]
	if l == 0 {
		return nil
	}
	v := append([]byte(nil), r.b[:l]...)
	r.b = r.b[l:]
	return v
}

func (r *tokenReader) time() time.Time {
	ms := r.varint()
	if ms < 0 || ms >= maxMillis {
		r.fail()
		return time.Time{}
	}
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
