package hs2

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/asyncsql/databricks/internal/metadata"
	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// TestBuildMetadataFields: each call sends the names it was given in the
// fields HiveServer2 defines for them, leaves empty names out, and asks for
// an asynchronous run with direct results where the protocol has them.
func TestBuildMetadataFields(t *testing.T) {
	c := New(nil, testOptions())
	spark := &Session{Protocol: tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8}
	s := func(v string) *string { return &v }
	dr := &tcli.TSparkGetDirectResults{MaxRows: 1000}
	cases := []struct {
		r    metadata.Request
		want any
	}{
		{metadata.Request{Call: metadata.GetCatalogs}, &tcli.TGetCatalogsReq{GetDirectResults: dr, RunAsync: true}},
		{metadata.Request{Call: metadata.GetSchemas, Catalog: "main", Schema: "s%"},
			&tcli.TGetSchemasReq{CatalogName: s("main"), SchemaName: s("s%"), GetDirectResults: dr, RunAsync: true}},
		{metadata.Request{Call: metadata.GetSchemas}, &tcli.TGetSchemasReq{GetDirectResults: dr, RunAsync: true}},
		{metadata.Request{Call: metadata.GetTables, Schema: "default", Table: `t\_%`, TableTypes: []string{"VIEW"}},
			&tcli.TGetTablesReq{SchemaName: s("default"), TableName: s(`t\_%`), TableTypes: []string{"VIEW"}, GetDirectResults: dr, RunAsync: true}},
		{metadata.Request{Call: metadata.GetTables, TableTypes: []string{}}, &tcli.TGetTablesReq{GetDirectResults: dr, RunAsync: true}},
		{metadata.Request{Call: metadata.GetColumns, Catalog: "c", Schema: "s", Table: "t", Column: "a_"},
			&tcli.TGetColumnsReq{CatalogName: s("c"), SchemaName: s("s"), TableName: s("t"), ColumnName: s("a_"), GetDirectResults: dr, RunAsync: true}},
		{metadata.Request{Call: metadata.GetFunctions, Schema: "s"},
			&tcli.TGetFunctionsReq{SchemaName: s("s"), FunctionName: "%", GetDirectResults: dr, RunAsync: true}},
		{metadata.Request{Call: metadata.GetFunctions, Function: "abs"},
			&tcli.TGetFunctionsReq{FunctionName: "abs", GetDirectResults: dr, RunAsync: true}},
		{metadata.Request{Call: metadata.GetPrimaryKeys, Catalog: "c", Schema: "s", Table: "t"},
			&tcli.TGetPrimaryKeysReq{CatalogName: s("c"), SchemaName: s("s"), TableName: s("t"), GetDirectResults: dr, RunAsync: true}},
		{metadata.Request{Call: metadata.GetCrossReference, Catalog: "c", Schema: "s", Table: "p", ForeignSchema: "s2", ForeignTable: "f"},
			&tcli.TGetCrossReferenceReq{ParentCatalogName: s("c"), ParentSchemaName: s("s"), ParentTableName: s("p"),
				ForeignSchemaName: s("s2"), ForeignTableName: s("f"), GetDirectResults: dr, RunAsync: true}},
	}
	for _, tc := range cases {
		m, err := c.buildMetadata(spark, tc.r)
		if err != nil {
			t.Fatalf("%+v: %v", tc.r, err)
		}
		if m.method != tc.r.Call.String() {
			t.Errorf("%+v: method %q, want %q", tc.r, m.method, tc.r.Call)
		}
		if !reflect.DeepEqual(m.req, tc.want) {
			t.Errorf("%+v:\n got %+v\nwant %+v", tc.r, m.req, tc.want)
		}
	}
	// Apache Spark's Thrift server has no direct results.
	m, err := c.buildMetadata(&Session{Protocol: tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10}, metadata.Request{Call: metadata.GetTables})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.req.(*tcli.TGetTablesReq).GetDirectResults; got != nil {
		t.Errorf("Hive protocol: got direct results %+v, want none", got)
	}
	if _, err := c.buildMetadata(spark, metadata.Request{}); err == nil || !strings.Contains(err.Error(), "unknown metadata call") {
		t.Errorf("zero call: got %v, want an unknown-call error", err)
	}
}

// TestMetadataOverHTTP: a metadata call through the RPC client returns an
// operation that is waited for like a statement's, with its direct results;
// a failure the server reports names the method.
func TestMetadataOverHTTP(t *testing.T) {
	c, f := overHTTP(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, testOptions())
	ctx := context.Background()
	s, err := c.OpenSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, call := range []metadata.Call{metadata.GetCatalogs, metadata.GetSchemas, metadata.GetTables, metadata.GetColumns, metadata.GetFunctions, metadata.GetPrimaryKeys, metadata.GetCrossReference} {
		op, err := c.Metadata(ctx, s, metadata.Request{Call: call, Schema: "default"})
		if err != nil {
			t.Fatalf("%v: %v", call, err)
		}
		if op.Direct == nil || op.Direct.ResultSet == nil || !op.HasResultSet() {
			t.Errorf("%v: got direct results %+v, want the first page", call, op.Direct)
		}
		st, err := c.Wait(ctx, op)
		if err != nil || c.Outcome(st, op.ID) != nil {
			t.Fatalf("%v: wait: %v, %v", call, err, c.Outcome(st, op.ID))
		}
		if n := f.Count(tclitest.Method(call.String())); n != 1 {
			t.Errorf("%v: server got %d requests, want 1", call, n)
		}
	}
	if got := tclitest.Received[*tcli.TGetColumnsReq](f); len(got) != 1 || got[0].GetSchemaName() != "default" {
		t.Errorf("GetColumns requests: %+v, want one for schema default", got)
	}

	f.Inject(tclitest.GetTables, tclitest.Fault{Status: &tcli.TStatus{
		StatusCode: tcli.TStatusCode_ERROR_STATUS, SqlState: ptr("42000"), ErrorMessage: ptr("no such catalog"),
	}})
	_, err = c.Metadata(ctx, s, metadata.Request{Call: metadata.GetTables})
	var fl *Failure
	if !errors.As(err, &fl) || fl.Method != "GetTables" || fl.SQLState != "42000" {
		t.Errorf("error status: got %v, want a GetTables failure with SQLSTATE 42000", err)
	}
}

// TestMetadataRetried: metadata calls change nothing on the server, so the
// RPC client repeats one whose reply was an HTTP 500.
func TestMetadataRetried(t *testing.T) {
	c, f := overHTTP(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, testOptions())
	ctx := context.Background()
	s, err := c.OpenSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.Inject(tclitest.GetColumns, tclitest.HTTPError(http.StatusInternalServerError, ""))
	if _, err := c.Metadata(ctx, s, metadata.Request{Call: metadata.GetColumns}); err != nil {
		t.Fatalf("GetColumns after a 500: %v", err)
	}
	if n := f.Count(tclitest.GetColumns); n != 2 {
		t.Errorf("GetColumns requests: %d, want 2 (the 500 and its retry)", n)
	}
}
