package results

import (
	"context"
	"encoding/json"
	"testing"
	"testing/synctest"

	"github.com/asyncsql/databricks/internal/rest"
	"github.com/asyncsql/databricks/internal/tclitest"
)

// fuzzResult is the input of FuzzChunks: a manifest's account of the rows
// and the chunks the server answers, as JSON.
type fuzzResult struct {
	Total  int64             `json:"total"`
	LZ4    bool              `json:"lz4"`
	Chunks []json.RawMessage `json:"chunks"`
}

// FuzzChunks reads results whose chunks are arbitrary replies of the API
// (the first as the statement's reply carries it, the others fetched),
// with links into a storage holding two valid files of rows 0-5 and 6-8:
// no panic, no goroutine left, and a result read without an error holds
// exactly the manifest's rows, in order.
func FuzzChunks(f *testing.F) {
	f.Add([]byte(`{"total":9,"chunks":[
	  {"external_links":[{"chunk_index":0,"row_offset":0,"row_count":6,"external_link":"http://storage.invalid/a","http_headers":{"X-Sig":"a"},"next_chunk_index":1}]},
	  {"external_links":[{"chunk_index":1,"row_offset":6,"row_count":3,"external_link":"http://storage.invalid/b","http_headers":{"X-Sig":"b"}}]}]}`))
	f.Add([]byte(`{"total":9,"chunks":[
	  {"external_links":[{"chunk_index":0,"row_offset":0,"row_count":6,"external_link":"http://storage.invalid/a","expiration":"2000-01-01T00:00:00Z","http_headers":{"X-Sig":"a"},"next_chunk_index":1}]},
	  {"external_links":[{"chunk_index":1,"row_offset":6,"row_count":"3","byte_count":"5","external_link":"http://storage.invalid/b","http_headers":{"X-Sig":"b"}}]}]}`))
	f.Add([]byte(`{"total":6,"chunks":[{"chunk_index":0,"row_offset":0,"row_count":6,"attachment":"QUJD","next_chunk_index":3}]}`))
	f.Add([]byte(`{"total":0,"chunks":[{"chunk_index":0,"row_count":0}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var in fuzzResult
		if json.Unmarshal(data, &in) != nil || len(in.Chunks) == 0 || len(in.Chunks) > 16 {
			return
		}
		chunks := make([]*rest.ResultData, len(in.Chunks))
		for i, raw := range in.Chunks {
			var rd rest.ResultData
			if json.Unmarshal(raw, &rd) != nil {
				return
			}
			chunks[i] = &rd
		}
		synctest.Test(t, func(t *testing.T) {
			st := tclitest.NewLocalStorage(t)
			st.File("a", 0, 6, []int64{0, 1, 2, 3, 4, 5}, tclitest.Compression(in.LZ4))
			st.File("b", 6, 3, []int64{6, 7, 8}, tclitest.Compression(in.LZ4))
			m := &rest.Manifest{Format: rest.ArrowStream, TotalChunkCount: len(chunks), TotalRowCount: rest.Int64(in.Total)}
			if in.LZ4 {
				m.Compression = rest.LZ4Frame
			}
			src := Open(context.Background(), Config{Format: Chunks, StatementID: "fuzz", Manifest: m, FirstChunk: chunks[0],
				MaxDownloads: 2, HTTPClient: st.Client(),
				Chunk: func(_ context.Context, i int) (*rest.ResultData, error) {
					if i < 0 || i >= len(chunks) {
						return nil, &rest.Error{Op: "chunk", StatusCode: 404}
					}
					return chunks[i], nil
				}}).(SchemaSource)
			defer src.Close(CancelFetch)
			if _, err := src.Schema(context.Background()); err != nil {
				return
			}
			got, err := readSource(src)
			if err != nil {
				return
			}
			if int64(len(got)) != in.Total {
				t.Fatalf("read %d rows without an error, the manifest says %d", len(got), in.Total)
			}
			for i, v := range got {
				if v != int64(i) {
					t.Fatalf("row %d = %d", i, v)
				}
			}
		})
	})
}
