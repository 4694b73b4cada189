package colset

import (
	"errors"
	"fmt"
	"time"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// Options configures how values are produced.
type Options struct {
	// Location is the time zone of the TIMESTAMP values returned. Nil means
	// UTC.
	Location *time.Location
	// TextZone is the zone in which the server wrote TIMESTAMP text without
	// an offset: its session time zone. Nil means UTC, the servers' default,
	// so that a column set gives the same instants as an Arrow result.
	TextZone *time.Location
}

// ColumnType is the type of a column as the table schema (TTableSchema)
// gives it.
type ColumnType struct {
	// Type is the type of the column (entry 0 of its TTypeDesc).
	Type tcli.TTypeId
	// Scale is the scale of a DECIMAL column; DECIMAL text with fewer
	// fractional digits is padded with zeros to this many digits.
	Scale int
}

// maxScale bounds ColumnType.Scale.
const maxScale = 1000

// Page is one decoded page of rows.
type Page struct {
	rows int
	cols []column
}

// NumRows returns the number of rows of the page.
func (p *Page) NumRows() int { return p.rows }

// NumColumns returns the number of columns of the page. A page decoded from
// no columns at all has none.
func (p *Page) NumColumns() int { return len(p.cols) }

// Value returns the value at column col and row row, nil for NULL. It panics
// if col or row is out of range, like an index expression.
func (p *Page) Value(col, row int) any {
	if row < 0 || row >= p.rows {
		panic(fmt.Sprintf("colset: row %d out of range [0,%d)", row, p.rows))
	}
	return p.cols[col].value(row)
}

// column holds the decoded values of one column.
type column interface {
	value(row int) any
}

// decodeFunc decodes one TColumn of a planned type.
type decodeFunc func(c *tcli.TColumn) (column, int, error)

// Decoder decodes pages of one schema. The conversion of every column is
// chosen once, when the Decoder is created. A Decoder is safe for concurrent
// use.
type Decoder struct {
	types []ColumnType
	funcs []decodeFunc
}

// NewDecoder returns a Decoder for pages whose columns have the given types.
func NewDecoder(types []ColumnType, opts Options) (*Decoder, error) {
	loc, textZone := opts.Location, opts.TextZone
	if loc == nil {
		loc = time.UTC
	}
	if textZone == nil {
		textZone = time.UTC
	}
	d := &Decoder{types: append([]ColumnType(nil), types...), funcs: make([]decodeFunc, len(types))}
	for i, t := range types {
		if t.Scale < 0 || t.Scale > maxScale {
			return nil, fmt.Errorf("colset: column %d: scale %d out of range", i, t.Scale)
		}
		d.funcs[i] = plan(t, loc, textZone)
	}
	return d, nil
}

// Decode decodes the columns of one page (TRowSet.columns) whose table
// schema has the given column types. See [Decoder.Decode].
func Decode(cols []*tcli.TColumn, types []ColumnType, opts Options) (*Page, error) {
	d, err := NewDecoder(types, opts)
	if err != nil {
		return nil, err
	}
	return d.Decode(cols)
}

// Decode decodes the columns of one page. It checks that there is one
// column per type, that every column holds exactly one member of the
// TColumn union, of the family the type requires, and that all columns have
// the same number of rows. A page with no columns is an empty page. Text
// sent for DECIMAL, DATE and TIMESTAMP columns is converted here; text that
// does not parse is an error. The page refers to the value slices of cols,
// which must not be modified afterwards.
func (d *Decoder) Decode(cols []*tcli.TColumn) (*Page, error) {
	if len(cols) == 0 {
		return &Page{}, nil
	}
	if len(cols) != len(d.funcs) {
		return nil, fmt.Errorf("colset: page has %d columns, schema has %d", len(cols), len(d.funcs))
	}
	p := &Page{cols: make([]column, len(cols))}
	for i, c := range cols {
		if c == nil {
			return nil, fmt.Errorf("colset: column %d is missing", i)
		}
		if n := c.CountSetFieldsTColumn(); n != 1 {
			return nil, fmt.Errorf("colset: column %d has %d union members set, want 1", i, n)
		}
		col, rows, err := d.funcs[i](c)
		if err != nil {
			return nil, fmt.Errorf("colset: column %d (%s): %w", i, d.types[i].Type, err)
		}
		if i == 0 {
			p.rows = rows
		} else if rows != p.rows {
			return nil, fmt.Errorf("colset: column %d has %d rows, column 0 has %d", i, rows, p.rows)
		}
		p.cols[i] = col
	}
	return p, nil
}

// errFamily reports a union member that does not fit the column type.
var errFamily = errors.New("union member does not match the column type")

// memberName names the TColumn union member that is set.
func memberName(c *tcli.TColumn) string {
	switch {
	case c.IsSetBoolVal():
		return "boolVal"
	case c.IsSetByteVal():
		return "byteVal"
	case c.IsSetI16Val():
		return "i16Val"
	case c.IsSetI32Val():
		return "i32Val"
	case c.IsSetI64Val():
		return "i64Val"
	case c.IsSetDoubleVal():
		return "doubleVal"
	case c.IsSetStringVal():
		return "stringVal"
	case c.IsSetBinaryVal():
		return "binaryVal"
	}
	return "none"
}

func familyError(c *tcli.TColumn, want string) error {
	return fmt.Errorf("%w: got %s, want %s", errFamily, memberName(c), want)
}

// plan chooses the decoding of one column type.
func plan(t ColumnType, loc, textZone *time.Location) decodeFunc {
	switch t.Type {
	case tcli.TTypeId_BOOLEAN_TYPE:
		return func(c *tcli.TColumn) (column, int, error) {
			if c.BoolVal == nil {
				return nil, 0, familyError(c, "boolVal")
			}
			return newSlice(c.BoolVal.Values, c.BoolVal.Nulls), len(c.BoolVal.Values), nil
		}
	case tcli.TTypeId_TINYINT_TYPE:
		return func(c *tcli.TColumn) (column, int, error) {
			if c.ByteVal == nil {
				return nil, 0, familyError(c, "byteVal")
			}
			return newSlice(c.ByteVal.Values, c.ByteVal.Nulls), len(c.ByteVal.Values), nil
		}
	case tcli.TTypeId_SMALLINT_TYPE:
		return func(c *tcli.TColumn) (column, int, error) {
			if c.I16Val == nil {
				return nil, 0, familyError(c, "i16Val")
			}
			return newSlice(c.I16Val.Values, c.I16Val.Nulls), len(c.I16Val.Values), nil
		}
	case tcli.TTypeId_INT_TYPE:
		return func(c *tcli.TColumn) (column, int, error) {
			if c.I32Val == nil {
				return nil, 0, familyError(c, "i32Val")
			}
			return newSlice(c.I32Val.Values, c.I32Val.Nulls), len(c.I32Val.Values), nil
		}
	case tcli.TTypeId_BIGINT_TYPE:
		return func(c *tcli.TColumn) (column, int, error) {
			if c.I64Val == nil {
				return nil, 0, familyError(c, "i64Val")
			}
			return newSlice(c.I64Val.Values, c.I64Val.Nulls), len(c.I64Val.Values), nil
		}
	case tcli.TTypeId_FLOAT_TYPE:
		return func(c *tcli.TColumn) (column, int, error) {
			if c.DoubleVal == nil {
				return nil, 0, familyError(c, "doubleVal")
			}
			return &float32Column{nulls: c.DoubleVal.Nulls, vals: c.DoubleVal.Values}, len(c.DoubleVal.Values), nil
		}
	case tcli.TTypeId_DOUBLE_TYPE:
		return func(c *tcli.TColumn) (column, int, error) {
			if c.DoubleVal == nil {
				return nil, 0, familyError(c, "doubleVal")
			}
			return newSlice(c.DoubleVal.Values, c.DoubleVal.Nulls), len(c.DoubleVal.Values), nil
		}
	case tcli.TTypeId_STRING_TYPE, tcli.TTypeId_VARCHAR_TYPE, tcli.TTypeId_CHAR_TYPE,
		tcli.TTypeId_INTERVAL_YEAR_MONTH_TYPE, tcli.TTypeId_INTERVAL_DAY_TIME_TYPE,
		tcli.TTypeId_ARRAY_TYPE, tcli.TTypeId_MAP_TYPE, tcli.TTypeId_STRUCT_TYPE,
		tcli.TTypeId_UNION_TYPE, tcli.TTypeId_USER_DEFINED_TYPE:
		return func(c *tcli.TColumn) (column, int, error) {
			if c.StringVal == nil {
				return nil, 0, familyError(c, "stringVal")
			}
			return newSlice(c.StringVal.Values, c.StringVal.Nulls), len(c.StringVal.Values), nil
		}
	case tcli.TTypeId_BINARY_TYPE:
		return func(c *tcli.TColumn) (column, int, error) {
			if c.BinaryVal == nil {
				return nil, 0, familyError(c, "binaryVal")
			}
			return &binaryColumn{nulls: c.BinaryVal.Nulls, vals: c.BinaryVal.Values}, len(c.BinaryVal.Values), nil
		}
	case tcli.TTypeId_DECIMAL_TYPE:
		scale := t.Scale
		return textFunc(func(s string) (string, error) { return parseDecimal(s, scale) })
	case tcli.TTypeId_DATE_TYPE:
		return textFunc(parseDate)
	case tcli.TTypeId_TIMESTAMP_TYPE:
		return textFunc(func(s string) (time.Time, error) {
			t, err := parseTimestamp(s, textZone)
			return t.In(loc), err
		})
	case tcli.TTypeId_NULL_TYPE:
		return func(c *tcli.TColumn) (column, int, error) {
			return nullColumn{}, Len(c), nil
		}
	default:
		// A type this package does not know: take the values as sent.
		return func(c *tcli.TColumn) (column, int, error) {
			return native(c), Len(c), nil
		}
	}
}

// textFunc decodes a stringVal column by converting every non-NULL value
// with conv.
func textFunc[T any](conv func(string) (T, error)) decodeFunc {
	return func(c *tcli.TColumn) (column, int, error) {
		if c.StringVal == nil {
			return nil, 0, familyError(c, "stringVal")
		}
		src, nulls := c.StringVal.Values, c.StringVal.Nulls
		vals := make([]T, len(src))
		for i, s := range src {
			if isNull(nulls, i) {
				continue
			}
			v, err := conv(s)
			if err != nil {
				return nil, 0, fmt.Errorf("row %d: %w", i, err)
			}
			vals[i] = v
		}
		return newSlice(vals, nulls), len(vals), nil
	}
}

// RowCount returns the number of rows a result page holds, whatever its
// form: the row counts of its Arrow batches, the length of its first column,
// or its rows. Result links are not counted: each says its own RowCount.
func RowCount(rs *tcli.TRowSet) int {
	if rs == nil {
		return 0
	}
	if len(rs.ArrowBatches) > 0 {
		n := 0
		for _, b := range rs.ArrowBatches {
			if b != nil {
				n += int(b.RowCount)
			}
		}
		return n
	}
	if len(rs.Columns) > 0 {
		return Len(rs.Columns[0])
	}
	return len(rs.Rows)
}

// Len returns the number of values of whichever member of c is set; zero for
// a nil column.
func Len(c *tcli.TColumn) int {
	switch {
	case c == nil:
		return 0
	case c.BoolVal != nil:
		return len(c.BoolVal.Values)
	case c.ByteVal != nil:
		return len(c.ByteVal.Values)
	case c.I16Val != nil:
		return len(c.I16Val.Values)
	case c.I32Val != nil:
		return len(c.I32Val.Values)
	case c.I64Val != nil:
		return len(c.I64Val.Values)
	case c.DoubleVal != nil:
		return len(c.DoubleVal.Values)
	case c.StringVal != nil:
		return len(c.StringVal.Values)
	case c.BinaryVal != nil:
		return len(c.BinaryVal.Values)
	}
	return 0
}

// native returns the values of whichever member is set, unconverted.
func native(c *tcli.TColumn) column {
	switch {
	case c.BoolVal != nil:
		return newSlice(c.BoolVal.Values, c.BoolVal.Nulls)
	case c.ByteVal != nil:
		return newSlice(c.ByteVal.Values, c.ByteVal.Nulls)
	case c.I16Val != nil:
		return newSlice(c.I16Val.Values, c.I16Val.Nulls)
	case c.I32Val != nil:
		return newSlice(c.I32Val.Values, c.I32Val.Nulls)
	case c.I64Val != nil:
		return newSlice(c.I64Val.Values, c.I64Val.Nulls)
	case c.DoubleVal != nil:
		return newSlice(c.DoubleVal.Values, c.DoubleVal.Nulls)
	case c.StringVal != nil:
		return newSlice(c.StringVal.Values, c.StringVal.Nulls)
	case c.BinaryVal != nil:
		return &binaryColumn{nulls: c.BinaryVal.Nulls, vals: c.BinaryVal.Values}
	}
	return nullColumn{}
}

// isNull reports whether bit i of the NULL bitmap is set. Rows beyond the
// bitmap are not NULL.
func isNull(nulls []byte, i int) bool {
	return i>>3 < len(nulls) && nulls[i>>3]&(1<<(uint(i)&7)) != 0
}

// sliceColumn holds values that need no conversion on access.
type sliceColumn[T any] struct {
	nulls []byte
	vals  []T
}

func newSlice[T any](vals []T, nulls []byte) *sliceColumn[T] {
	return &sliceColumn[T]{nulls: nulls, vals: vals}
}

func (c *sliceColumn[T]) value(i int) any {
	if isNull(c.nulls, i) {
		return nil
	}
	return c.vals[i]
}

// float32Column narrows FLOAT values sent as doubleVal.
type float32Column struct {
	nulls []byte
	vals  []float64
}

func (c *float32Column) value(i int) any {
	if isNull(c.nulls, i) {
		return nil
	}
	return float32(c.vals[i])
}

// binaryColumn returns a fresh copy of a value on every access, so callers
// never share the page's memory.
type binaryColumn struct {
	nulls []byte
	vals  [][]byte
}

func (c *binaryColumn) value(i int) any {
	if isNull(c.nulls, i) {
		return nil
	}
	return append([]byte{}, c.vals[i]...)
}

type nullColumn struct{}

func (nullColumn) value(int) any { return nil }
