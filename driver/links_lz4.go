package driver

import (
	"encoding/binary"
	"errors"
	"io"
	"math/bits"

	"github.com/pierrec/lz4/v4"
)

// LZ4 frame format (lz4_Frame_format.md): a magic number, a frame
// descriptor (FLG, BD, optional content size and dictionary ID, a header
// checksum), blocks each prefixed by a little-endian uint32 size (high bit:
// stored uncompressed; zero: end of the frame) and optionally followed by a
// block checksum, then an optional content checksum. Checksums are XXH32
// with seed 0. A file may hold several frames, and skippable frames.
const (
	lz4FrameMagic     = 0x184D2204
	lz4SkippableMagic = 0x184D2A50 // the low 4 bits are free
	lz4MaxDict        = 64 << 10
)

// lz4Frames decompresses the LZ4 frames of a file held in memory one block
// at a time, so that a result file is never held decompressed as a whole.
//
// Memory: every block is decompressed into one buffer of the frame's block
// maximum size that is reused for every block of every file the decoder
// reads (the IPC messages taken from it are copied by the Arrow decoder,
// see ipcStream), and the compressed blocks are read in place from the
// downloaded file. Blocks stored uncompressed are returned as slices of the
// file itself, without a copy.
type lz4Frames struct {
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
func (z *lz4Frames) reset(src []byte) {
	z.src, z.inFrame = src, false
	z.dict = z.dict[:0]
}

// chunk returns the decompressed bytes of the next block, valid until the
// next call of chunk or reset; io.EOF after the last frame.
func (z *lz4Frames) chunk() ([]byte, error) {
	for {
		if !z.inFrame {
			if len(z.src) == 0 {
				return nil, io.EOF
			}
			if err := z.header(); err != nil {
				return nil, err
			}
			continue
		}
		if len(z.src) < 4 {
			return nil, errLZ4Truncated
		}
		size := binary.LittleEndian.Uint32(z.src)
		z.src = z.src[4:]
		if size == 0 {
			if err := z.end(); err != nil {
				return nil, err
			}
			continue
		}
		stored := size&0x80000000 != 0
		size &= 0x7FFFFFFF
		if int64(size) > int64(z.blockMax) {
			return nil, errors.New("lz4: block larger than the frame's maximum")
		}
		n := int(size)
		if len(z.src) < n {
			return nil, errLZ4Truncated
		}
		data := z.src[:n]
		z.src = z.src[n:]
		if z.blockSum {
			if len(z.src) < 4 {
				return nil, errLZ4Truncated
			}
			if xxh32Sum(data) != binary.LittleEndian.Uint32(z.src) {
				return nil, errors.New("lz4: block checksum mismatch")
			}
			z.src = z.src[4:]
		}
		var out []byte
		if stored {
			out = data
		} else {
			if cap(z.buf) < z.blockMax {
				z.buf = make([]byte, z.blockMax)
			}
			var m int
			var err error
			if z.independent || len(z.dict) == 0 {
				m, err = lz4.UncompressBlock(data, z.buf[:z.blockMax])
			} else {
				m, err = lz4.UncompressBlockWithDict(data, z.buf[:z.blockMax], z.dict)
			}
			if err != nil {
				return nil, errors.New("lz4: corrupt block")
			}
			out = z.buf[:m]
		}
		if !z.independent {
			// The next block may refer to the last 64 KiB of this one,
			// which the next decompression overwrites: keep a copy.
			z.keepDict(out)
		}
		if z.contentSum {
			z.sum.write(out)
		}
		if len(out) > 0 {
			return out, nil
		}
	}
}

// keepDict appends out to the dictionary, keeping its last 64 KiB.
func (z *lz4Frames) keepDict(out []byte) {
	if len(out) >= lz4MaxDict {
		z.dict = append(z.dict[:0], out[len(out)-lz4MaxDict:]...)
		return
	}
	if keep := lz4MaxDict - len(out); len(z.dict) > keep {
		z.dict = append(z.dict[:0], z.dict[len(z.dict)-keep:]...)
	}
	z.dict = append(z.dict, out...)
}

var errLZ4Truncated = errors.New("lz4: truncated frame")

// header reads a frame header (skipping skippable frames).
func (z *lz4Frames) header() error {
	if len(z.src) < 4 {
		return errLZ4Truncated
	}
	magic := binary.LittleEndian.Uint32(z.src)
	if magic&0xFFFFFFF0 == lz4SkippableMagic {
		if len(z.src) < 8 {
			return errLZ4Truncated
		}
		n := int64(binary.LittleEndian.Uint32(z.src[4:]))
		if int64(len(z.src))-8 < n {
			return errLZ4Truncated
		}
		z.src = z.src[8+n:]
		return nil
	}
	if magic != lz4FrameMagic {
		return errors.New("lz4: not an LZ4 frame")
	}
	if len(z.src) < 7 {
		return errLZ4Truncated
	}
	flg, bd := z.src[4], z.src[5]
	if flg>>6 != 1 {
		return errors.New("lz4: unsupported frame version")
	}
	if flg&0x02 != 0 || bd&0x8F != 0 {
		return errors.New("lz4: reserved frame bits set")
	}
	if flg&0x01 != 0 {
		return errors.New("lz4: frames with a dictionary are not supported")
	}
	desc := 2
	if flg&0x08 != 0 {
		desc += 8 // content size, not needed
	}
	if len(z.src) < 4+desc+1 {
		return errLZ4Truncated
	}
	if byte(xxh32Sum(z.src[4:4+desc])>>8) != z.src[4+desc] {
		return errors.New("lz4: frame header checksum mismatch")
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
		return errors.New("lz4: invalid block maximum size")
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
func (z *lz4Frames) end() error {
	z.inFrame = false
	if !z.contentSum {
		return nil
	}
	if len(z.src) < 4 {
		return errLZ4Truncated
	}
	if z.sum.sum() != binary.LittleEndian.Uint32(z.src) {
		return errors.New("lz4: content checksum mismatch")
	}
	z.src = z.src[4:]
	return nil
}

// XXH32 (xxhash.com), the checksum of LZ4 frames.
const (
	xxhPrime1 uint32 = 2654435761
	xxhPrime2 uint32 = 2246822519
	xxhPrime3 uint32 = 3266489917
	xxhPrime4 uint32 = 668265263
	xxhPrime5 uint32 = 374761393
)

// xxh32 is a streaming XXH32 with seed 0.
type xxh32 struct {
	v     [4]uint32
	total uint64
	tail  [16]byte
	nTail int
}

func (x *xxh32) reset() {
	*x = xxh32{v: [4]uint32{xxhPrime1, xxhPrime2, 0, 0}}
	x.v[0] += xxhPrime2 // wraps, as the algorithm wants
	x.v[3] -= xxhPrime1
}

func xxhRound(v, lane uint32) uint32 {
	return bits.RotateLeft32(v+lane*xxhPrime2, 13) * xxhPrime1
}

// stripes consumes whole 16-byte stripes of p and returns the rest.
func (x *xxh32) stripes(p []byte) []byte {
	v0, v1, v2, v3 := x.v[0], x.v[1], x.v[2], x.v[3]
	for ; len(p) >= 16; p = p[16:] {
		v0 = xxhRound(v0, binary.LittleEndian.Uint32(p))
		v1 = xxhRound(v1, binary.LittleEndian.Uint32(p[4:]))
		v2 = xxhRound(v2, binary.LittleEndian.Uint32(p[8:]))
		v3 = xxhRound(v3, binary.LittleEndian.Uint32(p[12:]))
	}
	x.v = [4]uint32{v0, v1, v2, v3}
	return p
}

func (x *xxh32) write(p []byte) {
	x.total += uint64(len(p))
	if x.nTail > 0 {
		n := copy(x.tail[x.nTail:], p)
		x.nTail += n
		p = p[n:]
		if x.nTail < 16 {
			return
		}
		x.stripes(x.tail[:])
		x.nTail = 0
	}
	p = x.stripes(p)
	x.nTail = copy(x.tail[:], p)
}

func (x *xxh32) sum() uint32 {
	var h uint32
	if x.total >= 16 {
		h = bits.RotateLeft32(x.v[0], 1) + bits.RotateLeft32(x.v[1], 7) + bits.RotateLeft32(x.v[2], 12) + bits.RotateLeft32(x.v[3], 18)
	} else {
		h = xxhPrime5
	}
	h += uint32(x.total)
	p := x.tail[:x.nTail]
	for ; len(p) >= 4; p = p[4:] {
		h = bits.RotateLeft32(h+binary.LittleEndian.Uint32(p)*xxhPrime3, 17) * xxhPrime4
	}
	for _, b := range p {
		h = bits.RotateLeft32(h+uint32(b)*xxhPrime5, 11) * xxhPrime1
	}
	h ^= h >> 15
	h *= xxhPrime2
	h ^= h >> 13
	h *= xxhPrime3
	h ^= h >> 16
	return h
}

// xxh32Sum is the XXH32 of p.
func xxh32Sum(p []byte) uint32 {
	var x xxh32
	x.reset()
	x.write(p)
	return x.sum()
}
