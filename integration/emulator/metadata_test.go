package emulator

import (
	"strings"
	"testing"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// metaRows reads the direct results of a finished metadata call as column
// names and rows of Go values (column-based, one page).
func metaRows(t *testing.T, st *tcli.TStatus, d *tcli.TSparkDirectResults) ([]string, []tcli.TTypeId, [][]any) {
	t.Helper()
	mustOK(t, st)
	if d == nil || d.ResultSetMetadata == nil || d.ResultSet == nil {
		t.Fatalf("direct results %+v, want metadata and rows", d)
	}
	if f := d.ResultSetMetadata.GetResultFormat(); f != tcli.TSparkRowSetType_COLUMN_BASED_SET {
		t.Fatalf("result format %v, want COLUMN_BASED_SET", f)
	}
	var names []string
	var types []tcli.TTypeId
	for _, c := range d.ResultSetMetadata.Schema.Columns {
		names = append(names, c.ColumnName)
		types = append(types, c.TypeDesc.Types[0].PrimitiveEntry.Type)
	}
	cols := d.ResultSet.Results.Columns
	var rows [][]any
	n := 0
	if len(cols) > 0 && cols[0].StringVal != nil {
		n = len(cols[0].StringVal.Values)
	}
	for r := range n {
		row := make([]any, len(cols))
		for i, c := range cols {
			isNull := func(nulls []byte) bool { return r/8 < len(nulls) && nulls[r/8]&(1<<(r%8)) != 0 }
			switch {
			case c.StringVal != nil:
				if !isNull(c.StringVal.Nulls) {
					row[i] = c.StringVal.Values[r]
				}
			case c.I32Val != nil:
				if !isNull(c.I32Val.Nulls) {
					row[i] = c.I32Val.Values[r]
				}
			case c.I16Val != nil:
				if !isNull(c.I16Val.Nulls) {
					row[i] = c.I16Val.Values[r]
				}
			case c.ByteVal != nil:
				if !isNull(c.ByteVal.Nulls) {
					row[i] = c.ByteVal.Values[r]
				}
			}
		}
		rows = append(rows, row)
	}
	return names, types, rows
}

func TestMetadataCalls(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	sess := open(t, c)
	for _, q := range []string{
		`CREATE TABLE "default".meta_p (id INTEGER PRIMARY KEY, note VARCHAR)`,
		`CREATE TABLE "default".meta_c (x BIGINT, pid INTEGER REFERENCES "default".meta_p(id), d DECIMAL(10,2) NOT NULL, tags VARCHAR[])`,
		`CREATE VIEW "default".meta_v AS SELECT 1 AS one`,
		`COMMENT ON TABLE "default".meta_p IS 'parent'`,
	} {
		mustOK(t, exec(t, c, &tcli.TExecuteStatementReq{SessionHandle: sess, Statement: q}).Status)
	}
	dr := &tcli.TSparkGetDirectResults{MaxRows: 1000}

	resp, err := c.GetCatalogs(ctx, &tcli.TGetCatalogsReq{SessionHandle: sess, GetDirectResults: dr})
	if err != nil {
		t.Fatal(err)
	}
	names, _, rows := metaRows(t, resp.Status, resp.DirectResults)
	if strings.Join(names, ",") != "TABLE_CAT" || len(rows) != 1 || rows[0][0] != s.defaultNS.catalog {
		t.Errorf("GetCatalogs: %v %v, want TABLE_CAT and the one catalog %q", names, rows, s.defaultNS.catalog)
	}
	if resp.OperationHandle.OperationType != tcli.TOperationType_GET_CATALOGS {
		t.Errorf("operation type %v, want GET_CATALOGS", resp.OperationHandle.OperationType)
	}

	sch, err := c.GetSchemas(ctx, &tcli.TGetSchemasReq{SessionHandle: sess, SchemaName: ptr("def%"), GetDirectResults: dr})
	if err != nil {
		t.Fatal(err)
	}
	names, _, rows = metaRows(t, sch.Status, sch.DirectResults)
	if strings.Join(names, ",") != "TABLE_SCHEM,TABLE_CATALOG" || len(rows) != 1 || rows[0][0] != "default" {
		t.Errorf("GetSchemas def%%: %v %v, want the schema default", names, rows)
	}

	tbl, err := c.GetTables(ctx, &tcli.TGetTablesReq{SessionHandle: sess, SchemaName: ptr("default"), TableName: ptr("meta\\_%"),
		TableTypes: []string{"table"}, GetDirectResults: dr})
	if err != nil {
		t.Fatal(err)
	}
	names, _, rows = metaRows(t, tbl.Status, tbl.DirectResults)
	if len(names) != 10 || names[3] != "TABLE_TYPE" || names[9] != "REF_GENERATION" {
		t.Errorf("GetTables columns %v", names)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r[2].(string)+":"+r[3].(string)+":"+r[4].(string))
	}
	if strings.Join(got, ",") != "meta_c:TABLE:,meta_p:TABLE:parent" {
		t.Errorf("GetTables meta\\_%% TABLE: %v", got)
	}

	col, err := c.GetColumns(ctx, &tcli.TGetColumnsReq{SessionHandle: sess, TableName: ptr("meta_c"), GetDirectResults: dr})
	if err != nil {
		t.Fatal(err)
	}
	names, types, rows := metaRows(t, col.Status, col.DirectResults)
	if len(names) != 23 || names[4] != "DATA_TYPE" || types[4] != tcli.TTypeId_INT_TYPE || types[7] != tcli.TTypeId_TINYINT_TYPE ||
		types[21] != tcli.TTypeId_SMALLINT_TYPE || names[22] != "IS_AUTO_INCREMENT" {
		t.Errorf("GetColumns columns %v %v", names, types)
	}
	got = nil
	for _, r := range rows {
		got = append(got, strings.Join([]string{r[3].(string), str(r[4]), r[5].(string), str(r[6]), str(r[8]), str(r[10]), str(r[16]), r[17].(string)}, " "))
	}
	want := []string{"x -5 BIGINT 8  1 1 YES", "pid 4 INT 4 0 1 2 YES", "d 3 DECIMAL(10,2) 8 2 0 3 NO", "tags 2003 ARRAY<STRING>   1 4 YES"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("GetColumns meta_c:\n got %q\nwant %q", got, want)
	}

	fn, err := c.GetFunctions(ctx, &tcli.TGetFunctionsReq{SessionHandle: sess, FunctionName: "abs", GetDirectResults: dr})
	if err != nil {
		t.Fatal(err)
	}
	names, _, rows = metaRows(t, fn.Status, fn.DirectResults)
	if len(names) != 6 || len(rows) != 1 || rows[0][0] != "system" || rows[0][1] != "builtin" || rows[0][4] != int32(1) {
		t.Errorf("GetFunctions abs: %v %v, want one built-in scalar function", names, rows)
	}

	pk, err := c.GetPrimaryKeys(ctx, &tcli.TGetPrimaryKeysReq{SessionHandle: sess, SchemaName: ptr("default"), TableName: ptr("META_P"), GetDirectResults: dr})
	if err != nil {
		t.Fatal(err)
	}
	names, _, rows = metaRows(t, pk.Status, pk.DirectResults)
	if strings.Join(names, ",") != "TABLE_CAT,TABLE_SCHEM,TABLE_NAME,COLUMN_NAME,KEQ_SEQ,PK_NAME" || len(rows) != 1 ||
		rows[0][3] != "id" || rows[0][4] != int32(1) {
		t.Errorf("GetPrimaryKeys meta_p: %v %v", names, rows)
	}

	fk, err := c.GetCrossReference(ctx, &tcli.TGetCrossReferenceReq{SessionHandle: sess, ParentTableName: ptr("meta_p"),
		ForeignTableName: ptr("meta_c"), GetDirectResults: dr})
	if err != nil {
		t.Fatal(err)
	}
	names, _, rows = metaRows(t, fk.Status, fk.DirectResults)
	if len(names) != 14 || len(rows) != 1 || rows[0][2] != "meta_p" || rows[0][3] != "id" || rows[0][6] != "meta_c" || rows[0][7] != "pid" ||
		rows[0][12] == nil {
		t.Errorf("GetCrossReference meta_p -> meta_c: %v %v", names, rows)
	}

	// A bad pattern fails the operation with a clear error.
	bad, err := c.GetTables(ctx, &tcli.TGetTablesReq{SessionHandle: sess, TableName: ptr("x\\"), GetDirectResults: dr})
	if err != nil {
		t.Fatal(err)
	}
	if st := bad.DirectResults.GetOperationStatus(); st.GetOperationState() != tcli.TOperationState_ERROR_STATE ||
		!strings.Contains(st.GetErrorMessage(), "escape character") {
		t.Errorf("bad pattern: %v %q, want ERROR_STATE naming the escape", st.GetOperationState(), st.GetErrorMessage())
	}
	// Without direct results the operation is polled and fetched.
	async, err := c.GetCatalogs(ctx, &tcli.TGetCatalogsReq{SessionHandle: sess, RunAsync: true})
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, async.Status)
	if async.DirectResults != nil {
		t.Error("direct results without asking")
	}
	fr, err := c.FetchResults(ctx, &tcli.TFetchResultsReq{OperationHandle: async.OperationHandle, MaxRows: 10})
	for err == nil && fr.Status.GetStatusCode() != tcli.TStatusCode_SUCCESS_STATUS &&
		strings.Contains(fr.Status.GetErrorMessage(), "not finished") {
		fr, err = c.FetchResults(ctx, &tcli.TFetchResultsReq{OperationHandle: async.OperationHandle, MaxRows: 10})
	}
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, fr.Status)
	if v := fr.Results.Columns[0].StringVal.Values; len(v) != 1 {
		t.Errorf("fetched catalogs %v", v)
	}
	// The request log names the call.
	if got := s.Requests().Of("GetTables"); len(got) == 0 || !strings.HasPrefix(got[0].Statement, "GetTables(schema=default") {
		t.Errorf("request log: %+v", got)
	}
}
