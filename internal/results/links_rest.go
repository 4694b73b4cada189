package results

import (
	"context"
	"sync"

	"github.com/asyncsql/databricks/internal/rest"
	"github.com/asyncsql/databricks/internal/secret"
	"github.com/asyncsql/databricks/internal/stmterr"
)

// chunksAhead is how many chunks after the one being listed are fetched
// ahead. A chunk usually carries one link, so listing costs one call per
// file, where a Thrift page carries many: fetched one after the other, the
// calls' round trips would bound the downloads (BenchmarkFileSources).
const chunksAhead = 4

// restLister lists the files of a Statement Execution API result: the
// chunk the statement's reply carried (cfg.FirstChunk), then each chunk its
// predecessor names as next_chunk_index, fetched with cfg.Chunk. The
// chunks up to chunksAhead after it (by index, below the manifest's
// total_chunk_count) are fetched ahead, each by a goroutine of its own. A
// chunk's files are its external links, or its inline attachment, which
// becomes a file already downloaded. After the last chunk, the rows listed
// must be the manifest's total_row_count.
type restLister struct {
	cfg     *Config
	id      string
	started bool
	// nextChunk is the chunk to fetch next.
	nextChunk int
	// ahead holds the fetches started ahead, by chunk index; wg is the
	// reader's, which Close waits for.
	ahead map[int]chan chunkReply
	wg    *sync.WaitGroup
}

// chunkReply is the outcome of a chunk fetched ahead.
type chunkReply struct {
	rd  *rest.ResultData
	err error
}

// fetch returns chunk i: the fetch started ahead, or a new one.
func (r *restLister) fetch(ctx context.Context, i int) (*rest.ResultData, error) {
	if ch, ok := r.ahead[i]; ok {
		delete(r.ahead, i)
		select {
		case rep := <-ch:
			return rep.rd, rep.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return r.cfg.Chunk(ctx, i)
}

// fetchAhead starts the fetches of the chunks from first on, up to
// chunksAhead of them, that the manifest counts and that are not started.
// A fetch left unused (the server named other chunks) ends with ctx.
func (r *restLister) fetchAhead(ctx context.Context, first int) {
	if r.cfg.Manifest == nil || r.wg == nil {
		return
	}
	if r.ahead == nil {
		r.ahead = make(map[int]chan chunkReply, chunksAhead)
	}
	for i := first; i < first+chunksAhead && i < r.cfg.Manifest.TotalChunkCount; i++ {
		if _, ok := r.ahead[i]; ok {
			continue
		}
		ch := make(chan chunkReply, 1)
		r.ahead[i] = ch
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			rd, err := r.cfg.Chunk(ctx, i)
			ch <- chunkReply{rd, err}
		}()
	}
}

// next implements linkLister.
func (r *restLister) next(ctx context.Context, row int64) ([]*resultLink, bool, error) {
	var rd *rest.ResultData
	if !r.started {
		r.started = true
		rd, r.cfg.FirstChunk = r.cfg.FirstChunk, nil
		if rd == nil && r.cfg.Manifest != nil && r.cfg.Manifest.TotalChunkCount == 0 {
			return nil, false, r.checkTotal(row)
		}
	}
	if rd == nil {
		r.fetchAhead(ctx, r.nextChunk+1)
		var err error
		if rd, err = r.fetch(ctx, r.nextChunk); err != nil {
			return nil, false, err
		}
		if rd == nil || chunkIndex(rd) != r.nextChunk {
			return nil, false, stmterr.Errorf(r.id, "%w: asked for result chunk %d, got another", ErrCorrupt, r.nextChunk)
		}
	}
	links, next, err := r.links(rd)
	if err != nil {
		return nil, false, err
	}
	index := chunkIndex(rd)
	if next == nil {
		end := row
		if n := len(links); n > 0 {
			end = links[n-1].startRow + links[n-1].rows
		}
		return links, false, r.checkTotal(end)
	}
	if *next <= index {
		return nil, false, stmterr.Errorf(r.id, "%w: result chunk %d is followed by chunk %d", ErrCorrupt, index, *next)
	}
	r.nextChunk = *next
	r.fetchAhead(ctx, r.nextChunk)
	return links, true, nil
}

// chunkIndex is the index of chunk rd: its links' (a chunk of external
// links may carry its index only in them), else its own.
func chunkIndex(rd *rest.ResultData) int {
	if len(rd.ExternalLinks) > 0 {
		return rd.ExternalLinks[0].ChunkIndex
	}
	return rd.ChunkIndex
}

// links returns the files of chunk rd and the index of the chunk after it
// (nil after the last).
func (r *restLister) links(rd *rest.ResultData) ([]*resultLink, *int, error) {
	switch {
	case len(rd.ExternalLinks) > 0:
		out := make([]*resultLink, len(rd.ExternalLinks))
		for i := range rd.ExternalLinks {
			out[i] = newRESTLink(&rd.ExternalLinks[i])
		}
		next := rd.ExternalLinks[len(rd.ExternalLinks)-1].NextChunkIndex
		if next == nil {
			next = rd.NextChunkIndex
		}
		return out, next, nil
	case rd.Attachment != nil:
		lk := &resultLink{inline: rd.Attachment, startRow: int64(rd.RowOffset), rows: int64(rd.RowCount),
			bytes: int64(len(rd.Attachment)), chunk: rd.ChunkIndex}
		return []*resultLink{lk}, rd.NextChunkIndex, nil
	case rd.DataArray != nil && rd.RowCount > 0:
		return nil, nil, stmterr.Errorf(r.id, "result chunk %d is JSON_ARRAY, not ARROW_STREAM", rd.ChunkIndex)
	case rd.RowCount > 0:
		return nil, nil, stmterr.Errorf(r.id, "%w: result chunk %d has %d rows but neither links nor an attachment", ErrCorrupt, rd.ChunkIndex, rd.RowCount)
	}
	return nil, rd.NextChunkIndex, nil
}

// checkTotal checks the rows of the whole result against the manifest.
func (r *restLister) checkTotal(rows int64) error {
	if m := r.cfg.Manifest; m != nil && int64(m.TotalRowCount) != rows {
		return stmterr.Errorf(r.id, "%w: the result's chunks hold %d rows, its manifest says %d", ErrCorrupt, rows, m.TotalRowCount)
	}
	return nil
}

// refresh implements linkLister: the file's chunk fetched again, whose
// link of the same row is fresh.
func (r *restLister) refresh(ctx context.Context, lk *resultLink) (*resultLink, error) {
	rd, err := r.cfg.Chunk(ctx, lk.chunk)
	if err != nil {
		return nil, err
	}
	if rd != nil {
		for i := range rd.ExternalLinks {
			if fresh := &rd.ExternalLinks[i]; fresh.ChunkIndex == lk.chunk && fresh.RowOffset == lk.startRow {
				return newRESTLink(fresh), nil
			}
		}
	}
	return nil, stmterr.Errorf(r.id, "refreshing the link of result chunk %d: the server returned no link for it", lk.chunk)
}

// newRESTLink takes an external link of a chunk. Its URL and header values
// are secrets already.
func newRESTLink(lk *rest.ExternalLink) *resultLink {
	r := &resultLink{url: lk.URL, startRow: lk.RowOffset, rows: lk.RowCount, bytes: lk.ByteCount, chunk: lk.ChunkIndex}
	if !lk.Expiration.IsZero() {
		r.expiry = lk.Expiration.Unix()
	}
	if len(lk.Headers) > 0 {
		r.headers = make(map[string]secret.String, len(lk.Headers))
		for k, v := range lk.Headers {
			r.headers[k] = v
		}
	}
	return r
}
