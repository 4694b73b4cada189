package results

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/asyncsql/databricks/arrowbatch"
	"github.com/asyncsql/databricks/internal/rest"
	"github.com/asyncsql/databricks/internal/secret"
	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// chunkService serves the chunks of a Statement Execution API result from
// a storage: chunk i holds the files of pages[i] as external links, or,
// inline, the bytes of its one file as an attachment. It records the
// chunk indexes asked for.
type chunkService struct {
	st     *tclitest.Storage
	pages  [][]*tcli.TSparkArrowResultLink
	inline bool
	// expired makes the first link served of these files lapsed already.
	expired map[string]bool
	// edit, when set, changes a chunk before it is served.
	edit func(*rest.ResultData)

	mu    sync.Mutex
	calls []int
}

// chunk builds chunk i.
func (c *chunkService) chunk(i int) *rest.ResultData {
	page := c.pages[i]
	// A chunk of external links carries its index in them only, as the
	// API's reference shows it.
	rd := &rest.ResultData{}
	if c.inline {
		rd.ChunkIndex = i
	}
	var next *int
	if i+1 < len(c.pages) {
		n := i + 1
		next = &n
	}
	if len(page) > 0 {
		rd.RowOffset = rest.Int64(page[0].StartRowOffset)
		for _, lk := range page {
			rd.RowCount += rest.Int64(lk.RowCount)
		}
	}
	if c.inline {
		rd.Attachment = c.st.Data(strings.TrimPrefix(page[0].FileLink, c.st.URL()+"/"))
		rd.NextChunkIndex = next
	} else {
		for _, lk := range page {
			id := strings.TrimPrefix(lk.FileLink, c.st.URL()+"/")
			exp := time.Unix(lk.ExpiryTime, 0)
			c.mu.Lock()
			if c.expired[id] {
				delete(c.expired, id)
				exp = time.Now().Add(-time.Minute)
			}
			c.mu.Unlock()
			hdr := map[string]secret.String{}
			for k, v := range lk.HttpHeaders {
				hdr[k] = secret.NewString(v)
			}
			rd.ExternalLinks = append(rd.ExternalLinks, rest.ExternalLink{ChunkIndex: i, RowOffset: lk.StartRowOffset,
				RowCount: lk.RowCount, ByteCount: lk.BytesNum, URL: secret.NewString(lk.FileLink), Expiration: exp,
				Headers: hdr, NextChunkIndex: next})
		}
	}
	if c.edit != nil {
		c.edit(rd)
	}
	return rd
}

// fetch is the ChunkFunc.
func (c *chunkService) fetch(ctx context.Context, i int) (*rest.ResultData, error) {
	c.mu.Lock()
	c.calls = append(c.calls, i)
	c.mu.Unlock()
	if i < 0 || i >= len(c.pages) {
		return nil, &rest.Error{Op: "chunk", StatusCode: 404, ErrorCode: "NOT_FOUND"}
	}
	return c.chunk(i), nil
}

// fetched returns the chunk indexes asked for, sorted: chunks fetched
// ahead are asked for in any order.
func (c *chunkService) fetched() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Sorted(slices.Values(c.calls))
}

// rows is the total of the pages' rows.
func (c *chunkService) rows() int64 {
	var n int64
	for _, p := range c.pages {
		for _, lk := range p {
			n += lk.RowCount
		}
	}
	return n
}

// chunkEnv opens the result of svc (its first chunk inline in the reply,
// as a statement that finished within wait_timeout returns it), without a
// Reader: the schema comes from the first file.
func chunkEnv(t *testing.T, svc *chunkService, compress bool, mod ...func(*Config)) SchemaSource {
	t.Helper()
	m := &rest.Manifest{Format: rest.ArrowStream, TotalChunkCount: len(svc.pages), TotalRowCount: rest.Int64(svc.rows())}
	if compress {
		m.Compression = rest.LZ4Frame
	}
	cfg := Config{Format: Chunks, StatementID: "01ef-rest", Chunk: svc.fetch, Manifest: m,
		MaxDownloads: 3, HTTPClient: svc.st.Client()}
	if len(svc.pages) > 0 {
		cfg.FirstChunk = svc.chunk(0)
	}
	for _, f := range mod {
		f(&cfg)
	}
	src := Open(context.Background(), cfg).(SchemaSource)
	t.Cleanup(func() { src.Close(CancelFetch) })
	return src
}

// readSource returns every value of src, or the error that stopped it.
func readSource(src Source) ([]int64, error) {
	var out []int64
	for {
		b, err := src.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, b.Record.Column(0).(*array.Int64).Int64Values()...)
	}
}

func TestChunksLinksAndInline(t *testing.T) {
	for _, inline := range []bool{false, true} {
		for _, compress := range []bool{false, true} {
			t.Run(fmt.Sprintf("inline=%v,lz4=%v", inline, compress), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					st := tclitest.NewLocalStorage(t)
					st.SetLatency(5 * time.Millisecond)
					perChunk := 3
					if inline {
						perChunk = 1
					}
					svc := &chunkService{st: st, pages: seqPages(st, 4, perChunk, 7, 2, compress), inline: inline}
					src := chunkEnv(t, svc, compress)
					schema, err := src.Schema(t.Context())
					if err != nil {
						t.Fatal(err)
					}
					r, err := arrowbatch.NewReader(schema, arrowbatch.Options{})
					if err != nil {
						t.Fatalf("the schema of the first file: %v", err)
					}
					if got := r.Schema().Field(0).Name; got != "stale" {
						t.Errorf("schema column %q, want the files' %q", got, "stale")
					}
					r.Close()
					got, err := readSource(src)
					if err != nil {
						t.Fatal(err)
					}
					checkSeq(t, got, 4*perChunk*7)
					if calls := fmt.Sprint(svc.fetched()); calls != "[1 2 3]" {
						t.Errorf("chunks fetched %s, want [1 2 3] (chunk 0 came with the reply)", calls)
					}
					downloads := st.Gets()
					if inline && downloads != 0 {
						t.Errorf("%d downloads of an inline result", downloads)
					}
					if !inline && downloads != int64(4*perChunk) {
						t.Errorf("%d downloads, want %d", downloads, 4*perChunk)
					}
					if m := st.MaxConcurrent(); m > 3 {
						t.Errorf("%d downloads at once, limit 3", m)
					}
					if st.SawAuthorization() {
						t.Error("storage saw an Authorization header")
					}
				})
			})
		}
	}
}

// Without a first chunk in the reply, chunk 0 is fetched; a result of no
// chunk has no schema and no rows.
func TestChunksFirstFetchedAndEmpty(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := tclitest.NewLocalStorage(t)
		svc := &chunkService{st: st, pages: seqPages(st, 2, 2, 5, 0, false)}
		got, err := readSource(chunkEnv(t, svc, false, func(c *Config) { c.FirstChunk = nil }))
		if err != nil {
			t.Fatal(err)
		}
		checkSeq(t, got, 20)
		if calls := fmt.Sprint(svc.fetched()); calls != "[0 1]" {
			t.Errorf("chunks fetched %s, want [0 1]", calls)
		}

		empty := &chunkService{st: st}
		src := chunkEnv(t, empty, false)
		schema, err := src.Schema(t.Context())
		if schema != nil || err != nil {
			t.Errorf("Schema of an empty result: %d bytes, %v; want none and no error", len(schema), err)
		}
		if got, err := readSource(src); len(got) != 0 || err != nil {
			t.Errorf("empty result: %v, %v", got, err)
		}
		if len(empty.fetched()) != 0 {
			t.Errorf("an empty result fetched chunks %v", empty.fetched())
		}
	})
}

// A link that lapsed (by its expiration, or refused with 403) is refreshed
// by fetching its chunk again; the storage gets only the link's headers.
func TestChunksExpiredLinksRefreshed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := tclitest.NewLocalStorage(t)
		svc := &chunkService{st: st, pages: seqPages(st, 3, 2, 4, 0, true), expired: map[string]bool{"f8": true}}
		st.Expire("f16")
		got, err := readSource(chunkEnv(t, svc, true))
		if err != nil {
			t.Fatal(err)
		}
		checkSeq(t, got, 24)
		// Pages: 1, 2; refreshes: chunk 1 (f8's expiration) and chunk 2
		// (f16's 403), in any order after their page.
		calls := svc.fetched()
		counts := map[int]int{}
		for _, c := range calls {
			counts[c]++
		}
		if counts[0] != 0 || counts[1] != 2 || counts[2] != 2 {
			t.Errorf("chunks fetched %v, want 1 and 2 twice each (page, refresh)", calls)
		}
		if st.SawAuthorization() {
			t.Error("storage saw an Authorization header")
		}
	})
}

// Chunks that break the manifest's or their own account of the rows end
// the result with ErrCorrupt, before any row that account does not cover.
func TestChunksCorrupt(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inline bool
		edit   func(*rest.ResultData)
		mod    func(*Config)
		damage func(*tclitest.Storage)
		rows   int
		want   string
	}{
		{name: "total rows", mod: func(c *Config) { c.Manifest.TotalRowCount++ }, rows: 24, want: "manifest says 25"},
		{name: "rows skipped", edit: func(rd *rest.ResultData) {
			if rd.ExternalLinks[0].ChunkIndex == 1 {
				rd.ExternalLinks[0].RowOffset++
			}
		}, rows: 8, want: "skip from row 8 to 9"},
		{name: "chunk index goes back", edit: func(rd *rest.ResultData) {
			if rd.ExternalLinks[0].ChunkIndex == 1 {
				z := 1
				rd.ExternalLinks[1].NextChunkIndex = &z
			}
		}, rows: 8, want: "followed by chunk 1"},
		{name: "other chunk", edit: func(rd *rest.ResultData) {
			if rd.ExternalLinks[0].ChunkIndex == 2 {
				rd.ExternalLinks[0].ChunkIndex = 5
			}
		}, rows: 16, want: "asked for result chunk 2"},
		{name: "other inline chunk", inline: true, edit: func(rd *rest.ResultData) {
			if rd.ChunkIndex == 2 {
				rd.ChunkIndex = 5
			}
		}, rows: 8, want: "asked for result chunk 2"},
		{name: "short file", damage: func(st *tclitest.Storage) { st.File("f8", 8, 4, []int64{8, 9}, tclitest.Plain) },
			edit: func(rd *rest.ResultData) {
				if rd.ExternalLinks[0].ChunkIndex == 1 {
					rd.ExternalLinks[0].ByteCount = 0
				}
			}, rows: 10, want: "rows fewer"},
		{name: "short inline chunk", inline: true, edit: func(rd *rest.ResultData) {
			if rd.ChunkIndex == 1 {
				rd.Attachment = rd.Attachment[:len(rd.Attachment)/2]
			}
		}, rows: 4, want: "corrupt result"},
		{name: "rows without data", inline: true, edit: func(rd *rest.ResultData) {
			if rd.ChunkIndex == 2 {
				rd.Attachment = nil
			}
		}, rows: 8, want: "neither links nor an attachment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				st := tclitest.NewLocalStorage(t)
				perChunk := 2
				if tc.inline {
					perChunk = 1
				}
				svc := &chunkService{st: st, pages: seqPages(st, 3, perChunk, 4, 0, false), inline: tc.inline, edit: tc.edit}
				if tc.damage != nil {
					tc.damage(st)
				}
				mods := []func(*Config){}
				if tc.mod != nil {
					mods = append(mods, tc.mod)
				}
				got, err := readSource(chunkEnv(t, svc, false, mods...))
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("got %d rows, %v; want ErrCorrupt (%s)", len(got), err, tc.want)
				}
				if !strings.Contains(err.Error(), "01ef-rest") {
					t.Errorf("error %q does not name the statement", err)
				}
				checkSeq(t, got[:min(len(got), tc.rows)], min(len(got), tc.rows))
				if len(got) > tc.rows {
					t.Errorf("%d rows before the error, want at most %d", len(got), tc.rows)
				}
			})
		})
	}
}

// A failed chunk fetch ends the result with its error, which Schema
// returns too when no file came before.
func TestChunksFetchError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := tclitest.NewLocalStorage(t)
		svc := &chunkService{st: st, pages: seqPages(st, 2, 1, 4, 0, false)}
		src := chunkEnv(t, svc, false, func(c *Config) {
			c.FirstChunk = nil
			c.Chunk = func(context.Context, int) (*rest.ResultData, error) {
				return nil, &rest.Error{Op: "chunk", StatusCode: 404, ErrorCode: "NOT_FOUND"}
			}
		})
		var ae *rest.Error
		if _, err := src.Schema(t.Context()); !errors.As(err, &ae) {
			t.Errorf("Schema: %v, want the chunk's *rest.Error", err)
		}
		if _, err := readSource(src); !errors.As(err, &ae) {
			t.Errorf("read: %v, want the chunk's *rest.Error", err)
		}
	})
}

// A JSON_ARRAY chunk is refused: the scheduler reads Arrow.
func TestChunksJSONRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := tclitest.NewLocalStorage(t)
		one := "1"
		svc := &chunkService{st: st, pages: seqPages(st, 1, 1, 1, 0, false), inline: true, edit: func(rd *rest.ResultData) {
			rd.Attachment, rd.DataArray = nil, [][]*string{{&one}}
		}}
		_, err := readSource(chunkEnv(t, svc, false))
		if err == nil || !strings.Contains(err.Error(), "JSON_ARRAY") {
			t.Fatalf("got %v, want a JSON_ARRAY error", err)
		}
	})
}

// The chunks after the one listed are fetched ahead, up to chunksAhead
// besides it, so that listing one link per call does not bound the downloads;
// each chunk is still fetched once.
func TestChunksFetchedAhead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := tclitest.NewLocalStorage(t)
		svc := &chunkService{st: st, pages: seqPages(st, 10, 1, 3, 0, false)}
		var mu sync.Mutex
		var inFlight, peak int
		src := chunkEnv(t, svc, false, func(c *Config) {
			c.MaxDownloads = 8
			c.Chunk = func(ctx context.Context, i int) (*rest.ResultData, error) {
				mu.Lock()
				inFlight++
				peak = max(peak, inFlight)
				mu.Unlock()
				defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
				time.Sleep(100 * time.Millisecond)
				return svc.fetch(ctx, i)
			}
		})
		start := time.Now()
		got, err := readSource(src)
		if err != nil {
			t.Fatal(err)
		}
		checkSeq(t, got, 30)
		if calls := fmt.Sprint(svc.fetched()); calls != "[1 2 3 4 5 6 7 8 9]" {
			t.Errorf("chunks fetched %s, want each of 1-9 once", calls)
		}
		if peak < 2 || peak > 1+chunksAhead {
			t.Errorf("%d chunk calls at once, want 2 to %d", peak, 1+chunksAhead)
		}
		// 9 calls of 100ms one after the other would take 900ms.
		if d := time.Since(start); d >= 900*time.Millisecond {
			t.Errorf("listing took %v (fake time), want the calls overlapped", d)
		}
	})
}
