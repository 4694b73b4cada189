package emulator

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/pierrec/lz4/v4"
)

// eosMarker is the Arrow IPC end-of-stream marker the stream writer appends.
var eosMarker = []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}

// schemaMessage returns the Arrow IPC schema message for schema, without the
// end-of-stream marker: the arrowSchema of TGetResultSetMetadataResp.
func schemaMessage(schema *arrow.Schema) ([]byte, error) {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	if err := w.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	if !bytes.HasSuffix(b, eosMarker) {
		return nil, errors.New("arrow ipc: unexpected stream end")
	}
	return b[:len(b)-len(eosMarker)], nil
}

// batchMessage returns one IPC record-batch message (no schema, no
// end-of-stream marker) for rec, as one LZ4 frame when compress is set.
func batchMessage(schemaMsg []byte, rec arrow.RecordBatch, compress bool) ([]byte, error) {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(rec.Schema()))
	if err := w.Write(rec); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, schemaMsg) || !bytes.HasSuffix(b, eosMarker) {
		return nil, errors.New("arrow ipc: unexpected stream layout")
	}
	msg := b[len(schemaMsg) : len(b)-len(eosMarker)]
	if !compress {
		return bytes.Clone(msg), nil
	}
	var out bytes.Buffer
	zw := lz4.NewWriter(&out)
	if _, err := zw.Write(msg); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// buildRecord builds an Arrow record batch of rows [start,end) of data for
// the columns.
func buildRecord(schema *arrow.Schema, cols []column, data *resultStore, start, end int) (arrow.RecordBatch, error) {
	mem := memory.DefaultAllocator
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for ci, c := range cols {
		fb := b.Field(ci)
		fb.Reserve(end - start)
		if err := data.appendArrow(fb, ci, c.typ, start, end); err != nil {
			return nil, fmt.Errorf("column %q: %w", c.name, err)
		}
	}
	return b.NewRecordBatch(), nil
}

// appendArrow appends one value to the column builder.
func appendArrow(fb array.Builder, v any, t *colType) error {
	if v == nil {
		fb.AppendNull()
		return nil
	}
	bad := func() error { return fmt.Errorf("unexpected %T for %s", v, t.duck) }
	switch b := fb.(type) {
	case *array.NullBuilder:
		b.AppendNull()
	case *array.BooleanBuilder:
		x, ok := v.(bool)
		if !ok {
			return bad()
		}
		b.Append(x)
	case *array.Int8Builder:
		i, ok := toInt64(v)
		if !ok {
			return bad()
		}
		b.Append(int8(i))
	case *array.Int16Builder:
		i, ok := toInt64(v)
		if !ok {
			return bad()
		}
		b.Append(int16(i))
	case *array.Int32Builder:
		i, ok := toInt64(v)
		if !ok {
			return bad()
		}
		b.Append(int32(i))
	case *array.Int64Builder:
		i, ok := toInt64(v)
		if !ok {
			return bad()
		}
		b.Append(i)
	case *array.Float32Builder:
		f, ok := toFloat64(v)
		if !ok {
			return bad()
		}
		b.Append(float32(f))
	case *array.Float64Builder:
		f, ok := toFloat64(v)
		if !ok {
			return bad()
		}
		b.Append(f)
	case *array.BinaryBuilder:
		x, ok := v.([]byte)
		if !ok {
			return bad()
		}
		b.Append(x)
	case *array.Date32Builder:
		tm, ok := v.(time.Time)
		if !ok {
			return bad()
		}
		b.Append(arrow.Date32FromTime(tm))
	case *array.TimestampBuilder:
		tm, ok := v.(time.Time)
		if !ok {
			return bad()
		}
		b.Append(arrow.Timestamp(tm.UnixMicro()))
	case *array.Decimal128Builder:
		u, ok := toUnscaled(v, t.scale)
		if !ok {
			return bad()
		}
		b.Append(decimal128.FromBigInt(u))
	case *array.StringBuilder:
		b.Append(textValue(v, t))
	case *array.MapBuilder:
		keys, vals, ok := mapEntries(v)
		if !ok || t.kind != kMap {
			return bad()
		}
		b.Append(true)
		for i := range keys {
			if keys[i] == nil {
				return fmt.Errorf("NULL map key in %s", t.duck)
			}
			if err := appendArrow(b.KeyBuilder(), keys[i], t.key); err != nil {
				return err
			}
			if err := appendArrow(b.ItemBuilder(), vals[i], t.val); err != nil {
				return err
			}
		}
	case *array.ListBuilder:
		list, ok := v.([]any)
		if !ok || t.kind != kArray {
			return bad()
		}
		b.Append(true)
		for _, e := range list {
			if err := appendArrow(b.ValueBuilder(), e, t.elem); err != nil {
				return err
			}
		}
	case *array.StructBuilder:
		m, ok := v.(map[string]any)
		if !ok || t.kind != kStruct {
			return bad()
		}
		b.Append(true)
		for i, f := range t.fields {
			if err := appendArrow(b.FieldBuilder(i), m[f.name], f.typ); err != nil {
				return err
			}
		}
	default:
		return bad()
	}
	return nil
}
