package driver

import (
	"fmt"
	"strconv"

	"github.com/asyncsql/databricks/internal/secret"
)

// Secret holds a credential that the driver never prints: under every fmt
// verb, as a slog value and in JSON it shows "xxxxx" (nothing when empty),
// and encoding/gob refuses it. Its methods: Reveal returns the value, IsZero
// reports the empty secret, Equal compares two in constant time. Make one
// with NewSecret; the zero value is the empty secret. A Secret is immutable
// and safe to copy.
type Secret = secret.String

// NewSecret wraps s; an empty s gives the empty secret.
func NewSecret(s string) Secret { return secret.NewString(s) }

// redacted stands in for a secret in printed output.
const redacted = secret.Redacted

// formatRedacted writes s, a text already free of secrets, for any verb: %q
// quotes it, %#v writes name(s), every other verb writes s as is (a verb that
// does not fit a text, such as %d, must not fall back to printing the fields
// of the value).
func formatRedacted(f fmt.State, verb rune, name, s string) {
	switch {
	case verb == 'q':
		s = strconv.Quote(s)
	case verb == 'v' && f.Flag('#'):
		s = name + "(" + strconv.Quote(s) + ")"
	}
	_, _ = f.Write([]byte(s))
}
