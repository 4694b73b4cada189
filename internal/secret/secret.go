package secret

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// Redacted is what a non-empty secret prints as.
const Redacted = "xxxxx"

// MinRedactedPart is the shortest part of a secret that is looked for on
// its own when a secret is removed from a text (a server's message, a
// transport's error): shorter values (an expiry in seconds, an algorithm
// name) grant nothing and would garble the message.
const MinRedactedPart = 8

// ErrNotEncodable is returned by GobEncode: a secret is not serialised.
var ErrNotEncodable = errors.New("secret: a secret is not encoded")

// key masks the bytes of every secret of the process. Masking with one key
// keeps equal secrets deeply equal (reflect.DeepEqual compares the masked
// bytes), which tests of structs holding secrets rely on.
var key [64]byte

func init() {
	rand.Read(key[:]) // never returns an error; it crashes the process instead
}

// sealed is the masked copy of a secret's bytes. It is only ever reached
// through a pointer, so that fmt prints an address for it when it walks an
// unexported field.
type sealed struct{ b []byte }

// seal returns a masked copy of p, or nil when p is empty.
func seal(p []byte) *sealed {
	if len(p) == 0 {
		return nil
	}
	b := make([]byte, len(p))
	for i, c := range p {
		b[i] = c ^ key[i%len(key)]
	}
	return &sealed{b: b}
}

// open returns the unmasked bytes, a new slice (nil for nil).
func (s *sealed) open() []byte {
	if s == nil {
		return nil
	}
	p := make([]byte, len(s.b))
	for i, c := range s.b {
		p[i] = c ^ key[i%len(key)]
	}
	return p
}

// equal compares two sealed values in time that depends only on their
// lengths.
func (s *sealed) equal(t *sealed) bool {
	var a, b []byte
	if s != nil {
		a = s.b
	}
	if t != nil {
		b = t.b
	}
	return subtle.ConstantTimeCompare(a, b) == 1
}

func (s *sealed) len() int {
	if s == nil {
		return 0
	}
	return len(s.b)
}

// text is the printed form: Redacted, or "" for an empty secret.
func text(empty bool) string {
	if empty {
		return ""
	}
	return Redacted
}

// format writes the printed form for any verb: quoted for %q, as
// name("xxxxx") for %#v, padded to the width asked for.
func format(f fmt.State, verb rune, empty bool, name string) {
	s := text(empty)
	switch {
	case verb == 'q':
		s = strconv.Quote(s)
	case verb == 'v' && f.Flag('#'):
		s = name + "(" + strconv.Quote(s) + ")"
	}
	if w, ok := f.Width(); ok && w > len(s) {
		pad := strings.Repeat(" ", w-len(s))
		if f.Flag('-') {
			s += pad
		} else {
			s = pad + s
		}
	}
	_, _ = f.Write([]byte(s))
}

// String is a secret text, such as an access token, a password or a URL that
// grants access by itself. The zero value is the empty secret. A String is
// immutable and safe to copy and to share between goroutines.
type String struct{ s *sealed }

var (
	_ fmt.Formatter          = String{}
	_ fmt.Stringer           = String{}
	_ fmt.GoStringer         = String{}
	_ slog.LogValuer         = String{}
	_ json.Marshaler         = String{}
	_ encoding.TextMarshaler = String{}
)

// NewString wraps s; an empty s gives the empty secret.
func NewString(s string) String { return String{s: seal([]byte(s))} }

// Reveal returns the secret text, for the code that sends it.
func (s String) Reveal() string { return string(s.s.open()) }

// IsZero reports whether s is empty.
func (s String) IsZero() bool { return s.s == nil }

// Equal reports whether s and t hold the same text, in time that does not
// depend on where they differ.
func (s String) Equal(t String) bool { return s.s.equal(t.s) }

// String returns Redacted, or "" when s is empty.
func (s String) String() string { return text(s.IsZero()) }

// GoString returns secret.String("xxxxx").
func (s String) GoString() string { return "secret.String(" + strconv.Quote(s.String()) + ")" }

// Format writes the redacted form under every verb.
func (s String) Format(f fmt.State, verb rune) { format(f, verb, s.IsZero(), "secret.String") }

// LogValue is the redacted form as a string.
func (s String) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON returns the redacted form as a JSON string.
func (s String) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalText returns the redacted form.
func (s String) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// GobEncode refuses: a secret is not serialised.
func (s String) GobEncode() ([]byte, error) { return nil, ErrNotEncodable }

// Bytes is a secret byte string, such as the secret of an operation handle.
// The zero value is the empty secret. A Bytes is immutable and safe to copy
// and to share between goroutines.
type Bytes struct{ s *sealed }

var (
	_ fmt.Formatter          = Bytes{}
	_ fmt.Stringer           = Bytes{}
	_ fmt.GoStringer         = Bytes{}
	_ slog.LogValuer         = Bytes{}
	_ json.Marshaler         = Bytes{}
	_ encoding.TextMarshaler = Bytes{}
)

// NewBytes wraps a copy of b; an empty b gives the empty secret.
func NewBytes(b []byte) Bytes { return Bytes{s: seal(b)} }

// Reveal returns a copy of the secret bytes (nil when empty), for the code
// that sends them.
func (b Bytes) Reveal() []byte { return b.s.open() }

// Len is the number of secret bytes; the length is not secret.
func (b Bytes) Len() int { return b.s.len() }

// IsZero reports whether b is empty.
func (b Bytes) IsZero() bool { return b.s == nil }

// Equal reports whether b and c hold the same bytes, in time that does not
// depend on where they differ.
func (b Bytes) Equal(c Bytes) bool { return b.s.equal(c.s) }

// String returns Redacted, or "" when b is empty.
func (b Bytes) String() string { return text(b.IsZero()) }

// GoString returns secret.Bytes("xxxxx").
func (b Bytes) GoString() string { return "secret.Bytes(" + strconv.Quote(b.String()) + ")" }

// Format writes the redacted form under every verb.
func (b Bytes) Format(f fmt.State, verb rune) { format(f, verb, b.IsZero(), "secret.Bytes") }

// LogValue is the redacted form as a string.
func (b Bytes) LogValue() slog.Value { return slog.StringValue(b.String()) }

// MarshalJSON returns the redacted form as a JSON string.
func (b Bytes) MarshalJSON() ([]byte, error) { return json.Marshal(b.String()) }

// MarshalText returns the redacted form.
func (b Bytes) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// GobEncode refuses: a secret is not serialised.
func (b Bytes) GobEncode() ([]byte, error) { return nil, ErrNotEncodable }
