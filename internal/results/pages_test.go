package results

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/pierrec/lz4/v4"

	"github.com/asyncsql/databricks/arrowbatch"
	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// pageSchema is the schema of arrowPages: a number and its text.
var pageSchema = arrow.NewSchema([]arrow.Field{
	{Name: "n", Type: arrow.PrimitiveTypes.Int64},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// arrowPages returns pages of batches of perBatch rows each, row i holding
// i and its text, as a server sends them: each batch one IPC record-batch
// message, an LZ4 frame when compressed, each page positioned at its first
// row. It also returns the IPC schema message.
func arrowPages(t testing.TB, pages, batches, perBatch int, compress bool) ([]*tcli.TRowSet, []byte) {
	t.Helper()
	var out []*tcli.TRowSet
	var schemaMsg []byte
	row := 0
	for range pages {
		rs := &tcli.TRowSet{StartRowOffset: int64(row)}
		for range batches {
			rb := array.NewRecordBuilder(memory.DefaultAllocator, pageSchema)
			for range perBatch {
				rb.Field(0).(*array.Int64Builder).Append(int64(row))
				rb.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("row %d of the result", row))
				row++
			}
			rec := rb.NewRecordBatch()
			rb.Release()
			var buf bytes.Buffer
			w := ipc.NewWriter(&buf, ipc.WithSchema(pageSchema))
			if err := w.Write(rec); err != nil {
				t.Fatal(err)
			}
			w.Close()
			rec.Release()
			// The stream is the schema message, the batch and the
			// end-of-stream marker.
			var s arrowbatch.Stream
			s.Reset(buf.Bytes())
			msg, err := s.Next()
			if err != nil {
				t.Fatal(err)
			}
			schemaMsg = bytes.Clone(buf.Bytes()[:len(buf.Bytes())-len(msg)-8])
			msg = bytes.Clone(msg)
			if compress {
				var z bytes.Buffer
				zw := lz4.NewWriter(&z)
				zw.Write(msg)
				zw.Close()
				msg = z.Bytes()
			}
			rs.ArrowBatches = append(rs.ArrowBatches, &tcli.TSparkArrowBatch{Batch: msg, RowCount: int64(perBatch)})
		}
		out = append(out, rs)
	}
	return out, schemaMsg
}

// pagesServer scripts pages on the repository's fake server (a server of
// the Spark protocol: the page that starts at the request's startRowOffset,
// hasMoreRows until the last) and starts the statement. It returns the
// FetchFunc and handle of a Config.
func pagesServer(t *testing.T, pages []*tcli.TRowSet) (FetchFunc, *tcli.TOperationHandle) {
	t.Helper()
	srv := tclitest.New(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	srv.Script("pages", &tclitest.Script{Pages: pages})
	_, op := srv.Start(t, "pages")
	return serviceFetch(srv), op
}

// TestLZ4BatchesRecycled reads LZ4 pages keeping every value: the memory
// of decompressed batches is decompressed into again once the consumer has
// moved on, and no value kept from an earlier batch changes (they are
// compared with the same result read uncompressed).
func TestLZ4BatchesRecycled(t *testing.T) {
	const pages, batches, perBatch = 4, 5, 200
	read := func(compress bool) (vals [][]any, batchMem map[*byte]int) {
		ps, schemaMsg := arrowPages(t, pages, batches, perBatch, compress)
		ar, err := arrowbatch.NewReader(schemaMsg, arrowbatch.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer ar.Close()
		fetch, op := pagesServer(t, ps)
		src := Open(context.Background(), Config{
			Fetch: fetch, Handle: op, StatementID: "01ef-test",
			Format: ArrowPages, LZ4: compress, Reader: ar, SparkProtocol: true,
			MaxRows: perBatch * batches, Log: slog.New(slog.DiscardHandler),
		})
		defer src.Close(CancelFetch)
		pr := src.(*pageReader)
		batchMem = map[*byte]int{}
		var last *byte
		for {
			b, err := src.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := ar.Bind(b.Record); err != nil {
				t.Fatal(err)
			}
			for i := range int(b.Record.NumRows()) {
				row := make([]any, 2)
				ar.Row(i, row)
				vals = append(vals, row)
			}
			if p := unsafe.SliceData(pr.prev); p != last {
				batchMem[p]++
				last = p
			}
		}
		if !src.Exhausted() {
			t.Error("after io.EOF: Exhausted is false, want true")
		}
		return vals, batchMem
	}
	want, _ := read(false)
	got, mem := read(true)
	if len(want) != pages*batches*perBatch || len(got) != len(want) {
		t.Fatalf("got %d and %d rows, want %d", len(want), len(got), pages*batches*perBatch)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("row %d: got %v, want %v", i, got[i], want[i])
		}
	}
	if len(mem) >= pages*batches {
		t.Fatalf("%d batches in %d distinct buffers, want fewer: none was decompressed into again", pages*batches, len(mem))
	}
}

// TestPagesBatchRowCountChecked: a batch holding other rows than its page
// announces ends the result with ErrCorrupt.
func TestPagesBatchRowCountChecked(t *testing.T) {
	ps, schemaMsg := arrowPages(t, 2, 2, 10, false)
	ps[1].ArrowBatches[1].RowCount = 9
	ar, err := arrowbatch.NewReader(schemaMsg, arrowbatch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ar.Close()
	fetch, op := pagesServer(t, ps)
	src := Open(context.Background(), Config{Fetch: fetch, Handle: op, Format: ArrowPages, Reader: ar, SparkProtocol: true})
	defer src.Close(CancelFetch)
	n := 0
	for {
		b, err := src.Next()
		if err != nil {
			if n != 30 || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("after %d rows: got %v, want ErrCorrupt after 30", n, err)
			}
			if _, again := src.Next(); again != err {
				t.Fatalf("Next after the error: got %v, want the same error", again)
			}
			return
		}
		n += int(b.Record.NumRows())
	}
}

// TestColumnPagesExhausted: a Source of column-based pages says it is
// exhausted as soon as it has handed out the last page (hasMoreRows false),
// before Next returns io.EOF, so that a reader that stops at the last row
// (QueryRow) can tell it read everything; the direct-results page comes
// first and the pages after it are fetched from the row after it.
func TestColumnPagesExhausted(t *testing.T) {
	column := func(start, n int) *tcli.TRowSet {
		vals := make([]int64, n)
		for i := range vals {
			vals[i] = int64(start + i)
		}
		return &tcli.TRowSet{StartRowOffset: int64(start), Columns: []*tcli.TColumn{{I64Val: &tcli.TI64Column{Values: vals, Nulls: []byte{}}}}}
	}
	pages := []*tcli.TRowSet{column(0, 3), column(3, 4), column(7, 2)}
	var asked []int64
	fetch, h := pagesServer(t, pages)
	src := Open(context.Background(), Config{
		Fetch: func(ctx context.Context, req *tcli.TFetchResultsReq) (*tcli.TFetchResultsResp, error) {
			asked = append(asked, req.GetStartRowOffset())
			return fetch(ctx, req)
		},
		Handle: h, Format: ColumnPages, SparkProtocol: true,
		First: &tcli.TFetchResultsResp{HasMoreRows: ptr(true), Results: pages[0]},
	})
	defer src.Close(CancelFetch)
	var got []int64
	for range pages {
		if src.Exhausted() {
			t.Fatalf("after %d values: Exhausted is true, want false", len(got))
		}
		b, err := src.Next()
		if err != nil {
			t.Fatalf("after %d values: got %v, want a page", len(got), err)
		}
		got = append(got, b.Columns[0].I64Val.Values...)
	}
	if !src.Exhausted() {
		t.Fatal("after the last page: Exhausted is false, want true")
	}
	if _, err := src.Next(); err != io.EOF {
		t.Fatalf("after the last page: got %v, want io.EOF", err)
	}
	if fmt.Sprint(got) != "[0 1 2 3 4 5 6 7 8]" || fmt.Sprint(asked) != "[3 7]" {
		t.Fatalf("got values %v from requests at rows %v, want [0 1 2 3 4 5 6 7 8] from [3 7]", got, asked)
	}
}
