package emulator

import (
	"database/sql/driver"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

// storeCol is one test column: its DuckDB type and the driver value of row
// r (nil for NULL).
type storeCol struct {
	typ string
	gen func(r int) any
}

var (
	berlin, _ = time.LoadLocation("Europe/Berlin")
	base      = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	epochish  = time.Date(1970, 1, 1, 0, 30, 0, 0, time.UTC)
)

func dec(width, scale uint8, u int64) duckdb.Decimal {
	return duckdb.Decimal{Width: width, Scale: scale, Value: big.NewInt(u)}
}

// storeCols covers every vector type, NULLs, and values that force a chunk
// column into []any (in the second chunk only).
var storeCols = []storeCol{
	{"TINYINT", func(r int) any { return int8(r) }},
	{"SMALLINT", func(r int) any { return int16(r) }},
	{"INTEGER", func(r int) any {
		if r%7 == 3 {
			return nil
		}
		return int32(r * 3)
	}},
	{"BIGINT", func(r int) any { return int64(r) * 1_000_003 }},
	{"UTINYINT", func(r int) any { return uint8(r) }},
	{"USMALLINT", func(r int) any { return uint16(r) }},
	{"UINTEGER", func(r int) any { return uint32(r) }},
	{"UBIGINT", func(r int) any { return math.MaxUint64 - uint64(r) }},
	{"FLOAT", func(r int) any { return float32(r) / 8 }},
	{"DOUBLE", func(r int) any {
		if r%5 == 0 {
			return nil
		}
		return float64(r) * 0.25
	}},
	{"BOOLEAN", func(r int) any {
		if r%11 == 1 {
			return nil
		}
		return r%2 == 0
	}},
	{"VARCHAR", func(r int) any {
		switch r % 9 {
		case 0:
			return nil
		case 1:
			return ""
		}
		return fmt.Sprintf("value-%014d-ü", r)
	}},
	{"BLOB", func(r int) any {
		if r%4 == 0 {
			return nil
		}
		return []byte{byte(r), 0, byte(r >> 8)}
	}},
	{"UUID", func(r int) any { return []byte{0: byte(r), 15: byte(r >> 8)} }},
	{"DATE", func(r int) any {
		if r%13 == 0 {
			return nil
		}
		return base.AddDate(0, 0, r%40000-25000) // from 1955
	}},
	{"TIMESTAMP", func(r int) any {
		if r%3 == 0 {
			return nil
		}
		return epochish.Add(time.Duration(r-70000) * 1234567 * time.Microsecond)
	}},
	{"TIME", func(r int) any { return time.Date(1, 1, 1, r%24, r%60, r%61%60, r%1000*1000, time.UTC) }},
	{"TIMESTAMP_NS", func(r int) any {
		// Nanoseconds (and far dates) do not fit microseconds: []any.
		if r == chunkRows+10 {
			return base.Add(time.Nanosecond)
		}
		return base.Add(time.Duration(r) * time.Second)
	}},
	{"TIMESTAMPTZ", func(r int) any {
		// A second location in the second chunk: []any.
		if r > chunkRows+100 {
			return base.Add(time.Duration(r) * time.Minute).In(berlin)
		}
		return base.Add(time.Duration(r) * time.Minute)
	}},
	{"DECIMAL(18,2)", func(r int) any {
		if r%10 == 0 {
			return nil
		}
		return dec(18, 2, int64(r-1000)*7)
	}},
	{"DECIMAL(38,3)", func(r int) any {
		// Beyond int64 in the second chunk: []any.
		if r == chunkRows+500 {
			v, _ := new(big.Int).SetString("-123456789012345678901234567890", 10)
			return duckdb.Decimal{Width: 38, Scale: 3, Value: v}
		}
		return dec(38, 3, int64(r)*int64(r)-5)
	}},
	{"DECIMAL(10,4)", func(r int) any { return dec(10, 2, int64(r)) }}, // rescaled on output
	{"INTERVAL", func(r int) any { return duckdb.Interval{Days: int32(r % 30), Micros: int64(r)} }},
	{"HUGEINT", func(r int) any { return new(big.Int).Lsh(big.NewInt(int64(r)), 70) }},
	{"INTEGER[]", func(r int) any {
		if r%6 == 0 {
			return nil
		}
		return []any{int32(r), nil}
	}},
	{"INTEGER", func(r int) any { return nil }}, // NULL throughout
	{"VARCHAR", func(r int) any {
		// Mixed Go types in one column: []any from the first chunk on.
		if r%2 == 0 {
			return int64(r)
		}
		return "x"
	}},
}

const storeTestRows = 2*chunkRows + 777

// storeFixture is a store of storeCols, the same rows boxed, and a copy of
// the store with every chunk column turned into []any (the boxed code paths
// of the page builders).
func storeFixture(t *testing.T) (cols []column, s, boxed *resultStore, rows [][]any) {
	t.Helper()
	cols = make([]column, len(storeCols))
	for i, c := range storeCols {
		cols[i] = column{name: fmt.Sprintf("c%d", i), typ: parseDuckType(c.typ)}
	}
	s, boxed = newResultStore(len(cols)), newResultStore(len(cols))
	dst := make([]driver.Value, len(cols))
	for r := range storeTestRows {
		row := make([]any, len(cols))
		for ci, c := range storeCols {
			row[ci] = c.gen(r)
			dst[ci] = row[ci]
		}
		rows = append(rows, row)
		s.appendRow(dst)
		boxed.appendRow(dst)
	}
	s.seal()
	boxed.seal()
	for _, ch := range boxed.chunks {
		for ci := range ch.cols {
			if ch.cols[ci].vec != nil {
				ch.cols[ci].toAny(ch.n)
			}
		}
	}
	return cols, s, boxed, rows
}

// sameValue compares driver values: times by instant and location, big
// integers and decimals by value.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y) && x.Location().String() == y.Location().String()
	case duckdb.Decimal:
		y, ok := b.(duckdb.Decimal)
		return ok && x.Width == y.Width && x.Scale == y.Scale && x.Value.Cmp(y.Value) == 0
	case *big.Int:
		y, ok := b.(*big.Int)
		return ok && x.Cmp(y) == 0
	}
	return reflect.DeepEqual(a, b)
}

func TestStoreRoundTrip(t *testing.T) {
	cols, s, _, rows := storeFixture(t)
	if s.Len() != storeTestRows || len(s.chunks) != 3 {
		t.Fatalf("Len %d, %d chunks", s.Len(), len(s.chunks))
	}
	for r, row := range rows {
		for ci, want := range row {
			if got := s.value(r, ci); !sameValue(got, want) {
				t.Fatalf("row %d column %s: %#v, want %#v", r, storeCols[ci].typ, got, want)
			}
		}
	}
	// Slices across chunk boundaries.
	for _, rg := range [][2]int{{0, 0}, {chunkRows - 3, chunkRows + 3}, {chunkRows - 1, 2*chunkRows + 1}, {storeTestRows - 2, storeTestRows}} {
		got := s.rows(rg[0], rg[1])
		if len(got) != rg[1]-rg[0] {
			t.Fatalf("rows%v: %d rows", rg, len(got))
		}
		for i, row := range got {
			for ci := range row {
				if !sameValue(row[ci], rows[rg[0]+i][ci]) {
					t.Fatalf("rows%v: row %d column %d: %#v, want %#v", rg, rg[0]+i, ci, row[ci], rows[rg[0]+i][ci])
				}
			}
		}
	}
	// The vectors chosen: typed where the values allow, []any where not.
	want := map[string]string{
		"BIGINT": "*emulator.numVec[int64]", "VARCHAR": "*emulator.bytesVec", "DATE": "*emulator.timeVec",
		"DECIMAL(18,2)": "*emulator.decVec", "BOOLEAN": "*emulator.boolVec", "INTERVAL": "*emulator.anyVec",
	}
	for ci, c := range storeCols {
		if w, ok := want[c.typ]; ok && ci != len(storeCols)-1 {
			if got := fmt.Sprintf("%T", s.chunks[0].cols[ci].vec); got != w {
				t.Errorf("%s: chunk 0 holds %s, want %s", c.typ, got, w)
			}
		}
	}
	for _, typ := range []string{"TIMESTAMP_NS", "TIMESTAMPTZ", "DECIMAL(38,3)"} {
		for ci, c := range storeCols {
			if c.typ != typ {
				continue
			}
			if _, ok := s.chunks[0].cols[ci].vec.(*anyVec); ok {
				t.Errorf("%s: chunk 0 is []any", typ)
			}
			if _, ok := s.chunks[1].cols[ci].vec.(*anyVec); !ok {
				t.Errorf("%s: chunk 1 is %T, want []any", typ, s.chunks[1].cols[ci].vec)
			}
		}
	}
	for ci := range cols {
		if got, want := s.allNull(ci), ci == len(cols)-2; got != want {
			t.Errorf("allNull(%d) = %t", ci, got)
		}
	}
}

// pageRanges cross chunk boundaries in several ways.
var pageRanges = [][2]int{{0, 10000}, {chunkRows - 5000, chunkRows + 5000}, {chunkRows - 1, chunkRows}, {chunkRows, chunkRows + 1},
	{chunkRows - 7, 2*chunkRows + 9}, {storeTestRows - 100, storeTestRows}, {5, 5}}

// TestStoreArrowMatchesBoxed checks the typed Arrow appends against the
// value-by-value conversion of the boxed values, for both decimal options.
func TestStoreArrowMatchesBoxed(t *testing.T) {
	cols, s, boxed, rows := storeFixture(t)
	for _, opt := range []arrowOptions{{}, {decimalAsArrow: true, nullAsArrow: true}} {
		schema := arrowSchema(cols, opt)
		for _, rg := range pageRanges {
			got, err := buildRecord(schema, cols, s, rg[0], rg[1])
			if err != nil {
				t.Fatal(err)
			}
			want, err := buildRecord(schema, cols, boxed, rg[0], rg[1])
			if err != nil {
				t.Fatal(err)
			}
			// The oracle of the oracle: the original row-at-a-time build.
			rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
			for ci, c := range cols {
				for _, row := range rows[rg[0]:rg[1]] {
					if err := appendArrow(rb.Field(ci), row[ci], c.typ); err != nil {
						t.Fatal(err)
					}
				}
			}
			orig := rb.NewRecordBatch()
			rb.Release()
			for ci := range cols {
				if !array.Equal(got.Column(ci), want.Column(ci)) || !array.Equal(got.Column(ci), orig.Column(ci)) {
					t.Errorf("%+v rows %v column %s (%s): typed\n%v\nboxed\n%v", opt, rg, storeCols[ci].typ,
						got.Column(ci).DataType(), trunc(got.Column(ci)), trunc(orig.Column(ci)))
				}
			}
			got.Release()
			want.Release()
			orig.Release()
		}
	}
}

func trunc(a arrow.Array) string {
	s := fmt.Sprint(a)
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// TestStoreColumnsMatchBoxed checks the column-based fast paths against the
// boxed values.
func TestStoreColumnsMatchBoxed(t *testing.T) {
	cols, s, boxed, _ := storeFixture(t)
	for _, rg := range pageRanges {
		got := buildColumns(cols, s, rg[0], rg[1], berlin)
		want := buildColumns(cols, boxed, rg[0], rg[1], berlin)
		for ci := range cols {
			if !reflect.DeepEqual(got[ci], want[ci]) {
				t.Errorf("rows %v column %s: typed %v, boxed %v", rg, storeCols[ci].typ,
					trunc2(got[ci].String()), trunc2(want[ci].String()))
			}
		}
	}
}

func trunc2(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

func TestAppendDecimal64(t *testing.T) {
	vals := []int64{0, 1, -1, 5, -5, 99, -100, 12345, -12345, 1 << 40, math.MaxInt64, math.MinInt64, math.MinInt64 + 1}
	for _, u := range vals {
		for scale := range 22 {
			want := formatDecimal(big.NewInt(u), scale)
			if got := string(appendDecimal64([]byte("x"), u, scale)); got != "x"+want {
				t.Errorf("appendDecimal64(%d, %d) = %q, want %q", u, scale, got, want)
			}
		}
	}
}

func TestStoreEmptyAndSmall(t *testing.T) {
	var nilStore *resultStore
	if nilStore.Len() != 0 || !nilStore.allNull(0) {
		t.Error("nil store")
	}
	s := storeOf(2)
	if s.Len() != 0 || len(s.rows(0, 0)) != 0 {
		t.Error("empty store")
	}
	s = storeOf(2, []driver.Value{nil, "a"}, []driver.Value{int64(7), nil})
	if got := s.rows(0, 2); !reflect.DeepEqual(got, [][]any{{nil, "a"}, {int64(7), nil}}) {
		t.Errorf("rows %v", got)
	}
	// A NULL before the first value is a zero in the vector.
	if v := s.chunks[0].cols[0].vec.(*numVec[int64]).vals; !reflect.DeepEqual(v, []int64{0, 7}) {
		t.Errorf("vector %v", v)
	}
	// A []byte is copied: the driver's buffer may be reused.
	b := []byte("abc")
	s = storeOf(1, []driver.Value{b})
	b[0] = 'X'
	if got := s.value(0, 0).([]byte); string(got) != "abc" {
		t.Errorf("stored %q", got)
	}
	if !strings.HasPrefix(fmt.Sprintf("%T", s.chunks[0].cols[0].vec), "*emulator.bytesVec") {
		t.Errorf("%T", s.chunks[0].cols[0].vec)
	}
}

// TestStoreOffHeap checks that full chunks move into memory mappings (on
// Unix) while the result is read and at seal, that their values survive
// the move, and that release frees them.
func TestStoreOffHeap(t *testing.T) {
	n := (onHeapChunks+2)*chunkRows + 3
	canMap := false
	if b := mapMemory(4096); b != nil {
		unmapMemory(b)
		canMap = true
	}
	s := newResultStore(2)
	row := make([]driver.Value, 2)
	for r := range n {
		row[0], row[1] = int64(r), fmt.Sprint(r)
		if r%1000 == 7 {
			row[0] = nil
		}
		s.appendRow(row)
		if r == (onHeapChunks+1)*chunkRows && canMap && s.mappedBytes() == 0 {
			t.Errorf("no chunk mapped after %d rows", r)
		}
	}
	s.seal()
	full := n / chunkRows
	if canMap {
		// 8 bytes per int64, the text and 4 bytes of end offset per row,
		// the NULL bitmap: per full chunk.
		if min := int64(full * chunkRows * 12); s.mappedBytes() < min {
			t.Errorf("mapped %d bytes, want at least %d", s.mappedBytes(), min)
		}
		if s.chunks[full].cols[0].vec.(*numVec[int64]).vals == nil {
			t.Error("last chunk empty")
		}
	}
	for r := range n {
		want := any(int64(r))
		if r%1000 == 7 {
			want = nil
		}
		if got := s.value(r, 0); got != want {
			t.Fatalf("row %d: %v, want %v", r, got, want)
		}
		if got := s.value(r, 1); got != fmt.Sprint(r) {
			t.Fatalf("row %d: %v", r, got)
		}
	}
	s.release()
	if s.mappedBytes() != 0 || s.Len() != 0 {
		t.Errorf("after release: %d bytes, %d rows", s.mappedBytes(), s.Len())
	}
	s.release()
}
