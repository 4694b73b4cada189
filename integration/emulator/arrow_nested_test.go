package emulator

import (
	"bytes"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/asyncsql/databricks/thrift/tcli"
)

const nestedQuery = `SELECT [1, 2, NULL]::INTEGER[] AS a, MAP {'k': 1, 'j': NULL} AS m,
	{'x': 1, 'y': 'it''s', 'z': [DATE '2024-01-02']} AS s, [[1], [], NULL, [2, 3]] AS nn,
	[{'d': 1.25::DECIMAL(4,2), 't': TIMESTAMP '2024-01-02 03:04:05'}] AS sd
	FROM range(1)
	UNION ALL SELECT NULL, NULL, NULL, NULL, NULL`

// TestComplexTypesAsArrow checks that a client asking for native complex
// types gets Arrow lists, maps and structs, nested and with NULLs.
func TestComplexTypesAsArrow(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	req := arrowReq(open(t, c), nestedQuery, 10)
	req.UseArrowNativeTypes.ComplexTypesAsArrow = ptr(true)
	dr := exec(t, c, req).DirectResults
	if st := dr.OperationStatus; st.GetOperationState() != tcli.TOperationState_FINISHED_STATE {
		t.Fatalf("%v: %s", st.GetOperationState(), st.GetErrorMessage())
	}
	recs := decode(t, dr.ResultSetMetadata.ArrowSchema, dr.ResultSet.Results.ArrowBatches, false)
	r := recs[0]
	wantTypes := []string{
		"list<element: int32, nullable>",
		"map<utf8, int32, items_nullable>",
		"struct<x: int32 nullable, y: utf8 nullable, z: list<element: date32, nullable> nullable>",
		"list<element: list<element: int32, nullable>, nullable>",
		"list<element: struct<d: decimal(4, 2) nullable, t: timestamp[us, tz=UTC] nullable>, nullable>",
	}
	for i, w := range wantTypes {
		if got := r.Schema().Field(i).Type.String(); got != w {
			t.Errorf("column %d: %s, want %s", i, got, w)
		}
	}
	// The TTypeIds stay the nested ones.
	for i, w := range []tcli.TTypeId{tcli.TTypeId_ARRAY_TYPE, tcli.TTypeId_MAP_TYPE, tcli.TTypeId_STRUCT_TYPE, tcli.TTypeId_ARRAY_TYPE} {
		if got := dr.ResultSetMetadata.Schema.Columns[i].TypeDesc.Types[0].PrimitiveEntry.Type; got != w {
			t.Errorf("column %d: type id %v", i, got)
		}
	}
	want := []string{`[1,2,null]`, `[{"key":"k","value":1},{"key":"j","value":null}]`, `{"x":1,"y":"it's","z":["2024-01-02"]}`,
		`[[1],[],null,[2,3]]`, `[{"d":"1.25","t":"2024-01-02T03:04:05Z"}]`}
	for i, w := range want {
		if got := valueString(r.Column(i), 0); got != w {
			t.Errorf("column %d: %s, want %s", i, got, w)
		}
		if !r.Column(i).IsNull(1) {
			t.Errorf("column %d row 2 is not NULL", i)
		}
	}
	m := r.Column(1).(*array.Map)
	if keys := m.Keys().(*array.String); keys.Value(0) != "k" || keys.Value(1) != "j" {
		t.Errorf("map keys out of order: %s", keys)
	}
	st := r.Column(2).(*array.Struct)
	if st.Field(1).(*array.String).Value(0) != "it's" || st.Field(2).(*array.List).ListValues().(*array.Date32).Value(0).ToTime().Format(dateLayout) != "2024-01-02" {
		t.Errorf("struct %v", st)
	}

	// Without the flag (the default) they are JSON text.
	req.UseArrowNativeTypes.ComplexTypesAsArrow = ptr(false)
	got := row0(t, c, req)
	wantJSON := []string{`[1,2,null]`, `{"k":1,"j":null}`, `{"x":1,"y":"it's","z":["2024-01-02"]}`, `[[1],[],null,[2,3]]`,
		`[{"d":1.25,"t":"2024-01-02 03:04:05"}]`}
	for i, w := range wantJSON {
		if got[i] != w {
			t.Errorf("column %d as JSON: %s, want %s", i, got[i], w)
		}
	}
}

// TestComplexTypesAsArrowLinks checks the same types in result-link files.
func TestComplexTypesAsArrowLinks(t *testing.T) {
	s := Start(t, WithLinkThreshold(1))
	c := client(t, s)
	sess := open(t, c)
	req := arrowReq(sess, nestedQuery, 10)
	req.UseArrowNativeTypes.ComplexTypesAsArrow = ptr(true)
	req.CanDownloadResult_ = ptr(true)
	links := exec(t, c, req).DirectResults.ResultSet.Results.ResultLinks
	if len(links) == 0 {
		t.Fatal("no result links")
	}
	code, data := download(t, links[0], links[0].HttpHeaders)
	if code != 200 {
		t.Fatalf("download: HTTP %d", code)
	}
	r, err := ipc.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	if !r.Next() {
		t.Fatalf("empty file: %v", r.Err())
	}
	rec := r.RecordBatch()
	if got := rec.Schema().Field(2).Type.String(); got != "struct<x: int32 nullable, y: utf8 nullable, z: list<element: date32, nullable> nullable>" {
		t.Fatalf("struct column in a file: %s", got)
	}
	if got := valueString(rec.Column(3), 0); got != "[[1],[],null,[2,3]]" {
		t.Fatalf("nested list in a file: %s", got)
	}
}

// valueString is arrow-go's text of one value of a column (JSON for nested
// values).
func valueString(a arrow.Array, i int) string { return a.ValueStr(i) }
