package arrowbatch

import (
	"errors"
	"fmt"

	"github.com/asyncsql/databricks/internal/lz4frame"
)

// maxLZ4Ratio bounds how far LZ4 expands its input (255 bytes per byte of
// a match's length field), so that no message of a compressed file may
// claim more than the file can decompress to; lz4Slack adds a frame's worth.
const (
	maxLZ4Ratio = 255
	lz4Slack    = 4 << 20
)

// Inflater decompresses the inline batches of a compressed result
// (lz4Compressed): each is one whole LZ4 frame holding one IPC record-batch
// message. Result files, LZ4 frames holding a whole IPC stream, are read
// with [Stream.ResetLZ4] instead.
//
// The zero Inflater is ready to use. An Inflater is not safe for concurrent
// use.
type Inflater struct {
	frames lz4frame.Reader
	// lastSize is the size of the last batch decompressed, the guess for
	// the next one.
	lastSize int
}

// Inflate decompresses frame into dst (from its length) and returns the
// result. The memory a batch is decompressed into is the caller's: a dst
// without room enough is grown, starting from the size of the batch before
// (a first guess of four times the frame: too small only costs a copy).
func (z *Inflater) Inflate(dst, frame []byte) ([]byte, error) {
	if cap(dst)-len(dst) == 0 {
		size := z.lastSize
		if size == 0 {
			size = 4 * len(frame)
		}
		dst = make([]byte, len(dst), len(dst)+size+size/8)
	}
	n := len(dst)
	out, err := z.frames.Decode(dst, frame)
	if err != nil {
		return nil, fmt.Errorf("arrowbatch: corrupt LZ4 frame: %w", err)
	}
	z.lastSize = len(out) - n
	return out, nil
}

// wholeMax bounds the decompressed size of the result files that
// [Stream.ResetLZ4] decompresses once, as a whole, into a buffer the Stream
// keeps. A variable for tests.
var wholeMax = 32 << 20

// ResetLZ4 starts reading file, an IPC stream in LZ4 frames, keeping the
// buffers. Every block and content checksum and end mark of the file is
// checked before any message is handed on, so that a byte flipped on the
// way is an error first: the content checksum covers the decompressed
// bytes, known only at a frame's end.
//
// The first file is verified (which decompresses it, block by block into
// the reused block buffer, when it has a content checksum), then
// decompressed again as its messages are read, so that it takes no more
// memory than a block. When it had a content checksum and decompressed to
// at most 32 MiB, the later files (the files of one result are alike) are
// decompressed once instead, as a whole, into a buffer the Stream keeps,
// sized from the first. Once a file does not fit in 32 MiB, the buffer is
// dropped and every later file is read in two passes, as are all the files
// of a Stream whose first had no content checksum (verifying those
// decompresses nothing).
func (s *Stream) ResetLZ4(file []byte) error {
	s.Reset(nil)
	if cap(s.whole) > 0 {
		// Decompressing whole does not use the block buffer that served
		// the first file's second pass.
		s.frames.DropBuffer()
		out, err := s.frames.DecodeLimit(s.whole[:0], file, wholeMax)
		s.whole = out[:0]
		switch {
		case err == nil:
			s.file = wholeFile{b: out}
			s.reset(&s.file, int64(len(out)))
			s.detached = true
			return nil
		case !errors.Is(err, lz4frame.ErrTooLarge):
			return fmt.Errorf("arrowbatch: corrupt LZ4 frame: %w", err)
		}
		s.whole = nil
	}
	size, err := s.frames.Verify(file)
	if err != nil {
		return fmt.Errorf("arrowbatch: corrupt LZ4 frame: %w", err)
	}
	if !s.sized {
		s.sized = true
		if size >= 0 && size <= int64(wholeMax) {
			s.whole = make([]byte, 0, min(size+size/8, int64(wholeMax)))
		}
	}
	s.frames.Reset(file)
	s.reset(&s.frames, maxLZ4Ratio*int64(len(file))+lz4Slack)
	return nil
}

// Detached reports whether the Stream reads its current file from a buffer
// of its own (an LZ4 file decompressed whole), so that the caller may drop
// the file's bytes before reading its messages.
func (s *Stream) Detached() bool { return s.detached }
