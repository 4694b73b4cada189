package arrowbatch

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pierrec/lz4/v4"
)

// TestStreamLZ4Whole reads files compressed in small blocks (messages span
// them) as the plain file's messages: the first compressed file of a Stream
// in two passes and the later ones in one, into a buffer sized from the first,
// with the same messages; a file past the limit drops the buffer and is
// read in two passes, as is every file after it; a flipped byte is refused
// before any message is handed on, either way.
func TestStreamLZ4Whole(t *testing.T) {
	vals := make([]int64, 3000)
	for i := range vals {
		vals[i] = int64(i)
	}
	data := int64Stream(t, vals)
	var plain Stream
	plain.Reset(data)
	want := streamMessages(t, &plain)
	file := lz4File(t, data, true)
	same := func(what string, s *Stream) {
		t.Helper()
		got := streamMessages(t, s)
		if len(got) != len(want) {
			t.Fatalf("%s: got %d messages, want %d", what, len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("%s: message %d differs from the plain file's", what, i)
			}
		}
	}
	flipped := bytes.Clone(file)
	flipped[len(flipped)/2] ^= 0xff

	var s Stream
	if err := s.ResetLZ4(file); err != nil {
		t.Fatal(err)
	}
	if s.Detached() || s.src != &s.frames || cap(s.whole) < len(data) {
		t.Fatalf("first file: read whole %v, buffer of %d bytes for later files; want blockwise, >= %d", s.src == &s.file, cap(s.whole), len(data))
	}
	same("first file", &s)
	if err := s.Drain(); err != nil {
		t.Fatalf("Drain at the end: got %v, want nil", err)
	}
	buf := s.whole[:1]
	for i := range 2 {
		if err := s.ResetLZ4(file); err != nil {
			t.Fatal(err)
		}
		if !s.Detached() || s.src != &s.file || &s.file.b[0] != &buf[0] || cap(s.frames.Buffer()) != 0 {
			t.Fatalf("file %d: not read whole from the kept buffer alone", i+2)
		}
		same("later file", &s)
	}
	if err := s.ResetLZ4(flipped); err == nil || !strings.HasPrefix(err.Error(), "arrowbatch: corrupt LZ4 frame") {
		t.Fatalf("flipped byte, whole: got %v, want a corrupt LZ4 frame", err)
	}

	defer func(n int) { wholeMax = n }(wholeMax)
	wholeMax = len(data) - 1
	for i := range 2 {
		if err := s.ResetLZ4(file); err != nil {
			t.Fatal(err)
		}
		if s.src != &s.frames || cap(s.whole) != 0 {
			t.Fatalf("past the limit, file %d: read whole %v, buffer of %d bytes; want blockwise, none", i+1, s.src == &s.file, cap(s.whole))
		}
		same("past the limit", &s)
	}
	if err := s.ResetLZ4(flipped); err == nil || !strings.HasPrefix(err.Error(), "arrowbatch: corrupt LZ4 frame") {
		t.Fatalf("flipped byte, blockwise: got %v, want a corrupt LZ4 frame", err)
	}

	// A first file too large, or without a content checksum, keeps no
	// buffer.
	var big Stream
	if err := big.ResetLZ4(file); err != nil || cap(big.whole) != 0 {
		t.Fatalf("first file past the limit: %v, buffer of %d bytes; want none", err, cap(big.whole))
	}
	wholeMax = len(data)
	var nosum Stream
	if err := nosum.ResetLZ4(lz4File(t, data, false)); err != nil || cap(nosum.whole) != 0 {
		t.Fatalf("no content checksum: %v, buffer of %d bytes; want none", err, cap(nosum.whole))
	}
	same("no content checksum", &nosum)
}

// lz4File compresses data in 64 KiB blocks, with a content checksum or not.
func lz4File(t *testing.T, data []byte, sum bool) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := lz4.NewWriter(&out)
	if err := zw.Apply(lz4.BlockSizeOption(lz4.Block64Kb), lz4.ChecksumOption(sum)); err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
