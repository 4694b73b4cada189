package emulator

import (
	"net/http"
	"testing"
)

// BenchmarkRESTSubmitLinks measures a submission of a 200,000-row
// eight-column result (the benchmark table's types) as LZ4 ARROW_STREAM
// external links, answered once every chunk is encoded: run it with
// -cpu 1,2 to see the chunks encoded on GOMAXPROCS goroutines.
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
	var bytes int64
	for b.Loop() {
		resp := c.submit(`SELECT * FROM "memory"."main".t`, fields)
		if state(resp) != "SUCCEEDED" {
			b.Fatalf("state %v", resp["status"])
		}
		bytes = num(get(resp, "manifest", "total_byte_count"))
		c.do(http.MethodDelete, restPrefix+"/"+stmtID(resp), nil)
	}
	b.ReportMetric(float64(bytes), "result-bytes")
}
