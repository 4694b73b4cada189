package lz4frame

import (
	"encoding/binary"
	"math/bits"
)

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
	n := len(p) &^ 15
	for i := 0; i < n; i += 16 {
		s := (*[16]byte)(p[i : i+16]) // one bounds check per stripe
		v0 = xxhRound(v0, binary.LittleEndian.Uint32(s[0:]))
		v1 = xxhRound(v1, binary.LittleEndian.Uint32(s[4:]))
		v2 = xxhRound(v2, binary.LittleEndian.Uint32(s[8:]))
		v3 = xxhRound(v3, binary.LittleEndian.Uint32(s[12:]))
	}
	x.v = [4]uint32{v0, v1, v2, v3}
	return p[n:]
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
