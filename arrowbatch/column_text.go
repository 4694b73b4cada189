package arrowbatch

// The columns of text and bytes values (utf8, large and view strings,
// binary), and those rendered as text: nested values as JSON, and the
// types outside the value conventions.

import (
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// stringColumn reads utf8 strings, copied out of the batch.
type stringColumn struct {
	validity
	a    *array.String
	slab slab[string]
	cp   stringCopier
}

// Reset implements Column.
func (c *stringColumn) Reset(arr arrow.Array) {
	c.validity.reset(arr)
	c.a = arr.(*array.String)
	c.slab.reset()
}

// Value implements Column: the strings of the batch are copied on first use,
// and boxed without a further allocation.
func (c *stringColumn) Value(i int) any {
	if c.null(i) {
		return nil
	}
	if !c.slab.full {
		c.fill()
	}
	return c.slab.box(i)
}

// fill copies every string of the batch out of it (see stringCopier): a
// string kept by the user pins at most a block of copies, not the batch.
func (c *stringColumn) fill() {
	dst := c.slab.alloc(c.a.Len())
	for j := range dst {
		if !c.null(j) {
			dst[j] = c.cp.clone(c.a.Value(j))
		}
	}
}

// rowPlan implements rowSource.
func (c *stringColumn) rowPlan() rowColumn {
	if !c.slab.full {
		c.fill()
	}
	return c.slab.plan(c.validity)
}

// textArray is implemented by the string arrays other than utf8.
type textArray interface {
	Len() int
	IsNull(i int) bool
	Value(i int) string
}

type textColumn struct {
	validity
	a    textArray
	slab slab[string]
	cp   stringCopier
}

// Reset implements Column.
func (c *textColumn) Reset(arr arrow.Array) {
	c.validity.reset(arr)
	c.a = arr.(textArray)
	c.slab.reset()
}

// Value implements Column.
func (c *textColumn) Value(i int) any {
	if c.null(i) {
		return nil
	}
	if !c.slab.full {
		c.fill()
	}
	return c.slab.box(i)
}

// fill copies every string of the batch, as stringColumn.fill does.
func (c *textColumn) fill() {
	dst := c.slab.alloc(c.a.Len())
	for j := range dst {
		if !c.null(j) {
			dst[j] = c.cp.clone(c.a.Value(j))
		}
	}
}

// rowPlan implements rowSource.
func (c *textColumn) rowPlan() rowColumn {
	if !c.slab.full {
		c.fill()
	}
	return c.slab.plan(c.validity)
}

// byteSlab holds a copy of every value of a binary column for Reader.Row,
// so that boxing a []byte costs no allocation beyond its copy. Value itself
// returns a new copy at every call: the caller may modify a slice it was
// given, which must not change what another call returns.
type byteSlab struct {
	validity
	slab slab[[]byte]
}

// reset forgets the previous batch.
func (b *byteSlab) reset(arr arrow.Array) {
	b.validity.reset(arr)
	b.slab.reset()
}

// plan copies the values of a on first use and describes them to Row.
func (b *byteSlab) plan(a bytesArray) rowColumn {
	if !b.slab.full {
		dst := b.slab.alloc(a.Len())
		for j := range dst {
			if !b.null(j) {
				dst[j] = append([]byte{}, a.Value(j)...)
			}
		}
	}
	return b.slab.plan(b.validity)
}

type binaryColumn struct {
	a    *array.Binary
	rows byteSlab
}

// Reset implements Column.
func (c *binaryColumn) Reset(arr arrow.Array) {
	c.a = arr.(*array.Binary)
	c.rows.reset(arr)
}

// Value implements Column.
func (c *binaryColumn) Value(i int) any {
	if c.a.IsNull(i) {
		return nil
	}
	return append([]byte{}, c.a.Value(i)...)
}

// rowPlan implements rowSource.
func (c *binaryColumn) rowPlan() rowColumn { return c.rows.plan(c.a) }

// bytesArray is implemented by the binary arrays.
type bytesArray interface {
	Len() int
	IsNull(i int) bool
	Value(i int) []byte
}

type bytesColumn struct {
	a    bytesArray
	rows byteSlab
}

// Reset implements Column.
func (c *bytesColumn) Reset(arr arrow.Array) {
	c.a = arr.(bytesArray)
	c.rows.reset(arr)
}

// rowPlan implements rowSource.
func (c *bytesColumn) rowPlan() rowColumn { return c.rows.plan(c.a) }

// Value implements Column.
func (c *bytesColumn) Value(i int) any {
	if c.a.IsNull(i) {
		return nil
	}
	return append([]byte{}, c.a.Value(i)...)
}

// jsonColumn renders list, map and struct values as JSON text.
type jsonColumn struct {
	arr arrow.Array
	loc *time.Location
	buf []byte
}

// Reset implements Column.
func (c *jsonColumn) Reset(arr arrow.Array) { c.arr = arr }

// Value implements Column.
func (c *jsonColumn) Value(i int) any {
	if c.arr.IsNull(i) {
		return nil
	}
	c.buf = appendJSON(c.buf[:0], c.arr, i, c.loc)
	return string(c.buf)
}

// textFallbackColumn returns the text form of types outside the value
// conventions, copied: arrow-go's text of a string-backed type (an extension
// type, a dictionary) may be a slice of the batch.
type textFallbackColumn struct{ arr arrow.Array }

// Reset implements Column.
func (c *textFallbackColumn) Reset(arr arrow.Array) { c.arr = arr }

// Value implements Column.
func (c *textFallbackColumn) Value(i int) any {
	if c.arr.IsNull(i) {
		return nil
	}
	return strings.Clone(c.arr.ValueStr(i))
}
