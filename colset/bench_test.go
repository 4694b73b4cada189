package colset

import (
	"fmt"
	"testing"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// BenchmarkDecode decodes a page as the Spark Thrift server sends it and
// reads every value.
func BenchmarkDecode(b *testing.B) {
	const rows = 4096
	ids := make([]int64, rows)
	names := make([]string, rows)
	amounts := make([]string, rows)
	stamps := make([]string, rows)
	days := make([]string, rows)
	for i := range rows {
		ids[i] = int64(i) * 1000003
		names[i] = fmt.Sprintf("customer-%06d", i)
		amounts[i] = fmt.Sprintf("%d.%02d", i-2000, i%100)
		stamps[i] = fmt.Sprintf("2023-11-14 %02d:%02d:%02d.%06d", i%24, i%60, (i/60)%60, i)
		days[i] = fmt.Sprintf("2023-%02d-%02d", i%12+1, i%28+1)
	}
	cols := []*tcli.TColumn{i64Col(ids), strCol(names), strCol(amounts), strCol(stamps), strCol(days)}
	d, err := NewDecoder([]ColumnType{
		{Type: tcli.TTypeId_BIGINT_TYPE}, {Type: tcli.TTypeId_STRING_TYPE},
		{Type: tcli.TTypeId_DECIMAL_TYPE, Scale: 2}, {Type: tcli.TTypeId_TIMESTAMP_TYPE}, {Type: tcli.TTypeId_DATE_TYPE},
	}, Options{Location: ny})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		p, err := d.Decode(cols)
		if err != nil {
			b.Fatal(err)
		}
		for r := range p.NumRows() {
			for c := range p.NumColumns() {
				_ = p.Value(c, r)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
}
