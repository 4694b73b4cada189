package peer_test

import (
	"bytes"
	"database/sql"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	dbsql "github.com/databricks/databricks-sql-go"
)

// typeCase is one column of the type query: the SQL expression (DuckDB
// dialect), the Databricks type name the official driver reports
// (ColumnTypeDatabaseTypeName, i.e. the TTypeId without "_TYPE"), and the Go
// value it returns from a real warehouse for the equivalent Databricks type.
type typeCase struct {
	name   string
	expr   string
	dbType string
	want   any
}

var typeCases = []typeCase{
	{"bool_true", "true", "BOOLEAN", true},
	{"bool_false", "false", "BOOLEAN", false},
	{"tinyint", "CAST(-128 AS TINYINT)", "TINYINT", int8(-128)},
	{"smallint", "CAST(-32768 AS SMALLINT)", "SMALLINT", int16(-32768)},
	{"int", "CAST(2147483647 AS INTEGER)", "INT", int32(2147483647)},
	{"bigint", "CAST(-9223372036854775808 AS BIGINT)", "BIGINT", int64(-9223372036854775808)},
	{"float", "CAST(1.5 AS FLOAT)", "FLOAT", float32(1.5)},
	{"double", "CAST(-2.25 AS DOUBLE)", "DOUBLE", float64(-2.25)},
	{"string", "'héllo, 世界'", "STRING", "héllo, 世界"},
	{"string_empty", "''", "STRING", ""},
	{"binary", `'\x00\xFFab'::BLOB`, "BINARY", []byte{0x00, 0xff, 'a', 'b'}},
	{"date", "DATE '2024-02-29'", "DATE", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
	{"date_old", "DATE '0001-01-01'", "DATE", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)},
	{"timestamp", "TIMESTAMP '2024-02-29 13:14:15.123456'", "TIMESTAMP",
		time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC)},
	// Without native Arrow decimals the server sends DECIMAL as text and the
	// official driver returns that text unchanged.
	{"decimal", "CAST('-12.50' AS DECIMAL(10,2))", "DECIMAL", "-12.50"},
	{"decimal_wide", "CAST('1234567890123456789012345678.0123456789' AS DECIMAL(38,10))", "DECIMAL",
		"1234567890123456789012345678.0123456789"},
	{"decimal_zero_scale", "CAST(42 AS DECIMAL(5,0))", "DECIMAL", "42"},
	{"array", "[1, 2, 3]", "ARRAY", "[1,2,3]"},
	{"array_of_strings", "['a', NULL]", "ARRAY", `["a",null]`},
	{"map", "MAP {'a': 1, 'b': 2}", "MAP", `{"a":1,"b":2}`},
	{"struct", "{'x': 1, 'y': 'z'}", "STRUCT", `{"x":1,"y":"z"}`},
}

// nullCases are typed NULLs: every one must come back as nil with its type.
var nullCases = []typeCase{
	{"null_bool", "CAST(NULL AS BOOLEAN)", "BOOLEAN", nil},
	{"null_tinyint", "CAST(NULL AS TINYINT)", "TINYINT", nil},
	{"null_smallint", "CAST(NULL AS SMALLINT)", "SMALLINT", nil},
	{"null_int", "CAST(NULL AS INTEGER)", "INT", nil},
	{"null_bigint", "CAST(NULL AS BIGINT)", "BIGINT", nil},
	{"null_float", "CAST(NULL AS FLOAT)", "FLOAT", nil},
	{"null_double", "CAST(NULL AS DOUBLE)", "DOUBLE", nil},
	{"null_string", "CAST(NULL AS VARCHAR)", "STRING", nil},
	{"null_binary", "CAST(NULL AS BLOB)", "BINARY", nil},
	{"null_date", "CAST(NULL AS DATE)", "DATE", nil},
	{"null_timestamp", "CAST(NULL AS TIMESTAMP)", "TIMESTAMP", nil},
	{"null_decimal", "CAST(NULL AS DECIMAL(10,2))", "DECIMAL", nil},
	{"null_array", "CAST(NULL AS INTEGER[])", "ARRAY", nil},
	{"null_map", "CAST(NULL AS MAP(VARCHAR, INTEGER))", "MAP", nil},
	{"null_struct", "CAST(NULL AS STRUCT(x INTEGER))", "STRUCT", nil},
}

// selectOf builds one SELECT with a column per case.
func selectOf(cases []typeCase) string {
	cols := make([]string, len(cases))
	for i, c := range cases {
		cols[i] = c.expr + " AS " + c.name
	}
	return "SELECT " + strings.Join(cols, ", ")
}

// scanOne runs query and returns its only row as driver values, with the
// column types.
func scanOne(t *testing.T, p *peer, query string, args ...any) ([]any, []*sql.ColumnType) {
	t.Helper()
	ctx := testCtx(t)
	rows, err := p.db.QueryContext(ctx, query, args...)
	if err != nil {
		t.Fatalf("query %q: %v", query, err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		t.Fatalf("ColumnTypes: %v", err)
	}
	if !rows.Next() {
		t.Fatalf("no row: %v", rows.Err())
	}
	vals := make([]any, len(cts))
	ptrs := make([]any, len(cts))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatalf("Scan: %v", err)
	}
	if rows.Next() {
		t.Fatalf("more than one row")
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("rows.Err: %v", err)
	}
	return vals, cts
}

func checkCases(t *testing.T, cases []typeCase, vals []any, cts []*sql.ColumnType) {
	t.Helper()
	if len(vals) != len(cases) {
		t.Fatalf("got %d columns, want %d", len(vals), len(cases))
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := cts[i].Name(); got != c.name {
				t.Errorf("column name %q, want %q", got, c.name)
			}
			if got := cts[i].DatabaseTypeName(); got != c.dbType {
				t.Errorf("DatabaseTypeName %q, want %q", got, c.dbType)
			}
			if !sameValue(vals[i], c.want) {
				t.Errorf("value %#v (%T), want %#v (%T)", vals[i], vals[i], c.want, c.want)
			}
		})
	}
}

func sameValue(got, want any) bool {
	switch w := want.(type) {
	case time.Time:
		g, ok := got.(time.Time)
		return ok && g.Equal(w) && g.Location().String() == w.Location().String()
	case []byte:
		g, ok := got.([]byte)
		return ok && bytes.Equal(g, w)
	}
	return reflect.DeepEqual(got, want)
}

// TestTypes checks every type the emulator serves, with the official driver's
// defaults: Arrow results, native Arrow timestamps, DECIMAL, INTERVAL and
// nested types as text.
func TestTypes(t *testing.T) {
	p := openPeer(t)
	vals, cts := scanOne(t, p, selectOf(typeCases))
	checkCases(t, typeCases, vals, cts)

	reqs := p.rec.executeRequests()
	if len(reqs) == 0 {
		t.Fatalf("no ExecuteStatement recorded")
	}
	r := reqs[len(reqs)-1]
	if !r.GetCanReadArrowResult_() {
		t.Errorf("the official driver did not ask for Arrow (canReadArrowResult unset): protocol version negotiated too low?")
	}
}

func TestTypedNulls(t *testing.T) {
	p := openPeer(t)
	vals, cts := scanOne(t, p, selectOf(nullCases))
	checkCases(t, nullCases, vals, cts)
}

// TestNullLiteral checks a bare NULL (Databricks type VOID, TTypeId NULL_TYPE).
func TestNullLiteral(t *testing.T) {
	p := openPeer(t)
	vals, cts := scanOne(t, p, "SELECT NULL AS n")
	if vals[0] != nil {
		t.Errorf("NULL = %#v", vals[0])
	}
	if got := cts[0].DatabaseTypeName(); got != "NULL" {
		t.Errorf("DatabaseTypeName(NULL) = %q, want NULL (TTypeId NULL_TYPE)", got)
	}
}

// TestDecimalNativeArrow asks for decimal128 in Arrow
// (useArrowNativeTypes.decimalAsArrow): the official driver then returns the
// exact decimal text computed from the 128-bit value and the scale.
func TestDecimalNativeArrow(t *testing.T) {
	p := openPeer(t, dbsql.WithArrowNativeDecimal(true))
	cases := []typeCase{
		{"d1", "CAST('-12.50' AS DECIMAL(10,2))", "DECIMAL", "-12.50"},
		{"d2", "CAST('1234567890123456789012345678.0123456789' AS DECIMAL(38,10))", "DECIMAL",
			"1234567890123456789012345678.0123456789"},
		{"d3", "CAST('0.001' AS DECIMAL(4,3))", "DECIMAL", "0.001"},
		{"d4", "CAST(NULL AS DECIMAL(4,3))", "DECIMAL", nil},
	}
	vals, cts := scanOne(t, p, selectOf(cases))
	checkCases(t, cases, vals, cts)
	for i, ct := range cts {
		prec, scale, ok := ct.DecimalSize()
		t.Logf("%s DecimalSize = %d,%d,%v", cases[i].name, prec, scale, ok)
	}
}

// TestDecimalAsTextEvenIfWide checks that without decimalAsArrow the server
// sends text: if it sent decimal128 anyway the official driver would return a
// float64 and lose digits.
func TestDecimalAsTextEvenIfWide(t *testing.T) {
	p := openPeer(t)
	vals, _ := scanOne(t, p, "SELECT CAST('99999999999999999999999999999999.999999' AS DECIMAL(38,6)) AS d")
	if s, ok := vals[0].(string); !ok || s != "99999999999999999999999999999999.999999" {
		t.Fatalf("DECIMAL(38,6) = %#v (%T), want the exact text", vals[0], vals[0])
	}
}

// TestTimestampLocation checks that TIMESTAMP values are instants: the
// official driver shows them in the location of its DSN parameter timezone,
// which it also sends as the session configuration "timezone".
func TestTimestampLocation(t *testing.T) {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	p := openPeerDSN(t, "timezone=America/New_York")
	vals, _ := scanOne(t, p, "SELECT TIMESTAMP '2024-07-01 12:00:00' AS ts, DATE '2024-07-01' AS d")
	ts, ok := vals[0].(time.Time)
	if !ok {
		t.Fatalf("TIMESTAMP = %#v", vals[0])
	}
	want := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	if !ts.Equal(want) || ts.Location().String() != loc.String() {
		t.Errorf("TIMESTAMP = %v, want %v in %v", ts, want, loc)
	}
	if d, ok := vals[1].(time.Time); !ok || !d.Equal(time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("DATE = %#v, want 2024-07-01 00:00 UTC (the official driver converts to its location)", vals[1])
	}
}

// TestInterval checks INTERVAL columns: without intervalTypesAsArrow the
// server sends them as text and the official driver returns the text.
func TestInterval(t *testing.T) {
	p := openPeer(t)
	vals, cts := scanOne(t, p, "SELECT INTERVAL 3 DAY AS dt, INTERVAL 14 MONTH AS ym, CAST(NULL AS INTERVAL) AS n")
	for i, v := range vals[:2] {
		s, ok := v.(string)
		if !ok || s == "" {
			t.Errorf("column %d INTERVAL = %#v (%T), want text", i, v, v)
		}
		if name := cts[i].DatabaseTypeName(); !strings.HasPrefix(name, "INTERVAL") {
			t.Errorf("column %d DatabaseTypeName %q, want INTERVAL_DAY_TIME or INTERVAL_YEAR_MONTH", i, name)
		}
		t.Logf("%s %s = %q", cts[i].Name(), cts[i].DatabaseTypeName(), s)
	}
	if vals[2] != nil {
		t.Errorf("NULL INTERVAL = %#v", vals[2])
	}
}

// TestScanTypes checks ColumnTypeScanType, which the official driver derives
// from the TTableSchema type of each column.
func TestScanTypes(t *testing.T) {
	p := openPeer(t)
	cases := typeCases[:12]
	_, cts := scanOne(t, p, selectOf(cases))
	for i, c := range cases {
		st := cts[i].ScanType()
		if st == nil {
			t.Errorf("%s: nil ScanType", c.name)
			continue
		}
		want := reflect.TypeOf(c.want)
		if c.dbType == "BINARY" {
			// The official driver scans BINARY as sql.RawBytes.
			want = reflect.TypeOf(sql.RawBytes{})
		}
		if st != want {
			t.Errorf("%s: ScanType %v, want %v", c.name, st, want)
		}
	}
}

// TestManyRowsOfEveryType decodes a few thousand rows of mixed types with
// NULLs in a pattern, over several pages.
func TestManyRowsOfEveryType(t *testing.T) {
	p := openPeer(t, dbsql.WithMaxRows(700))
	const n = 5000
	q := fmt.Sprintf(`SELECT i,
		CASE WHEN i %% 3 = 0 THEN NULL ELSE CAST(i AS INTEGER) END AS ni,
		CASE WHEN i %% 5 = 0 THEN NULL ELSE 'v' || CAST(i AS VARCHAR) END AS s,
		CASE WHEN i %% 7 = 0 THEN NULL ELSE CAST(i AS DECIMAL(12,2)) / 4 END AS d,
		DATE '2000-01-01' + CAST(i AS INTEGER) AS dt
		FROM range(%d) t(i) ORDER BY i`, n)
	ctx := testCtx(t)
	rows, err := p.db.QueryContext(ctx, q)
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	defer rows.Close()
	var count int64
	for rows.Next() {
		var (
			i  int64
			ni sql.NullInt32
			s  sql.NullString
			d  sql.NullString
			dt time.Time
		)
		if err := rows.Scan(&i, &ni, &s, &d, &dt); err != nil {
			t.Fatalf("scan row %d: %v", count, err)
		}
		if i != count {
			t.Fatalf("row %d has i=%d", count, i)
		}
		if ni.Valid != (i%3 != 0) || (ni.Valid && int64(ni.Int32) != i) {
			t.Fatalf("row %d: ni=%v", i, ni)
		}
		if s.Valid != (i%5 != 0) || (s.Valid && s.String != fmt.Sprintf("v%d", i)) {
			t.Fatalf("row %d: s=%v", i, s)
		}
		if d.Valid != (i%7 != 0) || d.Valid && d.String == "" {
			t.Fatalf("row %d: d=%v", i, d)
		}
		if want := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(i)); !dt.Equal(want) {
			t.Fatalf("row %d: dt=%v want %v", i, dt, want)
		}
		count++
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("rows.Err after %d rows: %v", count, err)
	}
	if count != n {
		t.Fatalf("got %d rows, want %d", count, n)
	}
}

// TestDuckDBTypes checks DuckDB types that have no Databricks twin as the
// emulator maps them, through the official driver.
func TestDuckDBTypes(t *testing.T) {
	p := openPeer(t)
	cases := []typeCase{
		{"tstz", "TIMESTAMPTZ '2024-02-29 13:14:15.5+02'", "TIMESTAMP",
			time.Date(2024, 2, 29, 11, 14, 15, 500000000, time.UTC)},
		{"hugeint", "CAST('-12345678901234567890123456789012345678' AS HUGEINT)", "DECIMAL",
			"-12345678901234567890123456789012345678"},
		{"utinyint", "CAST(255 AS UTINYINT)", "SMALLINT", int16(255)},
		{"uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID", "STRING", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{"inf", "CAST('inf' AS DOUBLE)", "DOUBLE", math.Inf(1)},
	}
	vals, cts := scanOne(t, p, selectOf(cases))
	checkCases(t, cases, vals, cts)
}
