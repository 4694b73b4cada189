package arrowbatch

import (
	"strings"
	"unsafe"
)

// Boxing a number or a time.Time into an interface allocates once per value:
// the interface's data word points at a heap copy. For a batch read row by
// row that is an allocation per value and column, the dominant cost of a
// scan. A slab converts the values of a batch once, into one slice, and
// boxes each value as an interface that points at its element: one
// allocation per batch and column. The elements are written only while the
// slab is filled, before any of them is handed out, so a value is never
// modified once returned; the slab lives as long as any value refers to it.
//
// Writing an interface's words takes package unsafe (box_unsafe.go). Built
// with the purego tag, box_purego.go boxes each value the ordinary way
// instead: the same values, with an allocation per boxed value that is not
// a bool.

// slab holds the converted values of the current batch of one column.
// T must not be pointer-shaped (numbers and time.Time are not).
type slab[T any] struct {
	typ  typeWord
	vals []T
	full bool
}

// reset forgets the values of the previous batch (values handed out keep
// its slice alive).
func (s *slab[T]) reset() {
	s.initType()
	s.vals, s.full = nil, false
}

// alloc returns the slice to fill with the n values of the batch; the
// caller fills it before the first call of box.
func (s *slab[T]) alloc(n int) []T {
	s.vals = make([]T, n)
	s.full = true
	return s.vals
}

// textArena writes the text of a batch's DECIMAL values (at most a few dozen
// bytes each) into one buffer, and the strings of the slab are slices of it:
// one allocation per batch and column instead of one per value. A string
// kept by the caller keeps that batch's text alive, at most the column's
// text of one batch (for 10,000 DECIMAL(18,2) values about 100 KB); strings
// of the data itself are copied one by one instead, as they have no bound.
type textArena struct {
	ends []int // end offset of each value's text; reused across batches
	avg  int   // bytes per value of the previous batch, to size the next
}

// begin returns an empty buffer for n values.
func (a *textArena) begin(n int) []byte {
	if cap(a.ends) < n {
		a.ends = make([]int, n)
	}
	a.ends = a.ends[:n]
	return make([]byte, 0, n*max(a.avg, 8))
}

// finish makes dst[j] the text between the ends of values j-1 and j in buf;
// a value that wrote no text (NULL) stays "".
func (a *textArena) finish(buf []byte, dst []string) {
	start := 0
	for j, end := range a.ends {
		if end > start {
			dst[j] = unsafe.String(&buf[start], end-start)
		}
		start = end
	}
	if n := len(a.ends); n > 0 {
		a.avg = len(buf)/n + 1
	}
}

// Strings of the data are copied out of the batch so that a string kept by
// the caller does not keep the batch alive. Copying each into an allocation
// of its own costs an allocation per value; a stringCopier instead packs the
// short ones into blocks of copyBlockSize bytes, so a kept string keeps at
// most its block alive, and copies longer ones on their own.
const (
	copyBlockSize = 2048
	copyShortMax  = 128 // longer strings get an allocation of their own
)

// stringCopier copies strings into shared blocks. The bytes of a block are
// written once, before the string that covers them is handed out, and never
// again: a block is only appended to.
type stringCopier struct{ block []byte }

// clone returns a copy of v that does not share memory with v.
func (s *stringCopier) clone(v string) string {
	n := len(v)
	switch {
	case n == 0:
		return ""
	case n > copyShortMax:
		return strings.Clone(v)
	}
	if cap(s.block)-len(s.block) < n {
		s.block = make([]byte, 0, copyBlockSize)
	}
	at := len(s.block)
	s.block = append(s.block, v...)
	return unsafe.String(&s.block[at], n)
}
