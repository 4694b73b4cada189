package hs2

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// testRef returns a reference with known secrets.
func testRef() Ref {
	return Ref{
		Op:           NewHandleID([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, []byte("topsecretsecret!")),
		Session:      NewHandleID(bytes.Repeat([]byte{0xab}, 16), []byte("sessionsecret...")),
		HasResultSet: true,
		Protocol:     int64(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8),
	}
}

func TestRefBinary(t *testing.T) {
	ref := testRef()
	b, err := ref.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got Ref
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Op.GUID(), ref.Op.GUID()) || !bytes.Equal(got.Op.Secret(), ref.Op.Secret()) ||
		!reflect.DeepEqual(got.Session.GUID(), ref.Session.GUID()) || !bytes.Equal(got.Session.Secret(), ref.Session.Secret()) ||
		got.HasResultSet != ref.HasResultSet || got.Protocol != ref.Protocol {
		t.Fatalf("round trip gives %+v, want %+v", got, ref)
	}
	again, _ := got.MarshalBinary()
	if !bytes.Equal(again, b) {
		t.Fatal("re-marshalling differs")
	}
	// A session-less reference round-trips too.
	bare := Ref{Op: NewHandleID([]byte{7}, nil)}
	bb, err := bare.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if err := got.UnmarshalBinary(bb); err != nil || !got.Session.IsZero() || got.StatementID() != "07" {
		t.Fatalf("bare: %v %#v", err, got)
	}
	if _, err := (Ref{}).MarshalBinary(); !errors.Is(err, ErrInvalidRef) {
		t.Fatalf("zero ref: %v", err)
	}
	if _, err := (Ref{Op: NewHandleID(make([]byte, 65), nil)}).MarshalBinary(); !errors.Is(err, ErrInvalidRef) {
		t.Fatalf("long guid: %v", err)
	}
	bad := map[string][]byte{
		"empty":       nil,
		"version":     append([]byte{2}, b[1:]...),
		"flags":       append([]byte{1, 0x80}, b[2:]...),
		"trailing":    append(append([]byte(nil), b...), 0),
		"no guid":     {1, 0, 0, 0, 0, 0, 0},
		"negative":    append(append([]byte(nil), b[:len(b)-3]...), 1),
		"long length": {1, 0, 100, 1, 2, 3},
	}
	for n := range len(b) {
		bad[fmt.Sprintf("truncated to %d", n)] = b[:n]
	}
	for name, in := range bad {
		keep := testRef()
		if err := keep.UnmarshalBinary(in); !errors.Is(err, ErrInvalidRef) {
			t.Errorf("%s: error %v, want ErrInvalidRef", name, err)
		}
		if keep.StatementID() != ref.StatementID() {
			t.Errorf("%s: a failed decode changed the reference", name)
		}
	}
}
