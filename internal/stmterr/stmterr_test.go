package stmterr

import (
	"errors"
	"io"
	"testing"
)

func TestErrorf(t *testing.T) {
	sentinel := errors.New("corrupt")
	err := Errorf("id-1", "%w: page of row %d: %w", sentinel, 7, io.ErrUnexpectedEOF)
	if got, want := err.Error(), "databricks: statement id-1: corrupt: page of row 7: unexpected EOF"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	var se *Error
	if !errors.Is(err, sentinel) || !errors.Is(err, io.ErrUnexpectedEOF) || !errors.As(err, &se) || se.ID != "id-1" {
		t.Fatalf("got %#v, want an *Error for id-1 wrapping both causes", err)
	}
}

// A sentinel of the driver's, whose text has the prefix of its own, is
// printed without it: "databricks:" starts the text once.
func TestErrorfPrefixOnce(t *testing.T) {
	sentinel := errors.New("databricks: unsupported result format")
	err := Errorf("id-1", "%w: URL_BASED_SET", sentinel)
	if got, want := err.Error(), "databricks: statement id-1: unsupported result format: URL_BASED_SET"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("got %v, want it to wrap the sentinel", err)
	}
}
