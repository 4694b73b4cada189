package async

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzUnmarshalText checks that no input makes the token decoder panic, that
// every failure is ErrInvalidToken, and that an accepted token re-encodes to
// an equal execution. Inputs without the token prefix are also tried as a raw
// payload wrapped in a valid prefix and checksum, so that the fuzzer reaches
// the payload decoder behind the checksum. The seed corpus is in
// testdata/fuzz/FuzzUnmarshalText.
func FuzzUnmarshalText(f *testing.F) {
	for _, e := range tokenCases() {
		tok, err := e.MarshalText()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(tok)
		payload, err := e.appendBinary(nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(payload)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkToken(t, data)
		if !bytes.HasPrefix(data, []byte(tokenPrefix)) {
			checkToken(t, []byte(tokenFor(data)))
		}
	})
}

// checkToken decodes data and, when accepted, checks the re-encoding.
func checkToken(t *testing.T, data []byte) {
	var e Execution
	err := e.UnmarshalText(data)
	if err != nil {
		if !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("error %v is not ErrInvalidToken", err)
		}
		return
	}
	tok, err := e.MarshalText()
	if err != nil {
		t.Fatalf("accepted token does not re-encode: %v", err)
	}
	var again Execution
	if err := again.UnmarshalText(tok); err != nil {
		t.Fatalf("re-encoded token rejected: %v", err)
	}
	sameExecution(t, &again, &e)
	tok2, err := again.MarshalText()
	if err != nil || !bytes.Equal(tok, tok2) {
		t.Fatalf("encoding is not a fixed point: %q %q", tok, tok2)
	}
	if _, err := e.MarshalJSON(); err != nil {
		t.Fatalf("accepted token has no JSON: %v", err)
	}
}
