package lz4frame

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/pierrec/lz4/v4"
)

// compress compresses data as a frame written by pierrec/lz4 with opts.
func compress(t testing.TB, data []byte, opts ...lz4.Option) []byte {
	t.Helper()
	var out bytes.Buffer
	w := lz4.NewWriter(&out)
	if err := w.Apply(opts...); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// decodeAll decompresses every frame of src with z.Next.
func decodeAll(z *Reader, src []byte) ([]byte, error) {
	z.Reset(src)
	var out []byte
	for {
		c, err := z.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, c...)
	}
}

// compressible returns n bytes that LZ4 compresses, with some noise.
func compressible(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		if r.IntN(8) == 0 {
			b[i] = byte(r.IntN(256))
		} else {
			b[i] = "columnar data "[i%14]
		}
	}
	return b
}

func TestXXH32(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint32
	}{
		{"", 0x02CC5D05},
		{"a", 0x550D7456},
		{"abc", 0x32D153FF},
		{"Nobody inspects the spammish repetition", 0xE2293B2F},
	} {
		if got := xxh32Sum([]byte(tc.in)); got != tc.want {
			t.Errorf("xxh32(%q) = %#x, want %#x", tc.in, got, tc.want)
		}
	}
	// Streaming in pieces of any size gives the one-shot sum.
	data := compressible(1000, 7)
	want := xxh32Sum(data)
	for step := 1; step < 40; step++ {
		var x xxh32
		x.reset()
		for p := data; len(p) > 0; {
			k := min(step, len(p))
			x.write(p[:k])
			p = p[k:]
		}
		if got := x.sum(); got != want {
			t.Fatalf("step %d: %#x, want %#x", step, got, want)
		}
	}
}

func TestReaderMatchPierrec(t *testing.T) {
	var z Reader // reused across every case, as the decoder does
	for _, size := range []lz4.BlockSize{lz4.Block64Kb, lz4.Block256Kb, lz4.Block1Mb, lz4.Block4Mb} {
		for _, blockSum := range []bool{false, true} {
			for _, sum := range []bool{false, true} {
				for _, n := range []int{0, 1, 70000, 300001} {
					name := fmt.Sprintf("block=%d/blocksum=%v/sum=%v/n=%d", size, blockSum, sum, n)
					data := compressible(n, uint64(n))
					if n == 300001 {
						// Incompressible: stored blocks.
						r := rand.New(rand.NewPCG(3, 3))
						for i := range data {
							data[i] = byte(r.Uint32())
						}
					}
					frame := compress(t, data, lz4.BlockSizeOption(size), lz4.BlockChecksumOption(blockSum), lz4.ChecksumOption(sum))
					got, err := decodeAll(&z, frame)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					if !bytes.Equal(got, data) {
						t.Fatalf("%s: decompressed %d bytes differ from the %d written", name, len(got), len(data))
					}
				}
			}
		}
	}
	// Concatenated frames, with a skippable frame between them.
	a, b := compressible(5000, 1), compressible(7000, 2)
	skip := binary.LittleEndian.AppendUint32(nil, skippableMagic|3)
	skip = binary.LittleEndian.AppendUint32(skip, 3)
	skip = append(skip, 1, 2, 3)
	cat := append(append(compress(t, a), skip...), compress(t, b)...)
	got, err := decodeAll(&z, cat)
	if err != nil || !bytes.Equal(got, append(bytes.Clone(a), b...)) {
		t.Fatalf("concatenated frames: %d bytes, %v", len(got), err)
	}
}

// TestReaderDependentBlocks decodes a hand-made frame whose second block
// copies bytes from the first (block independence off).
func TestReaderDependentBlocks(t *testing.T) {
	first := []byte("abcdefgh12345678")
	// Block 2: no literals, a match of 16 bytes at offset 16 (back into
	// block 1), then 5 final literals.
	second := []byte{0x0C, 16, 0, 0x50, 'Z', 'Z', 'Z', 'Z', 'Z'}
	desc := []byte{0x40, 0x40} // version 1, dependent blocks, no checksums; 64 KiB blocks
	frame := binary.LittleEndian.AppendUint32(nil, frameMagic)
	frame = append(frame, desc...)
	frame = append(frame, byte(xxh32Sum(desc)>>8))
	frame = binary.LittleEndian.AppendUint32(frame, uint32(len(first))|0x80000000)
	frame = append(frame, first...)
	frame = binary.LittleEndian.AppendUint32(frame, uint32(len(second)))
	frame = append(frame, second...)
	frame = binary.LittleEndian.AppendUint32(frame, 0)
	var z Reader
	got, err := decodeAll(&z, frame)
	if err != nil {
		t.Fatal(err)
	}
	if want := "abcdefgh12345678abcdefgh12345678ZZZZZ"; string(got) != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestReaderCorrupt(t *testing.T) {
	data := compressible(3000, 9)
	frame := compress(t, data, lz4.BlockSizeOption(lz4.Block64Kb), lz4.BlockChecksumOption(true))
	var z Reader
	for i := 0; i < len(frame); i++ {
		if _, err := decodeAll(&z, frame[:i]); err == nil && i > 0 {
			t.Fatalf("frame cut at %d bytes of %d decoded without error", i, len(frame))
		}
		c := bytes.Clone(frame)
		c[i] ^= 0x5a
		got, err := decodeAll(&z, c)
		if err == nil && !bytes.Equal(got, data) {
			t.Fatalf("byte %d flipped: wrong data without an error", i)
		}
	}
	if _, err := decodeAll(&z, []byte("not lz4 at all")); err == nil {
		t.Fatal("garbage decoded")
	}
}

// BenchmarkXXH32 measures the checksum over a 1 MB batch.
func BenchmarkXXH32(b *testing.B) {
	data := compressible(1<<20, 3)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		xxh32Sum(data)
	}
}

// TestDecodeIntoDst decodes frames into destinations of every kind: no
// capacity, capacity for part of the content, for all of it, and after
// other bytes; the content is the same each time. A small frame does not
// grow the reused buffer to the frame's 4 MiB block maximum.
func TestDecodeIntoDst(t *testing.T) {
	data := compressible(300000, 5)
	frames := map[string][]byte{
		"64KiB blocks, checksums": compress(t, data, lz4.BlockSizeOption(lz4.Block64Kb), lz4.BlockChecksumOption(true), lz4.ChecksumOption(true)),
		"4MiB block":              compress(t, data, lz4.BlockSizeOption(lz4.Block4Mb)),
	}
	for name, frame := range frames {
		for _, tc := range []struct {
			kind string
			dst  []byte
		}{
			{"nil", nil},
			{"part", make([]byte, 0, 100000)},
			{"all", make([]byte, 0, len(data))},
			{"after a prefix", append(make([]byte, 0, len(data)+3), "abc"...)},
		} {
			var z Reader
			prefix := string(tc.dst)
			got, err := z.Decode(tc.dst, frame)
			if err != nil {
				t.Fatalf("%s, %s: %v", name, tc.kind, err)
			}
			if string(got[:len(prefix)]) != prefix || !bytes.Equal(got[len(prefix):], data) {
				t.Fatalf("%s, %s: content differs", name, tc.kind)
			}
		}
	}
	var small Reader
	if got, err := small.Decode(nil, compress(t, []byte("a small result"), lz4.BlockSizeOption(lz4.Block4Mb))); err != nil || string(got) != "a small result" {
		t.Fatalf("small frame: %q, %v", got, err)
	}
	if n := cap(small.Buffer()); n >= 4<<20 {
		t.Fatalf("a 14-byte frame grew the buffer to %d bytes", n)
	}
	// A block larger than the first guess grows the buffer once.
	big := compressible(3<<20, 6)
	if got, err := small.Decode(nil, compress(t, big, lz4.BlockSizeOption(lz4.Block4Mb))); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("3 MiB after a small frame: %d bytes, %v", len(got), err)
	}
	// Dependent blocks: the second refers to the first.
	first := []byte("abcdefgh12345678")
	desc := []byte{0x40, 0x40}
	frame := binary.LittleEndian.AppendUint32(nil, frameMagic)
	frame = append(frame, desc...)
	frame = append(frame, byte(xxh32Sum(desc)>>8))
	frame = binary.LittleEndian.AppendUint32(frame, uint32(len(first))|0x80000000)
	frame = append(frame, first...)
	second := []byte{0x0C, 16, 0, 0x50, 'Z', 'Z', 'Z', 'Z', 'Z'}
	frame = binary.LittleEndian.AppendUint32(frame, uint32(len(second)))
	frame = append(frame, second...)
	frame = binary.LittleEndian.AppendUint32(frame, 0)
	var z Reader
	got, err := z.Decode(make([]byte, 0, 1<<20), frame)
	if want := "abcdefgh12345678abcdefgh12345678ZZZZZ"; err != nil || string(got) != want {
		t.Fatalf("dependent blocks: %q, %v", got, err)
	}
	// A block whose match reaches before the output is an error whatever
	// the room.
	desc = []byte{0x60, 0x40} // independent blocks, 64 KiB
	bad := binary.LittleEndian.AppendUint32(nil, frameMagic)
	bad = append(bad, desc...)
	bad = append(bad, byte(xxh32Sum(desc)>>8))
	block := []byte{0x14, 'a', 100, 0, 0x10, 'b'} // "a", then a match at offset 100
	bad = binary.LittleEndian.AppendUint32(bad, uint32(len(block)))
	bad = append(bad, block...)
	bad = binary.LittleEndian.AppendUint32(bad, 0)
	for _, dst := range [][]byte{nil, make([]byte, 0, 1<<20)} {
		if _, err := z.Decode(dst, bad); err == nil {
			t.Fatal("corrupt frame decoded")
		}
	}
}

// Verify agrees with Decode on every cut and every flipped byte of a
// frame with a content checksum: whatever Decode rejects, Verify rejects,
// and a frame it accepts decodes to the original data.
func TestVerify(t *testing.T) {
	data := compressible(3000, 9)
	frame := compress(t, data, lz4.BlockSizeOption(lz4.Block64Kb), lz4.ChecksumOption(true))
	var z Reader
	if n, err := z.Verify(frame); err != nil || n != int64(len(data)) {
		t.Fatalf("got size %d, %v; want %d, nil", n, err, len(data))
	}
	for i := 0; i < len(frame); i++ {
		if _, err := z.Verify(frame[:i]); err == nil && i > 0 {
			t.Fatalf("frame cut at %d bytes of %d verified", i, len(frame))
		}
		c := bytes.Clone(frame)
		c[i] ^= 0x5a
		if _, err := z.Verify(c); err != nil {
			continue
		}
		got, err := decodeAll(&z, c)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("byte %d flipped: verified, but decodes to %d bytes, %v", i, len(got), err)
		}
	}
	// Without a content checksum the frame's structure is still checked,
	// and its size is not known.
	plain := compress(t, data, lz4.ChecksumOption(false))
	if n, err := z.Verify(plain); err != nil || n != -1 {
		t.Fatalf("no content checksum: got size %d, %v; want -1, nil", n, err)
	}
	if _, err := z.Verify(plain[:len(plain)-2]); err == nil {
		t.Fatal("a frame without its end mark verified")
	}
}

// TestDecodeLimit decodes content of exactly the limit, refuses one byte
// more with ErrTooLarge (keeping only whole blocks that fitted), and reports
// corruption, not the limit, for a damaged frame.
func TestDecodeLimit(t *testing.T) {
	data := compressible(300<<10, 3)
	frame := compress(t, data, lz4.BlockSizeOption(lz4.Block64Kb), lz4.ChecksumOption(true))
	var z Reader
	got, err := z.DecodeLimit([]byte("pre"), frame, len(data))
	if err != nil || string(got[:3]) != "pre" || !bytes.Equal(got[3:], data) {
		t.Fatalf("at the limit: %d bytes, %v", len(got), err)
	}
	got, err = z.DecodeLimit(nil, frame, len(data)-1)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("one byte over: got %v, want ErrTooLarge", err)
	}
	if len(got) >= len(data) || !bytes.Equal(got, data[:len(got)]) {
		t.Fatalf("one byte over: kept %d bytes, want a prefix shorter than %d", len(got), len(data))
	}
	// Into a dst with room for the content: no allocation, not even of
	// the block buffer; into one without: grown.
	exact := make([]byte, 0, len(data))
	if n := testing.AllocsPerRun(5, func() { _, _ = z.DecodeLimit(exact, frame, len(data)) }); n != 0 {
		t.Fatalf("into a dst with room: %v allocations, want 0", n)
	}
	if cap(z.Buffer()) != 0 {
		t.Fatalf("DecodeLimit grew the block buffer to %d bytes", cap(z.Buffer()))
	}
	got, err = z.DecodeLimit(make([]byte, 0, 10), frame, len(data))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("into a small dst: %d bytes, %v", len(got), err)
	}
	noise := make([]byte, 100<<10)
	r := rand.New(rand.NewPCG(7, 7))
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	stored := compress(t, noise, lz4.BlockSizeOption(lz4.Block64Kb), lz4.ChecksumOption(true))
	if got, err := z.DecodeLimit(nil, stored, len(noise)); err != nil || !bytes.Equal(got, noise) {
		t.Fatalf("incompressible content (stored blocks): %d bytes, %v", len(got), err)
	}
	bad := bytes.Clone(frame)
	bad[len(bad)-2] ^= 0xff // the content checksum
	if _, err := z.DecodeLimit(nil, bad, len(data)); err == nil || errors.Is(err, ErrTooLarge) {
		t.Fatalf("flipped checksum: got %v, want a corruption error", err)
	}
}
