package arrowbatch

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal"
)

type decimal128Column struct {
	validity
	vals  []decimal.Decimal128
	scale int32
	slab  slab[string]
	text  textArena
}

// Reset implements Column.
func (c *decimal128Column) Reset(arr arrow.Array) {
	c.validity.reset(arr)
	c.vals = fixedValues[decimal.Decimal128](arr)
	c.slab.reset()
}

// Value implements Column.
func (c *decimal128Column) Value(i int) any {
	if c.null(i) {
		return nil
	}
	if !c.slab.full {
		c.fill()
	}
	return c.slab.box(i)
}

func (c *decimal128Column) fill() {
	dst := c.slab.alloc(len(c.vals))
	buf := c.text.begin(len(c.vals))
	for j, v := range c.vals {
		if !c.null(j) {
			buf = appendDecimal128(buf, v, c.scale)
		}
		c.text.ends[j] = len(buf)
	}
	c.text.finish(buf, dst)
}

// rowPlan implements rowSource.
func (c *decimal128Column) rowPlan() rowColumn {
	if !c.slab.full {
		c.fill()
	}
	return c.slab.plan(c.validity)
}

type decimalIntColumn[T decimal.Decimal32 | decimal.Decimal64] struct {
	validity
	vals  []T
	scale int32
	slab  slab[string]
	text  textArena
}

// Reset implements Column.
func (c *decimalIntColumn[T]) Reset(arr arrow.Array) {
	c.validity.reset(arr)
	c.vals = fixedValues[T](arr)
	c.slab.reset()
}

// Value implements Column.
func (c *decimalIntColumn[T]) Value(i int) any {
	if c.null(i) {
		return nil
	}
	if !c.slab.full {
		c.fill()
	}
	return c.slab.box(i)
}

func (c *decimalIntColumn[T]) fill() {
	dst := c.slab.alloc(len(c.vals))
	buf := c.text.begin(len(c.vals))
	for j, v := range c.vals {
		if !c.null(j) {
			buf = appendDecimalInt(buf, int64(v), c.scale)
		}
		c.text.ends[j] = len(buf)
	}
	c.text.finish(buf, dst)
}

// rowPlan implements rowSource.
func (c *decimalIntColumn[T]) rowPlan() rowColumn {
	if !c.slab.full {
		c.fill()
	}
	return c.slab.plan(c.validity)
}

type decimalBigColumn struct {
	validity
	vals  []decimal.Decimal256
	scale int32
}

// Reset implements Column.
func (c *decimalBigColumn) Reset(arr arrow.Array) {
	c.validity.reset(arr)
	c.vals = fixedValues[decimal.Decimal256](arr)
}

// Value implements Column.
func (c *decimalBigColumn) Value(i int) any {
	if c.null(i) {
		return nil
	}
	return formatBig(c.vals[i].BigInt(), c.scale)
}
