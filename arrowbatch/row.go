package arrowbatch

import (
	"fmt"
	"time"
)

// rowKind says how Reader.Row produces the values of a column.
type rowKind uint8

const (
	rowValue rowKind = iota // Column.Value
	rowSlab                 // element i of a slab, boxed in place
	rowBool                 // bit i of a value bitmap, boxed from boolValues
	rowNull                 // always nil
	rowDays                 // the entry of a table of dates for day dayVals[i]
)

// rowColumn describes one column of the bound batch to Reader.Row.
type rowColumn struct {
	kind  rowKind
	typ   typeWord // type word of the values (rowSlab, rowBool, rowDays)
	at    slabAt   // rowSlab: where the slab's elements are
	bits  []byte   // rowBool: the value bitmap
	boff  int      // rowBool: the array's offset into bits
	valid validity // rowSlab, rowBool, rowDays: NULLs
	col   Column   // rowValue

	dayVals []int32     // rowDays: the days since the epoch of the batch
	days    []time.Time // rowDays: midnight UTC of every day from first on
	first   int32
}

// rowSource is implemented by the columns whose values Row boxes itself,
// without a call of Value per value. rowPlan converts the bound batch if
// Value has not already done so.
type rowSource interface {
	rowPlan() rowColumn
}

// boolValues are what boxed BOOLEAN values point at: immutable, and not on
// the heap.
var boolValues = [2]bool{false, true}

// boolType is the type word of bool.
var boolType = typeOf[bool]()

// Row stores the values of row i of the batch of the last Bind into dest,
// one per column in schema order: dest[c] gets what Columns()[c].Value(i)
// returns, faster. Row converts every column of the batch on its first
// call after Bind and then only boxes values in place, with no method call
// per value. It panics if i is out of range or dest is longer than the
// schema.
func (r *Reader) Row(i int, dest []any) {
	if uint(i) >= uint(r.rows) {
		panic(fmt.Sprintf("arrowbatch: row %d out of range [0,%d)", i, r.rows))
	}
	if !r.planned {
		r.planRows()
	}
	plan := r.plan[:len(dest)]
	for c := range plan {
		p := &plan[c]
		switch {
		case p.valid.null(i) || p.kind == rowNull:
			dest[c] = nil
		case p.kind == rowValue:
			dest[c] = p.col.Value(i)
		default:
			p.box(i, &dest[c])
		}
	}
}

// planRows converts every column of the bound batch and records where
// their values are.
func (r *Reader) planRows() {
	if cap(r.plan) < len(r.cols) {
		r.plan = make([]rowColumn, len(r.cols))
	}
	r.plan = r.plan[:len(r.cols)]
	for c, col := range r.cols {
		if rs, ok := col.(rowSource); ok {
			r.plan[c] = rs.rowPlan()
		} else {
			r.plan[c] = rowColumn{kind: rowValue, col: col}
		}
	}
	r.planned = true
}
