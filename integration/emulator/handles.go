package emulator

import (
	"crypto/rand"
	"crypto/subtle"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// handleKey identifies a session or operation by its 16-byte guid.
type handleKey [16]byte

// handle is a guid and a secret, both random.
type handle struct {
	guid   handleKey
	secret [16]byte
}

func newHandle() handle {
	var h handle
	_, _ = rand.Read(h.guid[:]) // crypto/rand.Read never fails
	_, _ = rand.Read(h.secret[:])
	return h
}

// thrift returns the wire identifier.
func (h handle) thrift() *tcli.THandleIdentifier {
	return &tcli.THandleIdentifier{GUID: h.guid[:], Secret: h.secret[:]}
}

// String is the guid as a UUID; the secret is never printed.
func (h handle) String() string { return formatUUID(h.guid[:]) }

// keyOf extracts the guid of a wire identifier.
func keyOf(id *tcli.THandleIdentifier) (handleKey, bool) {
	var k handleKey
	if id == nil || len(id.GUID) != len(k) {
		return k, false
	}
	copy(k[:], id.GUID)
	return k, true
}

// secretMatches reports whether the wire identifier carries h's secret.
func (h handle) secretMatches(id *tcli.THandleIdentifier) bool {
	return id != nil && subtle.ConstantTimeCompare(id.Secret, h.secret[:]) == 1
}

// describeKey names a handle guid in messages.
func describeKey(k handleKey) string { return formatUUID(k[:]) }
