package driver

import (
	"context"
	"testing"

	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// TestProtocolGating checks which Spark features are asked for at each server
// protocol version, and the OpenSession request.
func TestProtocolGating(t *testing.T) {
	cases := []struct {
		proto                  tcli.TProtocolVersion
		direct, arrow, lz4, ns bool
	}{
		{tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10, false, false, false, false},
		{tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V1, true, false, false, false},
		{tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V4, true, false, false, true},
		{tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V5, true, true, false, true},
		{tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V6, true, true, true, true},
		{tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, true, true, true, true},
	}
	for _, c := range cases {
		t.Run(c.proto.String(), func(t *testing.T) {
			e := newHTTPEnv(t, c.proto, func(cfg *Config) {
				cfg.Catalog, cfg.Schema = "main", "sales"
				cfg.SessionParams = map[string]string{"ansi_mode": "true"}
				cfg.QueryTimeout = 1500 * 1e6 // 1.5s rounds up to 2
			})
			db := e.db(t)
			db.SetMaxIdleConns(0) // every query opens a new session
			for range 2 {
				if _, err := db.ExecContext(context.Background(), "SELECT 1"); err != nil {
					t.Fatal(err)
				}
			}
			opens := tclitest.Received[*tcli.TOpenSessionReq](e.fake)
			for i, o := range opens {
				if o.ClientProtocol != tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10 || o.GetClientProtocolI64() != int64(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8) {
					t.Fatalf("protocols: got %v and %v, want HIVE_CLI_SERVICE_PROTOCOL_V10 and %d", o.ClientProtocol, o.GetClientProtocolI64(), tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
				}
				// A Hive server honours only prefixed keys: after the first
				// open taught the driver the version, keys carry the prefix.
				key := "ansi_mode"
				if !c.direct && i > 0 {
					key = "set:hiveconf:ansi_mode"
				}
				if o.Configuration[key] != "true" {
					t.Fatalf("session params: got %v, want %s=true", o.Configuration, key)
				}
				if i == 0 {
					// Unknown server: both forms.
					if o.InitialNamespace.GetSchemaName() != "sales" || o.Configuration["use:database"] != "sales" {
						t.Fatalf("first open: got namespace %+v and use:database %q, want schema sales in both", o.InitialNamespace, o.Configuration["use:database"])
					}
					continue
				}
				if c.ns != (o.InitialNamespace != nil) || c.ns == (o.Configuration["use:database"] == "sales") {
					t.Fatalf("namespace for %v: got initialNamespace %+v and use:database %q, want the initialNamespace only: %v", c.proto, o.InitialNamespace, o.Configuration["use:database"], c.ns)
				}
				if c.ns && (o.InitialNamespace.GetCatalogName() != "main" || o.InitialNamespace.GetSchemaName() != "sales") {
					t.Fatalf("namespace: got %+v, want main.sales", o.InitialNamespace)
				}
			}
			ex := tclitest.Received[*tcli.TExecuteStatementReq](e.fake)[0]
			if !ex.RunAsync || ex.QueryTimeout != 2 {
				t.Fatalf("got runAsync %v, queryTimeout %d; want true, 2", ex.RunAsync, ex.QueryTimeout)
			}
			if (ex.GetDirectResults != nil) != c.direct || ex.GetCanReadArrowResult_() != c.arrow || ex.GetCanDecompressLZ4Result_() != c.lz4 {
				t.Fatalf("features: got direct=%v arrow=%v lz4=%v, want %v %v %v", ex.GetDirectResults != nil, ex.GetCanReadArrowResult_(), ex.GetCanDecompressLZ4Result_(), c.direct, c.arrow, c.lz4)
			}
			if c.arrow {
				a := ex.UseArrowNativeTypes
				if !a.GetTimestampAsArrow() || !a.GetDecimalAsArrow() || a.GetComplexTypesAsArrow() || a.GetIntervalTypesAsArrow() || !a.GetNullTypeAsArrow() {
					t.Fatalf("arrow types: got %+v, want timestamps, decimals and nulls as Arrow, complex types and intervals not", a)
				}
				if a.ComplexTypesAsArrow == nil || a.IntervalTypesAsArrow == nil {
					t.Fatalf("got complexTypesAsArrow %v, intervalTypesAsArrow %v; want both sent as false", a.ComplexTypesAsArrow, a.IntervalTypesAsArrow)
				}
			} else if ex.UseArrowNativeTypes != nil {
				t.Fatalf("got arrow types %+v sent to a non-Arrow server, want none", ex.UseArrowNativeTypes)
			}
			if ex.GetCanDownloadResult_() {
				t.Fatal("got canDownloadResult true, want result links not requested")
			}
		})
	}
}

func TestArrowAndLZ4Disabled(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, func(c *Config) { c.UseLZ4 = false })
	if _, err := e.db(t).ExecContext(context.Background(), "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	ex := tclitest.Received[*tcli.TExecuteStatementReq](e.fake)[0]
	if !ex.GetCanReadArrowResult_() || ex.CanDecompressLZ4Result_ != nil {
		t.Fatalf("UseLZ4 off: got canReadArrowResult %v, canDecompressLZ4Result %v; want true and unset", ex.GetCanReadArrowResult_(), ex.CanDecompressLZ4Result_)
	}
	e2 := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, func(c *Config) { c.UseArrow = false })
	if _, err := e2.db(t).ExecContext(context.Background(), "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	ex = tclitest.Received[*tcli.TExecuteStatementReq](e2.fake)[0]
	if ex.CanReadArrowResult_ != nil || ex.CanDecompressLZ4Result_ != nil {
		t.Fatalf("UseArrow off: got canReadArrowResult %v, canDecompressLZ4Result %v; want both unset", ex.CanReadArrowResult_, ex.CanDecompressLZ4Result_)
	}
}
