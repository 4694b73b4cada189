package driver

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

func TestPreparedStatement(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	e.fake.Script("SELECT ?", intScript(4))
	db := e.db(t)
	st, err := db.PrepareContext(context.Background(), "SELECT ?")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for range 2 {
		var n int32
		if err := st.QueryRowContext(context.Background(), int8(1)).Scan(&n); err != nil || n != 4 {
			t.Fatalf("got %d, %v; want 4", n, err)
		}
	}
	if _, err := st.ExecContext(context.Background(), int8(1)); err != nil {
		t.Fatal(err)
	}
	if ps := sentParams(t, e); len(ps) != 1 || ps[0].typ != "TINYINT" {
		t.Fatalf("got params %+v, want one TINYINT", ps)
	}
	if n := e.fake.Count(tclitest.ExecuteStatement); n != 3 {
		t.Fatalf("got %d ExecuteStatement requests, want 3: one per call", n)
	}
}

// TestCorruptResults: malformed server data gives errors, never panics.
func TestCorruptResults(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	schema, p1 := int64Records([]int64{1, 2})
	good := arrowScript(t, tableSchema(colDesc{name: "n", typ: tcli.TTypeId_BIGINT_TYPE}), schema, false, p1)
	bad := *good
	bad.Pages = []*tcli.TRowSet{{Rows: []*tcli.TRow{}, ArrowBatches: []*tcli.TSparkArrowBatch{{Batch: []byte{1, 2, 3}, RowCount: 1}}}}
	e.fake.Script("corrupt batch", &bad)
	noSchema := *good
	noSchema.Meta = &tcli.TGetResultSetMetadataResp{Status: tclitest.OK(), ResultFormat: ptr(tcli.TSparkRowSetType_ARROW_BASED_SET)}
	e.fake.Script("no arrow schema", &noSchema)
	urls := *good
	urls.Meta = &tcli.TGetResultSetMetadataResp{Status: tclitest.OK(), ResultFormat: ptr(tcli.TSparkRowSetType_URL_BASED_SET)}
	e.fake.Script("url based", &urls)
	cols := intScript(1)
	cols.Pages = []*tcli.TRowSet{colPage(strCol(nil, "x"))}
	e.fake.Script("wrong column", cols)
	db := e.db(t)
	for _, q := range []string{"corrupt batch", "no arrow schema", "url based", "wrong column"} {
		rows, err := db.QueryContext(context.Background(), q)
		if err == nil {
			for rows.Next() {
			}
			err = rows.Err()
			rows.Close()
		}
		if err == nil {
			t.Errorf("%s: got no error, want one", q)
		}
		// Result links are read like Arrow results: they need the schema.
		if q == "url based" && !errors.Is(err, ErrUnsupportedResult) {
			t.Errorf("url based: got %v, want ErrUnsupportedResult", err)
		}
	}
}

// TestArrowSchemaOnly: without a TTableSchema the plan comes from Arrow.
func TestArrowSchemaOnly(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	schema, p1 := int64Records([]int64{9})
	s := arrowScript(t, nil, schema, false, []arrow.RecordBatch{p1[0]})
	e.fake.Script("q", s)
	rows, err := e.db(t).QueryContext(context.Background(), "q")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ct, _ := rows.ColumnTypes()
	if len(ct) != 1 || ct[0].Name() != "n" || ct[0].DatabaseTypeName() != "BIGINT" {
		t.Fatalf("got column types %v, want one BIGINT n", ct)
	}
	if got := collectInts(t, rows); len(got) != 1 || got[0] != 9 {
		t.Fatalf("got %v, want [9]", got)
	}
}

func TestMissingHandles(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	e.fake.Script("nohandle", &tclitest.Script{ExecStatus: tclitest.OK()})
	_, err := e.db(t).ExecContext(context.Background(), "nohandle")
	if err == nil || !strings.Contains(err.Error(), "no operation handle") {
		t.Fatalf("got %v, want an error saying no operation handle", err)
	}
	var se *ServerError
	if !errors.As(err, &se) {
		t.Fatalf("got %T, want a *ServerError", err)
	}
}

func TestClosedConnAndRows(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	cn, err := e.c.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := cn.(*conn)
	if _, err := c.Begin(); !errors.Is(err, ErrTransactionsNotSupported) {
		t.Fatalf("Begin: got %v, want ErrTransactionsNotSupported", err)
	}
	st, err := c.Prepare("SELECT 1")
	if err != nil || st.NumInput() != -1 {
		t.Fatalf("Prepare: got %v, want a statement with NumInput -1", err)
	}
	if _, err := st.(*stmt).Exec(nil); err == nil {
		t.Fatal("legacy Exec: got no error, want one")
	}
	if _, err := st.(*stmt).Query(nil); err == nil {
		t.Fatal("legacy Query: got no error, want one")
	}
	st.Close()
	if _, err := st.(*stmt).QueryContext(context.Background(), nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("QueryContext on a closed statement: got %v, want ErrClosed", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if c.IsValid() {
		t.Fatal("IsValid of a closed conn: got true, want false")
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: got %v, want nil", err)
	}
	if _, err := c.QueryContext(context.Background(), "SELECT 1", nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("QueryContext on a closed conn: got %v, want ErrClosed", err)
	}
	if n := e.fake.OpenSessions(); n != 0 {
		t.Fatalf("got %d open sessions, want 0", n)
	}
	_ = sql.ErrNoRows
}
