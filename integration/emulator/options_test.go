package emulator

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/asyncsql/databricks/thrift/tcli"
)

func TestDatabaseFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "emu.duckdb")
	s, err := New(WithDatabase(path), WithToken("secret-token"), WithWarehouseID("abc"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Token() != "secret-token" || s.HTTPPath() != "/sql/1.0/warehouses/abc" ||
		!strings.HasPrefix(s.DSN(), "token:secret-token@127.0.0.1:") || !strings.HasSuffix(s.DSN(), "/sql/1.0/warehouses/abc?protocol=http") {
		t.Fatalf("token %q path %q", s.Token(), s.HTTPPath())
	}
	c := client(t, s)
	sess := open(t, c)
	exec(t, c, arrowReq(sess, "CREATE TABLE kept AS SELECT 7 AS v", 10))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = Start(t, WithDatabase(path))
	c = client(t, s)
	dr := exec(t, c, arrowReq(open(t, c), "SELECT v FROM kept", 10)).DirectResults
	recs := decode(t, dr.ResultSetMetadata.ArrowSchema, dr.ResultSet.Results.ArrowBatches, false)
	if got := recs[0].Column(0).ValueStr(0); got != "7" {
		t.Fatalf("v = %s", got)
	}
}

func TestMaxProtocolHive(t *testing.T) {
	s := Start(t, WithMaxProtocol(HiveV10))
	c := client(t, s)
	v := int64(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	resp, err := c.OpenSession(ctx, &tcli.TOpenSessionReq{ClientProtocolI64: &v,
		ClientProtocol: tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10})
	if err != nil {
		t.Fatal(err)
	}
	if resp.ServerProtocolVersion != tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10 || resp.InitialNamespace != nil {
		t.Fatalf("protocol %v namespace %v", resp.ServerProtocolVersion, resp.InitialNamespace)
	}
	req := arrowReq(resp.SessionHandle, "SELECT :x", 10)
	req.Parameters = []*tcli.TSparkParameter{param("x", 0, "INT", ptr("1"))}
	ex, err := c.ExecuteStatement(ctx, req)
	if err != nil || ex.Status.StatusCode != tcli.TStatusCode_ERROR_STATUS {
		t.Fatalf("parameters on a Hive protocol: %v %v", ex, err)
	}
}
