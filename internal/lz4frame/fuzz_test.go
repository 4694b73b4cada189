package lz4frame

import (
	"bytes"
	"testing"

	"github.com/pierrec/lz4/v4"
)

// FuzzDecode feeds arbitrary input to Decode (it must return an error or
// data, never panic) and checks that whatever pierrec/lz4 compresses is
// decompressed exactly.
func FuzzDecode(f *testing.F) {
	f.Add(compress(f, []byte("columnar data columnar data columnar data")))
	f.Add(compress(f, compressible(70000, 1), lz4.BlockSizeOption(lz4.Block64Kb), lz4.BlockChecksumOption(true), lz4.ChecksumOption(true)))
	f.Add([]byte{0x04, 0x22, 0x4d, 0x18})
	var z Reader
	f.Fuzz(func(t *testing.T, in []byte) {
		_, _ = z.Decode(nil, in)
		frame := compress(t, in, lz4.BlockSizeOption(lz4.Block64Kb))
		got, err := z.Decode(nil, frame)
		if err != nil || !bytes.Equal(got, in) {
			t.Fatalf("round trip of %d bytes: %d bytes, %v", len(in), len(got), err)
		}
	})
}
