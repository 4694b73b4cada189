package arrowbatch

import (
	"bytes"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestIPCStreamCorrupt(t *testing.T) {
	data := int64Stream(t, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	readAll := func(data []byte) (int, error) {
		var s Stream
		s.Reset(data)
		for n := 0; ; n++ {
			if _, err := s.Next(); err != nil {
				if err == io.EOF {
					return n, nil
				}
				return n, err
			}
		}
	}
	if n, err := readAll(data); err != nil || n != 4 {
		t.Fatalf("%d messages, %v", n, err)
	}
	for i := 0; i < len(data); i++ {
		readAll(data[:i])
		c := bytes.Clone(data)
		c[i] ^= 0xff
		readAll(c)
	}
	if _, err := readAll(nil); err == nil {
		t.Fatal("an empty file gave no error")
	}
}

// chunked is a source that cuts b into chunks of n bytes, reusing one
// buffer for them as the LZ4 decoder does.
type chunked struct {
	b   []byte
	n   int
	buf []byte
}

func (c *chunked) Next() ([]byte, error) {
	if len(c.b) == 0 {
		return nil, io.EOF
	}
	k := min(c.n, len(c.b))
	c.buf = append(c.buf[:0], c.b[:k]...)
	c.b = c.b[k:]
	return c.buf, nil
}

func TestIPCStreamChunks(t *testing.T) {
	vals := make([]int64, 100)
	for i := range vals {
		vals[i] = int64(i * i)
	}
	data := int64Stream(t, vals)
	var s Stream
	s.Reset(data)
	want := streamMessages(t, &s)
	for _, n := range []int{1, 2, 3, 5, 7, 8, 13, 64, 100, 333, len(data) - 1, len(data)} {
		s.reset(&chunked{b: data, n: n}, int64(len(data)))
		for i := 0; ; i++ {
			m, err := s.Next()
			if err == io.EOF {
				if i != len(want) {
					t.Fatalf("chunks of %d: %d messages, want %d", n, i, len(want))
				}
				break
			}
			if err != nil {
				t.Fatalf("chunks of %d: %v", n, err)
			}
			if i >= len(want) || !bytes.Equal(m, want[i]) {
				t.Fatalf("chunks of %d: message %d differs", n, i)
			}
		}
		// Every cut of the stream is an error, never a panic.
		s.reset(&chunked{b: data[:len(data)/2], n: n}, int64(len(data)))
		for {
			if _, err := s.Next(); err != nil {
				if err == io.EOF {
					t.Fatalf("chunks of %d: a truncated stream ended cleanly", n)
				}
				break
			}
		}
	}
}

// streamMessages reads the rest of s, returning a copy of each message.
func streamMessages(t *testing.T, s *Stream) [][]byte {
	t.Helper()
	var msgs [][]byte
	for {
		m, err := s.Next()
		if err == io.EOF {
			return msgs
		}
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, bytes.Clone(m))
	}
}

// Schema returns the stream's schema message once Next has passed it, in
// the form NewReader takes, for plain and LZ4 files alike; Reset forgets it.
func TestIPCStreamSchema(t *testing.T) {
	plain := int64Stream(t, []int64{1, 2, 3, 4})
	for _, compress := range []bool{false, true} {
		var s Stream
		if compress {
			if err := s.ResetLZ4(lz4Frame(t, plain)); err != nil {
				t.Fatal(err)
			}
		} else {
			s.Reset(plain)
		}
		if s.Schema() != nil {
			t.Fatal("a schema before the first Next")
		}
		if _, err := s.Next(); err != nil {
			t.Fatal(err)
		}
		got := bytes.Clone(s.Schema())
		want := encodeSchema(t, arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil))
		if !bytes.Equal(got, want) {
			t.Fatalf("lz4=%v: schema message %x, want %x", compress, got, want)
		}
		r, err := NewReader(got, Options{})
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
		s.Reset(nil)
		if s.Schema() != nil {
			t.Error("Reset kept the schema")
		}
	}
}
