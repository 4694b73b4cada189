package arrowbatch

import (
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal"
)

// Column reads the values of one column of the current batch.
type Column interface {
	// Reset points the reader at arr, which must have the column's Arrow
	// type and be valid (as the arrays of a record returned by
	// [Reader.Decode] are). [Reader.Bind] checks both.
	Reset(arr arrow.Array)
	// Value returns the value of row i, nil for NULL. Strings and byte
	// slices are copies that stay valid after the batch is released.
	Value(i int) any
}

// maxScale bounds the decimal scale accepted in a schema.
const maxScale = 100

// planColumns builds one reader per field of schema.
func planColumns(schema *arrow.Schema, opts Options) ([]Column, error) {
	cols := make([]Column, schema.NumFields())
	for i, f := range schema.Fields() {
		c, err := newColumn(f.Type, opts)
		if err != nil {
			return nil, fmt.Errorf("arrowbatch: column %d (%s): %w", i, f.Name, err)
		}
		cols[i] = c
	}
	return cols, nil
}

// newColumn returns the reader for values of type dt.
func newColumn(dt arrow.DataType, opts Options) (Column, error) {
	loc := opts.location()
	switch t := dt.(type) {
	case *arrow.NullType:
		return nullColumn{}, nil
	case *arrow.BooleanType:
		return &boolColumn{}, nil
	case *arrow.Int8Type:
		return &fixedColumn[int8]{}, nil
	case *arrow.Int16Type:
		return &fixedColumn[int16]{}, nil
	case *arrow.Int32Type:
		return &fixedColumn[int32]{}, nil
	case *arrow.Int64Type:
		return &fixedColumn[int64]{}, nil
	case *arrow.Uint8Type:
		return &fixedColumn[uint8]{}, nil
	case *arrow.Uint16Type:
		return &fixedColumn[uint16]{}, nil
	case *arrow.Uint32Type:
		return &fixedColumn[uint32]{}, nil
	case *arrow.Uint64Type:
		return &fixedColumn[uint64]{}, nil
	case *arrow.Float32Type:
		return &fixedColumn[float32]{}, nil
	case *arrow.Float64Type:
		return &fixedColumn[float64]{}, nil
	case *arrow.StringType:
		return &stringColumn{}, nil
	case *arrow.LargeStringType, *arrow.StringViewType:
		return &textColumn{}, nil
	case *arrow.BinaryType:
		return &binaryColumn{}, nil
	case *arrow.LargeBinaryType, *arrow.BinaryViewType, *arrow.FixedSizeBinaryType:
		return &bytesColumn{}, nil
	case *arrow.Date32Type:
		return &date32Column{}, nil
	case *arrow.Date64Type:
		return &date64Column{}, nil
	case *arrow.TimestampType:
		return newTimestampColumn(t.Unit, loc), nil
	case arrow.DecimalType:
		scale := t.GetScale()
		if scale > maxScale || scale < -maxScale {
			return nil, fmt.Errorf("decimal scale %d out of range", scale)
		}
		switch t.(type) {
		case *arrow.Decimal128Type:
			return &decimal128Column{scale: scale}, nil
		case *arrow.Decimal32Type:
			return &decimalIntColumn[decimal.Decimal32]{scale: scale}, nil
		case *arrow.Decimal64Type:
			return &decimalIntColumn[decimal.Decimal64]{scale: scale}, nil
		default:
			return &decimalBigColumn{scale: scale}, nil
		}
	case *arrow.ListType, *arrow.LargeListType, *arrow.FixedSizeListType,
		*arrow.ListViewType, *arrow.LargeListViewType, *arrow.MapType, *arrow.StructType:
		if err := checkNested(dt, 0); err != nil {
			return nil, err
		}
		return &jsonColumn{loc: loc}, nil
	default:
		return &textFallbackColumn{}, nil
	}
}

// checkNested rejects decimal scales out of range inside nested types.
func checkNested(dt arrow.DataType, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("type nested too deep")
	}
	switch t := dt.(type) {
	case arrow.DecimalType:
		if s := t.GetScale(); s > maxScale || s < -maxScale {
			return fmt.Errorf("decimal scale %d out of range", s)
		}
	case arrow.NestedType:
		for _, f := range t.Fields() {
			if err := checkNested(f.Type, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// validity holds the validity bitmap of the current array.
type validity struct {
	bits []byte // nil when the array has no NULLs
	off  int
}

func (v *validity) reset(arr arrow.Array) {
	v.off = arr.Data().Offset()
	v.bits = nil
	if arr.NullN() > 0 {
		v.bits = arr.NullBitmapBytes()
	}
}

func (v *validity) null(i int) bool {
	return v.bits != nil && !bitutil.BitIsSet(v.bits, v.off+i)
}

type nullColumn struct{}

// Reset implements Column.
func (nullColumn) Reset(arrow.Array) {}

// Value implements Column.
func (nullColumn) Value(int) any { return nil }

// rowPlan implements rowSource.
func (nullColumn) rowPlan() rowColumn { return rowColumn{kind: rowNull} }

type boolColumn struct {
	validity
	a *array.Boolean
}

// Reset implements Column.
func (c *boolColumn) Reset(arr arrow.Array) {
	c.validity.reset(arr)
	c.a = arr.(*array.Boolean)
}

// rowPlan implements rowSource: Row boxes the bits of the value bitmap.
func (c *boolColumn) rowPlan() rowColumn {
	d := c.a.Data()
	return rowColumn{kind: rowBool, typ: boolType, valid: c.validity, bits: bufferBytes(d.Buffers(), 1), boff: d.Offset()}
}

// Value implements Column.
func (c *boolColumn) Value(i int) any {
	if c.a.IsNull(i) {
		return nil
	}
	return c.a.Value(i)
}

// fixedColumn reads fixed-width numbers straight from the data buffer.
type fixedColumn[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64 | float32 | float64] struct {
	validity
	vals []T
	slab slab[T]
}

// Reset implements Column.
func (c *fixedColumn[T]) Reset(arr arrow.Array) {
	c.validity.reset(arr)
	c.vals = fixedValues[T](arr)
	c.slab.reset()
}

// Value implements Column.
func (c *fixedColumn[T]) Value(i int) any {
	if c.null(i) {
		return nil
	}
	if !c.slab.full {
		c.fill()
	}
	return c.slab.box(i)
}

func (c *fixedColumn[T]) fill() { copy(c.slab.alloc(len(c.vals)), c.vals) }

// rowPlan implements rowSource.
func (c *fixedColumn[T]) rowPlan() rowColumn {
	if !c.slab.full {
		c.fill()
	}
	return c.slab.plan(c.validity)
}

// fixedValues returns the values of a fixed-width array, offset applied.
func fixedValues[T arrow.FixedWidthType](arr arrow.Array) []T {
	d := arr.Data()
	if d.Len() == 0 {
		return nil
	}
	return arrow.GetData[T](d.Buffers()[1].Bytes())[d.Offset() : d.Offset()+d.Len()]
}

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

const secondsPerDay = 86400

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
