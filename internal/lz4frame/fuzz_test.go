package lz4frame

import (
	"bytes"
	"testing"

	"github.com/pierrec/lz4/v4"
)

// FuzzDecode feeds arbitrary input to Decode, with and without room in the
// destination (it must return an error or data, never panic), and checks
// that whatever pierrec/lz4 compresses is decompressed exactly.
func FuzzDecode(f *testing.F) {
	f.Add(compress(f, []byte("columnar data columnar data columnar data")))
	f.Add(compress(f, compressible(70000, 1), lz4.BlockSizeOption(lz4.Block64Kb), lz4.BlockChecksumOption(true), lz4.ChecksumOption(true)))
	f.Add([]byte{0x04, 0x22, 0x4d, 0x18})
	var z Reader
	f.Fuzz(func(t *testing.T, in []byte) {
		// Into an empty destination and into one with room.
		_, _ = z.Decode(nil, in)
		_, _ = z.Decode(make([]byte, 0, 4*len(in)+64), in)
		frame := compress(t, in, lz4.BlockSizeOption(lz4.Block64Kb))
		for _, dst := range [][]byte{nil, make([]byte, 0, len(in)/2), make([]byte, 0, len(in)+64<<10)} {
			got, err := z.Decode(dst, frame)
			if err != nil || !bytes.Equal(got, in) {
				t.Fatalf("round trip of %d bytes into a buffer of %d: %d bytes, %v", len(in), cap(dst), len(got), err)
			}
		}
	})
}
