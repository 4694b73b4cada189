//go:build purego

package arrowbatch

// fillRow stores the values of row i into dest, boxing each value the
// ordinary way. i is within the bound batch (Row checks it).
func fillRow(plan []rowColumn, i int, dest []any) {
	for c := range plan {
		p := &plan[c]
		if p.valid.null(i) {
			dest[c] = nil
			continue
		}
		switch p.kind {
		case rowSlab:
			dest[c] = p.at.slab.box(i)
		case rowBool:
			j := p.boff + i
			dest[c] = boolValues[p.bits[j>>3]>>(j&7)&1]
		case rowDays:
			dest[c] = p.days[int(p.dayVals[i])-int(p.first)]
		case rowNull:
			dest[c] = nil
		default:
			dest[c] = p.col.Value(i)
		}
	}
}
