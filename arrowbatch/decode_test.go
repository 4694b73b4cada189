package arrowbatch

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var twoCols = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// makeRecord returns a record of twoCols with rows n..n+count-1; every
// third s is NULL.
func makeRecord(start, count int) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, twoCols)
	defer b.Release()
	for i := start; i < start+count; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if i%3 == 0 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("row-%d", i))
		}
	}
	return b.NewRecordBatch()
}

func TestDecodeMultipleBatches(t *testing.T) {
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprint("lz4=", compress), func(t *testing.T) {
			r, err := newTestReader(encodeSchema(t, twoCols), compress, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.NumColumns() != 2 || !r.Schema().Equal(twoCols) {
				t.Fatalf("schema = %v", r.Schema())
			}
			next := 0
			var kept []any
			for _, size := range []int{5, 0, 1, 1000, 7} {
				src := makeRecord(next, size)
				batch := encodeBatch(t, src, compress)
				src.Release()
				rec, err := r.Decode(batch)
				if err != nil {
					t.Fatal(err)
				}
				// The caller's buffer may be reused once Decode returns.
				for i := range batch {
					batch[i] = 0xAA
				}
				if err := r.Bind(rec); err != nil {
					t.Fatal(err)
				}
				if rec.NumRows() != int64(size) {
					t.Fatalf("rows = %d, want %d", rec.NumRows(), size)
				}
				cols := r.Columns()
				for i := range size {
					id, s := cols[0].Value(i), cols[1].Value(i)
					if id != int64(next) {
						t.Fatalf("id = %v, want %d", id, next)
					}
					var want any
					if next%3 != 0 {
						want = fmt.Sprintf("row-%d", next)
					}
					if s != want {
						t.Fatalf("s = %v, want %v", s, want)
					}
					kept = append(kept, s)
					next++
				}
				rec.Release()
			}
			// Values stay intact after their batches are gone.
			for i, v := range kept {
				if i%3 != 0 && v != fmt.Sprintf("row-%d", i) {
					t.Fatalf("kept[%d] = %v", i, v)
				}
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	src := makeRecord(0, 10)
	defer src.Release()
	good := encodeBatch(t, src, false)
	schema := encodeSchema(t, twoCols)

	other := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int32}}, nil)
	ob := array.NewRecordBuilder(memory.DefaultAllocator, other)
	ob.Field(0).(*array.Int32Builder).AppendValues([]int32{1, 2, 3}, nil)
	orec := ob.NewRecordBatch()
	ob.Release()
	defer orec.Release()
	otherBatch := encodeBatch(t, orec, false)

	corrupt := bytes.Clone(good)
	// Flip bytes inside the flatbuffer metadata.
	for i := 12; i < 40 && i < len(corrupt); i++ {
		corrupt[i] ^= 0xFF
	}
	frame := lz4Frame(t, good)
	badFrame := bytes.Clone(frame)
	badFrame[len(badFrame)-6] ^= 0xFF

	tests := []struct {
		name  string
		lz4   bool
		batch []byte
	}{
		{"empty", false, nil},
		{"truncated prefix", false, good[:3]},
		{"truncated metadata", false, good[:20]},
		{"truncated body", false, good[:len(good)-1]},
		{"corrupt metadata", false, corrupt},
		{"schema message", false, schema},
		{"other schema", false, otherBatch},
		{"end of stream", false, []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}},
		{"huge length", false, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3}},
		{"lz4 garbage", true, []byte("not an lz4 frame")},
		{"lz4 truncated", true, frame[:len(frame)/2]},
		{"lz4 corrupt", true, badFrame},
		{"lz4 empty", true, lz4Frame(t, nil)},
		{"plain batch as lz4", true, good},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := newTestReader(schema, tt.lz4, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rec, err := r.Decode(tt.batch)
			if err == nil {
				// Some corruptions still form a readable batch: it must be
				// internally consistent.
				if tt.name != "corrupt metadata" && tt.name != "other schema" {
					t.Fatalf("no error, %d rows", rec.NumRows())
				}
				checkRecord(t, r.Reader, rec)
				rec.Release()
			} else if !strings.HasPrefix(err.Error(), "arrowbatch: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
			// The reader keeps working after an error.
			next := good
			if tt.lz4 {
				next = frame
			}
			rec, err = r.Decode(next)
			if err != nil {
				t.Fatalf("decode after error: %v", err)
			}
			if rec.NumRows() != 10 {
				t.Fatalf("rows after error = %d", rec.NumRows())
			}
			rec.Release()
		})
	}
}

// checkRecord binds rec and reads every value; it must not panic.
func checkRecord(t testing.TB, r *Reader, rec arrow.RecordBatch) {
	t.Helper()
	if err := r.Bind(rec); err != nil {
		t.Fatalf("Bind of a decoded record: %v", err)
	}
	rows := int(min(rec.NumRows(), 1<<16))
	want := make([][]any, rows)
	for _, c := range r.Columns() {
		for i := range rows {
			want[i] = append(want[i], c.Value(i))
		}
	}
	// Row returns what Value does.
	dest := make([]any, r.NumColumns())
	for i := range rows {
		r.Row(i, dest)
		for c, v := range dest {
			if !sameValue(v, want[i][c]) {
				t.Fatalf("Row(%d)[%d] = %#v, Value = %#v", i, c, v, want[i][c])
			}
		}
	}
}

func TestNewReaderErrors(t *testing.T) {
	schema := encodeSchema(t, twoCols)
	src := makeRecord(0, 1)
	defer src.Release()
	for name, in := range map[string][]byte{
		"nil":       nil,
		"truncated": schema[:len(schema)-3],
		"garbage":   []byte("garbage garbage garbage"),
		"batch":     encodeBatch(t, src, false),
		"eos":       {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0},
	} {
		t.Run(name, func(t *testing.T) {
			if r, err := NewReader(in, Options{}); err == nil {
				t.Fatalf("no error, schema %v", r.Schema())
			}
		})
	}
	// A schema message followed by an end-of-stream marker is accepted.
	withEOS := append(bytes.Clone(schema), 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0)
	if _, err := NewReader(withEOS, Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestBindErrors(t *testing.T) {
	r, err := NewReader(encodeSchema(t, twoCols), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Bind(nil); err == nil {
		t.Fatal("Bind(nil) succeeded")
	}
	one := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	ib := array.NewInt64Builder(memory.DefaultAllocator)
	ib.Append(1)
	arr := ib.NewArray()
	defer arr.Release()
	rec := array.NewRecordBatch(one, []arrow.Array{arr}, 1)
	defer rec.Release()
	if err := r.Bind(rec); err == nil || !strings.Contains(err.Error(), "1 columns") {
		t.Fatalf("Bind with 1 column: %v", err)
	}
	swapped := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String},
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	sb := array.NewStringBuilder(memory.DefaultAllocator)
	sb.Append("x")
	sarr := sb.NewArray()
	defer sarr.Release()
	rec2 := array.NewRecordBatch(swapped, []arrow.Array{sarr, arr}, 1)
	defer rec2.Release()
	if err := r.Bind(rec2); err == nil || !strings.Contains(err.Error(), "type") {
		t.Fatalf("Bind with swapped types: %v", err)
	}
}

func TestSlicedArrays(t *testing.T) {
	src := makeRecord(0, 20)
	defer src.Release()
	sl := src.NewSlice(5, 15)
	defer sl.Release()
	r, err := NewReader(encodeSchema(t, twoCols), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// Bind accepts records built in memory too, with array offsets.
	if err := r.Bind(sl); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if got := r.Columns()[0].Value(i); got != int64(i+5) {
			t.Fatalf("row %d id = %v", i, got)
		}
		got := r.Columns()[1].Value(i)
		if (i+5)%3 == 0 {
			if got != nil {
				t.Fatalf("row %d s = %v, want nil", i, got)
			}
		} else if got != fmt.Sprintf("row-%d", i+5) {
			t.Fatalf("row %d s = %v", i, got)
		}
	}
}

// TestDecodeArrowCompression decodes a batch using Arrow's own buffer
// compression, which the IPC reader handles.
func TestDecodeArrowCompression(t *testing.T) {
	src := makeRecord(0, 100)
	defer src.Release()
	schemaLen := len(encodeSchema(t, twoCols))
	for name, opt := range map[string]ipc.Option{"lz4": ipc.WithLZ4(), "zstd": ipc.WithZstd()} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			w := ipc.NewWriter(&buf, ipc.WithSchema(twoCols), opt)
			if err := w.Write(src); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			r, err := NewReader(encodeSchema(t, twoCols), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rec, err := r.Decode(buf.Bytes()[schemaLen:])
			if err != nil {
				t.Fatal(err)
			}
			defer rec.Release()
			if err := r.Bind(rec); err != nil {
				t.Fatal(err)
			}
			if got := r.Columns()[1].Value(98); got != "row-98" {
				t.Fatalf("row 98 = %v", got)
			}
		})
	}
}

func TestLimitedAllocator(t *testing.T) {
	a := &limitedAllocator{limit: 10}
	if len(a.Allocate(10)) != 10 {
		t.Fatal("Allocate(10) failed")
	}
	for name, f := range map[string]func(){
		"Allocate":   func() { a.Allocate(11) },
		"Reallocate": func() { a.Reallocate(11, nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s over the limit did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestDictionaryColumn(t *testing.T) {
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
	b := array.NewDictionaryBuilder(memory.DefaultAllocator, dt).(*array.BinaryDictionaryBuilder)
	defer b.Release()
	for _, s := range []string{"x", "y", "x"} {
		if err := b.AppendString(s); err != nil {
			t.Fatal(err)
		}
	}
	b.AppendNull()
	arr := b.NewArray().(*array.Dictionary)
	defer arr.Release()
	if err := validateArray(arr, 0); err != nil {
		t.Fatalf("valid dictionary rejected: %v", err)
	}
	col, err := newColumn(dt, Options{})
	if err != nil {
		t.Fatal(err)
	}
	col.Reset(arr)
	for i, want := range []any{"x", "y", "x", nil} {
		if v := col.Value(i); v != want {
			t.Errorf("row %d = %#v, want %#v", i, v, want)
		}
	}

	// An index beyond the dictionary is rejected.
	idx := memory.NewBufferBytes([]byte{0, 7})
	data := array.NewData(dt, 2, []*memory.Buffer{nil, idx}, nil, 0, 0)
	data.SetDictionary(arr.Dictionary().Data())
	bad := array.MakeFromData(data)
	data.Release()
	defer bad.Release()
	if err := validateArray(bad, 0); err == nil || !strings.Contains(err.Error(), "index 7") {
		t.Fatalf("bad index: %v", err)
	}
}

func TestDecodeAfterClose(t *testing.T) {
	src := makeRecord(0, 1)
	defer src.Release()
	r, err := NewReader(encodeSchema(t, twoCols), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := r.Decode(encodeBatch(t, src, false)); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("Decode after Close: %v", err)
	}
}

// corruptPatterns are written over valid messages by TestCorruptLengths.
var corruptPatterns = [][]byte{
	{0xbc, 0xbc, 0xbc, 0x7c},
	{0xff, 0xff, 0xff, 0xff},
	{0x00, 0x00, 0x00, 0x80},
	{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f},
	{0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80},
}

// TestCorruptLengths overwrites every 4-byte window of valid schema and
// batch messages with a large length: decoding must fail or succeed, never
// exhaust memory or panic.
func TestCorruptLengths(t *testing.T) {
	schemas := fuzzSchemas()
	for i, s := range schemas[:len(schemas)-1] {
		c := columnCases(utc)[i]
		schemaMsg := encodeSchema(t, s)
		arr := buildColumn(c)
		rec := array.NewRecordBatch(s, []arrow.Array{arr}, int64(arr.Len()))
		batch := encodeBatch(t, rec, false)
		rec.Release()
		arr.Release()
		if err := checkMessages(schemaMsg, batchShape{}); err != nil {
			t.Fatalf("%s: valid schema rejected: %v", c.name, err)
		}
		if err := checkMessages(batch, batchShape{}); err != nil {
			t.Fatalf("%s: valid batch rejected: %v", c.name, err)
		}
		for _, pat := range corruptPatterns {
			for pos := 0; pos+len(pat) <= len(schemaMsg); pos++ {
				bad := bytes.Clone(schemaMsg)
				copy(bad[pos:], pat)
				if r, err := NewReader(bad, Options{}); err == nil {
					r.Close()
				}
			}
		}
		r, err := NewReader(schemaMsg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, pat := range corruptPatterns {
			for pos := 0; pos+len(pat) <= len(batch); pos++ {
				bad := bytes.Clone(batch)
				copy(bad[pos:], pat)
				if rec, err := r.Decode(bad); err == nil {
					checkRecord(t, r, rec)
					rec.Release()
				}
			}
		}
		r.Close()
	}
}
