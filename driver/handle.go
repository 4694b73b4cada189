package driver

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"

	"github.com/google/uuid"

	"github.com/asyncsql/databricks/internal/secret"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// handleID identifies a server-side session or operation: a GUID and a
// secret. The secret is a credential and is held redacted.
type handleID struct {
	guid   []byte
	secret secret.Bytes
}

// String returns the GUID formatted as a UUID (the statement ID for
// operations); never the secret.
func (h handleID) String() string { return guidString(h.guid) }

func (h handleID) isZero() bool { return len(h.guid) == 0 }

// guidString formats a 16-byte GUID as a UUID, other lengths as hex.
func guidString(guid []byte) string {
	if u, err := uuid.FromBytes(guid); err == nil {
		return u.String()
	}
	return hex.EncodeToString(guid)
}

func handleFromThrift(id *tcli.THandleIdentifier) handleID {
	if id == nil {
		return handleID{}
	}
	return handleID{guid: clone(id.GUID), secret: secret.NewBytes(id.Secret)}
}

func (h handleID) thrift() *tcli.THandleIdentifier {
	return &tcli.THandleIdentifier{GUID: clone(h.guid), Secret: h.secret.Reveal()}
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// statementID returns the public statement ID of an operation handle.
func statementID(op *tcli.TOperationHandle) string {
	if op == nil || op.OperationId == nil {
		return ""
	}
	return guidString(op.OperationId.GUID)
}

// OperationRef names a statement on the server independently of any
// connection or process: the operation handle, the dedicated session it runs
// in, and what the driver needs to read its result. It is what
// Connector.SubmitDetached returns and what the other operation methods of
// Connector take.
//
// A reference holds the operation's secret, a credential for the statement.
// No fmt verb, slog handler or JSON encoding shows it: they show the
// statement ID. MarshalBinary is the one form that contains the secret;
// store its output like a password.
type OperationRef struct {
	op, sess     handleID
	hasResultSet bool
	protocol     int64
}

// StatementID returns the statement's public ID: the operation GUID as a
// UUID, as in the Databricks query history. Empty for the zero reference.
func (r OperationRef) StatementID() string {
	if r.op.isZero() {
		return ""
	}
	return r.op.String()
}

// IsZero reports whether r names no operation.
func (r OperationRef) IsZero() bool { return r.op.isZero() }

// HasResultSet reports whether the statement produces rows, as the server
// said when it accepted the statement (or in a later status).
func (r OperationRef) HasResultSet() bool { return r.hasResultSet }

// String returns "operation <statement ID>".
func (r OperationRef) String() string { return "operation " + r.StatementID() }

// GoString returns driver.OperationRef{<statement ID>}.
func (r OperationRef) GoString() string { return "driver.OperationRef{" + r.StatementID() + "}" }

// Format writes String under every verb (%v, %+v, %s, %q, %d, %x, ...), and
// GoString under %#v, so that no verb prints the secret.
func (r OperationRef) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprint(f, r.GoString())
	case verb == 'q':
		fmt.Fprintf(f, "%q", r.String())
	default:
		fmt.Fprint(f, r.String())
	}
}

// LogValue makes log/slog record the statement ID only.
func (r OperationRef) LogValue() slog.Value { return slog.StringValue(r.StatementID()) }

// MarshalJSON encodes the statement ID only, as a JSON string: a reference
// never reaches JSON with its secret. Serialise it with MarshalBinary.
func (r OperationRef) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, "%q", r.StatementID()), nil
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

// ErrInvalidRef is returned by OperationRef.UnmarshalBinary for bytes that
// are not a reference made by MarshalBinary.
var ErrInvalidRef = errors.New("databricks: invalid operation reference")

// MarshalBinary encodes r, secrets included, in a compact versioned form
// that UnmarshalBinary reads back in any process. The form does not depend
// on the struct's layout.
func (r OperationRef) MarshalBinary() ([]byte, error) {
	if r.op.isZero() {
		return nil, fmt.Errorf("%w: no operation handle", ErrInvalidRef)
	}
	parts := [][]byte{r.op.guid, r.op.secret.Reveal(), r.sess.guid, r.sess.secret.Reveal()}
	for _, p := range parts {
		if len(p) > maxHandleBytes {
			return nil, fmt.Errorf("%w: handle longer than %d bytes", ErrInvalidRef, maxHandleBytes)
		}
	}
	var flags byte
	if r.hasResultSet {
		flags |= refFlagRows
	}
	b := []byte{refVersion, flags}
	for _, p := range parts {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	return binary.AppendVarint(b, r.protocol), nil
}

// UnmarshalBinary decodes the output of MarshalBinary. Anything else,
// including trailing bytes and integers not in their shortest form (so that
// each reference has exactly one encoding), is an error matching
// ErrInvalidRef; r is then left unchanged.
func (r *OperationRef) UnmarshalBinary(b []byte) error {
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
	*r = OperationRef{
		op:           handleID{guid: parts[0], secret: secret.NewBytes(parts[1])},
		sess:         handleID{guid: nonEmpty(parts[2]), secret: secret.NewBytes(parts[3])},
		hasResultSet: flags&refFlagRows != 0,
		protocol:     proto,
	}
	return nil
}

func nonEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// withResultSet returns r with the result-set flag set from a status.
func (r OperationRef) withResultSet(has bool) OperationRef {
	r.hasResultSet = r.hasResultSet || has
	return r
}

func (r OperationRef) handle() *tcli.TOperationHandle {
	return &tcli.TOperationHandle{
		OperationId:   r.op.thrift(),
		OperationType: tcli.TOperationType_EXECUTE_STATEMENT,
		HasResultSet:  r.hasResultSet,
	}
}

func (r OperationRef) session() *session {
	if r.sess.isZero() {
		return nil
	}
	return &session{
		handle: &tcli.TSessionHandle{SessionId: r.sess.thrift()},
		proto:  tcli.TProtocolVersion(r.protocol),
	}
}
