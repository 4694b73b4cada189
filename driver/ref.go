package driver

import (
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
// A reference holds the operation's secret, a credential for the statement.
// No fmt verb, slog handler or JSON encoding shows it: they show the
// statement ID. MarshalBinary is the one form that contains the secret;
// store its output like a password.
type OperationRef struct {
	ref hs2.Ref
}

// ErrInvalidRef is returned by OperationRef.UnmarshalBinary for bytes that
// are not a reference made by MarshalBinary.
var ErrInvalidRef = hs2.ErrInvalidRef

// StatementID returns the statement's public ID: the operation GUID as a
// UUID, as in the Databricks query history. Empty for the zero reference.
func (r OperationRef) StatementID() string { return r.ref.StatementID() }

// IsZero reports whether r names no operation.
func (r OperationRef) IsZero() bool { return r.ref.Op.IsZero() }

// HasResultSet reports whether the statement produces rows, as the server
// said when it accepted the statement (or in a later status).
func (r OperationRef) HasResultSet() bool { return r.ref.HasResultSet }

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
func (r OperationRef) MarshalBinary() ([]byte, error) { return r.ref.MarshalBinary() }

// UnmarshalBinary decodes the output of MarshalBinary. Anything else,
// including trailing bytes and integers not in their shortest form (so that
// each reference has exactly one encoding), is an error matching
// ErrInvalidRef; r is then left unchanged.
func (r *OperationRef) UnmarshalBinary(b []byte) error { return r.ref.UnmarshalBinary(b) }
