package spark

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// The tests in this file are the server-independent part of the driver's
// end-to-end suite (integration/e2e): they use only SQL that Spark and
// DuckDB read alike (`SELECT * FROM range(n)`, literals, casts, count) and
// take the *sql.DB as an argument, so each runs against Spark (SPARK_DSN)
// and, for comparison, against the emulator started in this process.

// anyServers runs f as one subtest per server, each with a fresh *sql.DB
// opened with the extra DSN parameters.
func anyServers(t *testing.T, params string, f func(t *testing.T, db *sql.DB)) {
	t.Helper()
	dsn(t)
	t.Run("spark", func(t *testing.T) { f(t, openDB(t, params)) })
	t.Run("emulator", func(t *testing.T) { f(t, openEmulator(t, sharedEmulator(t), params)) })
}

var emu struct {
	once sync.Once
	srv  *emulator.Server
	err  error
}

// sharedEmulator starts one emulator for the whole test binary (it lives
// until the process exits, as the e2e suite's does in TestMain).
func sharedEmulator(t *testing.T) *emulator.Server {
	t.Helper()
	emu.once.Do(func() { emu.srv, emu.err = emulator.New(emulator.WithStatusHold(200 * time.Millisecond)) })
	if emu.err != nil {
		t.Fatalf("emulator.Start: %v", emu.err)
	}
	return emu.srv
}

func TestAnyPing(t *testing.T) {
	anyServers(t, "", func(t *testing.T, db *sql.DB) {
		ctx := testCtx(t)
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for range 3 {
			if err := conn.PingContext(ctx); err != nil {
				t.Fatalf("PingContext: %v", err)
			}
		}
	})
}

func TestAnyExecAndQueryRow(t *testing.T) {
	anyServers(t, "", func(t *testing.T, db *sql.DB) {
		ctx := testCtx(t)
		if _, err := db.ExecContext(ctx, "SELECT 1"); err != nil {
			t.Fatalf("Exec: %v", err)
		}
		var (
			i int64
			s string
			f float64
			b bool
		)
		if err := db.QueryRowContext(ctx, "SELECT 42, 'x', CAST(2.5 AS DOUBLE), true").Scan(&i, &s, &f, &b); err != nil {
			t.Fatal(err)
		}
		if i != 42 || s != "x" || f != 2.5 || !b {
			t.Errorf("got %d %q %v %v", i, s, f, b)
		}
		err := db.QueryRowContext(ctx, "SELECT * FROM range(0)").Scan(&i)
		if !errors.Is(err, sql.ErrNoRows) {
			t.Errorf("empty result: %v, want sql.ErrNoRows", err)
		}
	})
}

func TestAnyPreparedStatement(t *testing.T) {
	anyServers(t, "", func(t *testing.T, db *sql.DB) {
		ctx := testCtx(t)
		stmt, err := db.PrepareContext(ctx, "SELECT count(*) FROM range(5)")
		if err != nil {
			t.Fatal(err)
		}
		defer stmt.Close()
		for range 3 {
			var n int64
			if err := stmt.QueryRowContext(ctx).Scan(&n); err != nil || n != 5 {
				t.Fatalf("prepared query: %d, %v", n, err)
			}
		}
		if _, err := stmt.ExecContext(ctx); err != nil {
			t.Fatalf("prepared exec: %v", err)
		}
	})
}

// TestAnyMultiPage reads 10,500 rows in pages of 1000 (11 pages plus, on
// Spark, the empty page that ends a column-set result).
func TestAnyMultiPage(t *testing.T) {
	anyServers(t, "maxRows=1000", func(t *testing.T, db *sql.DB) {
		rows, err := db.QueryContext(testCtx(t), "SELECT * FROM range(10500)")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var n, sum int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			if id != n {
				t.Fatalf("row %d: %d", n, id)
			}
			n++
			sum += id
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if n != 10500 || sum != 10499*10500/2 {
			t.Errorf("count %d sum %d", n, sum)
		}
	})
}

// TestAnyEarlyClose closes rows in the middle of a multi-page result three
// times on one connection, then uses the connection again.
func TestAnyEarlyClose(t *testing.T) {
	anyServers(t, "maxRows=1000", func(t *testing.T, db *sql.DB) {
		db.SetMaxOpenConns(1)
		ctx := testCtx(t)
		for range 3 {
			rows, err := db.QueryContext(ctx, "SELECT * FROM range(50000)")
			if err != nil {
				t.Fatal(err)
			}
			for range 1500 {
				if !rows.Next() {
					t.Fatalf("ended early: %v", rows.Err())
				}
			}
			if err := rows.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
		}
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM range(10)").Scan(&n); err != nil || n != 10 {
			t.Fatalf("after early closes: %d, %v", n, err)
		}
		if s := db.Stats(); s.OpenConnections != 1 {
			t.Errorf("%d open connections, want the one reused", s.OpenConnections)
		}
	})
}

// TestAnyConcurrentQueries runs queries on four connections at once.
func TestAnyConcurrentQueries(t *testing.T) {
	anyServers(t, "maxRows=1000", func(t *testing.T, db *sql.DB) {
		ctx := testCtx(t)
		const workers = 4
		conns := make([]*sql.Conn, workers)
		for w := range conns {
			c, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			conns[w] = c
		}
		errs := make(chan error, workers)
		for w, c := range conns {
			go func() {
				want := int64(1000 * (w + 1))
				rows, err := c.QueryContext(ctx, fmt.Sprintf("SELECT * FROM range(%d)", want))
				if err != nil {
					errs <- err
					return
				}
				defer rows.Close()
				var n int64
				for rows.Next() {
					n++
				}
				if err := rows.Err(); err != nil {
					errs <- err
					return
				}
				if n != want {
					err = fmt.Errorf("worker %d: %d rows, want %d", w, n, want)
				}
				errs <- err
			}()
		}
		for range workers {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	})
}

// TestAnyColumnTypes checks column names, database type names, scan types
// and decimal precision and scale.
func TestAnyColumnTypes(t *testing.T) {
	anyServers(t, "", func(t *testing.T, db *sql.DB) {
		ctx, cancel := context.WithTimeout(testCtx(t), time.Minute)
		defer cancel()
		rows, err := db.QueryContext(ctx, `SELECT CAST(1 AS INT) AS an_int, 'x' AS a_string,
			CAST(1.5 AS DOUBLE) AS a_double, CAST('1.25' AS DECIMAL(10,2)) AS a_decimal,
			CAST(1 AS BIGINT) AS a_bigint, DATE '2024-01-02' AS a_date, true AS a_bool`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		names, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"an_int", "a_string", "a_double", "a_decimal", "a_bigint", "a_date", "a_bool"}; !reflect.DeepEqual(names, want) {
			t.Errorf("names %v, want %v", names, want)
		}
		types, err := rows.ColumnTypes()
		if err != nil {
			t.Fatal(err)
		}
		wantTypes := []string{"INT", "STRING", "DOUBLE", "DECIMAL", "BIGINT", "DATE", "BOOLEAN"}
		wantScan := []reflect.Type{
			reflect.TypeFor[int32](), reflect.TypeFor[string](), reflect.TypeFor[float64](),
			reflect.TypeFor[string](), reflect.TypeFor[int64](), reflect.TypeFor[time.Time](), reflect.TypeFor[bool](),
		}
		for i, ct := range types {
			if i >= len(wantTypes) {
				break
			}
			if got := ct.DatabaseTypeName(); got != wantTypes[i] {
				t.Errorf("%s: type %q, want %q", ct.Name(), got, wantTypes[i])
			}
			if got := ct.ScanType(); got != wantScan[i] {
				t.Errorf("%s: scan type %v, want %v", ct.Name(), got, wantScan[i])
			}
		}
		if p, s, ok := types[3].DecimalSize(); !ok || p != 10 || s != 2 {
			t.Errorf("DecimalSize %d %d %v, want 10 2 true", p, s, ok)
		}
		for rows.Next() {
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestAnyErrorClasses checks that the emulator reports the common failures
// with the error class and SQLSTATE Spark reports: "[CLASS] text SQLSTATE:
// state" in the message (Spark's Thrift server puts its exception names and
// the stack trace around it). The start of both messages is logged.
func TestAnyErrorClasses(t *testing.T) {
	cases := []struct{ query, class, sqlState string }{
		{"SELEC 1", "PARSE_SYNTAX_ERROR", "42601"},
		{"SELECT * FROM no_such_table_xyz", "TABLE_OR_VIEW_NOT_FOUND", "42P01"},
		{"SELECT 1/0", "DIVIDE_BY_ZERO", "22012"},
		{"SELECT CAST('x' AS INT)", "CAST_INVALID_INPUT", "22018"},
	}
	anyServers(t, "", func(t *testing.T, db *sql.DB) {
		for _, tc := range cases {
			rows, err := db.QueryContext(testCtx(t), tc.query)
			if err == nil {
				for rows.Next() {
				}
				err = rows.Err()
				rows.Close()
			}
			var se *driver.ServerError
			if !errors.As(err, &se) {
				t.Errorf("%s: %v (%T) is not a *driver.ServerError", tc.query, err, err)
				continue
			}
			if se.SQLState != tc.sqlState || !strings.Contains(se.Message, "["+tc.class+"] ") ||
				!strings.Contains(se.Message, "SQLSTATE: "+tc.sqlState) {
				t.Errorf("%s: SQLSTATE %q message %.300q; want %s and [%s]", tc.query, se.SQLState, se.Message, tc.sqlState, tc.class)
			}
			t.Logf("%s: %.300q", tc.query, se.Message)
		}
	})
}
