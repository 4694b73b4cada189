package emulator

import (
	"database/sql/driver"
	"runtime"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/array"
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
