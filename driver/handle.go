package driver

import (
	"encoding/hex"

	"github.com/google/uuid"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// HandleID identifies a server-side session or operation: a GUID and a secret.
// String shows the GUID only; the secret never appears in text output.
type HandleID struct {
	GUID   []byte
	Secret []byte
}

// String returns the GUID formatted as a UUID (the statement ID for operations).
func (h HandleID) String() string { return guidString(h.GUID) }

// IsZero reports whether h holds no GUID.
func (h HandleID) IsZero() bool { return len(h.GUID) == 0 }

// GoString keeps the secret out of %#v output.
func (h HandleID) GoString() string { return "driver.HandleID{" + h.String() + "}" }

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
	return HandleID{GUID: clone(id.GUID), Secret: clone(id.Secret)}
}

func (h HandleID) thrift() *tcli.THandleIdentifier {
	return &tcli.THandleIdentifier{GUID: clone(h.GUID), Secret: clone(h.Secret)}
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
