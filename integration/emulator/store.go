package emulator

import (
	"database/sql/driver"
	"math"
	"math/big"
	"runtime"
	"strconv"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

// The result store.
//
// A finished statement's rows stay in memory until the operation is closed,
// and the benchmark holds results of 50,000,000 rows, so the representation
// matters: a boxed row ([]any of interfaces pointing at heap copies of each
// value, plus a big.Int per DECIMAL and a 24-byte time.Time per TIMESTAMP)
// costs over 300 bytes for the benchmark's eight columns. The store keeps the
// rows column-major instead, in chunks of chunkRows rows. Each column of a
// chunk is one typed vector chosen from the Go type of its first non-NULL
// value as the DuckDB driver returns it:
//
//   - int8..int64, uint8..uint64, float32, float64: a []T;
//   - bool: a []bool;
//   - string and []byte: one byte buffer and uint32 end offsets;
//   - time.Time: int64 microseconds since the epoch plus the values' one
//     location (DuckDB's DATE, TIME and TIMESTAMP are microsecond values);
//   - duckdb.Decimal: the unscaled value as int64 plus width and scale;
//   - anything else (INTERVAL, UUID, HUGEINT, nested values, ...): []any.
//
// NULLs are a bitmap per chunk column, allocated at the first NULL; a NULL
// row holds the zero value in the vector. A value a typed vector cannot hold
// exactly (another Go type, a decimal beyond int64, a time with nanoseconds
// or another location, a chunk's text beyond 4 GB) turns that chunk column
// into []any, so the store always gives back exactly what the driver
// returned. For the benchmark's table this is about 72 bytes per row.
//
// Chunks bound the cost of growing (a full chunk is never copied again) and
// of that fallback; a power of two makes finding a row a shift.
//
// A chunk is built on the Go heap; once full, its pointer-free slices (all
// but []any vectors) move into one anonymous memory mapping outside the Go
// heap (on Unix; the last onHeapChunks only when the store is complete),
// released when the operation closes its result (release) or, failing
// that, when the store becomes unreachable (a cleanup). The Go heap then
// holds a bounded window of chunks, not the result: the garbage
// collector's heap goal (twice the live heap) no longer doubles the memory
// of a large result, the 10x benchmark's 50,000,000 rows do not leave
// gigabytes of freed heap behind for the next statement, and the bytes held
// are exact. The store never hands out a slice of mapped memory: values
// are copied out (value, page builders) while the store is alive, and all
// of an operation's reads and its release happen under operation.mu. Page
// builders read a range of rows chunk piece by chunk piece: the common
// vector/builder pairs append Arrow values straight from the typed slices,
// everything else goes through the boxed value and the row-at-a-time
// conversions (appendArrow, textValue) the boxed rows used, so clients see
// the same bytes.

const (
	chunkShift = 16
	chunkRows  = 1 << chunkShift
	chunkMask  = chunkRows - 1
	// onHeapChunks full chunks stay on the Go heap while a result is
	// read (about 75 MB for the benchmark's table): a live heap of a few
	// megabytes would make the collector run every few megabytes of the
	// driver's garbage (290 instead of 35 cycles for 5,000,000 rows, 30%
	// slower).
	onHeapChunks = 16
)

// resultStore holds the rows of one result, column-major in chunks. It is
// filled by one goroutine (appendRow, then seal) and read-only afterwards.
type resultStore struct {
	ncols   int
	n       int
	chunks  []*storeChunk
	nonNull []int64 // non-NULL values per column
	maps    *mappings
}

// mappings are the memory mappings of a store's sealed chunks.
type mappings struct {
	regions  [][]byte
	bytes    int64
	released bool
}

// unmap returns the mappings to the system; idempotent.
func (m *mappings) unmap() {
	if m.released {
		return
	}
	m.released = true
	for _, r := range m.regions {
		unmapMemory(r)
	}
	m.regions = nil
}

// storeChunk is chunkRows rows (fewer in the last chunk).
type storeChunk struct {
	n    int
	cols []colChunk
}

// colChunk is one column of a chunk: its vector (nil while every value so
// far is NULL) and its NULL bitmap (nil while no value is NULL).
type colChunk struct {
	vec   vector
	nulls []uint64
}

// vector is the typed storage of one column of one chunk; its length is
// the chunk's rows (NULL rows hold a zero value).
type vector interface {
	// add appends a non-NULL value, reporting false (and appending nothing)
	// when the vector cannot hold it exactly.
	add(v any) bool
	// addZero appends n zero values (NULL rows).
	addZero(n int)
	// value returns row i as the driver returned it.
	value(i int) any
	// appendArrow appends rows [from,to) to fb straight from the typed
	// storage, valid telling the non-NULL rows (nil: all), and reports
	// whether it could; false leaves fb untouched.
	appendArrow(fb array.Builder, t *colType, from, to int, valid []bool) bool
	// seal releases spare capacity once the chunk is complete.
	seal()
	// offHeapBytes is the arena space moveTo needs.
	offHeapBytes() int
	// moveTo moves the vector's pointer-free slices into the arena.
	moveTo(a *arena)
}

// newResultStore returns an empty store of ncols columns.
func newResultStore(ncols int) *resultStore {
	s := &resultStore{ncols: ncols, nonNull: make([]int64, ncols), maps: &mappings{}}
	runtime.AddCleanup(s, (*mappings).unmap, s.maps)
	return s
}

// release frees the store's memory now; the store must not be used
// afterwards. Safe on a nil store and more than once.
func (s *resultStore) release() {
	if s == nil {
		return
	}
	s.maps.unmap()
	s.chunks, s.n = nil, 0
}

// mappedBytes is the memory the store holds outside the Go heap.
func (s *resultStore) mappedBytes() int64 {
	if s == nil || s.maps.released {
		return 0
	}
	return s.maps.bytes
}

// storeOf returns a store holding rows (tests and small results).
func storeOf(ncols int, rows ...[]driver.Value) *resultStore {
	s := newResultStore(ncols)
	for _, r := range rows {
		s.appendRow(r)
	}
	s.seal()
	return s
}

// Len is the number of rows; 0 for a nil store.
func (s *resultStore) Len() int {
	if s == nil {
		return 0
	}
	return s.n
}

// appendRow appends one row of ncols values (nil is NULL). The values are
// copied or kept as they are; row itself may be reused by the caller.
func (s *resultStore) appendRow(row []driver.Value) {
	if s.n&chunkMask == 0 {
		if len(s.chunks) > 0 {
			s.chunks[len(s.chunks)-1].seal()
			if k := len(s.chunks) - 1 - onHeapChunks; k >= 0 {
				s.moveOffHeap(s.chunks[k])
			}
		}
		s.chunks = append(s.chunks, &storeChunk{cols: make([]colChunk, s.ncols)})
	}
	ch := s.chunks[len(s.chunks)-1]
	capHint := 256
	if len(s.chunks) > 1 {
		capHint = chunkRows
	}
	for ci := range s.ncols {
		c := &ch.cols[ci]
		v := row[ci]
		if v == nil {
			c.addNull(ch.n)
			continue
		}
		s.nonNull[ci]++
		if c.vec == nil {
			c.vec = newVector(v, capHint)
			c.vec.addZero(ch.n)
		}
		if !c.vec.add(v) {
			c.toAny(ch.n)
			c.vec.add(v)
		}
	}
	ch.n++
	s.n++
}

// seal finishes the store: the last chunk gives back spare capacity and
// the full chunks still on the Go heap move off it.
func (s *resultStore) seal() {
	if len(s.chunks) == 0 {
		return
	}
	s.chunks[len(s.chunks)-1].seal()
	for k := max(len(s.chunks)-1-onHeapChunks, 0); k < len(s.chunks); k++ {
		if s.chunks[k].n == chunkRows {
			s.moveOffHeap(s.chunks[k])
		}
	}
}

func (ch *storeChunk) seal() {
	for i := range ch.cols {
		if v := ch.cols[i].vec; v != nil {
			v.seal()
		}
	}
}

// moveOffHeap moves the pointer-free slices of a full chunk into one
// memory mapping; the chunk stays on the Go heap when mapping fails.
func (s *resultStore) moveOffHeap(ch *storeChunk) {
	size := 0
	for i := range ch.cols {
		c := &ch.cols[i]
		size += sliceBytes(c.nulls)
		if c.vec != nil {
			size += c.vec.offHeapBytes()
		}
	}
	if size == 0 {
		return
	}
	mem := mapMemory(size)
	if mem == nil {
		return
	}
	a := &arena{mem: mem}
	for i := range ch.cols {
		c := &ch.cols[i]
		c.nulls = moveSlice(a, c.nulls)
		if c.vec != nil {
			c.vec.moveTo(a)
		}
	}
	s.maps.regions = append(s.maps.regions, mem)
	s.maps.bytes += int64(len(mem))
}

// arena hands out 8-byte aligned pieces of a memory mapping.
type arena struct {
	mem []byte
	off int
}

// sliceBytes is the arena space of s.
func sliceBytes[T any](s []T) int {
	var zero T
	return (len(s)*int(unsafe.Sizeof(zero)) + 7) &^ 7
}

// moveSlice copies s, whose element type must hold no pointers, into the
// arena and returns the copy.
func moveSlice[T any](a *arena, s []T) []T {
	if len(s) == 0 {
		return s
	}
	n := sliceBytes(s)
	b := a.mem[a.off : a.off+n]
	a.off += n
	d := unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(s))
	copy(d, s)
	return d
}

// allNull reports whether column ci holds only NULLs (or no rows).
func (s *resultStore) allNull(ci int) bool { return s == nil || s.nonNull[ci] == 0 }

// value returns the value of row r, column ci (nil for NULL).
func (s *resultStore) value(r, ci int) any {
	c := &s.chunks[r>>chunkShift].cols[ci]
	i := r & chunkMask
	var v any
	if !c.isNull(i) && c.vec != nil {
		v = c.vec.value(i)
	}
	runtime.KeepAlive(s) // the mappings stay until the value is copied
	return v
}

// rows returns rows [start,end) as boxed rows: new values, the caller's to
// keep.
func (s *resultStore) rows(start, end int) [][]any {
	out := make([][]any, end-start)
	for r := range out {
		row := make([]any, s.ncols)
		for ci := range row {
			row[ci] = s.value(start+r, ci)
		}
		out[r] = row
	}
	return out
}

// each calls fn for the pieces of column ci covering rows [start,end): the
// chunk column, the chunk-local rows [from,to) and the position of from
// relative to start.
func (s *resultStore) each(ci, start, end int, fn func(c *colChunk, from, to, off int)) {
	for r := start; r < end; {
		i := r & chunkMask
		n := min(end-r, chunkRows-i)
		fn(&s.chunks[r>>chunkShift].cols[ci], i, i+n, r-start)
		r += n
	}
}

// appendArrow appends rows [start,end) of column ci (of type t) to fb.
func (s *resultStore) appendArrow(fb array.Builder, ci int, t *colType, start, end int) error {
	var err error
	s.each(ci, start, end, func(c *colChunk, from, to, _ int) {
		if err != nil {
			return
		}
		err = c.appendArrow(fb, t, from, to)
	})
	runtime.KeepAlive(s)
	return err
}

// addNull appends a NULL at chunk row i.
func (c *colChunk) addNull(i int) {
	for len(c.nulls) <= i>>6 {
		c.nulls = append(c.nulls, 0)
	}
	c.nulls[i>>6] |= 1 << (i & 63)
	if c.vec != nil {
		c.vec.addZero(1)
	}
}

// isNull reports whether chunk row i is NULL.
func (c *colChunk) isNull(i int) bool {
	w := i >> 6
	return w < len(c.nulls) && c.nulls[w]>>(i&63)&1 != 0
}

// hasNulls reports whether any of chunk rows [from,to) is NULL.
func (c *colChunk) hasNulls(from, to int) bool {
	if len(c.nulls) == 0 {
		return false
	}
	for i := from; i < to; i++ {
		if i&63 == 0 && i+64 <= to {
			if w := i >> 6; w >= len(c.nulls) {
				return false
			} else if c.nulls[w] == 0 {
				i += 63
				continue
			}
		}
		if c.isNull(i) {
			return true
		}
	}
	return false
}

// validity returns which of chunk rows [from,to) are not NULL, or nil when
// none is NULL.
func (c *colChunk) validity(from, to int) []bool {
	if !c.hasNulls(from, to) {
		return nil
	}
	valid := make([]bool, to-from)
	for i := range valid {
		valid[i] = !c.isNull(from + i)
	}
	return valid
}

// toAny turns the vector of a chunk column with n rows into []any.
func (c *colChunk) toAny(n int) {
	vals := make([]any, n, max(n+1, 256))
	for i := range n {
		if !c.isNull(i) {
			vals[i] = c.vec.value(i)
		}
	}
	c.vec = &anyVec{vals: vals}
}

// appendArrow appends chunk rows [from,to) to fb: typed when the vector
// can, else value by value.
func (c *colChunk) appendArrow(fb array.Builder, t *colType, from, to int) error {
	if c.vec == nil {
		fb.AppendNulls(to - from)
		return nil
	}
	valid := c.validity(from, to)
	if c.vec.appendArrow(fb, t, from, to, valid) {
		return nil
	}
	for i := from; i < to; i++ {
		var v any
		if valid == nil || valid[i-from] {
			v = c.vec.value(i)
		}
		if err := appendArrow(fb, v, t); err != nil {
			return err
		}
	}
	return nil
}

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
