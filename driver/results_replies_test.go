package driver

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// Replies real servers give that are not errors, or are errors of the
// client's own making.

// The empty result of a command: an Arrow schema without fields while the
// table schema has columns, and no batch. The columns are the table
// schema's, with zero rows.
func TestArrowSchemaWithoutFields(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	ts := tableSchema(colDesc{name: "a", typ: tcli.TTypeId_STRING_TYPE}, colDesc{name: "b", typ: tcli.TTypeId_BIGINT_TYPE})
	e.fake.Script("q", arrowScript(t, ts, arrow.NewSchema(nil, nil), false, []arrow.RecordBatch{}))
	rows, err := e.db(t).QueryContext(context.Background(), "q")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil || fmt.Sprint(cols) != "[a b]" {
		t.Fatalf("columns %v, %v; want [a b]", cols, err)
	}
	types, err := rows.ColumnTypes()
	if err != nil || types[1].DatabaseTypeName() != "BIGINT" {
		t.Fatalf("column types %v, %v", types, err)
	}
	if rows.Next() {
		t.Fatal("a row from an empty result")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// A batch with rows under an Arrow schema without fields is not read as
// rows of nothing.
func TestArrowSchemaWithoutFieldsButRows(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	ts := tableSchema(colDesc{name: "a", typ: tcli.TTypeId_BIGINT_TYPE})
	empty := arrow.NewSchema(nil, nil)
	s := arrowScript(t, ts, empty, false, []arrow.RecordBatch{})
	_, batches := ipcParts(t, empty, emptyRecord(empty, 2))
	s.Pages = []*tcli.TRowSet{{Rows: []*tcli.TRow{}, ArrowBatches: []*tcli.TSparkArrowBatch{{Batch: batches[0], RowCount: 2}}}}
	e.fake.Script("q", s)
	_, err := readInts(e.db(t), "q")
	if !errors.Is(err, ErrCorruptResult) {
		t.Fatalf("err = %v, want ErrCorruptResult", err)
	}
}

// An Arrow result without an Arrow schema is a reply the driver cannot read,
// not an error the server reported.
func TestArrowResultWithoutSchema(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	s := intScript(1)
	s.Meta.ResultFormat = ptr(tcli.TSparkRowSetType_ARROW_BASED_SET)
	e.fake.Script("q", s)
	_, err := readInts(e.db(t), "q")
	var se *ServerError
	if !errors.Is(err, ErrUnsupportedResult) || errors.As(err, &se) {
		t.Fatalf("err = %v (%T), want ErrUnsupportedResult", err, err)
	}
	if got := err.Error(); strings.Count(got, "databricks:") != 1 || !strings.Contains(got, "statement ") {
		t.Fatalf("error text: got %q, want one databricks: prefix and the statement", got)
	}
}

// A batch holding other rows than its page announces would shift every
// offset after it.
func TestArrowBatchRowCountMismatch(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	s, _ := numberedPages(t, 2)
	s.Pages[1].ArrowBatches[0].RowCount = 2
	e.fake.Script("q", s)
	got, err := readInts(e.db(t), "q")
	if !errors.Is(err, ErrCorruptResult) || len(got) != 3 {
		t.Fatalf("got %v, %v; want 3 rows and ErrCorruptResult", got, err)
	}
}

// emptyRecord is a record of schema (no fields) claiming n rows.
func emptyRecord(schema *arrow.Schema, n int64) arrow.RecordBatch {
	return array.NewRecordBatch(schema, nil, n)
}
