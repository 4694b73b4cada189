//go:build !purego

package arrowbatch

import "unsafe"

// box stores value i of a rowSlab, rowBool or rowDays column into *dst,
// writing the interface's two words in place. i is within the bound batch
// (Row checks it).
func (p *rowColumn) box(i int, dst *any) {
	var data unsafe.Pointer
	switch p.kind {
	case rowSlab:
		// Sound for the reasons given in box.go: the slab is filled before
		// any of its elements is boxed and never written again, and
		// i < r.rows, the slab's length.
		data = unsafe.Add(p.at.base, uintptr(i)*p.at.size)
	case rowBool:
		// A bool interface that points at a bool that never changes, as
		// the runtime boxes small values itself.
		j := p.boff + i
		data = unsafe.Pointer(&boolValues[p.bits[j>>3]>>(j&7)&1])
	default: // rowDays
		// The table is filled before it is planned and never written
		// again; the index is bounds-checked.
		data = unsafe.Pointer(&p.days[int(p.dayVals[i])-int(p.first)])
	}
	// The interface is written in place, its two words straight from
	// registers (building it in a local first costs a round trip through
	// the stack). The stores are of unsafe.Pointer fields, so the compiler
	// emits the garbage collector's write barriers as it does for
	// *dst = x; the type word points at a type compiled into the binary.
	e := (*eface)(unsafe.Pointer(dst))
	e.typ, e.data = p.typ, data
}
