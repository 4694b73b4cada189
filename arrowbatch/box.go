package arrowbatch

import "unsafe"

// Boxing a number or a time.Time into an interface allocates once per value:
// the interface's data word points at a heap copy. For a batch read row by
// row that is an allocation per value and column, the dominant cost of a
// scan. A slab converts the values of a batch once, into one slice, and
// boxes each value as an interface that points at its element: one
// allocation per batch and column. The elements are written only while the
// slab is filled, before any of them is handed out, so a value is never
// modified once returned; the slab lives as long as any value refers to it.

// eface is the layout of an empty interface (runtime.eface).
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// typeOf is the runtime type word of T.
func typeOf[T any]() unsafe.Pointer {
	var x any = *new(T)
	return (*eface)(unsafe.Pointer(&x)).typ
}

// slab holds the converted values of the current batch of one column.
// T must not be pointer-shaped (numbers and time.Time are not).
type slab[T any] struct {
	typ  unsafe.Pointer
	vals []T
	full bool
}

// reset forgets the values of the previous batch (values handed out keep
// its slice alive).
func (s *slab[T]) reset() {
	if s.typ == nil {
		s.typ = typeOf[T]()
	}
	s.vals, s.full = nil, false
}

// alloc returns the slice to fill with the n values of the batch; the
// caller fills it before the first call of box.
func (s *slab[T]) alloc(n int) []T {
	s.vals = make([]T, n)
	s.full = true
	return s.vals
}

// box returns element i as an interface.
func (s *slab[T]) box(i int) any {
	var x any
	e := (*eface)(unsafe.Pointer(&x))
	e.typ = s.typ
	e.data = unsafe.Pointer(&s.vals[i])
	return x
}

// boxAt returns *p as an interface that points at it. p must point at a
// value that is never modified again, as a slab's elements are not.
func (s *slab[T]) boxAt(p *T) any {
	var x any
	e := (*eface)(unsafe.Pointer(&x))
	e.typ = s.typ
	e.data = unsafe.Pointer(p)
	return x
}

// plan describes the slab, with the column's validity, to Reader.Row.
func (s *slab[T]) plan(v validity) rowColumn {
	var zero T
	return rowColumn{kind: rowSlab, typ: s.typ, base: unsafe.Pointer(unsafe.SliceData(s.vals)), size: unsafe.Sizeof(zero), valid: v}
}
