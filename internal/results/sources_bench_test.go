package results

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/pierrec/lz4/v4"

	"github.com/asyncsql/databricks/arrowbatch"
	"github.com/asyncsql/databricks/internal/rest"
	"github.com/asyncsql/databricks/internal/secret"
	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// benchFile is an LZ4 IPC stream of one BIGINT column holding rows [start,
// start+n), in batches of 10,000 rows.
func benchFile(tb testing.TB, start, n int64) []byte {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(int64Schema))
	for pos := start; pos < start+n; pos += 10000 {
		bld := array.NewInt64Builder(memory.DefaultAllocator)
		for i := pos; i < min(pos+10000, start+n); i++ {
			bld.Append(i)
		}
		arr := bld.NewArray()
		rec := array.NewRecordBatch(int64Schema, []arrow.Array{arr}, int64(arr.Len()))
		if err := w.Write(rec); err != nil {
			tb.Fatal(err)
		}
		rec.Release()
		arr.Release()
		bld.Release()
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	var out bytes.Buffer
	zw := lz4.NewWriter(&out)
	zw.Write(buf.Bytes())
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

// callLatency is the time of one listing call (FetchResults, a chunk's GET)
// and of a download's first byte in BenchmarkFileSources.
const callLatency = 5 * time.Millisecond

// BenchmarkFileSources reads 2,000,000 BIGINT rows in 20 LZ4 files of
// 100,000 rows (5 ms per download and per listing call, in process) through the one scheduler
// from its two listers: Thrift result links (4 FetchResults pages of 5
// links, the consumer's Reader given) and Statement Execution API chunks
// (one external link per chunk, the first with the reply, the schema read
// from the first file). It reports rows/s from Open to the last row; the
// ratio of the two is the REST lister's cost.
func BenchmarkFileSources(b *testing.B) {
	const files, perFile = 20, 100000
	st := tclitest.NewLocalStorage(b)
	st.SetLatency(callLatency)
	var links []*tcli.TSparkArrowResultLink
	for i := int64(0); i < files; i++ {
		id := fmt.Sprintf("b%d", i)
		st.Put(id, benchFile(b, i*perFile, perFile))
		links = append(links, st.Link(id, i*perFile, perFile))
	}
	total := int64(files * perFile)
	read := func(b *testing.B, src Source) {
		defer src.Close(CancelFetch)
		var n int64
		for {
			bt, err := src.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += bt.Record.NumRows()
		}
		if n != total {
			b.Fatalf("%d rows, want %d", n, total)
		}
	}
	report := func(b *testing.B) {
		b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrows/s")
	}

	b.Run("thrift-links", func(b *testing.B) {
		svc := &linkService{pages: [][]*tcli.TSparkArrowResultLink{links[0:5], links[5:10], links[10:15], links[15:20]}}
		ar, err := arrowbatch.NewReader(mustSchemaMessage(b), arrowbatch.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer ar.Close()
		b.ReportAllocs()
		for b.Loop() {
			op := svc.start(b)
			fetch := serviceFetch(svc.srv)
			slow := func(ctx context.Context, req *tcli.TFetchResultsReq) (*tcli.TFetchResultsResp, error) {
				time.Sleep(callLatency)
				return fetch(ctx, req)
			}
			read(b, Open(context.Background(), Config{Fetch: slow, Handle: op, StatementID: "bench",
				Format: Links, LZ4: true, Reader: ar, MaxRows: 100000, HTTPClient: st.Client()}))
		}
		report(b)
	})
	b.Run("rest-chunks", func(b *testing.B) {
		chunks := make([]*rest.ResultData, files)
		for i, lk := range links {
			el := rest.ExternalLink{ChunkIndex: i, RowOffset: lk.StartRowOffset, RowCount: lk.RowCount, ByteCount: lk.BytesNum,
				URL: secret.NewString(lk.FileLink), Expiration: time.Unix(lk.ExpiryTime, 0),
				Headers: map[string]secret.String{"X-Sig": secret.NewString(lk.HttpHeaders["X-Sig"])}}
			if i+1 < files {
				n := i + 1
				el.NextChunkIndex = &n
			}
			chunks[i] = &rest.ResultData{ExternalLinks: []rest.ExternalLink{el}}
		}
		m := &rest.Manifest{Format: rest.ArrowStream, Compression: rest.LZ4Frame, TotalChunkCount: files, TotalRowCount: rest.Int64(total)}
		chunk := func(_ context.Context, i int) (*rest.ResultData, error) {
			time.Sleep(callLatency)
			return chunks[i], nil
		}
		b.ReportAllocs()
		for b.Loop() {
			read(b, Open(context.Background(), Config{Format: Chunks, StatementID: "bench", Manifest: m, FirstChunk: chunks[0],
				Chunk: chunk, HTTPClient: st.Client()}))
		}
		report(b)
	})
}

// mustSchemaMessage is the IPC schema message of int64Schema.
func mustSchemaMessage(tb testing.TB) []byte {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(int64Schema))
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})
}
