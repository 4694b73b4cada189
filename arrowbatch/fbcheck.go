package arrowbatch

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// The IPC reader of arrow-go sizes some slices by vector lengths read from a
// message's flatbuffer metadata (schema fields, field children, custom
// metadata) before checking them. A corrupt length would make it allocate
// without bound, and running out of memory cannot be recovered. checkMessages
// walks the metadata of every message in an input first and rejects vectors
// that run past the metadata, so every such allocation stays proportional to
// the input. It also bounds the number of fields, which arrow-go visits
// recursively.

// Slots of the Arrow flatbuffer tables (format/Message.fbs, Schema.fbs).
const (
	slotMessageHeaderType        = 1
	slotMessageHeader            = 2
	slotMessageBodyLength        = 3
	slotMessageCustomMeta        = 4
	slotSchemaFields             = 1
	slotSchemaCustomMeta         = 2
	slotFieldChildren            = 5
	slotFieldCustomMeta          = 6
	slotBatchNodes               = 1
	slotBatchBuffers             = 2
	slotBatchVariadic            = 4
	slotDictionaryData           = 1
	headerSchema                 = 1
	headerDictionaryBatch        = 2
	headerRecordBatch            = 3
	maxFields                    = 1 << 16
	ipcContinuation       uint32 = 0xFFFFFFFF
)

var errMetadata = errors.New("invalid message metadata")

// batchShape is what the schema says every record batch must describe
// beyond its own metadata: views is the number of binary and string view
// fields (pre-order, nested fields included, dictionary values excluded),
// each of which needs an entry in the batch's variadic buffer counts.
// arrow-go reads entry i of that vector without checking its length: a
// vector too short makes it read some other bytes as a count and allocate by
// them.
type batchShape struct {
	views int
}

// shapeOf computes the batchShape of schema. A dictionary whose values
// hold view fields is refused: its batches would need a shape of their own.
func shapeOf(schema *arrow.Schema) (batchShape, error) {
	var s batchShape
	var walk func(dt arrow.DataType, depth int) error
	walk = func(dt arrow.DataType, depth int) error {
		if depth > maxDepth {
			return fmt.Errorf("%w: fields nested too deep", errMetadata)
		}
		switch t := dt.(type) {
		case arrow.ExtensionType:
			return walk(t.StorageType(), depth+1)
		case *arrow.DictionaryType:
			var inner batchShape
			inner, s = s, batchShape{}
			err := walk(t.ValueType, depth+1)
			inner, s = s, inner
			if err == nil && inner.views > 0 {
				err = errors.New("arrowbatch: dictionaries of view types are not supported")
			}
			return err
		case arrow.BinaryViewDataType:
			s.views++
		case arrow.NestedType:
			for _, f := range t.Fields() {
				if err := walk(f.Type, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, f := range schema.Fields() {
		if err := walk(f.Type, 0); err != nil {
			return batchShape{}, err
		}
	}
	return s, nil
}

// checkMessages checks the metadata of the IPC messages in data, record
// batches against shape. Input it cannot frame is left for the IPC reader
// to reject.
func checkMessages(data []byte, shape batchShape) error {
	_, err := scanMessages(data, shape)
	return err
}

// scanMessages is checkMessages that also reports whether data holds a
// dictionary batch.
func scanMessages(data []byte, shape batchShape) (dicts bool, err error) {
	for len(data) >= 4 {
		n := binary.LittleEndian.Uint32(data)
		data = data[4:]
		if n == ipcContinuation {
			if len(data) < 4 {
				return dicts, nil
			}
			n = binary.LittleEndian.Uint32(data)
			data = data[4:]
		}
		if n == 0 || uint64(n) > uint64(len(data)) {
			return dicts, nil
		}
		meta := data[:n]
		data = data[n:]
		kind, body, err := checkMessage(meta, shape)
		if err != nil {
			return dicts, err
		}
		dicts = dicts || kind == headerDictionaryBatch
		if body < 0 || body > int64(len(data)) {
			return dicts, nil
		}
		data = data[body:]
	}
	return dicts, nil
}

// checkMessage checks one Message table, a record batch against shape, and
// returns its header type and body length.
func checkMessage(meta []byte, shape batchShape) (kind byte, body int64, err error) {
	fb := flatbuf{b: meta}
	root, ok := fb.offset(0)
	if !ok {
		return 0, 0, errMetadata
	}
	if err := fb.checkVector(root, slotMessageCustomMeta, 4); err != nil {
		return 0, 0, err
	}
	if pos, ok := fb.field(root, slotMessageBodyLength); ok {
		if v, ok := fb.u64(pos); ok {
			body = int64(v)
		}
	}
	pos, ok := fb.field(root, slotMessageHeaderType)
	if !ok || pos >= len(meta) {
		return 0, body, nil
	}
	kind = meta[pos]
	hpos, ok := fb.field(root, slotMessageHeader)
	if !ok {
		return kind, body, nil
	}
	header, ok := fb.offset(hpos)
	if !ok {
		return 0, 0, errMetadata
	}
	switch kind {
	case headerSchema:
		if err := fb.checkVector(header, slotSchemaCustomMeta, 4); err != nil {
			return 0, 0, err
		}
		count := 0
		return kind, body, fb.checkFields(header, slotSchemaFields, 0, &count)
	case headerRecordBatch:
		return kind, body, fb.checkBatch(header, body, shape)
	case headerDictionaryBatch:
		pos, ok := fb.field(header, slotDictionaryData)
		if !ok {
			return kind, body, nil
		}
		batch, ok := fb.offset(pos)
		if !ok {
			return 0, 0, errMetadata
		}
		// A dictionary's values hold no view field (see shapeOf).
		return kind, body, fb.checkBatch(batch, body, batchShape{})
	}
	return kind, body, nil
}

// checkBatch checks a RecordBatch table: its vectors fit the metadata,
// every buffer lies within the body of body bytes, the variadic buffer
// counts (which arrow-go allocates by) have an entry for each view field of
// shape and each is at most the number of buffers.
func (fb flatbuf) checkBatch(batch int, body int64, shape batchShape) error {
	if err := fb.checkVector(batch, slotBatchNodes, 16); err != nil {
		return err
	}
	if err := fb.checkVector(batch, slotBatchBuffers, 16); err != nil {
		return err
	}
	if err := fb.checkVector(batch, slotBatchVariadic, 8); err != nil {
		return err
	}
	bufs, buffers, _ := fb.vector(batch, slotBatchBuffers)
	for i := range buffers {
		off, _ := fb.u64(bufs + 16*i)
		n, _ := fb.u64(bufs + 16*i + 8)
		if int64(off) < 0 || int64(n) < 0 || int64(off) > body || int64(n) > body-int64(off) {
			return fmt.Errorf("%w: buffer %d (offset %d, %d bytes) outside the body of %d bytes", errMetadata, i, int64(off), int64(n), body)
		}
	}
	vec, n, ok := fb.vector(batch, slotBatchVariadic)
	if n < shape.views {
		return fmt.Errorf("%w: %d variadic buffer counts for %d view fields", errMetadata, n, shape.views)
	}
	if !ok {
		return nil
	}
	for i := range n {
		v, ok := fb.u64(vec + 8*i)
		if !ok || int64(v) < 0 || int64(v) > int64(buffers) {
			return fmt.Errorf("%w: variadic buffer count %d exceeds %d buffers", errMetadata, int64(v), buffers)
		}
	}
	return nil
}

// checkFields checks a vector of Field tables and, recursively, their
// children and custom metadata.
func (fb flatbuf) checkFields(table, slot, depth int, count *int) error {
	if err := fb.checkVector(table, slot, 4); err != nil {
		return err
	}
	vec, n, ok := fb.vector(table, slot)
	if !ok {
		return nil
	}
	if depth > maxDepth {
		return fmt.Errorf("%w: fields nested too deep", errMetadata)
	}
	for i := range n {
		*count++
		if *count > maxFields {
			return fmt.Errorf("%w: more than %d fields", errMetadata, maxFields)
		}
		field, ok := fb.offset(vec + 4*i)
		if !ok {
			return errMetadata
		}
		if err := fb.checkVector(field, slotFieldCustomMeta, 4); err != nil {
			return err
		}
		if err := fb.checkFields(field, slotFieldChildren, depth+1, count); err != nil {
			return err
		}
	}
	return nil
}

// flatbuf reads flatbuffer tables with bounds checks.
type flatbuf struct{ b []byte }

func (fb flatbuf) u16(pos int) (int, bool) {
	if pos < 0 || pos+2 > len(fb.b) {
		return 0, false
	}
	return int(binary.LittleEndian.Uint16(fb.b[pos:])), true
}

func (fb flatbuf) u32(pos int) (uint32, bool) {
	if pos < 0 || pos+4 > len(fb.b) {
		return 0, false
	}
	return binary.LittleEndian.Uint32(fb.b[pos:]), true
}

func (fb flatbuf) u64(pos int) (uint64, bool) {
	if pos < 0 || pos+8 > len(fb.b) {
		return 0, false
	}
	return binary.LittleEndian.Uint64(fb.b[pos:]), true
}

// offset follows the unsigned offset stored at pos. Like the flatbuffers
// library, it adds with uint32 wrap-around.
func (fb flatbuf) offset(pos int) (int, bool) {
	v, ok := fb.u32(pos)
	if !ok {
		return 0, false
	}
	t := uint32(pos) + v
	if uint64(t) >= uint64(len(fb.b)) {
		return 0, false
	}
	return int(t), true
}

// field returns the position of a table's field, false when absent. It
// follows the flatbuffers library's arithmetic, so it finds what arrow-go
// finds.
func (fb flatbuf) field(table, slot int) (int, bool) {
	so, ok := fb.u32(table)
	if !ok {
		return 0, false
	}
	vt := uint32(int32(uint32(table)) - int32(so))
	if uint64(vt) >= uint64(len(fb.b)) {
		return 0, false
	}
	vlen, ok := fb.u16(int(vt))
	if !ok || 4+2*slot >= vlen {
		return 0, false
	}
	off, ok := fb.u16(int(vt) + 4 + 2*slot)
	if !ok || off == 0 {
		return 0, false
	}
	return int(uint32(table) + uint32(off)), true
}

// vector returns the start and length of a vector field.
func (fb flatbuf) vector(table, slot int) (start, n int, ok bool) {
	pos, ok := fb.field(table, slot)
	if !ok {
		return 0, 0, false
	}
	vec, ok := fb.offset(pos)
	if !ok {
		return 0, 0, false
	}
	l, ok := fb.u32(vec)
	if !ok {
		return 0, 0, false
	}
	return vec + 4, int(l), true
}

// checkVector fails if a vector field's elements run past the buffer.
func (fb flatbuf) checkVector(table, slot, elemSize int) error {
	pos, ok := fb.field(table, slot)
	if !ok {
		return nil
	}
	vec, ok := fb.offset(pos)
	if !ok {
		return errMetadata
	}
	l, ok := fb.u32(vec)
	if !ok || uint64(vec)+4+uint64(l)*uint64(elemSize) > uint64(len(fb.b)) {
		return fmt.Errorf("%w: vector of %d elements exceeds the metadata", errMetadata, l)
	}
	return nil
}
