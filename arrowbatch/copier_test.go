package arrowbatch

import (
	"strings"
	"testing"
	"unsafe"
)

// TestStringCopier checks that copies never share memory with their source,
// survive the source being overwritten, and that short strings share blocks
// of at most copyBlockSize bytes while long ones get memory of their own.
func TestStringCopier(t *testing.T) {
	var c stringCopier
	src := make([]byte, 4*copyBlockSize)
	for i := range src {
		src[i] = byte('a' + i%26)
	}
	lengths := []int{0, 1, 20, copyShortMax, copyShortMax + 1, 7, copyBlockSize - 3, 20}
	var got, want []string
	for round := range 200 {
		n := lengths[round%len(lengths)]
		off := round % 64
		v := unsafe.String(&src[off], n)
		if n == 0 {
			v = ""
		}
		want = append(want, strings.Clone(v))
		cp := c.clone(v)
		if n > 0 && unsafe.StringData(cp) == unsafe.StringData(v) {
			t.Fatalf("round %d: the copy is the source", round)
		}
		got = append(got, cp)
	}
	for i := range src {
		src[i] = '#'
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("copy %d changed with its source: %q, want %q", i, got[i], want[i])
		}
	}
	if c.block != nil && cap(c.block) != copyBlockSize {
		t.Fatalf("block of %d bytes, want %d", cap(c.block), copyBlockSize)
	}
	// A short copy lies inside the current block; a long one does not.
	short := c.clone("0123456789")
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(c.block)))
	if p := uintptr(unsafe.Pointer(unsafe.StringData(short))); p < lo || p >= lo+uintptr(cap(c.block)) {
		t.Fatal("a short string was not copied into the block")
	}
	long := c.clone(strings.Repeat("x", copyShortMax+1))
	if p := uintptr(unsafe.Pointer(unsafe.StringData(long))); p >= lo && p < lo+uintptr(cap(c.block)) {
		t.Fatal("a long string was copied into the block")
	}
}
