package results

import (
	"bytes"
	"errors"
	"testing"
	"testing/synctest"

	"github.com/asyncsql/databricks/internal/tclitest"
)

// Every byte of a compressed result file flipped in turn: the file is read
// exactly, or the read ends in ErrCorrupt before any row of the file
// (files carry several record batches, so a file handed on before its end
// was checked would show its first batches).
func TestLinkFileByteFlips(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := tclitest.NewLocalStorage(t)
		svc := &linkService{}
		svc.pages = seqPages(st, 1, 3, 9, 0, true)
		orig := bytes.Clone(st.Data("f9"))
		step := max(1, len(orig)/60)
		for i := 0; i < len(orig); i += step {
			c := bytes.Clone(orig)
			c[i] ^= 0x20
			st.Put("f9", c)
			got, err := readAll(linkEnv(t, svc, st, 2, true))
			if err == nil {
				checkSeq(t, got, 27)
				continue
			}
			for j, v := range got {
				if v != int64(j) {
					t.Fatalf("byte %d: row %d = %d before the error %v", i, j, v, err)
				}
			}
			if len(got) != 9 {
				t.Fatalf("byte %d: %d rows before the error, want the 9 of the file before", i, len(got))
			}
			checkSeq(t, got, 9)
		}
	})
}

// A file cut after the rows its link needs, before its end, is an error.
func TestLinkFileCutAfterItsRows(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, compress := range []bool{false, true} {
			st := tclitest.NewLocalStorage(t)
			svc := &linkService{}
			// Files of 9 rows, 3 more rows of padding in a batch of their own.
			svc.pages = seqPages(st, 1, 1, 9, 3, compress)
			f := st.Data("f0")
			st.Put("f0", f[:len(f)-3])
			svc.pages[0][0].BytesNum = int64(len(f) - 3)
			got, err := readAll(linkEnv(t, svc, st, 2, compress))
			if compress && !errors.Is(err, ErrCorrupt) {
				t.Errorf("lz4: got %d rows, %v; want ErrCorrupt", len(got), err)
			}
			if !compress && err == nil {
				t.Errorf("plain: got %d rows without an error", len(got))
			}
		}
	})
}
