//go:build !purego

package arrowbatch

import "unsafe"

// eface is the layout of an empty interface (runtime.eface).
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// typeWord is the runtime type word of an interface.
type typeWord = unsafe.Pointer

// typeOf is the runtime type word of T.
func typeOf[T any]() typeWord {
	var x any = *new(T)
	return (*eface)(unsafe.Pointer(&x)).typ
}

// initType records the type word of T once.
func (s *slab[T]) initType() {
	if s.typ == nil {
		s.typ = typeOf[T]()
	}
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
	return rowColumn{kind: rowSlab, typ: s.typ, at: slabAt{base: unsafe.Pointer(unsafe.SliceData(s.vals)), size: unsafe.Sizeof(zero)}, valid: v}
}

// slabAt locates the elements of a slab for Reader.Row.
type slabAt struct {
	base unsafe.Pointer // the slab's first element
	size uintptr        // the size of an element
}
