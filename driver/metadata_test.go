package driver

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	sqldriver "database/sql/driver"

	"github.com/asyncsql/databricks/internal/metadata"
	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// TestMetadataQuery: a query with no text and a metadata request as its
// only argument makes the metadata call (no ExecuteStatement) and returns
// its rows; misuse of the request is an error before anything is sent.
func TestMetadataQuery(t *testing.T) {
	env := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	db := sql.OpenDB(env.c)
	defer db.Close()
	ctx := context.Background()
	env.fake.Script(string(tclitest.GetTables), tclitest.OneInt(7))

	var n int
	if err := db.QueryRowContext(ctx, "", metadata.Request{Call: metadata.GetTables, Schema: "default"}).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 7 {
		t.Errorf("got %d, want the script's 7", n)
	}
	reqs := tclitest.Received[*tcli.TGetTablesReq](env.fake)
	if len(reqs) != 1 || reqs[0].GetSchemaName() != "default" {
		t.Errorf("GetTables requests %+v, want one for schema default", reqs)
	}
	if c := env.fake.Count(tclitest.ExecuteStatement); c != 0 {
		t.Errorf("%d ExecuteStatement calls, want none", c)
	}

	for name, args := range map[string][]any{
		"with SQL text": {metadata.Request{Call: metadata.GetCatalogs}},
		"two arguments": {metadata.Request{Call: metadata.GetCatalogs}, 1},
	} {
		q := ""
		if name == "with SQL text" {
			q = "SELECT 1"
		}
		rows, err := db.QueryContext(ctx, q, args...)
		if !errors.Is(err, errMetadataArg) {
			if err == nil {
				rows.Close()
			}
			t.Errorf("%s: got %v, want errMetadataArg", name, err)
		}
	}
	if c := env.fake.Count(tclitest.GetCatalogs); c != 0 {
		t.Errorf("%d GetCatalogs calls after refused requests, want none", c)
	}
}

// plainSession is a session of a backend without metadata calls.
type plainSession struct{}

func (plainSession) execute(context.Context, string, []sqldriver.NamedValue) (operation, error) {
	return nil, errors.New("plainSession: execute")
}
func (plainSession) close(context.Context) error { return nil }

// TestMetadataNotSupported: a session without metadata calls refuses them
// with ErrMetadataNotSupported.
func TestMetadataNotSupported(t *testing.T) {
	cn := &conn{sess: plainSession{}}
	_, err := cn.QueryContext(context.Background(), "", []sqldriver.NamedValue{{Ordinal: 1, Value: metadata.Request{Call: metadata.GetCatalogs}}})
	if !errors.Is(err, ErrMetadataNotSupported) {
		t.Errorf("got %v, want ErrMetadataNotSupported", err)
	}
}
