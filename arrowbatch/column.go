package arrowbatch

import (
	"fmt"

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

// secondsPerDay turns the day counts of Arrow dates into Unix seconds.
const secondsPerDay = 86400
