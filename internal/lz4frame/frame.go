package lz4frame

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"slices"

	"github.com/pierrec/lz4/v4"
)

// LZ4 frame format (lz4_Frame_format.md): a magic number, a frame
// descriptor (FLG, BD, optional content size and dictionary ID, a header
// checksum), blocks each prefixed by a little-endian uint32 size (high bit:
// stored uncompressed; zero: end of the frame) and optionally followed by a
// block checksum, then an optional content checksum. Checksums are XXH32
// with seed 0. A file may hold several frames, and skippable frames.
const (
	frameMagic     = 0x184D2204
	skippableMagic = 0x184D2A50 // the low 4 bits are free
	maxDict        = 64 << 10
)

// Reader decompresses the LZ4 frames of input held in memory one block at
// a time. The zero value is ready for Reset.
//
// Memory: every block is decompressed into one buffer, which grows up to the
// frame's block maximum size as blocks need, reused for every block of every
// input the Reader reads; the compressed blocks are read in place from the
// input. Blocks stored uncompressed are returned as slices of the input
// itself, without a copy.
type Reader struct {
	src []byte // input not yet read

	inFrame     bool
	independent bool
	blockSum    bool
	contentSum  bool
	blockMax    int
	sum         xxh32

	buf  []byte // reused decompression buffer
	dict []byte // the last 64 KiB of output, for dependent blocks
}

// reset starts reading the frames of src.
func (z *Reader) Reset(src []byte) {
	z.src, z.inFrame = src, false
	z.dict = z.dict[:0]
}

// Next returns the decompressed bytes of the next block, valid until the
// next call of Next or Reset; io.EOF after the last frame.
func (z *Reader) Next() ([]byte, error) {
	for {
		data, stored, err := z.block()
		if err != nil {
			return nil, err
		}
		out := data
		if !stored {
			if out, err = z.inflate(data); err != nil {
				return nil, err
			}
		}
		z.consumed(out)
		if len(out) > 0 {
			return out, nil
		}
	}
}

// block returns the next block of the input, compressed unless stored is
// set, after checking its size and checksum; io.EOF after the last frame.
func (z *Reader) block() (data []byte, stored bool, err error) {
	for {
		if !z.inFrame {
			if len(z.src) == 0 {
				return nil, false, io.EOF
			}
			if err := z.header(); err != nil {
				return nil, false, err
			}
			continue
		}
		if len(z.src) < 4 {
			return nil, false, ErrTruncated
		}
		size := binary.LittleEndian.Uint32(z.src)
		z.src = z.src[4:]
		if size == 0 {
			if err := z.end(); err != nil {
				return nil, false, err
			}
			continue
		}
		stored = size&0x80000000 != 0
		size &= 0x7FFFFFFF
		if int64(size) > int64(z.blockMax) {
			return nil, false, errors.New("lz4frame: block larger than the frame's maximum")
		}
		n := int(size)
		if len(z.src) < n {
			return nil, false, ErrTruncated
		}
		data = z.src[:n]
		z.src = z.src[n:]
		if z.blockSum {
			if len(z.src) < 4 {
				return nil, false, ErrTruncated
			}
			if xxh32Sum(data) != binary.LittleEndian.Uint32(z.src) {
				return nil, false, errors.New("lz4frame: block checksum mismatch")
			}
			z.src = z.src[4:]
		}
		return data, stored, nil
	}
}

// errCorruptBlock is returned for a block that does not decompress.
var errCorruptBlock = errors.New("lz4frame: corrupt block")

// inflate decompresses a block into the reused buffer. The buffer starts
// at a guess from the block's compressed size, not at the frame's block
// maximum (4 MiB for most writers), so that a small result does not cost a
// large buffer; a block that does not fit is decompressed again into a
// buffer of the maximum.
func (z *Reader) inflate(data []byte) ([]byte, error) {
	if cap(z.buf) == 0 {
		z.buf = make([]byte, min(z.blockMax, max(64<<10, 4*len(data))))
	}
	room := min(cap(z.buf), z.blockMax)
	m, err := z.uncompress(data, z.buf[:room])
	if err != nil && room < z.blockMax {
		z.buf = make([]byte, z.blockMax)
		m, err = z.uncompress(data, z.buf)
	}
	if err != nil {
		return nil, errCorruptBlock
	}
	return z.buf[:m], nil
}

// uncompress decompresses a block into dst, with the dictionary of the
// blocks before it when blocks are dependent. It fails, without writing
// past dst, when dst is too short.
func (z *Reader) uncompress(data, dst []byte) (int, error) {
	if z.independent || len(z.dict) == 0 {
		return lz4.UncompressBlock(data, dst)
	}
	return lz4.UncompressBlockWithDict(data, dst, z.dict)
}

// consumed records the output of a block: for the content checksum and, when
// blocks are dependent, as the dictionary of the next.
func (z *Reader) consumed(out []byte) {
	if !z.independent {
		// The next block may refer to the last 64 KiB of this one,
		// which the next decompression overwrites: keep a copy.
		z.keepDict(out)
	}
	if z.contentSum {
		z.sum.write(out)
	}
}

// keepDict appends out to the dictionary, keeping its last 64 KiB.
func (z *Reader) keepDict(out []byte) {
	if len(out) >= maxDict {
		z.dict = append(z.dict[:0], out[len(out)-maxDict:]...)
		return
	}
	if keep := maxDict - len(out); len(z.dict) > keep {
		z.dict = append(z.dict[:0], z.dict[len(z.dict)-keep:]...)
	}
	z.dict = append(z.dict, out...)
}

// ErrTruncated is returned for input that ends inside a frame.
var ErrTruncated = errors.New("lz4frame: truncated frame")

// header reads a frame header (skipping skippable frames).
func (z *Reader) header() error {
	if len(z.src) < 4 {
		return ErrTruncated
	}
	magic := binary.LittleEndian.Uint32(z.src)
	if magic&0xFFFFFFF0 == skippableMagic {
		if len(z.src) < 8 {
			return ErrTruncated
		}
		n := int64(binary.LittleEndian.Uint32(z.src[4:]))
		if int64(len(z.src))-8 < n {
			return ErrTruncated
		}
		z.src = z.src[8+n:]
		return nil
	}
	if magic != frameMagic {
		return errors.New("lz4frame: not an LZ4 frame")
	}
	if len(z.src) < 7 {
		return ErrTruncated
	}
	flg, bd := z.src[4], z.src[5]
	if flg>>6 != 1 {
		return errors.New("lz4frame: unsupported frame version")
	}
	if flg&0x02 != 0 || bd&0x8F != 0 {
		return errors.New("lz4frame: reserved frame bits set")
	}
	if flg&0x01 != 0 {
		return errors.New("lz4frame: frames with a dictionary are not supported")
	}
	desc := 2
	if flg&0x08 != 0 {
		desc += 8 // content size, not needed
	}
	if len(z.src) < 4+desc+1 {
		return ErrTruncated
	}
	if byte(xxh32Sum(z.src[4:4+desc])>>8) != z.src[4+desc] {
		return errors.New("lz4frame: frame header checksum mismatch")
	}
	switch bd >> 4 {
	case 4:
		z.blockMax = 64 << 10
	case 5:
		z.blockMax = 256 << 10
	case 6:
		z.blockMax = 1 << 20
	case 7:
		z.blockMax = 4 << 20
	default:
		return errors.New("lz4frame: invalid block maximum size")
	}
	z.independent = flg&0x20 != 0
	z.blockSum = flg&0x10 != 0
	z.contentSum = flg&0x04 != 0
	z.sum.reset()
	z.dict = z.dict[:0]
	z.src = z.src[4+desc+1:]
	z.inFrame = true
	return nil
}

// end checks the content checksum after a frame's end mark.
func (z *Reader) end() error {
	z.inFrame = false
	if !z.contentSum {
		return nil
	}
	if len(z.src) < 4 {
		return ErrTruncated
	}
	if z.sum.sum() != binary.LittleEndian.Uint32(z.src) {
		return errors.New("lz4frame: content checksum mismatch")
	}
	z.src = z.src[4:]
	return nil
}

// Decode appends the decompressed content of every frame of src to dst and
// returns it.
func (z *Reader) Decode(dst, src []byte) ([]byte, error) {
	return z.DecodeLimit(dst, src, math.MaxInt)
}

// ErrTooLarge is returned by [Reader.DecodeLimit] for input that
// decompresses to more than its limit.
var ErrTooLarge = errors.New("lz4frame: decompressed content larger than the limit")

// DecodeLimit is [Reader.Decode] for input that may decompress to at most
// limit bytes: it stops with ErrTooLarge, dst then holding the blocks that
// fitted, once a block does not fit in what is left of the limit. Every
// block and content checksum is checked, so a nil error means src is whole
// and intact. Blocks are decompressed straight into dst, not through the
// reused buffer: a dst with room for the content costs no allocation.
func (z *Reader) DecodeLimit(dst, src []byte, limit int) ([]byte, error) {
	z.Reset(src)
	defer z.Reset(nil)
	start := len(dst)
	for {
		data, stored, err := z.block()
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
		room := limit - (len(dst) - start)
		n := len(dst)
		if stored {
			if len(data) > room {
				return dst, ErrTooLarge
			}
			dst = append(dst, data...)
		} else if dst, err = z.inflateInto(dst, data, room); err != nil {
			return dst, err
		}
		z.consumed(dst[n:])
	}
}

// inflateInto decompresses a block onto the end of dst, into its spare
// capacity when the block fits there, else into dst grown by what a block
// may hold (at most room bytes). A block that does not fit in room is
// ErrTooLarge when room is less than a block may hold (it may be corrupt
// instead: a caller that falls back to reading the input another way
// finds out), else corrupt.
func (z *Reader) inflateInto(dst, data []byte, room int) ([]byte, error) {
	want := min(z.blockMax, room)
	if spare := min(cap(dst)-len(dst), want); spare > 0 {
		if m, err := z.uncompress(data, dst[len(dst):len(dst)+spare]); err == nil {
			return dst[:len(dst)+m], nil
		}
		if spare == want {
			return dst, z.tooLargeOrCorrupt(room)
		}
	}
	dst = slices.Grow(dst, want)
	m, err := z.uncompress(data, dst[len(dst):len(dst)+want])
	if err != nil {
		return dst, z.tooLargeOrCorrupt(room)
	}
	return dst[:len(dst)+m], nil
}

// tooLargeOrCorrupt is the error of a block that did not decompress into
// room bytes.
func (z *Reader) tooLargeOrCorrupt(room int) error {
	if room < z.blockMax {
		return ErrTooLarge
	}
	return errCorruptBlock
}

// DropBuffer lets the reused decompression buffer go, for a caller that
// only calls [Reader.DecodeLimit] from now on (which does not use it).
func (z *Reader) DropBuffer() { z.buf = nil }

// Buffer returns the reused decompression buffer at its full capacity, for
// callers that check that nothing they keep refers to it.
func (z *Reader) Buffer() []byte { return z.buf[:cap(z.buf)] }

// Verify reads every frame of src to its end: headers, block sizes, block
// checksums and end marks, and, for a frame with a content checksum, the
// checksum of its decompressed content (each block is decompressed into the
// reused buffer and dropped). A frame without one is walked without
// decompressing: there is nothing to compare its content with. Callers that
// hand decompressed data on before the end of a frame verify it first, so
// that a corrupt frame gives an error before any of its data is used.
//
// size is the length of the decompressed content when every frame of src
// has a content checksum (so that all of it was decompressed), else -1.
func (z *Reader) Verify(src []byte) (size int64, err error) {
	z.Reset(src)
	defer z.Reset(nil)
	for {
		data, stored, err := z.block()
		if err == io.EOF {
			return size, nil
		}
		if err != nil {
			return -1, err
		}
		if !z.contentSum {
			size = -1
			continue
		}
		out := data
		if !stored {
			if out, err = z.inflate(data); err != nil {
				return -1, err
			}
		}
		z.consumed(out)
		if size >= 0 {
			size += int64(len(out))
		}
	}
}
