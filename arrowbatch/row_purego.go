//go:build purego

package arrowbatch

// box stores value i of a rowSlab, rowBool or rowDays column into *dst,
// boxed the ordinary way. i is within the bound batch (Row checks it).
func (p *rowColumn) box(i int, dst *any) {
	switch p.kind {
	case rowSlab:
		*dst = p.at.slab.box(i)
	case rowBool:
		j := p.boff + i
		*dst = boolValues[p.bits[j>>3]>>(j&7)&1]
	default: // rowDays
		*dst = p.days[int(p.dayVals[i])-int(p.first)]
	}
}
