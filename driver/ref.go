package driver

import (
	"encoding/binary"
	"fmt"
	"log/slog"

	"github.com/asyncsql/databricks/internal/hs2"
)

// OperationRef names a statement on the server independently of any
// connection or process: the operation handle, the dedicated session it runs
// in, and what the driver needs to read its result. It is what
// Connector.SubmitDetached returns and what the other operation methods of
// Connector take.
//
// A reference of the Thrift backend holds the operation's secret, a
// credential for the statement. No fmt verb, slog handler or JSON encoding
// shows it: they show the statement ID. MarshalBinary is the one form that
// contains the secret; store its output like a password. A reference of the
// REST backend holds only the statement ID and the warehouse ID: the API
// names a statement by its ID alone.
type OperationRef struct {
	ref  hs2.Ref
	rest restRef
}

// restRef names a statement of the REST backend.
type restRef struct {
	id, warehouse string
	hasResultSet  bool
}

// ErrInvalidRef is returned by OperationRef.UnmarshalBinary for bytes that
// are not a reference made by MarshalBinary.
var ErrInvalidRef = hs2.ErrInvalidRef

// StatementID returns the statement's public ID: the operation GUID as a
// UUID, as in the Databricks query history. Empty for the zero reference.
func (r OperationRef) StatementID() string {
	if r.rest.id != "" {
		return r.rest.id
	}
	return r.ref.StatementID()
}

// IsZero reports whether r names no operation.
func (r OperationRef) IsZero() bool { return r.ref.Op.IsZero() && r.rest.id == "" }

// HasResultSet reports whether the statement produces rows, as the server
// said when it accepted the statement (or in a later status). The REST
// backend learns it only once the statement has finished: its references
// from SubmitDetached say false, and Connector.OperationRows asks the
// server instead.
func (r OperationRef) HasResultSet() bool {
	if r.rest.id != "" {
		return r.rest.hasResultSet
	}
	return r.ref.HasResultSet
}

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

// MarshalBinary encodes r, secrets included, in a compact versioned form
// that UnmarshalBinary reads back in any process. The form does not depend
// on the struct's layout.
func (r OperationRef) MarshalBinary() ([]byte, error) {
	if r.rest.id != "" {
		return r.rest.marshalBinary()
	}
	return r.ref.MarshalBinary()
}

// UnmarshalBinary decodes the output of MarshalBinary. Anything else,
// including trailing bytes and integers not in their shortest form (so that
// each reference has exactly one encoding), is an error matching
// ErrInvalidRef; r is then left unchanged.
func (r *OperationRef) UnmarshalBinary(b []byte) error {
	if len(b) > 0 && b[0] == restRefVersion {
		var rr restRef
		if err := rr.unmarshalBinary(b); err != nil {
			return err
		}
		*r = OperationRef{rest: rr}
		return nil
	}
	var hr hs2.Ref
	if err := hr.UnmarshalBinary(b); err != nil {
		return err
	}
	*r = OperationRef{ref: hr}
	return nil
}

// Binary form of a REST reference (version 1 is the Thrift reference's,
// internal/hs2):
//
//	version    1 byte, 2
//	flags      1 byte: bit 0 the statement has a result set; others zero
//	statement  uvarint length (1..128) + the statement ID
//	warehouse  uvarint length (1..128) + the warehouse ID
const (
	restRefVersion  = 2
	restRefFlagRows = 1 << 0
	maxRESTRefID    = 128
)

// marshalBinary encodes a REST reference.
func (r restRef) marshalBinary() ([]byte, error) {
	if len(r.id) > maxRESTRefID || len(r.warehouse) == 0 || len(r.warehouse) > maxRESTRefID {
		return nil, fmt.Errorf("%w: statement or warehouse ID empty or longer than %d bytes", ErrInvalidRef, maxRESTRefID)
	}
	var flags byte
	if r.hasResultSet {
		flags |= restRefFlagRows
	}
	b := []byte{restRefVersion, flags}
	for _, p := range []string{r.id, r.warehouse} {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	return b, nil
}

// unmarshalBinary decodes the output of marshalBinary, leaving r unchanged
// on error.
func (r *restRef) unmarshalBinary(b []byte) error {
	if len(b) < 2 || b[0] != restRefVersion || b[1]&^restRefFlagRows != 0 {
		return fmt.Errorf("%w: bad REST reference header", ErrInvalidRef)
	}
	rest := b[2:]
	var parts [2]string
	for i := range parts {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n == 0 || n > maxRESTRefID || int(n) > len(rest)-k || k != uvarintLen(n) {
			return fmt.Errorf("%w: bad REST reference field", ErrInvalidRef)
		}
		parts[i] = string(rest[k : k+int(n)])
		rest = rest[k+int(n):]
	}
	if len(rest) != 0 {
		return fmt.Errorf("%w: trailing bytes", ErrInvalidRef)
	}
	*r = restRef{id: parts[0], warehouse: parts[1], hasResultSet: b[1]&restRefFlagRows != 0}
	return nil
}

// uvarintLen is the length of the shortest uvarint encoding of n.
func uvarintLen(n uint64) int { return len(binary.AppendUvarint(nil, n)) }
