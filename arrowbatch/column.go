package arrowbatch

import (
	"fmt"
	"math"
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
}

// Reset implements Column.
func (c *stringColumn) Reset(arr arrow.Array) {
	c.validity.reset(arr)
	c.a = arr.(*array.String)
	c.slab.reset()
}

// Value implements Column: one copy per string, made for the whole batch
// on first use, boxed without a further allocation.
func (c *stringColumn) Value(i int) any {
	if c.null(i) {
		return nil
	}
	if !c.slab.full {
		c.fill()
	}
	return c.slab.box(i)
}

// fill copies every string of the batch into memory of its own: a string
// kept by the user pins only itself, not the batch.
func (c *stringColumn) fill() {
	dst := c.slab.alloc(c.a.Len())
	for j := range dst {
		if !c.null(j) {
			dst[j] = strings.Clone(c.a.Value(j))
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
			dst[j] = strings.Clone(c.a.Value(j))
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

// date32Column converts days since the epoch to midnight UTC. Dates of a
// batch often span fewer days than the batch has rows; the batch then gets
// a table of one time.Time per day of its span instead of one per row, and
// a value points at its day's entry.
type date32Column struct {
	validity
	vals []int32
	slab slab[time.Time]
	// days, when not nil, is the table of days from first on; the slab is
	// then unused (but full).
	days  []time.Time
	first int32
}

// Reset implements Column.
func (c *date32Column) Reset(arr arrow.Array) {
	c.validity.reset(arr)
	c.vals = fixedValues[int32](arr)
	c.slab.reset()
	c.days = nil
}

// Value implements Column.
func (c *date32Column) Value(i int) any {
	if c.null(i) {
		return nil
	}
	if !c.slab.full {
		c.fill()
	}
	if c.days != nil {
		return c.slab.boxAt(&c.days[int(c.vals[i])-int(c.first)])
	}
	return c.slab.box(i)
}

// fill converts the batch: into a table of its span of days when that is
// shorter than the batch, else into one time.Time per row.
func (c *date32Column) fill() {
	lo, hi, some := int32(math.MaxInt32), int32(math.MinInt32), false
	for j, v := range c.vals {
		if !c.null(j) {
			lo, hi, some = min(lo, v), max(hi, v), true
		}
	}
	if some && int64(hi)-int64(lo) < int64(len(c.vals)) {
		days := make([]time.Time, int(int64(hi)-int64(lo))+1)
		for k := range days {
			days[k] = time.Unix((int64(lo)+int64(k))*secondsPerDay, 0).UTC()
		}
		c.days, c.first = days, lo
		c.slab.full = true
		return
	}
	dst := c.slab.alloc(len(c.vals))
	for j, v := range c.vals {
		if !c.null(j) {
			dst[j] = time.Unix(int64(v)*secondsPerDay, 0).UTC()
		}
	}
}

// rowPlan implements rowSource.
func (c *date32Column) rowPlan() rowColumn {
	if !c.slab.full {
		c.fill()
	}
	if c.days != nil {
		return rowColumn{kind: rowDays, typ: c.slab.typ, valid: c.validity, dayVals: c.vals, days: c.days, first: c.first}
	}
	return c.slab.plan(c.validity)
}

type date64Column struct {
	validity
	vals []int64
	slab slab[time.Time]
}

// Reset implements Column.
func (c *date64Column) Reset(arr arrow.Array) {
	c.validity.reset(arr)
	c.vals = fixedValues[int64](arr)
	c.slab.reset()
}

// Value implements Column.
func (c *date64Column) Value(i int) any {
	if c.null(i) {
		return nil
	}
	if !c.slab.full {
		c.fill()
	}
	return c.slab.box(i)
}

// fill converts milliseconds since the epoch to midnight UTC of their day.
func (c *date64Column) fill() {
	const msPerDay = secondsPerDay * 1000
	dst := c.slab.alloc(len(c.vals))
	for j, ms := range c.vals {
		if !c.null(j) {
			days := ms / msPerDay
			if ms%msPerDay < 0 {
				days--
			}
			dst[j] = time.Unix(days*secondsPerDay, 0).UTC()
		}
	}
}

// rowPlan implements rowSource.
func (c *date64Column) rowPlan() rowColumn {
	if !c.slab.full {
		c.fill()
	}
	return c.slab.plan(c.validity)
}

// timestampColumn converts instants of any unit to time.Time in loc.
type timestampColumn struct {
	validity
	vals []int64
	unit arrow.TimeUnit
	loc  *time.Location
	slab slab[time.Time]
}

func newTimestampColumn(unit arrow.TimeUnit, loc *time.Location) *timestampColumn {
	return &timestampColumn{unit: unit, loc: loc}
}

// instant returns the time v units after the Unix epoch (in time.Local;
// callers set the location).
func instant(unit arrow.TimeUnit, v int64) time.Time {
	switch unit {
	case arrow.Second:
		return time.Unix(v, 0)
	case arrow.Millisecond:
		return time.UnixMilli(v)
	case arrow.Nanosecond:
		return time.Unix(0, v)
	}
	return time.UnixMicro(v)
}

// Reset implements Column.
func (c *timestampColumn) Reset(arr arrow.Array) {
	c.validity.reset(arr)
	c.vals = fixedValues[int64](arr)
	c.slab.reset()
}

// Value implements Column.
func (c *timestampColumn) Value(i int) any {
	if c.null(i) {
		return nil
	}
	if !c.slab.full {
		c.fill()
	}
	return c.slab.box(i)
}

// fill converts the batch's instants, one loop per unit so that the
// conversion inlines.
func (c *timestampColumn) fill() {
	dst := c.slab.alloc(len(c.vals))
	loc := c.loc
	switch c.unit {
	case arrow.Second:
		for j, v := range c.vals {
			if !c.null(j) {
				dst[j] = time.Unix(v, 0).In(loc)
			}
		}
	case arrow.Millisecond:
		for j, v := range c.vals {
			if !c.null(j) {
				dst[j] = time.UnixMilli(v).In(loc)
			}
		}
	case arrow.Nanosecond:
		for j, v := range c.vals {
			if !c.null(j) {
				dst[j] = time.Unix(0, v).In(loc)
			}
		}
	default:
		for j, v := range c.vals {
			if !c.null(j) {
				dst[j] = time.UnixMicro(v).In(loc)
			}
		}
	}
}

// rowPlan implements rowSource.
func (c *timestampColumn) rowPlan() rowColumn {
	if !c.slab.full {
		c.fill()
	}
	return c.slab.plan(c.validity)
}

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
// conventions.
type textFallbackColumn struct{ arr arrow.Array }

// Reset implements Column.
func (c *textFallbackColumn) Reset(arr arrow.Array) { c.arr = arr }

// Value implements Column.
func (c *textFallbackColumn) Value(i int) any {
	if c.arr.IsNull(i) {
		return nil
	}
	return c.arr.ValueStr(i)
}
