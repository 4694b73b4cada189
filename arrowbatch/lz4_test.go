package arrowbatch

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pierrec/lz4/v4"
)

// TestStreamLZ4 reads a file compressed in small blocks (messages span
// them) as the plain file's messages, and refuses a file with a flipped byte
// before handing any message on.
func TestStreamLZ4(t *testing.T) {
	vals := make([]int64, 3000)
	for i := range vals {
		vals[i] = int64(i)
	}
	data := int64Stream(t, vals)
	var s Stream
	s.Reset(data)
	want := streamMessages(t, &s)
	var out bytes.Buffer
	zw := lz4.NewWriter(&out)
	if err := zw.Apply(lz4.BlockSizeOption(lz4.Block64Kb), lz4.ChecksumOption(true)); err != nil {
		t.Fatal(err)
	}
	zw.Write(data)
	zw.Close()
	file := out.Bytes()
	if err := s.ResetLZ4(file); err != nil {
		t.Fatal(err)
	}
	got := streamMessages(t, &s)
	if len(got) != len(want) {
		t.Fatalf("got %d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("message %d differs from the plain file's", i)
		}
	}
	if err := s.Drain(); err != nil {
		t.Fatalf("Drain at the end: got %v, want nil", err)
	}
	bad := bytes.Clone(file)
	bad[len(bad)/2] ^= 0xff
	if err := s.ResetLZ4(bad); err == nil || !strings.HasPrefix(err.Error(), "arrowbatch: corrupt LZ4 frame") {
		t.Fatalf("flipped byte: got %v, want a corrupt LZ4 frame", err)
	}
}
