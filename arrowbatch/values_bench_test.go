package arrowbatch

import (
	"testing"
)

// BenchmarkBindValues binds a batch and reads every value once, as the
// driver does for each batch: the per-row cost including the per-batch
// conversion. allocs/op divided by benchRows is allocs/row.
func BenchmarkBindValues(b *testing.B) {
	rec := benchRecord()
	defer rec.Release()
	r, err := NewReader(encodeSchema(b, rec.Schema()), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	cols := r.Columns()
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Bind(rec); err != nil {
			b.Fatal(err)
		}
		for i := range benchRows {
			for _, c := range cols {
				_ = c.Value(i)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
}
