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
