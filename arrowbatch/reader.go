package arrowbatch

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Options configures how values are produced.
type Options struct {
	// Location is the time zone of TIMESTAMP values. Nil means UTC.
	Location *time.Location
}

func (o Options) location() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

// Reader decodes the record batches of one result set. It parses the IPC
// schema once and reuses one IPC reader for every batch.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	schemaIPC []byte
	opts      Options

	msgs   swapMessages
	ipc    *ipc.Reader
	schema *arrow.Schema
	cols   []Column

	// rows is the row count of the bound batch; plan describes its columns
	// to Row once planned.
	rows    int
	plan    []rowColumn
	planned bool

	closed bool
}

// swapMessages is the message source of the long-lived IPC reader; Decode
// points it at each input in turn. It frames the input's messages itself
// and hands them to the IPC reader without copying: a message's metadata and
// body are slices of the input (capacity clipped), so the arrays of a
// decoded record refer to the input. Every caller passes input that nobody
// modifies while a record decoded from it is in use (see Reader.Decode and
// Reader.DecodeTransient). A message may not claim more bytes than the input
// holds, so a corrupt length cannot make anything allocate beyond the input.
type swapMessages struct {
	data  []byte // input not yet read
	msg   *ipc.Message
	alloc limitedAllocator
	shape batchShape // of the schema, once known
}

func (s *swapMessages) reset(data []byte) {
	s.Release()
	s.data = data
	s.alloc.limit = allocLimit(len(data))
}

// allocLimit bounds single allocations while decoding an input of n bytes.
// Only Arrow's own buffer compression (which Databricks does not use) can
// need more than n bytes; the bound stops a corrupt uncompressed size from
// exhausting memory.
func allocLimit(n int) int {
	return 256*n + 16<<20
}

// limitedAllocator is a Go allocator that panics (turned into an error by
// the IPC reader) instead of allocating more than limit bytes at once.
type limitedAllocator struct {
	memory.GoAllocator
	limit int
}

// Allocate implements memory.Allocator.
func (a *limitedAllocator) Allocate(size int) []byte {
	if size > a.limit {
		panic(fmt.Sprintf("arrowbatch: allocation of %d bytes exceeds the limit of %d", size, a.limit))
	}
	return a.GoAllocator.Allocate(size)
}

// Reallocate implements memory.Allocator.
func (a *limitedAllocator) Reallocate(size int, b []byte) []byte {
	if size > a.limit {
		panic(fmt.Sprintf("arrowbatch: allocation of %d bytes exceeds the limit of %d", size, a.limit))
	}
	return a.GoAllocator.Reallocate(size, b)
}

// errTruncated is wrapped by the errors about input that ends inside a
// message.
var errTruncated = errors.New("arrowbatch: truncated IPC message")

// Message implements ipc.MessageReader: the next message of the input, valid
// until the next call; io.EOF at the end of the input or at an end-of-stream
// marker.
func (s *swapMessages) Message() (msg *ipc.Message, err error) {
	defer func() {
		if p := recover(); p != nil {
			msg, err = nil, fmt.Errorf("arrowbatch: invalid message metadata: %v", p)
		}
	}()
	if s.msg != nil {
		s.msg.Release()
		s.msg = nil
	}
	d := s.data
	s.data = nil
	if len(d) == 0 {
		return nil, io.EOF
	}
	if len(d) < 4 {
		return nil, fmt.Errorf("%w: %d bytes of a message length", errTruncated, len(d))
	}
	n := binary.LittleEndian.Uint32(d)
	d = d[4:]
	if n == ipcContinuation {
		if len(d) < 4 {
			return nil, fmt.Errorf("%w: %d bytes of a message length", errTruncated, len(d))
		}
		n = binary.LittleEndian.Uint32(d)
		d = d[4:]
	}
	if n == 0 {
		return nil, io.EOF
	}
	if n < 4 || n > math.MaxInt32 {
		return nil, fmt.Errorf("arrowbatch: invalid message metadata length %d", int32(n))
	}
	if uint64(n) > uint64(len(d)) {
		return nil, fmt.Errorf("%w: metadata of %d bytes, %d left", errTruncated, n, len(d))
	}
	meta := d[:n:n]
	d = d[n:]
	_, bodyLen, err := checkMessage(meta, s.shape)
	if err != nil {
		return nil, fmt.Errorf("arrowbatch: %w", err)
	}
	if bodyLen < 0 || bodyLen > int64(len(d)) {
		return nil, fmt.Errorf("%w: body of %d bytes, %d left", errTruncated, bodyLen, len(d))
	}
	body := d[:bodyLen:bodyLen]
	if !unalignedOK && len(body) > 0 && uintptr(unsafe.Pointer(unsafe.SliceData(body)))%8 != 0 {
		// Arrow buffers are read through typed pointers; where unaligned
		// loads are not supported the body goes into memory of its own,
		// which the Go allocator aligns to 8 bytes.
		body = bytes.Clone(body)
	}
	s.data = d[bodyLen:]
	s.msg = ipc.NewMessage(memory.NewBufferBytes(meta), memory.NewBufferBytes(body))
	return s.msg, nil
}

// unalignedOK reports whether the architecture loads integers from
// unaligned addresses (as the input's buffers may be: a batch sliced from a
// Thrift reply starts anywhere) without faulting or trapping.
const unalignedOK = runtime.GOARCH == "amd64" || runtime.GOARCH == "386" || runtime.GOARCH == "arm64" ||
	runtime.GOARCH == "ppc64le" || runtime.GOARCH == "ppc64" || runtime.GOARCH == "s390x"

// Retain implements ipc.MessageReader; the IPC reader is the only owner.
func (s *swapMessages) Retain() {}

// Release implements ipc.MessageReader.
func (s *swapMessages) Release() {
	if s.msg != nil {
		s.msg.Release()
		s.msg = nil
	}
	s.data = nil
}

// NewReader parses schemaIPC, an Arrow IPC schema message, and returns a
// Reader for batches of that schema. Batches of a compressed result are
// decompressed first (see [Inflater]).
func NewReader(schemaIPC []byte, opts Options) (*Reader, error) {
	r := &Reader{
		schemaIPC: bytes.Clone(schemaIPC),
		opts:      opts,
	}
	if err := r.open(); err != nil {
		return nil, err
	}
	r.schema = r.ipc.Schema()
	shape, err := shapeOf(r.schema)
	if err != nil {
		r.ipc.Release()
		return nil, err
	}
	r.msgs.shape = shape
	cols, err := planColumns(r.schema, opts)
	if err != nil {
		r.ipc.Release()
		return nil, err
	}
	r.cols = cols
	return r, nil
}

// open (re)creates the IPC reader from the schema message.
func (r *Reader) open() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("arrowbatch: invalid schema: %v", p)
		}
	}()
	if r.ipc != nil {
		r.ipc.Release()
		r.ipc = nil
	}
	if len(r.schemaIPC) == 0 {
		return errors.New("arrowbatch: empty schema")
	}
	if err := checkMessages(r.schemaIPC, batchShape{}); err != nil {
		return fmt.Errorf("arrowbatch: invalid schema: %w", err)
	}
	r.msgs.reset(r.schemaIPC)
	rd, err := ipc.NewReaderFromMessageReader(&r.msgs, ipc.WithAllocator(&r.msgs.alloc))
	if err != nil {
		return fmt.Errorf("arrowbatch: invalid schema: %w", err)
	}
	if rd.Schema() == nil {
		rd.Release()
		return errors.New("arrowbatch: invalid schema: no schema message")
	}
	if r.schema != nil && !r.schema.Equal(rd.Schema()) {
		rd.Release()
		return errors.New("arrowbatch: schema changed on reopen")
	}
	r.ipc = rd
	return nil
}

// Schema returns the Arrow schema of the result set.
func (r *Reader) Schema() *arrow.Schema { return r.schema }

// NumColumns returns the number of columns of the schema.
func (r *Reader) NumColumns() int { return len(r.cols) }

// Columns returns one reader per column, in schema order. The slice and its
// readers belong to r and are reused for every batch; see [Reader.Bind].
func (r *Reader) Columns() []Column { return r.cols }

// Decode decodes one batch, an IPC record-batch message. It returns an
// error for corrupt or truncated input and never panics.
//
// The returned record is validated (buffer sizes, offsets, column lengths)
// and owned by the caller, who should Release it when done. It refers to a
// copy of the batch: the caller may reuse batch once Decode returns.
func (r *Reader) Decode(batch []byte) (arrow.RecordBatch, error) {
	return r.decode(batch, false)
}

// DecodeTransient is Decode without copying the batch, for a caller that
// reads each record before decoding the next: the record's arrays are slices
// of batch. The record is therefore valid only until the next call of a
// Decode method or Close, and batch must not be modified until then.
// Values returned by the Columns are copies and stay valid.
func (r *Reader) DecodeTransient(batch []byte) (arrow.RecordBatch, error) {
	return r.decode(batch, true)
}

// decode implements Decode and, with transient true, DecodeTransient.
func (r *Reader) decode(batch []byte, transient bool) (rec arrow.RecordBatch, err error) {
	defer func() {
		if p := recover(); p != nil {
			// rec, if any, still belongs to the IPC reader, which reopen
			// releases.
			rec = nil
			err = fmt.Errorf("arrowbatch: corrupt batch: %v", p)
			r.reopen()
		}
	}()
	if r.closed {
		return nil, errors.New("arrowbatch: reader is closed")
	}
	data := batch
	if len(data) == 0 {
		return nil, errors.New("arrowbatch: empty batch")
	}
	dicts, err := scanMessages(data, r.msgs.shape)
	if err != nil {
		return nil, fmt.Errorf("arrowbatch: corrupt batch: %w", err)
	}
	if !transient || dicts {
		// The record must outlive what data refers to: the caller's batch
		// or the decompression buffer, both reused. Dictionaries are kept
		// by the IPC reader for later batches, so they need a copy too.
		data = bytes.Clone(data)
	}
	r.msgs.reset(data)
	rec, err = r.ipc.Read()
	if err != nil {
		r.reopen()
		if errors.Is(err, io.EOF) {
			return nil, errors.New("arrowbatch: batch holds no record batch")
		}
		return nil, fmt.Errorf("arrowbatch: corrupt batch: %w", err)
	}
	if err := validateRecord(rec); err != nil {
		r.reopen()
		return nil, fmt.Errorf("arrowbatch: corrupt batch: %w", err)
	}
	rec.Retain()
	return rec, nil
}

// reopen replaces an IPC reader that stopped after an error. The schema
// parsed successfully before, so this only fails if memory is exhausted.
func (r *Reader) reopen() {
	if err := r.open(); err != nil {
		r.ipc = nil
	}
}

// Bind points every column reader at the arrays of rec, which must have the
// Reader's schema (as returned by Decode). After Bind, Columns()[c].Value(i)
// returns row i of column c for 0 <= i < rec.NumRows().
func (r *Reader) Bind(rec arrow.RecordBatch) error {
	if rec == nil {
		return errors.New("arrowbatch: nil record")
	}
	if int(rec.NumCols()) != len(r.cols) {
		return fmt.Errorf("arrowbatch: record has %d columns, schema has %d", rec.NumCols(), len(r.cols))
	}
	rows := rec.NumRows()
	for i := range r.cols {
		arr := rec.Column(i)
		if !arrow.TypeEqual(arr.DataType(), r.schema.Field(i).Type) {
			return fmt.Errorf("arrowbatch: column %d has type %s, schema has %s", i, arr.DataType(), r.schema.Field(i).Type)
		}
		if int64(arr.Len()) != rows {
			return fmt.Errorf("arrowbatch: column %d has %d rows, record has %d", i, arr.Len(), rows)
		}
	}
	for i, c := range r.cols {
		c.Reset(rec.Column(i))
	}
	r.rows, r.planned = int(rows), false
	clear(r.plan) // drop the previous batch's slabs
	return nil
}

// Close releases the IPC reader. The Reader must not be used afterwards.
func (r *Reader) Close() error {
	r.closed = true
	if r.ipc != nil {
		r.ipc.Release()
		r.ipc = nil
	}
	return nil
}
