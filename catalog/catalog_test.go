package catalog

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/asyncsql/databricks/internal/metadata"
)

// fakeDriver is a database/sql driver whose queries record the metadata
// request they carry and answer with canned columns and rows.
type fakeDriver struct {
	mu   sync.Mutex
	got  []metadata.Request
	cols []string
	rows [][]driver.Value
}

func (d *fakeDriver) Open(string) (driver.Conn, error) { return fakeConn{d}, nil }

type fakeConn struct{ d *fakeDriver }

func (c fakeConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("no prepare") }
func (c fakeConn) Close() error                        { return nil }
func (c fakeConn) Begin() (driver.Tx, error)           { return nil, errors.New("no tx") }
func (c fakeConn) CheckNamedValue(*driver.NamedValue) error {
	return nil
}
func (c fakeConn) QueryContext(_ context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if query != "" || len(args) != 1 {
		return nil, errors.New("not a metadata query")
	}
	r, ok := args[0].Value.(metadata.Request)
	if !ok {
		return nil, errors.New("argument is not a metadata request")
	}
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	c.d.got = append(c.d.got, r)
	return &fakeRows{cols: c.d.cols, rows: c.d.rows}, nil
}

type fakeRows struct {
	cols []string
	rows [][]driver.Value
	i    int
}

func (r *fakeRows) Columns() []string { return r.cols }
func (r *fakeRows) Close() error      { return nil }
func (r *fakeRows) Next(dst []driver.Value) error {
	if r.i == len(r.rows) {
		return io.EOF
	}
	copy(dst, r.rows[r.i])
	r.i++
	return nil
}

// fakeDB returns a pool over a fresh fakeDriver answering cols and rows.
func fakeDB(t *testing.T, cols []string, rows ...[]driver.Value) (*sql.DB, *fakeDriver) {
	t.Helper()
	d := &fakeDriver{cols: cols, rows: rows}
	db := sql.OpenDB(connector{d})
	t.Cleanup(func() { db.Close() })
	return db, d
}

type connector struct{ d *fakeDriver }

func (c connector) Connect(context.Context) (driver.Conn, error) { return fakeConn{c.d}, nil }
func (c connector) Driver() driver.Driver                        { return c.d }

// TestRequests: each listing sends the call and the names it was given.
func TestRequests(t *testing.T) {
	db, d := fakeDB(t, []string{"X"})
	ctx := context.Background()
	calls := []func() (*sql.Rows, error){
		func() (*sql.Rows, error) { return Catalogs(ctx, db) },
		func() (*sql.Rows, error) { return Schemas(ctx, db, Filter{Catalog: "main", Schema: "s%"}) },
		func() (*sql.Rows, error) {
			return Tables(ctx, db, Filter{Schema: "default", Table: "t_", TableTypes: []string{"VIEW"}})
		},
		func() (*sql.Rows, error) { return Columns(ctx, db, Filter{Table: "t", Column: "c%"}) },
		func() (*sql.Rows, error) { return Functions(ctx, db, Filter{Catalog: "system", Function: "abs"}) },
		func() (*sql.Rows, error) { return PrimaryKeys(ctx, db, TableName{"c", "s", "t"}) },
		func() (*sql.Rows, error) {
			return CrossReference(ctx, db, TableName{Name: "p"}, TableName{Schema: "s", Name: "f"})
		},
	}
	for _, call := range calls {
		rows, err := call()
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	want := []metadata.Request{
		{Call: metadata.GetCatalogs},
		{Call: metadata.GetSchemas, Catalog: "main", Schema: "s%"},
		{Call: metadata.GetTables, Schema: "default", Table: "t_", TableTypes: []string{"VIEW"}},
		{Call: metadata.GetColumns, Table: "t", Column: "c%"},
		{Call: metadata.GetFunctions, Catalog: "system", Function: "abs"},
		{Call: metadata.GetPrimaryKeys, Catalog: "c", Schema: "s", Table: "t"},
		{Call: metadata.GetCrossReference, Table: "p", ForeignSchema: "s", ForeignTable: "f"},
	}
	if !reflect.DeepEqual(d.got, want) {
		t.Errorf("requests:\n got %+v\nwant %+v", d.got, want)
	}
}

// TestRefusedInput: fields a listing does not filter by, and missing table
// names, are errors before anything is sent.
func TestRefusedInput(t *testing.T) {
	db, d := fakeDB(t, []string{"X"})
	ctx := context.Background()
	for name, call := range map[string]func() (*sql.Rows, error){
		"Schemas by Table":      func() (*sql.Rows, error) { return Schemas(ctx, db, Filter{Table: "t"}) },
		"Tables by Column":      func() (*sql.Rows, error) { return Tables(ctx, db, Filter{Column: "c"}) },
		"Columns by TableTypes": func() (*sql.Rows, error) { return Columns(ctx, db, Filter{TableTypes: []string{"VIEW"}}) },
		"Functions by Table":    func() (*sql.Rows, error) { return Functions(ctx, db, Filter{Table: "t"}) },
		"PrimaryKeys no name":   func() (*sql.Rows, error) { return PrimaryKeys(ctx, db, TableName{Schema: "s"}) },
		"CrossReference none":   func() (*sql.Rows, error) { return CrossReference(ctx, db, TableName{}, TableName{}) },
		"nil Queryer":           func() (*sql.Rows, error) { return Catalogs(ctx, nil) },
	} {
		rows, err := call()
		if err == nil {
			rows.Close()
			t.Errorf("%s: got no error", name)
		} else if !strings.HasPrefix(err.Error(), "catalog: ") {
			t.Errorf("%s: error %q does not say where it comes from", name, err)
		}
	}
	if len(d.got) != 0 {
		t.Errorf("sent %d requests, want none", len(d.got))
	}
}

// TestListColumns: typed lists match columns by name, whatever their order
// and number, and convert the integer forms servers send.
func TestListColumns(t *testing.T) {
	db, _ := fakeDB(t, []string{"COLUMN_NAME", "TABLE_NAME", "DATA_TYPE", "TYPE_NAME", "COLUMN_SIZE", "DECIMAL_DIGITS", "NULLABLE", "ORDINAL_POSITION", "EXTRA"},
		[]driver.Value{"d", "t", int64(3), "DECIMAL(10,2)", int64(10), int64(2), int64(0), int64(1), "x"},
		[]driver.Value{"s", "t", int64(12), "STRING", nil, nil, int64(1), nil, "y"},
	)
	got, err := ListColumns(context.Background(), db, Filter{Table: "t"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Column{
		{Table: "t", Name: "d", DataType: 3, TypeName: "DECIMAL(10,2)", Size: sql.NullInt64{Int64: 10, Valid: true},
			DecimalDigits: sql.NullInt64{Int64: 2, Valid: true}, Position: 1},
		{Table: "t", Name: "s", DataType: 12, TypeName: "STRING", Nullable: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// TestListKeys: KEQ_SEQ (HiveServer2's spelling) and KEY_SEQ both fill Seq.
func TestListKeys(t *testing.T) {
	for _, seq := range []string{"KEQ_SEQ", "KEY_SEQ"} {
		db, _ := fakeDB(t, []string{"TABLE_SCHEM", "TABLE_NAME", "COLUMN_NAME", seq, "PK_NAME"},
			[]driver.Value{"s", "t", "a", int64(1), "pk"}, []driver.Value{"s", "t", "b", "2", "pk"})
		got, err := ListPrimaryKeys(context.Background(), db, TableName{Name: "t"})
		if err != nil {
			t.Fatal(err)
		}
		want := []KeyColumn{{Table: TableName{Schema: "s", Name: "t"}, Column: "a", Seq: 1, KeyName: "pk"},
			{Table: TableName{Schema: "s", Name: "t"}, Column: "b", Seq: 2, KeyName: "pk"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v, want %+v", seq, got, want)
		}
	}
}

func TestEscapePattern(t *testing.T) {
	for in, want := range map[string]string{
		"trips": "trips", "my_table": `my\_table`, "100%": `100\%`, `a\b`: `a\\b`, "": "",
	} {
		if got := EscapePattern(in); got != want {
			t.Errorf("EscapePattern(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTableNameString(t *testing.T) {
	for tn, want := range map[TableName]string{
		{Catalog: "c", Schema: "s", Name: "t"}: "c.s.t", {Schema: "s", Name: "t"}: "s.t", {Name: "t"}: "t",
	} {
		if got := tn.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", tn, got, want)
		}
	}
}
