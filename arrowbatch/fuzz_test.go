package arrowbatch

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// fuzzSchemas are the one-column schemas of columnCases plus the
// two-column schema of makeRecord; fuzz inputs pick one by index.
func fuzzSchemas() []*arrow.Schema {
	var out []*arrow.Schema
	for _, c := range columnCases(utc) {
		out = append(out, arrow.NewSchema([]arrow.Field{{Name: c.name, Type: c.typ, Nullable: true}}, nil))
	}
	return append(out, twoCols)
}

// FuzzDecode feeds arbitrary batch bytes, plain or as LZ4 frames, to a
// Reader: Decode must return an error or a record whose every value can be
// read, and never panic.
func FuzzDecode(f *testing.F) {
	schemas := fuzzSchemas()
	encoded := make([][]byte, len(schemas))
	for i, s := range schemas {
		encoded[i] = encodeSchema(f, s)
	}
	for i, c := range columnCases(utc) {
		arr := buildColumn(c)
		rec := array.NewRecordBatch(schemas[i], []arrow.Array{arr}, int64(arr.Len()))
		f.Add(uint8(i), encodeBatch(f, rec, false), false)
		f.Add(uint8(i), encodeBatch(f, rec, true), true)
		rec.Release()
		arr.Release()
	}
	rec := makeRecord(0, 50)
	f.Add(uint8(len(schemas)-1), encodeBatch(f, rec, false), false)
	f.Add(uint8(len(schemas)-1), encodeBatch(f, rec, true), true)
	rec.Release()
	f.Fuzz(func(t *testing.T, which uint8, batch []byte, compress bool) {
		r, err := newTestReader(encoded[int(which)%len(encoded)], compress, Options{Location: ny})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		// The second round checks the reader survives the first, and
		// decodes without copying.
		for _, decode := range []func([]byte) (arrow.RecordBatch, error){r.Decode, r.DecodeTransient} {
			rec, err := decode(batch)
			if err != nil {
				continue
			}
			checkRecord(t, r.Reader, rec)
			rec.Release()
		}
	})
}

// FuzzNewReader feeds arbitrary schema messages to NewReader: it must
// return an error or a Reader whose columns match the schema, and never
// panic.
func FuzzNewReader(f *testing.F) {
	for _, s := range fuzzSchemas() {
		f.Add(encodeSchema(f, s))
	}
	f.Fuzz(func(t *testing.T, schema []byte) {
		r, err := NewReader(schema, Options{})
		if err != nil {
			return
		}
		defer r.Close()
		if r.NumColumns() != r.Schema().NumFields() || len(r.Columns()) != r.NumColumns() {
			t.Fatalf("%d columns for %d fields", r.NumColumns(), r.Schema().NumFields())
		}
	})
}

// FuzzStream feeds arbitrary result files, plain or in LZ4 frames, to a
// Stream, as a result link's download arrives: every message it returns
// must decode to a readable record or an error, Drain must end, and nothing
// may panic.
func FuzzStream(f *testing.F) {
	plain := int64Stream(f, []int64{1, 2, 3, 4, 5, 6, 7})
	f.Add(plain, false)
	f.Add(lz4Frame(f, plain), true)
	f.Add(plain[:len(plain)/2], false)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, false)
	empty := int64Stream(f, nil) // the schema message and the end-of-stream marker
	schemaMsg := empty[:len(empty)-8]
	f.Fuzz(func(t *testing.T, file []byte, compressed bool) {
		r, err := NewReader(schemaMsg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var s Stream
		if compressed {
			if err := s.ResetLZ4(file); err != nil {
				return
			}
		} else {
			s.Reset(file)
		}
		for {
			msg, err := s.Next()
			if err != nil {
				break
			}
			if rec, err := r.Decode(msg); err == nil {
				checkRecord(t, r, rec)
				rec.Release()
			}
		}
		s.Drain()
	})
}
