package emulator

import (
	"context"
	"testing"
)

// FuzzProcess feeds arbitrary bodies to the Thrift processor: it must answer
// or fail, never panic.
func FuzzProcess(f *testing.F) {
	s, err := New(WithStatusHold(0), WithDirectResultsHold(0))
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	f.Add([]byte{})
	f.Add([]byte("garbage"))
	f.Add([]byte{0x80, 0x01, 0x00, 0x01, 0, 0, 0, 11, 'O', 'p', 'e', 'n', 'S', 'e', 's', 's', 'i', 'o', 'n', 0})
	f.Add([]byte{0x80, 0x01, 0x00, 0x01, 0, 0, 0, 12, 'F', 'e', 't', 'c', 'h', 'R', 'e', 's', 'u', 'l', 't', 's', 12, 0, 1, 0, 0})
	f.Fuzz(func(t *testing.T, body []byte) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		_, _ = s.process(ctx, body)
	})
}
