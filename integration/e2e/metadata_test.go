package e2e_test

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/asyncsql/databricks/catalog"
	"github.com/asyncsql/databricks/integration/emulator"
)

// metaSchema creates the tables the metadata tests list, in schema meta_s.
func metaSchema(t *testing.T, db *sql.DB) {
	t.Helper()
	ctx := testCtx(t)
	for _, q := range []string{
		"CREATE SCHEMA meta_s",
		"CREATE TABLE meta_s.parent (id INT PRIMARY KEY, name STRING)",
		"CREATE TABLE meta_s.child (id BIGINT NOT NULL, parent_id INT REFERENCES meta_s.parent(id), amount DECIMAL(10,2), seen TIMESTAMP, tags VARCHAR[])",
		"CREATE VIEW meta_s.child_v AS SELECT id, amount FROM meta_s.child",
		"CREATE TABLE meta_s.my_table (a INT)",
		"CREATE TABLE meta_s.myxtable (a INT)",
		"COMMENT ON TABLE meta_s.parent IS 'the parents'",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func tableNames(ts []catalog.Table) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name+":"+t.Type)
	}
	return out
}

// TestMetadata lists the emulator's catalog through each call, as *sql.Rows
// and as typed lists, over the Databricks protocol (direct results) and as
// Apache Spark's Thrift server serves (polls and fetches, column-based).
func TestMetadata(t *testing.T) {
	thriftOnly(t, "catalog metadata calls (TestRESTThriftOnlyFeatures checks the REST error)")
	for _, tc := range []struct {
		name string
		opts []emulator.Option
	}{
		{"databricks", nil},
		{"hive", []emulator.Option{emulator.WithMaxProtocol(emulator.HiveV10)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := emulator.Start(t, tc.opts...)
			db := open(t, s, nil)
			metaSchema(t, db)
			ctx := testCtx(t)

			cats, err := catalog.ListCatalogs(ctx, db)
			if err != nil || len(cats) != 1 {
				t.Fatalf("ListCatalogs: %v, %v; want the emulator's one catalog", cats, err)
			}
			schemas, err := catalog.ListSchemas(ctx, db, catalog.Filter{Catalog: cats[0], Schema: "META%"})
			if err != nil || !reflect.DeepEqual(schemas, []catalog.Schema{{Catalog: cats[0], Name: "meta_s"}}) {
				t.Errorf("ListSchemas META%%: %v, %v", schemas, err)
			}

			tables, err := catalog.ListTables(ctx, db, catalog.Filter{Schema: "meta_s"})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"child:TABLE", "my_table:TABLE", "myxtable:TABLE", "parent:TABLE", "child_v:VIEW"}
			if got := tableNames(tables); !reflect.DeepEqual(got, want) {
				t.Errorf("ListTables meta_s: %v, want %v", got, want)
			}
			if i := slices.IndexFunc(tables, func(x catalog.Table) bool { return x.Name == "parent" }); i < 0 ||
				tables[i].Remarks != "the parents" || tables[i].Catalog != cats[0] || tables[i].Schema != "meta_s" {
				t.Errorf("parent: %+v", tables)
			}
			views, err := catalog.ListTables(ctx, db, catalog.Filter{Schema: "meta_s", TableTypes: []string{"VIEW"}})
			if got := tableNames(views); err != nil || !reflect.DeepEqual(got, []string{"child_v:VIEW"}) {
				t.Errorf("ListTables VIEW: %v, %v", got, err)
			}
			// '_' matches any character unless escaped.
			loose, err := catalog.ListTables(ctx, db, catalog.Filter{Schema: "meta_s", Table: "my_table"})
			if got := tableNames(loose); err != nil || !reflect.DeepEqual(got, []string{"my_table:TABLE", "myxtable:TABLE"}) {
				t.Errorf("ListTables my_table: %v, %v", got, err)
			}
			exact, err := catalog.ListTables(ctx, db, catalog.Filter{Schema: "meta_s", Table: catalog.EscapePattern("my_table")})
			if got := tableNames(exact); err != nil || !reflect.DeepEqual(got, []string{"my_table:TABLE"}) {
				t.Errorf("ListTables EscapePattern(my_table): %v, %v", got, err)
			}

			cols, err := catalog.ListColumns(ctx, db, catalog.Filter{Schema: "meta_s", Table: "child"})
			if err != nil {
				t.Fatal(err)
			}
			var got []catalog.Column
			for _, c := range cols {
				c.Catalog, c.Schema, c.Table, c.Size, c.DecimalDigits = "", "", "", sql.NullInt64{}, sql.NullInt64{}
				got = append(got, c)
			}
			wantCols := []catalog.Column{
				{Name: "id", DataType: -5, TypeName: "BIGINT", Nullable: false, Position: 1},
				{Name: "parent_id", DataType: 4, TypeName: "INT", Nullable: true, Position: 2},
				{Name: "amount", DataType: 3, TypeName: "DECIMAL(10,2)", Nullable: true, Position: 3},
				{Name: "seen", DataType: 93, TypeName: "TIMESTAMP", Nullable: true, Position: 4},
				{Name: "tags", DataType: 2003, TypeName: "ARRAY<STRING>", Nullable: true, Position: 5},
			}
			if !reflect.DeepEqual(got, wantCols) {
				t.Errorf("ListColumns child:\n got %+v\nwant %+v", got, wantCols)
			}
			if c := cols[2]; c.Size.Int64 != 8 || c.DecimalDigits.Int64 != 2 {
				t.Errorf("amount: size %v, digits %v; want 8 (bytes, as Spark reports it), 2", c.Size, c.DecimalDigits)
			}

			// The rows carry the service's column set and types.
			rows, err := catalog.Columns(ctx, db, catalog.Filter{Schema: "meta_s", Table: "parent", Column: "i%"})
			if err != nil {
				t.Fatal(err)
			}
			names, _ := rows.Columns()
			types, _ := rows.ColumnTypes()
			n := 0
			for rows.Next() {
				n++
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
			if len(names) != 23 || names[4] != "DATA_TYPE" || types[4].DatabaseTypeName() != "INT" ||
				names[7] != "BUFFER_LENGTH" || types[7].DatabaseTypeName() != "TINYINT" ||
				names[21] != "SOURCE_DATA_TYPE" || types[21].DatabaseTypeName() != "SMALLINT" || n != 1 {
				t.Errorf("Columns parent i%%: %d rows of %v", n, names)
			}

			fns, err := catalog.ListFunctions(ctx, db, catalog.Filter{Function: "abs"})
			if err != nil || len(fns) != 1 || fns[0].Name != "abs" || fns[0].Catalog != "system" || fns[0].Type != 1 {
				t.Errorf("ListFunctions abs: %+v, %v", fns, err)
			}

			pks, err := catalog.ListPrimaryKeys(ctx, db, catalog.TableName{Schema: "meta_s", Name: "parent"})
			if err != nil || len(pks) != 1 || pks[0].Column != "id" || pks[0].Seq != 1 || pks[0].KeyName == "" {
				t.Errorf("ListPrimaryKeys parent: %+v, %v", pks, err)
			}
			fks, err := catalog.ListCrossReference(ctx, db, catalog.TableName{Schema: "meta_s", Name: "parent"},
				catalog.TableName{Schema: "meta_s", Name: "child"})
			if err != nil || len(fks) != 1 {
				t.Fatalf("ListCrossReference parent, child: %+v, %v", fks, err)
			}
			if fk := fks[0]; fk.Parent.Name != "parent" || fk.ParentColumn != "id" || fk.Foreign.Name != "child" ||
				fk.ForeignColumn != "parent_id" || fk.Seq != 1 || fk.ParentKeyName != pks[0].KeyName {
				t.Errorf("foreign key: %+v", fk)
			}
			none, err := catalog.ListCrossReference(ctx, db, catalog.TableName{Schema: "meta_s", Name: "child"},
				catalog.TableName{Schema: "meta_s", Name: "parent"})
			if err != nil || len(none) != 0 {
				t.Errorf("ListCrossReference child, parent: %+v, %v; want none", none, err)
			}

			// A *sql.Conn works as well, and the calls left nothing open.
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if cs, err := catalog.ListCatalogs(ctx, conn); err != nil || !reflect.DeepEqual(cs, cats) {
				t.Errorf("ListCatalogs on a Conn: %v, %v", cs, err)
			}
			if n := s.OpenOperations(); n != 0 {
				t.Errorf("%d operations left open", n)
			}
		})
	}
}

// TestMetadataErrors: a pattern the server refuses fails with the server's
// error; a cancelled context stops the call.
func TestMetadataErrors(t *testing.T) {
	thriftOnly(t, "catalog metadata calls (TestRESTThriftOnlyFeatures checks the REST error)")
	db := open(t, srv, nil)
	ctx := testCtx(t)
	_, err := catalog.ListTables(ctx, db, catalog.Filter{Table: `bad\`})
	serverError(t, err, "22023")
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := catalog.ListCatalogs(cctx, db); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v, want context.Canceled", err)
	}
}

// TestMetadataFaults: a metadata call whose reply is lost is sent again
// (the calls change nothing); one the caller gives up on while the server
// still works on it leaves nothing open (the driver cancels and closes it
// once the reply comes, unless the server closed it inline already).
func TestMetadataFaults(t *testing.T) {
	thriftOnly(t, "catalog metadata calls (TestRESTThriftOnlyFeatures checks the REST error)")
	s := emulator.Start(t)
	db := open(t, s, nil)
	ctx := testCtx(t)
	if err := s.InjectFault(emulator.Fault{Method: "GetTables", DropResponse: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := catalog.ListTables(ctx, db, catalog.Filter{}); err != nil {
		t.Fatalf("ListTables after a lost reply: %v", err)
	}
	if n := s.Requests().Count("GetTables"); n != 2 {
		t.Errorf("GetTables requests: %d, want 2 (the lost reply and its retry)", n)
	}

	// No direct-results hold: the reply names a running operation.
	s2 := emulator.Start(t, emulator.WithDirectResultsHold(0))
	db2 := open(t, s2, nil)
	// The session is opened first, so that the deadline (a clock) has only
	// the GetColumns call to pass in, and it passes long before the
	// server's latency ends.
	if err := db2.PingContext(ctx); err != nil {
		t.Fatal(err)
	}
	closes := s2.Requests().Count("CloseOperation") // the ping's
	if err := s2.InjectFault(emulator.Fault{Method: "GetColumns", Latency: 3 * time.Second}); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if _, err := catalog.ListColumns(short, db2, catalog.Filter{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ListColumns past its deadline: got %v, want context.DeadlineExceeded", err)
	}
	// Done once the server has answered the call (its entry names the
	// operation) and no operation is open.
	done := func() bool {
		calls := s2.Requests().Of("GetColumns")
		return len(calls) == 1 && calls[0].StatementID != "" && s2.OpenOperations() == 0
	}
	if !eventually(30*time.Second, done) {
		t.Errorf("the abandoned GetColumns left %d operations open: %v", s2.OpenOperations(), s2.Requests())
	}
	// Unless the listing won the race with the zero hold (then closed
	// inline), the driver closed the operation it abandoned.
	if calls := s2.Requests().Of("GetColumns"); len(calls) == 1 && calls[0].State != emulator.StateFinished {
		if n := s2.Requests().Count("CloseOperation") - closes; n != 1 {
			t.Errorf("CloseOperation calls after the ping: %d, want 1 (the driver's, for the %v operation)", n, calls[0].State)
		}
	}
}
