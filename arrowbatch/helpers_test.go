package arrowbatch

import (
	"bytes"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
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
