package driver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/asyncsql/databricks/internal/results"
	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// numberedPages is an Arrow result of n pages of three BIGINT rows each,
// the rows numbered from 0, and the rows it holds.
func numberedPages(t *testing.T, n int) (*tclitest.Script, []int64) {
	t.Helper()
	var schema *arrow.Schema
	var pages [][]arrow.RecordBatch
	var want []int64
	for p := range n {
		vals := []int64{int64(3 * p), int64(3*p + 1), int64(3*p + 2)}
		want = append(want, vals...)
		var recs []arrow.RecordBatch
		schema, recs = int64Records(vals)
		pages = append(pages, recs)
	}
	return arrowScript(t, tableSchema(colDesc{name: "n", typ: tcli.TTypeId_BIGINT_TYPE}), schema, false, pages...), want
}

// readInts reads every row of q as int64, returning the rows read and the
// error that ended them.
func readInts(db *sql.DB, q string) ([]int64, error) {
	return readIntsCtx(context.Background(), db, q)
}

// Every FetchResults to a Databricks server names the row it starts at: the
// rows of the direct-results page and of every page after it.
func TestFetchNamesItsRow(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	s, want := numberedPages(t, 4)
	e.fake.Script("q", s)
	got, err := readInts(e.db(t), "q")
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, %v; want %v", got, err, want)
	}
	var offs []int64
	for _, r := range tclitest.Received[*tcli.TFetchResultsReq](e.fake) {
		o := r.StartRowOffset
		if o == nil {
			t.Fatal("a FetchResults without startRowOffset")
		}
		offs = append(offs, *o)
	}
	if fmt.Sprint(offs) != "[3 6 9]" {
		t.Errorf("startRowOffsets %v, want [3 6 9]", offs)
	}
}

// A FetchResults whose reply is lost after the server moved its cursor, or
// that fails with a 5xx or a reset, is asked again for the same row: every
// row arrives once, in order.
func TestFetchRetriedAtItsRow(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fault func(*tclitest.Server)
	}{
		{"lost reply", func(f *tclitest.Server) {
			f.Inject(tclitest.FetchResults, tclitest.Fault{DropReply: true}, tclitest.Fault{DropReply: true})
		}},
		{"500", func(f *tclitest.Server) { f.Inject(tclitest.FetchResults, tclitest.HTTPError(500, "")) }},
		{"502 twice", func(f *tclitest.Server) {
			f.Inject(tclitest.FetchResults, tclitest.HTTPError(502, ""))
			f.Inject(tclitest.FetchResults, tclitest.HTTPError(502, ""))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
			s, want := numberedPages(t, 4)
			e.fake.Script("q", s)
			tt.fault(e.fake)
			got, err := readInts(e.db(t), "q")
			if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("got %v, %v; want %v", got, err, want)
			}
		})
	}
}

// A page that does not start at the row after the last one is asked for
// again when the server honours startRowOffset, and is an error when it
// keeps coming: its rows are never returned.
func TestShiftedPageIsAnError(t *testing.T) {
	for _, proto := range []tcli.TProtocolVersion{tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10} {
		t.Run(proto.String(), func(t *testing.T) {
			e := newHTTPEnv(t, proto)
			s, want := numberedPages(t, 3)
			if proto < tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V1 {
				s = intScript(0)
				s.SparkPaging = true
				s.Pages = []*tcli.TRowSet{colPage(i32Col(nil, 0, 1, 2)), colPage(i32Col(nil, 3, 4, 5)), colPage(i32Col(nil, 6, 7, 8))}
				want = []int64{0, 1, 2, 3, 4, 5, 6, 7, 8}
			}
			s.KeepOffsets = true
			for i := range s.Pages {
				s.Pages[i] = &tcli.TRowSet{StartRowOffset: 3 * int64(i), Rows: s.Pages[i].Rows, Columns: s.Pages[i].Columns, ArrowBatches: s.Pages[i].ArrowBatches}
			}
			s.Pages[1].StartRowOffset += 10000
			e.fake.Script("q", s)
			got, err := readInts(e.db(t), "q")
			if !errors.Is(err, ErrCorruptResult) {
				t.Fatalf("err = %v, want ErrCorruptResult", err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want[:3]) {
				t.Errorf("rows %v before the error, want %v", got, want[:3])
			}
			// Apache Spark (no direct results) ignores startRowOffset: no
			// point asking again.
			wantFetches := 2
			if proto >= tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V1 {
				wantFetches = results.PageAttempts
			}
			if n := e.fake.Count(tclitest.FetchResults); n != wantFetches {
				t.Errorf("FetchResults %d, want %d", n, wantFetches)
			}
		})
	}
}

// A server that ignores startRowOffset (Apache Spark) and whose reply was
// lost after it moved its cursor cannot be asked again: the read ends in an
// error, never with a page missing.
func TestLostReplyOnServerIgnoringOffset(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10)
	s := intScript(0)
	s.SparkPaging = true
	s.Pages = []*tcli.TRowSet{colPage(i32Col(nil, 0, 1)), colPage(i32Col(nil, 2, 3)), colPage(i32Col(nil, 4, 5))}
	e.fake.Script("q", s)
	e.fake.Inject(tclitest.FetchResults, tclitest.Fault{DropReply: true})
	got, err := readInts(e.db(t), "q")
	if err == nil {
		t.Fatalf("read %v without an error", got)
	}
}

// A column-based result of a Databricks server ends at hasMoreRows=false:
// no further FetchResults (Apache Spark's always-false flag still means
// fetching until an empty page, see TestColumnPagesSparkPaging).
func TestColumnPagesEndAtHasMoreRows(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V4)
	s := intScript(0)
	s.Pages = []*tcli.TRowSet{colPage(i32Col(nil, 1, 2)), colPage(i32Col(nil, 3))}
	e.fake.Script("q", s)
	got, err := readInts(e.db(t), "q")
	if err != nil || fmt.Sprint(got) != "[1 2 3]" {
		t.Fatalf("got %v, %v", got, err)
	}
	if n := e.fake.Count(tclitest.FetchResults); n != 1 {
		t.Errorf("FetchResults %d, want 1 (the direct-results page, then one page ending at hasMoreRows=false)", n)
	}
}
