package emulator

import (
	"net/http"
	"testing"
	"time"
)

// BenchmarkRESTSubmitLinks measures a submission of a 200,000-row
// eight-column result (the benchmark table's types, four chunks) as LZ4
// ARROW_STREAM external links. ns/op is the submit reply alone (the
// statement is closed off the clock), which comes once chunk 0 is encoded;
// all-links-ns is the time from submit until the link of every chunk is
// served (each GET .../chunks/n waits for that chunk's encoding). Run it
// with -cpu 1,2 to see the chunks encoded on GOMAXPROCS goroutines.
func BenchmarkRESTSubmitLinks(b *testing.B) {
	s, err := New()
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.DB().Exec(`CREATE TABLE t AS SELECT i::BIGINT AS b, (i * 0.25)::DOUBLE AS d,
		'value-' || lpad(i::VARCHAR, 14, '0') AS s, ((i % 10000000) / 100)::DECIMAL(18,2) AS dec,
		TIMESTAMP '2024-01-01 00:00:00' + to_microseconds(i * 1000) AS ts, DATE '2020-01-01' + (i % 3650)::INTEGER AS dt,
		i % 2 = 0 AS bo, CASE WHEN i % 10 = 0 THEN NULL ELSE (i % 100000)::INTEGER END AS ni FROM range(200000) r(i)`); err != nil {
		b.Fatal(err)
	}
	c := &restClient{t: b, s: s, token: s.Token(), http: &http.Client{}}
	fields := map[string]any{"format": "ARROW_STREAM", "disposition": "EXTERNAL_LINKS", "result_compression": "LZ4_FRAME",
		"wait_timeout": "50s"}
	const q = `SELECT * FROM "memory"."main".t`
	b.Run("first-reply", func(b *testing.B) {
		c.t = b
		for b.Loop() {
			resp := c.submit(q, fields)
			if state(resp) != "SUCCEEDED" {
				b.Fatalf("state %v", resp["status"])
			}
			b.StopTimer()
			c.do(http.MethodDelete, restPrefix+"/"+stmtID(resp), nil)
			b.StartTimer()
		}
	})
	b.Run("all-links", func(b *testing.B) {
		c.t = b
		var total time.Duration
		var bytes int64
		for b.Loop() {
			start := time.Now()
			resp := c.submit(q, fields)
			if state(resp) != "SUCCEEDED" {
				b.Fatalf("state %v", resp["status"])
			}
			id := stmtID(resp)
			bytes = num(get(resp, "result", "external_links", 0, "byte_count"))
			for i := 1; i < int(num(get(resp, "manifest", "total_chunk_count"))); i++ {
				st, out := c.do(http.MethodGet, chunkPath(id, i), nil)
				if st != http.StatusOK {
					b.Fatalf("chunk %d: HTTP %d %v", i, st, out)
				}
				bytes += num(get(out, "external_links", 0, "byte_count"))
			}
			total += time.Since(start)
			c.do(http.MethodDelete, restPrefix+"/"+id, nil)
		}
		b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "all-links-ns")
		b.ReportMetric(float64(bytes), "result-bytes")
	})
}
