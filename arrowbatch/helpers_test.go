package arrowbatch

import (
	"bytes"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/pierrec/lz4/v4"
)

// encodeSchema returns the IPC schema message of schema, as a server sends
// it in arrowSchema.
func encodeSchema(t testing.TB, schema *arrow.Schema) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()[:buf.Len()-8] // drop the end-of-stream marker
}

// encodeBatch returns the IPC record-batch message of rec, optionally as an
// LZ4 frame.
func encodeBatch(t testing.TB, rec arrow.RecordBatch, compress bool) []byte {
	t.Helper()
	schemaLen := len(encodeSchema(t, rec.Schema()))
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(rec.Schema()))
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	msg := bytes.Clone(buf.Bytes()[schemaLen : buf.Len()-8])
	if !compress {
		return msg
	}
	return lz4Frame(t, msg)
}

func lz4Frame(t testing.TB, data []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := lz4.NewWriter(&out)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// lz4Reader is a Reader whose Decode methods take LZ4 frames when lz4 is
// set: it decompresses each into one reused buffer with an Inflater first,
// as the driver does with the batches of a compressed result.
type lz4Reader struct {
	*Reader
	lz4 bool
	z   Inflater
	buf []byte
}

// newTestReader is NewReader for batches that are LZ4 frames when lz4 is set.
func newTestReader(schemaIPC []byte, lz4 bool, opts Options) (*lz4Reader, error) {
	r, err := NewReader(schemaIPC, opts)
	if err != nil {
		return nil, err
	}
	return &lz4Reader{Reader: r, lz4: lz4}, nil
}

func (r *lz4Reader) inflate(batch []byte) ([]byte, error) {
	if !r.lz4 {
		return batch, nil
	}
	out, err := r.z.Inflate(r.buf[:0], batch)
	if err != nil {
		return nil, err
	}
	r.buf = out
	return out, nil
}

// Decode inflates batch when needed and decodes it.
func (r *lz4Reader) Decode(batch []byte) (arrow.RecordBatch, error) {
	data, err := r.inflate(batch)
	if err != nil {
		return nil, err
	}
	return r.Reader.Decode(data)
}

// DecodeTransient inflates batch when needed and decodes it without a copy.
func (r *lz4Reader) DecodeTransient(batch []byte) (arrow.RecordBatch, error) {
	data, err := r.inflate(batch)
	if err != nil {
		return nil, err
	}
	return r.Reader.DecodeTransient(data)
}

// int64Stream returns an IPC stream of vals, one int64 column in batches of
// at most 3 rows, as a result file holds it.
func int64Stream(t testing.TB, vals []int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	for i := 0; i < len(vals); i += 3 {
		b := array.NewInt64Builder(memory.DefaultAllocator)
		b.AppendValues(vals[i:min(i+3, len(vals))], nil)
		arr := b.NewArray()
		rec := array.NewRecordBatch(schema, []arrow.Array{arr}, int64(arr.Len()))
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		arr.Release()
		b.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
