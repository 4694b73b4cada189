//go:build purego

package arrowbatch

// typeWord stands in for the runtime type word, which this build never
// writes.
type typeWord struct{}

// typeOf is the type word of T: nothing in this build.
func typeOf[T any]() typeWord { return typeWord{} }

// initType has nothing to record in this build.
func (s *slab[T]) initType() {}

// box returns element i as an interface, boxed the ordinary way.
func (s *slab[T]) box(i int) any { return s.vals[i] }

// boxAt returns *p as an interface, boxed the ordinary way.
func (s *slab[T]) boxAt(p *T) any { return *p }

// plan describes the slab, with the column's validity, to Reader.Row.
func (s *slab[T]) plan(v validity) rowColumn {
	return rowColumn{kind: rowSlab, at: slabAt{slab: s}, valid: v}
}

// boxer is a slab of any element type.
type boxer interface{ box(i int) any }

// slabAt locates the elements of a slab for Reader.Row.
type slabAt struct{ slab boxer }
