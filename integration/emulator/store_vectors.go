package emulator

import (
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

// newVector returns an empty vector for values like v, with room for
// capHint rows.
func newVector(v any, capHint int) vector {
	switch x := v.(type) {
	case int8:
		return newNumVec[int8](capHint)
	case int16:
		return newNumVec[int16](capHint)
	case int32:
		return newNumVec[int32](capHint)
	case int64:
		return newNumVec[int64](capHint)
	case uint8:
		return newNumVec[uint8](capHint)
	case uint16:
		return newNumVec[uint16](capHint)
	case uint32:
		return newNumVec[uint32](capHint)
	case uint64:
		return newNumVec[uint64](capHint)
	case float32:
		return newNumVec[float32](capHint)
	case float64:
		return newNumVec[float64](capHint)
	case bool:
		return &boolVec{vals: make([]bool, 0, capHint)}
	case string:
		return &bytesVec{ends: make([]uint32, 0, capHint)}
	case []byte:
		return &bytesVec{isBytes: true, ends: make([]uint32, 0, capHint)}
	case time.Time:
		return &timeVec{loc: x.Location(), us: make([]int64, 0, capHint)}
	case duckdb.Decimal:
		return &decVec{width: x.Width, scale: x.Scale, vals: make([]int64, 0, capHint)}
	}
	return &anyVec{vals: make([]any, 0, min(capHint, 1024))}
}

// grow appends x to s, growing its capacity by doubling up to chunkRows (a
// chunk's vectors never need more).
func grow[T any](s []T, x T) []T {
	if len(s) == cap(s) {
		ns := make([]T, len(s), min(max(2*cap(s), 256), chunkRows))
		copy(ns, s)
		s = ns
	}
	return append(s, x)
}

// number is the Go types of DuckDB's integer and floating point values.
type number interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}

// numVec holds integers or floating point numbers of one Go type.
type numVec[T number] struct{ vals []T }

func newNumVec[T number](capHint int) *numVec[T] { return &numVec[T]{vals: make([]T, 0, capHint)} }

func (v *numVec[T]) add(x any) bool {
	y, ok := x.(T)
	if ok {
		v.vals = grow(v.vals, y)
	}
	return ok
}

func (v *numVec[T]) addZero(n int) {
	var zero T
	for range n {
		v.vals = grow(v.vals, zero)
	}
}

func (v *numVec[T]) value(i int) any { return v.vals[i] }

func (v *numVec[T]) seal() {}

func (v *numVec[T]) offHeapBytes() int { return sliceBytes(v.vals) }

func (v *numVec[T]) moveTo(a *arena) { v.vals = moveSlice(a, v.vals) }

func (v *numVec[T]) appendArrow(fb array.Builder, _ *colType, from, to int, valid []bool) bool {
	switch b := fb.(type) {
	case *array.Int8Builder:
		if s, ok := any(v.vals).([]int8); ok {
			b.AppendValues(s[from:to], valid)
			return true
		}
	case *array.Int16Builder:
		if s, ok := any(v.vals).([]int16); ok {
			b.AppendValues(s[from:to], valid)
			return true
		}
	case *array.Int32Builder:
		if s, ok := any(v.vals).([]int32); ok {
			b.AppendValues(s[from:to], valid)
			return true
		}
	case *array.Int64Builder:
		if s, ok := any(v.vals).([]int64); ok {
			b.AppendValues(s[from:to], valid)
			return true
		}
	case *array.Float32Builder:
		if s, ok := any(v.vals).([]float32); ok {
			b.AppendValues(s[from:to], valid)
			return true
		}
	case *array.Float64Builder:
		if s, ok := any(v.vals).([]float64); ok {
			b.AppendValues(s[from:to], valid)
			return true
		}
	}
	return false
}

// boolVec holds booleans.
type boolVec struct{ vals []bool }

func (v *boolVec) add(x any) bool {
	y, ok := x.(bool)
	if ok {
		v.vals = grow(v.vals, y)
	}
	return ok
}

func (v *boolVec) addZero(n int) {
	for range n {
		v.vals = grow(v.vals, false)
	}
}

func (v *boolVec) value(i int) any { return v.vals[i] }

func (v *boolVec) seal() {}

func (v *boolVec) offHeapBytes() int { return sliceBytes(v.vals) }

func (v *boolVec) moveTo(a *arena) { v.vals = moveSlice(a, v.vals) }

func (v *boolVec) appendArrow(fb array.Builder, _ *colType, from, to int, valid []bool) bool {
	if b, ok := fb.(*array.BooleanBuilder); ok {
		b.AppendValues(v.vals[from:to], valid)
		return true
	}
	return false
}

// bytesVec holds strings (or []byte values when isBytes) back to back in
// data; value i is data[ends[i-1]:ends[i]].
type bytesVec struct {
	isBytes bool
	data    []byte
	ends    []uint32
}

func (v *bytesVec) add(x any) bool {
	switch y := x.(type) {
	case string:
		if v.isBytes || uint64(len(v.data))+uint64(len(y)) > math.MaxUint32 {
			return false
		}
		v.data = append(v.data, y...)
	case []byte:
		if !v.isBytes || uint64(len(v.data))+uint64(len(y)) > math.MaxUint32 {
			return false
		}
		v.data = append(v.data, y...)
	default:
		return false
	}
	v.ends = grow(v.ends, uint32(len(v.data)))
	return true
}

func (v *bytesVec) addZero(n int) {
	for range n {
		v.ends = grow(v.ends, uint32(len(v.data)))
	}
}

// bytes returns value i without copying.
func (v *bytesVec) bytes(i int) []byte {
	start := uint32(0)
	if i > 0 {
		start = v.ends[i-1]
	}
	return v.data[start:v.ends[i]:v.ends[i]]
}

func (v *bytesVec) value(i int) any {
	if v.isBytes {
		return append([]byte{}, v.bytes(i)...)
	}
	return string(v.bytes(i))
}

func (v *bytesVec) seal() {
	if cap(v.data)-len(v.data) > len(v.data)/16 {
		v.data = append(make([]byte, 0, len(v.data)), v.data...)
	}
}

func (v *bytesVec) offHeapBytes() int { return sliceBytes(v.data) + sliceBytes(v.ends) }

func (v *bytesVec) moveTo(a *arena) {
	v.data = moveSlice(a, v.data)
	v.ends = moveSlice(a, v.ends)
}

func (v *bytesVec) appendArrow(fb array.Builder, t *colType, from, to int, valid []bool) bool {
	var b *array.BinaryBuilder
	switch x := fb.(type) {
	case *array.StringBuilder:
		// Strings are their own text (textValue) unless the column is
		// nested (JSON text).
		if v.isBytes || t.kind != kString {
			return false
		}
		b = x.BinaryBuilder
	case *array.BinaryBuilder:
		if !v.isBytes {
			return false
		}
		b = x
	default:
		return false
	}
	b.Reserve(to - from)
	start := uint32(0)
	if from > 0 {
		start = v.ends[from-1]
	}
	b.ReserveData(int(v.ends[to-1] - start))
	for i := from; i < to; i++ {
		if valid != nil && !valid[i-from] {
			b.AppendNull()
			continue
		}
		b.Append(v.bytes(i))
	}
	return true
}

// timeVec holds times of one location as microseconds since the epoch.
type timeVec struct {
	loc *time.Location
	us  []int64
}

// Seconds whose microseconds fit an int64.
const (
	minMicroSec = math.MinInt64/1_000_000 + 1
	maxMicroSec = math.MaxInt64/1_000_000 - 1
)

func (v *timeVec) add(x any) bool {
	t, ok := x.(time.Time)
	if !ok || t.Location() != v.loc || t.Nanosecond()%1000 != 0 {
		return false
	}
	if sec := t.Unix(); sec < minMicroSec || sec > maxMicroSec {
		return false
	}
	v.us = grow(v.us, t.UnixMicro())
	return true
}

func (v *timeVec) addZero(n int) {
	for range n {
		v.us = grow(v.us, 0)
	}
}

func (v *timeVec) value(i int) any { return time.UnixMicro(v.us[i]).In(v.loc) }

func (v *timeVec) seal() {}

func (v *timeVec) offHeapBytes() int { return sliceBytes(v.us) }

func (v *timeVec) moveTo(a *arena) { v.us = moveSlice(a, v.us) }

func (v *timeVec) appendArrow(fb array.Builder, _ *colType, from, to int, valid []bool) bool {
	switch b := fb.(type) {
	case *array.TimestampBuilder:
		b.Reserve(to - from)
		for i := from; i < to; i++ {
			if valid != nil && !valid[i-from] {
				b.AppendNull()
				continue
			}
			b.UnsafeAppend(arrow.Timestamp(v.us[i]))
		}
		return true
	case *array.Date32Builder:
		b.Reserve(to - from)
		for i := from; i < to; i++ {
			if valid != nil && !valid[i-from] {
				b.AppendNull()
				continue
			}
			// As for the driver's value: Date32FromTime does not depend
			// on the location.
			b.UnsafeAppend(arrow.Date32FromTime(time.UnixMicro(v.us[i])))
		}
		return true
	}
	return false
}

// decVec holds decimals of one width and scale as unscaled int64 values.
type decVec struct {
	width, scale uint8
	vals         []int64
}

func (v *decVec) add(x any) bool {
	d, ok := x.(duckdb.Decimal)
	if !ok || d.Width != v.width || d.Scale != v.scale || d.Value == nil || !d.Value.IsInt64() {
		return false
	}
	v.vals = grow(v.vals, d.Value.Int64())
	return true
}

func (v *decVec) addZero(n int) {
	for range n {
		v.vals = grow(v.vals, 0)
	}
}

func (v *decVec) value(i int) any {
	return duckdb.Decimal{Width: v.width, Scale: v.scale, Value: big.NewInt(v.vals[i])}
}

func (v *decVec) seal() {}

func (v *decVec) offHeapBytes() int { return sliceBytes(v.vals) }

func (v *decVec) moveTo(a *arena) { v.vals = moveSlice(a, v.vals) }

func (v *decVec) appendArrow(fb array.Builder, t *colType, from, to int, valid []bool) bool {
	if t.kind != kDecimal || t.scale != int(v.scale) {
		return false // rescaling: toUnscaled
	}
	switch b := fb.(type) {
	case *array.Decimal128Builder:
		b.Reserve(to - from)
		for i := from; i < to; i++ {
			if valid != nil && !valid[i-from] {
				b.AppendNull()
				continue
			}
			b.UnsafeAppend(decimal128.FromI64(v.vals[i]))
		}
		return true
	case *array.StringBuilder:
		b.Reserve(to - from)
		var buf []byte
		for i := from; i < to; i++ {
			if valid != nil && !valid[i-from] {
				b.AppendNull()
				continue
			}
			buf = appendDecimal64(buf[:0], v.vals[i], int(v.scale))
			b.BinaryBuilder.Append(buf)
		}
		return true
	}
	return false
}

// appendDecimal64 appends the text of unscaled u at scale, as formatDecimal
// writes it: at least one digit before the point.
func appendDecimal64(b []byte, u int64, scale int) []byte {
	abs := uint64(u)
	if u < 0 {
		b = append(b, '-')
		abs = -abs
	}
	var tmp [64]byte
	d := tmp[:0]
	for range scale + 1 - digitCount(abs) {
		d = append(d, '0')
	}
	d = strconv.AppendUint(d, abs, 10)
	if scale <= 0 {
		return append(b, d...)
	}
	b = append(b, d[:len(d)-scale]...)
	b = append(b, '.')
	return append(b, d[len(d)-scale:]...)
}

// digitCount is the number of decimal digits of x (1 for 0).
func digitCount(x uint64) int {
	n := 1
	for x >= 10 {
		x /= 10
		n++
	}
	return n
}

// anyVec holds values of any type as the driver returned them.
type anyVec struct{ vals []any }

func (v *anyVec) add(x any) bool {
	if b, ok := x.([]byte); ok {
		x = append([]byte{}, b...)
	}
	v.vals = append(v.vals, x)
	return true
}

func (v *anyVec) addZero(n int) {
	for range n {
		v.vals = append(v.vals, nil)
	}
}

func (v *anyVec) value(i int) any { return v.vals[i] }

func (v *anyVec) seal() {}

// offHeapBytes is 0: interfaces hold pointers and stay on the Go heap.
func (v *anyVec) offHeapBytes() int { return 0 }

func (v *anyVec) moveTo(*arena) {}

func (v *anyVec) appendArrow(array.Builder, *colType, int, int, []bool) bool { return false }
