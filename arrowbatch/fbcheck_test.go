package arrowbatch

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// variadicVector returns the position of the variadic buffer counts vector
// (its length word) in a record-batch message framed with a continuation
// marker.
func variadicVector(t *testing.T, msg []byte) int {
	t.Helper()
	fb := flatbuf{b: msg[8:]}
	root, _ := fb.offset(0)
	hpos, ok := fb.field(root, slotMessageHeader)
	if !ok {
		t.Fatal("no header")
	}
	header, _ := fb.offset(hpos)
	pos, ok := fb.field(header, slotBatchVariadic)
	if !ok {
		t.Fatal("no variadic buffer counts")
	}
	vec, _ := fb.offset(pos)
	return 8 + vec
}

// A string_view batch whose variadic buffer counts vector is empty: arrow-go
// reads the count of the column past the vector, here 2^33, and allocated
// 64 GiB for the buffer list (fatal, not a panic). It is an error before
// arrow-go sees it.
func TestViewBatchWithoutVariadicCounts(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.StringView, Nullable: true}}, nil)
	b := array.NewStringViewBuilder(memory.DefaultAllocator)
	b.AppendValues([]string{"a string longer than twelve bytes", "x"}, nil)
	arr := b.NewArray()
	defer arr.Release()
	rec := array.NewRecordBatch(schema, []arrow.Array{arr}, int64(arr.Len()))
	defer rec.Release()
	batch := encodeBatch(t, rec, false)

	r, err := NewReader(encodeSchema(t, schema), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	good, err := r.Decode(batch)
	if err != nil {
		t.Fatalf("valid string_view batch: %v", err)
	}
	good.Release()

	bad := bytes.Clone(batch)
	vec := variadicVector(t, bad)
	if n := binary.LittleEndian.Uint32(bad[vec:]); n != 1 {
		t.Fatalf("variadic vector of %d entries, want 1", n)
	}
	binary.LittleEndian.PutUint32(bad[vec:], 0)
	binary.LittleEndian.PutUint64(bad[vec+4:], 1<<33)
	_, err = r.Decode(bad)
	if err == nil || !strings.Contains(err.Error(), "variadic buffer counts for 1 view fields") {
		t.Fatalf("err = %v, want the missing variadic count", err)
	}
}

// A buffer that lies outside the message body is an error, whatever its
// type would make arrow-go do with it.
func TestBufferOutsideBody(t *testing.T) {
	schema, recs := int64Schema([]int64{1, 2, 3})
	batch := encodeBatch(t, recs[0], false)
	defer recs[0].Release()
	fb := flatbuf{b: batch[8:]}
	root, _ := fb.offset(0)
	hpos, _ := fb.field(root, slotMessageHeader)
	header, _ := fb.offset(hpos)
	bufs, n, ok := fb.vector(header, slotBatchBuffers)
	if !ok || n < 2 {
		t.Fatalf("%d buffers", n)
	}
	bad := bytes.Clone(batch)
	binary.LittleEndian.PutUint64(bad[8+bufs+16+8:], 1<<40) // length of buffer 1
	r, err := NewReader(encodeSchema(t, schema), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Decode(bad); err == nil || !strings.Contains(err.Error(), "outside the body") {
		t.Fatalf("err = %v, want a buffer outside the body", err)
	}
}

// int64Schema is a one-column BIGINT schema and a record of vals.
func int64Schema(vals []int64) (*arrow.Schema, []arrow.RecordBatch) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues(vals, nil)
	arr := b.NewArray()
	defer arr.Release()
	return schema, []arrow.RecordBatch{array.NewRecordBatch(schema, []arrow.Array{arr}, int64(arr.Len()))}
}
