package arrowbatch

import (
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

// ResetLZ4 starts reading file, an IPC stream in LZ4 frames, keeping the
// buffers. The whole file is verified first (block and content checksums,
// end marks), decompressing it block by block into the reused buffer, so
// that a byte flipped on the way is an error before any message is handed
// on: the content checksum covers the decompressed bytes, known only at a
// frame's end, and holding the file decompressed instead would let a small
// file that expands 255 times take as much memory.
func (s *Stream) ResetLZ4(file []byte) error {
	s.Reset(nil)
	if err := s.frames.Verify(file); err != nil {
		return fmt.Errorf("arrowbatch: corrupt LZ4 frame: %w", err)
	}
	s.frames.Reset(file)
	s.reset(&s.frames, maxLZ4Ratio*int64(len(file))+lz4Slack)
	return nil
}
