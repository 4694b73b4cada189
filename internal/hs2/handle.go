package hs2

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"

	"github.com/google/uuid"

	"github.com/asyncsql/databricks/internal/secret"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// HandleID identifies a server-side session or operation: a GUID and a
// secret. The secret is a credential and is held redacted.
type HandleID struct {
	guid   []byte
	secret secret.Bytes
}

// NewHandleID returns the identifier of guid and secret (both copied).
func NewHandleID(guid, sec []byte) HandleID {
	return HandleID{guid: clone(guid), secret: secret.NewBytes(sec)}
}

// String returns the GUID formatted as a UUID (the statement ID for
// operations); never the secret.
func (h HandleID) String() string { return guidString(h.guid) }

// IsZero reports whether h identifies nothing.
func (h HandleID) IsZero() bool { return len(h.guid) == 0 }

// GUID returns the GUID (shared, not copied).
func (h HandleID) GUID() []byte { return h.guid }

// Secret returns the secret, revealed.
func (h HandleID) Secret() []byte { return h.secret.Reveal() }

// guidString formats a 16-byte GUID as a UUID, other lengths as hex.
func guidString(guid []byte) string {
	if u, err := uuid.FromBytes(guid); err == nil {
		return u.String()
	}
	return hex.EncodeToString(guid)
}

func handleFromThrift(id *tcli.THandleIdentifier) HandleID {
	if id == nil {
		return HandleID{}
	}
	return HandleID{guid: clone(id.GUID), secret: secret.NewBytes(id.Secret)}
}

func (h HandleID) thrift() *tcli.THandleIdentifier {
	return &tcli.THandleIdentifier{GUID: clone(h.guid), Secret: h.secret.Reveal()}
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// StatementID returns the public statement ID of an operation handle: its
// GUID as a UUID.
func StatementID(op *tcli.TOperationHandle) string {
	if op == nil || op.OperationId == nil {
		return ""
	}
	return guidString(op.OperationId.GUID)
}

// Ref names a statement on the server independently of any connection or
// process: the operation handle, the dedicated session it runs in, and what
// a reader needs to read its result.
type Ref struct {
	Op, Session  HandleID
	HasResultSet bool
	// Protocol is the protocol version of the session.
	Protocol int64
}

// Binary form of a reference, version 1 (integers as uvarints and varints):
//
//	version   1 byte, 1
//	flags     1 byte: bit 0 the operation has a result set; others zero
//	op guid   uvarint length (1..64) + bytes
//	op secret uvarint length (0..64) + bytes
//	sess guid uvarint length (0..64) + bytes
//	sess sec  uvarint length (0..64) + bytes
//	protocol  varint, the server's protocol version
const (
	refVersion      = 1
	refFlagRows     = 1 << 0
	maxHandleBytes  = 64
	refKnownFlags   = refFlagRows
	maxRefProtocol  = 1 << 31 // protocol versions are Thrift i32 enums
	refMinBinaryLen = 4
)

// MarshalBinary encodes r, secrets included, in a compact versioned form
// that UnmarshalBinary reads back in any process. The form does not depend
// on the struct's layout.
func (r Ref) MarshalBinary() ([]byte, error) {
	if r.Op.IsZero() {
		return nil, fmt.Errorf("%w: no operation handle", ErrInvalidRef)
	}
	parts := [][]byte{r.Op.guid, r.Op.secret.Reveal(), r.Session.guid, r.Session.secret.Reveal()}
	for _, p := range parts {
		if len(p) > maxHandleBytes {
			return nil, fmt.Errorf("%w: handle longer than %d bytes", ErrInvalidRef, maxHandleBytes)
		}
	}
	var flags byte
	if r.HasResultSet {
		flags |= refFlagRows
	}
	b := []byte{refVersion, flags}
	for _, p := range parts {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	return binary.AppendVarint(b, r.Protocol), nil
}

// UnmarshalBinary decodes the output of MarshalBinary. Anything else,
// including trailing bytes and integers not in their shortest form (so that
// each reference has exactly one encoding), is an error matching
// ErrInvalidRef; r is then left unchanged.
func (r *Ref) UnmarshalBinary(b []byte) error {
	if len(b) < refMinBinaryLen || b[0] != refVersion {
		return fmt.Errorf("%w: unknown version or too short", ErrInvalidRef)
	}
	flags := b[1]
	if flags&^refKnownFlags != 0 {
		return fmt.Errorf("%w: unknown flags", ErrInvalidRef)
	}
	b = b[2:]
	var parts [4][]byte
	for i := range parts {
		l, n := binary.Uvarint(b)
		if n <= 0 || n != len(binary.AppendUvarint(nil, l)) || l > maxHandleBytes || l > uint64(len(b)-n) {
			return fmt.Errorf("%w: truncated or malformed", ErrInvalidRef)
		}
		parts[i] = clone(b[n : n+int(l)])
		b = b[n+int(l):]
	}
	proto, n := binary.Varint(b)
	switch {
	case n <= 0 || n != len(binary.AppendVarint(nil, proto)) || proto < 0 || proto >= maxRefProtocol:
		return fmt.Errorf("%w: bad protocol version", ErrInvalidRef)
	case n != len(b):
		return fmt.Errorf("%w: trailing bytes", ErrInvalidRef)
	case len(parts[0]) == 0:
		return fmt.Errorf("%w: no operation handle", ErrInvalidRef)
	}
	*r = Ref{
		Op:           HandleID{guid: parts[0], secret: secret.NewBytes(parts[1])},
		Session:      HandleID{guid: nonEmpty(parts[2]), secret: secret.NewBytes(parts[3])},
		HasResultSet: flags&refFlagRows != 0,
		Protocol:     proto,
	}
	return nil
}

func nonEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// StatementID returns the statement's public ID, empty for the zero Ref.
func (r Ref) StatementID() string {
	if r.Op.IsZero() {
		return ""
	}
	return r.Op.String()
}

// Handle returns the operation handle of r.
func (r Ref) Handle() *tcli.TOperationHandle {
	return &tcli.TOperationHandle{
		OperationId:   r.Op.thrift(),
		OperationType: tcli.TOperationType_EXECUTE_STATEMENT,
		HasResultSet:  r.HasResultSet,
	}
}

// Sess returns the session of r, nil when r names none.
func (r Ref) Sess() *Session {
	if r.Session.IsZero() {
		return nil
	}
	return &Session{
		Handle:   &tcli.TSessionHandle{SessionId: r.Session.thrift()},
		Protocol: tcli.TProtocolVersion(r.Protocol),
	}
}
