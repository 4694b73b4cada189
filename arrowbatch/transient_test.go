package arrowbatch

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// readAll binds rec and returns every value, row by row.
func readAll(t *testing.T, r *Reader, rec arrow.RecordBatch) [][]any {
	t.Helper()
	if err := r.Bind(rec); err != nil {
		t.Fatal(err)
	}
	out := make([][]any, rec.NumRows())
	for i := range out {
		for _, c := range r.Columns() {
			out[i] = append(out[i], c.Value(i))
		}
	}
	return out
}

// within reports whether the data buffer of every column of rec lies inside
// mem.
func within(rec arrow.RecordBatch, mem []byte) bool {
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(mem)))
	hi := lo + uintptr(len(mem))
	for _, col := range rec.Columns() {
		b := col.Data().Buffers()[1].Bytes()
		p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		if p < lo || p+uintptr(len(b)) > hi {
			return false
		}
	}
	return true
}

// TestDecodeTransient decodes the same batches with Decode and
// DecodeTransient, from inputs at every alignment: the values agree, stay
// intact after later batches, and a plain transient record refers to the
// input instead of a copy.
func TestDecodeTransient(t *testing.T) {
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprint("lz4=", compress), func(t *testing.T) {
			schema := encodeSchema(t, twoCols)
			copying, err := newTestReader(schema, compress, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer copying.Close()
			transient, err := newTestReader(schema, compress, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer transient.Close()
			var kept, want [][]any
			for shift := range 9 {
				src := makeRecord(shift*100, 50+shift)
				batch := encodeBatch(t, src, compress)
				src.Release()
				// The batch at an offset of shift bytes, as a slice of a
				// Thrift reply would be.
				input := make([]byte, shift+len(batch))[shift:]
				copy(input, batch)

				rec, err := copying.Decode(batch)
				if err != nil {
					t.Fatal(err)
				}
				if within(rec, batch) {
					t.Fatal("Decode's record refers to the caller's batch")
				}
				want = append(want, readAll(t, copying.Reader, rec)...)
				rec.Release()

				rec, err = transient.DecodeTransient(input)
				if err != nil {
					t.Fatal(err)
				}
				if !compress && unalignedOK && !within(rec, input) {
					t.Fatal("DecodeTransient copied the batch")
				}
				kept = append(kept, readAll(t, transient.Reader, rec)...)
				rec.Release()
			}
			if len(kept) != len(want) {
				t.Fatalf("%d rows, want %d", len(kept), len(want))
			}
			for i := range want {
				for c := range want[i] {
					if kept[i][c] != want[i][c] {
						t.Fatalf("row %d column %d = %#v, want %#v", i, c, kept[i][c], want[i][c])
					}
				}
			}
		})
	}
}

// splitMessages splits an IPC stream into its messages, each with its
// prefix.
func splitMessages(t *testing.T, stream []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for len(stream) >= 8 {
		n := int(binary.LittleEndian.Uint32(stream[4:]))
		if n == 0 {
			break
		}
		_, body, err := checkMessage(stream[8:8+n], batchShape{})
		if err != nil {
			t.Fatal(err)
		}
		end := 8 + n + int(body)
		out = append(out, bytes.Clone(stream[:end]))
		stream = stream[end:]
	}
	return out
}

// TestDecodeTransientDictionary decodes a dictionary in the first of two
// LZ4 batches: the IPC reader keeps it for the second, which is decompressed
// into the same buffer, so the dictionary must not live there.
func TestDecodeTransientDictionary(t *testing.T) {
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{{Name: "d", Type: dt, Nullable: true}}, nil)
	// The second record is larger than the first, so that decompressing
	// it overwrites where the dictionary was.
	words := []string{"alpha", "beta"}
	record := func(n int) arrow.RecordBatch {
		b := array.NewDictionaryBuilder(memory.DefaultAllocator, dt).(*array.BinaryDictionaryBuilder)
		defer b.Release()
		for i := range n {
			if err := b.AppendString(words[i%2]); err != nil {
				t.Fatal(err)
			}
		}
		arr := b.NewArray()
		defer arr.Release()
		return array.NewRecordBatch(schema, []arrow.Array{arr}, int64(arr.Len()))
	}
	var stream bytes.Buffer
	w := ipc.NewWriter(&stream, ipc.WithSchema(schema))
	for _, n := range []int{3, 2000} {
		rec := record(n)
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	msgs := splitMessages(t, stream.Bytes())
	if len(msgs) != 4 { // schema, dictionary, record, record
		t.Fatalf("%d messages", len(msgs))
	}
	r, err := newTestReader(msgs[0], true, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i, batch := range [][]byte{append(bytes.Clone(msgs[1]), msgs[2]...), msgs[3]} {
		got, err := r.DecodeTransient(lz4Frame(t, batch))
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		vals := readAll(t, r.Reader, got)
		got.Release()
		for j, v := range vals {
			if v[0] != words[j%2] {
				t.Fatalf("batch %d row %d = %#v, want %q", i, j, v[0], words[j%2])
			}
		}
	}
}

// TestDecodeTruncated cuts a batch at every length: both Decode methods
// fail without panicking, and the Reader decodes the whole batch after.
func TestDecodeTruncated(t *testing.T) {
	src := makeRecord(0, 20)
	batch := encodeBatch(t, src, false)
	src.Release()
	r, err := NewReader(encodeSchema(t, twoCols), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for n := range len(batch) {
		for _, decode := range []func([]byte) (arrow.RecordBatch, error){r.Decode, r.DecodeTransient} {
			if rec, err := decode(bytes.Clone(batch[:n])); err == nil {
				// Only the padding at the end may be cut.
				checkRecord(t, r, rec)
				rec.Release()
			}
			rec, err := decode(batch)
			if err != nil {
				t.Fatalf("after %d bytes: %v", n, err)
			}
			rec.Release()
		}
	}
}
