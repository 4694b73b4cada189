package spark

import (
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	_ "github.com/asyncsql/databricks/driver" // registers "databricks"
	"github.com/asyncsql/databricks/integration/emulator"
)

// compareExprs are SQL expressions that Spark SQL and DuckDB (the
// emulator's dialect) both accept with the same meaning and type. The same
// query goes to both servers through the driver: Spark answers with column
// sets and Hive text, the emulator with Arrow batches, so an equal Go value
// shows the two decoding paths agree.
//
// Left out on purpose, because the engines differ:
//   - INTERVAL: Spark's text is "1-2" / "1 02:03:04.500000000", DuckDB's
//     "1 year 2 months" / "1 day 02:03:04.5"; DuckDB has no YEAR TO MONTH.
//   - ARRAY, MAP, STRUCT: different constructors (array(..) vs [..],
//     named_struct vs {..}) and different JSON spacing and key order rules.
//   - Bare integer literals beyond INT, e.g. -2147483648: DuckDB types it as
//     BIGINT (negation of a BIGINT literal), Spark as INT; extremes go
//     through CAST instead.
//   - Backslash escapes in strings ('\t'): Spark unescapes them, DuckDB
//     keeps the backslash. X'..' binary literals: DuckDB has none; unhex()
//     is used, which both have.
//   - A bare NULL: Spark types it VOID, DuckDB INTEGER (the emulator guesses
//     NULL_TYPE); only the value (nil) is compared, not the type name.
var compareExprs = []string{
	"true",
	"false",
	"CAST(-128 AS TINYINT)",
	"CAST(127 AS TINYINT)",
	"CAST(-32768 AS SMALLINT)",
	"CAST(32767 AS SMALLINT)",
	"CAST(-2147483648 AS INT)",
	"CAST(2147483647 AS INT)",
	"CAST(0 AS INT)",
	"CAST(-9223372036854775808 AS BIGINT)",
	"CAST(9223372036854775807 AS BIGINT)",
	"CAST(1.5 AS FLOAT)",
	"CAST('-3.4028235E38' AS FLOAT)",
	"CAST('Infinity' AS FLOAT)",
	"CAST('NaN' AS FLOAT)",
	"CAST(-0.5 AS DOUBLE)",
	"CAST('1.7976931348623157E308' AS DOUBLE)",
	"CAST('4.9E-324' AS DOUBLE)",
	"CAST('-Infinity' AS DOUBLE)",
	"CAST('NaN' AS DOUBLE)",
	"CAST(0.1 AS DOUBLE)",
	"'héllo ✓ 世界'",
	"''",
	"'with \"double\" quotes'",
	"repeat('x', 10000)",
	"unhex('00FF10')",
	"unhex('')",
	"DATE '2024-02-29'",
	"DATE '1970-01-01'",
	"DATE '1900-03-01'",
	"DATE '0001-01-01'",
	"DATE '9999-12-31'",
	"TIMESTAMP '2024-02-29 12:34:56.123456'",
	"TIMESTAMP '1970-01-01 00:00:00'",
	"TIMESTAMP '1960-06-30 23:59:59.5'",
	"TIMESTAMP '2024-03-10 07:30:00'",
	"TIMESTAMP '9999-12-31 23:59:59.999999'",
	"CAST('-12.50' AS DECIMAL(10,2))",
	"CAST('0' AS DECIMAL(5,3))",
	"CAST('0.001' AS DECIMAL(4,3))",
	"CAST('99999999999999999999999999999999999999' AS DECIMAL(38,0))",
	"CAST('-99999999999999999999999999999999999999' AS DECIMAL(38,0))",
	"CAST('0.00000000000000000000000000000000000001' AS DECIMAL(38,38))",
	"CAST('12345678901234567890.123456789' AS DECIMAL(29,9))",
	"CAST('-0.5' AS DECIMAL(18,4))",
	"NULL",
}

// compareNullTypes are the types whose typed NULL is compared.
var compareNullTypes = []string{
	"BOOLEAN", "TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE",
	"STRING", "BINARY", "DATE", "TIMESTAMP", "DECIMAL(38,10)",
}

// TestCompareWithEmulator runs the same literal queries against Spark and
// against the emulator, in UTC and in America/New_York, and compares the Go
// values (and database type names) one by one.
func TestCompareWithEmulator(t *testing.T) {
	dsn(t)
	srv, err := emulator.New(emulator.WithStatusHold(200 * time.Millisecond))
	if err != nil {
		t.Fatalf("emulator.Start: %v", err)
	}
	t.Cleanup(func() { srv.Close() })

	var cols []string
	for i, e := range compareExprs {
		cols = append(cols, fmt.Sprintf("%s AS c%d", e, i))
	}
	for i, typ := range compareNullTypes {
		cols = append(cols, fmt.Sprintf("CAST(NULL AS %s) AS n%d", typ, i))
	}
	query := "SELECT " + strings.Join(cols, ", ")
	names := append(append([]string(nil), compareExprs...), func() []string {
		var n []string
		for _, typ := range compareNullTypes {
			n = append(n, "CAST(NULL AS "+typ+")")
		}
		return n
	}()...)

	for _, loc := range []string{"", "America/New_York"} {
		t.Run("location="+loc, func(t *testing.T) {
			params := ""
			if loc != "" {
				params = "location=" + url.QueryEscape(loc)
			}
			spark := openDB(t, params)
			emu := openEmulator(t, srv, params)
			sv, st := queryRow(t, testCtx(t), spark, query)
			ev, et := queryRow(t, testCtx(t), emu, query)
			if len(sv) != len(ev) {
				t.Fatalf("Spark returned %d columns, the emulator %d", len(sv), len(ev))
			}
			for i, name := range names {
				if !sameValue(sv[i], ev[i]) {
					t.Errorf("%s: Spark %s, emulator %s", name, show(sv[i]), show(ev[i]))
				}
				if i < len(compareExprs) && name != "NULL" && sv[i] == nil {
					t.Errorf("%s: nil from both servers", name)
				}
				if name == "NULL" {
					continue
				}
				if s, e := st[i].DatabaseTypeName(), et[i].DatabaseTypeName(); s != e {
					t.Errorf("%s: type Spark %q, emulator %q", name, s, e)
				}
			}
		})
	}
}

// openEmulator opens the driver on the emulator with extra DSN parameters.
func openEmulator(t *testing.T, srv *emulator.Server, params string) *sql.DB {
	t.Helper()
	d := srv.DSN()
	if params != "" {
		d += "&" + params
	}
	db, err := sql.Open("databricks", d)
	if err != nil {
		t.Fatalf("sql.Open(emulator): %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
