package rpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/apache/thrift/lib/go/thrift"
)

// thriftConf configures the binary protocol: strict on both sides. The reply
// is held in memory in full, so the message size limit is the largest Thrift
// allows; lengths inside the reply are still checked against the bytes left.
var thriftConf = &thrift.TConfiguration{
	MaxMessageSize:     math.MaxInt32,
	TBinaryStrictRead:  thrift.BoolPtr(true),
	TBinaryStrictWrite: thrift.BoolPtr(true),
}

// maxPooledBuffer is the largest request buffer returned to bufPool; larger
// ones are left to the garbage collector so a single big request (a long
// statement, many parameters) is not kept alive. Replies are not pooled:
// decoded results refer to them (see decodeReply).
const maxPooledBuffer = 4 << 20

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer {
	b := bufPool.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBuffer {
		bufPool.Put(b)
	}
}

// encodeCall writes the call message for method with the given sequence id and
// arguments to buf.
func encodeCall(buf *bytes.Buffer, method string, seqID int32, args thrift.TStruct) error {
	ctx := context.Background()
	p := thrift.NewTBinaryProtocolConf(&thrift.TMemoryBuffer{Buffer: buf}, thriftConf)
	if err := p.WriteMessageBegin(ctx, method, thrift.CALL, seqID); err != nil {
		return err
	}
	if err := args.Write(ctx, p); err != nil {
		return err
	}
	if err := p.WriteMessageEnd(ctx); err != nil {
		return err
	}
	return p.Flush(ctx)
}

// errMalformedReply is wrapped by every error about a reply that is not a
// well-formed Thrift reply to the call made.
var errMalformedReply = errors.New("malformed reply")

// decodeReply reads the reply message to the call of method with seqID from
// body into result. A Thrift application exception is returned as an error
// wrapping the thrift.TApplicationException.
//
// Binary fields of result (Arrow batches above all) are slices of body, not
// copies: body must not be modified or reused afterwards.
func decodeReply(body []byte, method string, seqID int32, result thrift.TStruct) error {
	ctx := context.Background()
	in := bytes.NewBuffer(body)
	p := &sliceProtocol{TBinaryProtocol: thrift.NewTBinaryProtocolConf(&thrift.TMemoryBuffer{Buffer: in}, thriftConf), in: in}
	name, typ, id, err := p.ReadMessageBegin(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w", errMalformedReply, err)
	}
	if name != method {
		return fmt.Errorf("%w: reply names method %.64q", errMalformedReply, name)
	}
	if id != seqID {
		return fmt.Errorf("%w: sequence id %d, want %d", errMalformedReply, id, seqID)
	}
	switch typ {
	case thrift.REPLY:
		if err := result.Read(ctx, p); err != nil {
			return fmt.Errorf("%w: %w", errMalformedReply, err)
		}
	case thrift.EXCEPTION:
		exc := thrift.NewTApplicationException(thrift.UNKNOWN_APPLICATION_EXCEPTION, "")
		if err := exc.Read(ctx, p); err != nil {
			return fmt.Errorf("%w: %w", errMalformedReply, err)
		}
		return fmt.Errorf("server exception: %w", exc)
	default:
		return fmt.Errorf("%w: message type %d", errMalformedReply, typ)
	}
	if err := p.ReadMessageEnd(ctx); err != nil {
		return fmt.Errorf("%w: %w", errMalformedReply, err)
	}
	return nil
}

// sliceProtocol is the binary protocol reading from an in-memory reply whose
// binary values are returned as slices of the reply instead of copies. The
// library's ReadBinary copies every value into a buffer grown by doubling
// from 512 bytes: for a FetchResults page of Arrow batches that is the
// page's size copied again, plus as much garbage.
type sliceProtocol struct {
	*thrift.TBinaryProtocol
	in *bytes.Buffer
}

// ReadBinary returns the next binary value as a slice of the reply, its
// capacity clipped so that appending to it cannot overwrite what follows.
func (p *sliceProtocol) ReadBinary(ctx context.Context) ([]byte, error) {
	size, err := p.ReadI32(ctx)
	if err != nil {
		return nil, err
	}
	if size < 0 {
		return nil, thrift.NewTProtocolExceptionWithType(thrift.NEGATIVE_SIZE, fmt.Errorf("binary value of %d bytes", size))
	}
	if int(size) > p.in.Len() {
		return nil, thrift.NewTProtocolExceptionWithType(thrift.INVALID_DATA,
			fmt.Errorf("binary value of %d bytes, %d left in the reply", size, p.in.Len()))
	}
	return slices.Clip(p.in.Next(int(size))), nil
}
