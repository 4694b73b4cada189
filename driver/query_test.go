package driver

import (
	"context"
	"errors"
	"testing"

	"github.com/asyncsql/databricks/thrift/tcli"
)

func TestQuerySimpleColumnSet(t *testing.T) {
	for _, proto := range []tcli.TProtocolVersion{
		tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10,
		tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8,
	} {
		t.Run(proto.String(), func(t *testing.T) {
			e := newHTTPEnv(t, proto)
			e.fake.Script("SELECT 7", intScript(7))
			var n int32
			if err := e.db(t).QueryRowContext(context.Background(), "SELECT 7").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 7 {
				t.Fatalf("got %d, want 7", n)
			}
		})
	}
}

func TestPingAndBeginTx(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	db := e.db(t)
	if err := db.PingContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.BeginTx(context.Background(), nil); !errors.Is(err, ErrTransactionsNotSupported) {
		t.Fatalf("BeginTx: got %v, want ErrTransactionsNotSupported", err)
	}
}
