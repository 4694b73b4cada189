package e2e_test

import (
	"bytes"
	"database/sql"
	"math"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// typeCase is one column of the type query: a DuckDB expression, the type
// name the driver reports, its scan type and the value the driver's
// conventions promise.
type typeCase struct {
	name   string
	expr   string
	dbType string
	scan   reflect.Type
	want   any
}

var (
	tBool    = reflect.TypeFor[bool]()
	tInt8    = reflect.TypeFor[int8]()
	tInt16   = reflect.TypeFor[int16]()
	tInt32   = reflect.TypeFor[int32]()
	tInt64   = reflect.TypeFor[int64]()
	tFloat32 = reflect.TypeFor[float32]()
	tFloat64 = reflect.TypeFor[float64]()
	tString  = reflect.TypeFor[string]()
	tBytes   = reflect.TypeFor[[]byte]()
	tTime    = reflect.TypeFor[time.Time]()
	tAny     = reflect.TypeFor[any]()
)

func typeCases() []typeCase {
	return []typeCase{
		{"bool_true", "true", "BOOLEAN", tBool, true},
		{"bool_false", "false", "BOOLEAN", tBool, false},
		{"tinyint", "CAST(-128 AS TINYINT)", "TINYINT", tInt8, int8(-128)},
		{"smallint", "CAST(32767 AS SMALLINT)", "SMALLINT", tInt16, int16(32767)},
		{"int", "CAST(-2147483648 AS INTEGER)", "INT", tInt32, int32(math.MinInt32)},
		{"bigint", "CAST(9223372036854775807 AS BIGINT)", "BIGINT", tInt64, int64(math.MaxInt64)},
		{"float", "CAST(1.5 AS FLOAT)", "FLOAT", tFloat32, float32(1.5)},
		{"float_frac", "CAST(0.1 AS FLOAT)", "FLOAT", tFloat32, float32(0.1)},
		{"double", "CAST(-2.25e300 AS DOUBLE)", "DOUBLE", tFloat64, -2.25e300},
		{"string", "'héllo, 世界'", "STRING", tString, "héllo, 世界"},
		{"string_empty", "''", "STRING", tString, ""},
		{"binary", `'\x00\xFFab'::BLOB`, "BINARY", tBytes, []byte{0x00, 0xff, 'a', 'b'}},
		{"binary_empty", `''::BLOB`, "BINARY", tBytes, []byte{}},
		{"date", "DATE '2024-02-29'", "DATE", tTime, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"date_old", "DATE '0001-01-01'", "DATE", tTime, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"date_pre_epoch", "DATE '1969-12-31'", "DATE", tTime, time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)},
		{"timestamp", "TIMESTAMP '2024-02-29 13:14:15.123456'", "TIMESTAMP", tTime,
			time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC)},
		{"timestamp_pre_epoch", "TIMESTAMP '1960-01-01 00:00:00.5'", "TIMESTAMP", tTime,
			time.Date(1960, 1, 1, 0, 0, 0, 500000000, time.UTC)},
		{"decimal", "CAST('-12.50' AS DECIMAL(10,2))", "DECIMAL", tString, "-12.50"},
		{"decimal_small", "CAST('0.001' AS DECIMAL(4,3))", "DECIMAL", tString, "0.001"},
		{"decimal_neg_frac", "CAST('-0.05' AS DECIMAL(3,2))", "DECIMAL", tString, "-0.05"},
		{"decimal_wide", "CAST('1234567890123456789012345678.0123456789' AS DECIMAL(38,10))", "DECIMAL", tString,
			"1234567890123456789012345678.0123456789"},
		{"decimal_int", "CAST(42 AS DECIMAL(5,0))", "DECIMAL", tString, "42"},
		{"interval_days", "INTERVAL 3 DAY", "INTERVAL_DAY_TIME", tString, "3 days"},
		{"interval_months", "INTERVAL 14 MONTH", "INTERVAL_DAY_TIME", tString, "1 year 2 months"},
		{"array", "[1, 2, 3]", "ARRAY", tString, "[1,2,3]"},
		{"array_nulls", "['a', NULL]", "ARRAY", tString, `["a",null]`},
		{"map", "MAP {'a': 1, 'b': 2}", "MAP", tString, `{"a":1,"b":2}`},
		{"struct", "{'x': 1, 'y': 'z'}", "STRUCT", tString, `{"x":1,"y":"z"}`},
		{"nested", "[{'k': [1.5, NULL]}]", "ARRAY", tString, `[{"k":[1.5,null]}]`},
	}
}

// nullCases are typed NULLs: nil with their column type.
func nullCases() []typeCase {
	return []typeCase{
		{"n_bool", "CAST(NULL AS BOOLEAN)", "BOOLEAN", tBool, nil},
		{"n_tinyint", "CAST(NULL AS TINYINT)", "TINYINT", tInt8, nil},
		{"n_smallint", "CAST(NULL AS SMALLINT)", "SMALLINT", tInt16, nil},
		{"n_int", "CAST(NULL AS INTEGER)", "INT", tInt32, nil},
		{"n_bigint", "CAST(NULL AS BIGINT)", "BIGINT", tInt64, nil},
		{"n_float", "CAST(NULL AS FLOAT)", "FLOAT", tFloat32, nil},
		{"n_double", "CAST(NULL AS DOUBLE)", "DOUBLE", tFloat64, nil},
		{"n_string", "CAST(NULL AS VARCHAR)", "STRING", tString, nil},
		{"n_binary", "CAST(NULL AS BLOB)", "BINARY", tBytes, nil},
		{"n_date", "CAST(NULL AS DATE)", "DATE", tTime, nil},
		{"n_timestamp", "CAST(NULL AS TIMESTAMP)", "TIMESTAMP", tTime, nil},
		{"n_decimal", "CAST(NULL AS DECIMAL(10,2))", "DECIMAL", tString, nil},
		{"n_interval", "CAST(NULL AS INTERVAL)", "INTERVAL_DAY_TIME", tString, nil},
		{"n_array", "CAST(NULL AS INTEGER[])", "ARRAY", tString, nil},
		{"n_map", "CAST(NULL AS MAP(VARCHAR, INTEGER))", "MAP", tString, nil},
		{"n_struct", "CAST(NULL AS STRUCT(x INTEGER))", "STRUCT", tString, nil},
	}
}

func selectOf(cases []typeCase) string {
	cols := make([]string, len(cases))
	for i, c := range cases {
		cols[i] = c.expr + " AS " + c.name
	}
	return "SELECT " + strings.Join(cols, ", ")
}

// queryOne runs query and returns its only row as driver values with the
// column types.
func queryOne(t *testing.T, db *sql.DB, query string, args ...any) ([]any, []*sql.ColumnType) {
	t.Helper()
	rows, err := db.QueryContext(testCtx(t), query, args...)
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
		t.Fatal("more than one row")
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("rows.Err: %v", err)
	}
	return vals, cts
}

func sameValue(got, want any) bool {
	switch w := want.(type) {
	case time.Time:
		g, ok := got.(time.Time)
		return ok && g.Equal(w) && g.Location().String() == w.Location().String()
	case []byte:
		g, ok := got.([]byte)
		return ok && g != nil && bytes.Equal(g, w)
	}
	return reflect.DeepEqual(got, want)
}

func checkCases(t *testing.T, cases []typeCase, vals []any, cts []*sql.ColumnType) {
	t.Helper()
	if len(vals) != len(cases) {
		t.Fatalf("%d columns, want %d", len(vals), len(cases))
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ct := cts[i]
			if ct.Name() != c.name {
				t.Errorf("Name %q", ct.Name())
			}
			if got := ct.DatabaseTypeName(); got != c.dbType {
				t.Errorf("DatabaseTypeName %q, want %q", got, c.dbType)
			}
			if got := ct.ScanType(); got != c.scan {
				t.Errorf("ScanType %v, want %v", got, c.scan)
			}
			if !sameValue(vals[i], c.want) {
				t.Errorf("value %#v (%T), want %#v (%T)", vals[i], vals[i], c.want, c.want)
			}
		})
	}
}

// TestTypes checks every type in each result format.
func TestTypes(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			db := open(t, srv, f.params)
			cases := typeCases()
			vals, cts := queryOne(t, db, selectOf(cases))
			checkCases(t, cases, vals, cts)
		})
	}
}

// TestVoid checks a bare NULL: Databricks types it VOID (TTypeId
// NULL_TYPE), the driver reports "VOID", scans into any and returns nil.
func TestVoid(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			db := open(t, srv, f.params)
			cases := []typeCase{{"void", "NULL", "VOID", tAny, nil}}
			vals, cts := queryOne(t, db, selectOf(cases))
			checkCases(t, cases, vals, cts)
		})
	}
}

// TestTypedNulls checks a NULL of every type in each result format.
func TestTypedNulls(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			db := open(t, srv, f.params)
			cases := nullCases()
			vals, cts := queryOne(t, db, selectOf(cases))
			checkCases(t, cases, vals, cts)
		})
	}
}

// TestColumnMetadata checks DecimalSize, Length and Nullable.
func TestColumnMetadata(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			db := open(t, srv, f.params)
			_, cts := queryOne(t, db, "SELECT CAST(1 AS DECIMAL(10,2)) AS d, 'x' AS s, CAST(1 AS INTEGER) AS i, ''::BLOB AS b")
			if p, s, ok := cts[0].DecimalSize(); !ok || p != 10 || s != 2 {
				t.Errorf("DecimalSize = %d, %d, %v; want 10, 2, true", p, s, ok)
			}
			if _, _, ok := cts[2].DecimalSize(); ok {
				t.Errorf("INT has a DecimalSize")
			}
			if n, ok := cts[1].Length(); !ok || n != math.MaxInt64 {
				t.Errorf("STRING Length = %d, %v; want MaxInt64, true", n, ok)
			}
			if n, ok := cts[3].Length(); !ok || n != math.MaxInt64 {
				t.Errorf("BINARY Length = %d, %v; want MaxInt64, true", n, ok)
			}
			if _, ok := cts[2].Length(); ok {
				t.Errorf("INT has a Length")
			}
			for _, ct := range cts {
				if nullable, ok := ct.Nullable(); ok && !nullable {
					t.Logf("%s reported NOT NULL", ct.Name())
				}
			}
		})
	}
}

// TestTimestampLocation checks the location parameter: TIMESTAMP values are
// shown in it, DATE values stay at midnight UTC.
func TestTimestampLocation(t *testing.T) {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			p := url.Values{}
			for k, v := range f.params {
				p[k] = v
			}
			p.Set("location", "America/New_York")
			db := open(t, srv, p)
			vals, _ := queryOne(t, db, "SELECT TIMESTAMP '2024-07-01 12:00:00' AS ts, DATE '2024-07-01' AS d")
			want := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC).In(loc)
			if !sameValue(vals[0], want) {
				t.Errorf("TIMESTAMP = %#v, want %v", vals[0], want)
			}
			if !sameValue(vals[1], time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("DATE = %#v, want 2024-07-01 00:00 UTC", vals[1])
			}
		})
	}
}

// TestSessionTimeZone sets the session time zone (session parameter
// timezone, which Databricks and the emulator honour: TIMESTAMP text of
// column sets is rendered in it) besides the driver's location: every
// format must return the same instant as Arrow, whose timestamps carry no
// zone.
func TestSessionTimeZone(t *testing.T) {
	thriftOnly(t, "TIMESTAMP text of column sets; REST results are Arrow")
	if _, err := time.LoadLocation("Asia/Tokyo"); err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	const q = "SELECT TIMESTAMP '2024-07-01 12:00:00' AS ts, TIMESTAMP '1999-12-31 23:59:59.25' AS ts2"
	for _, loc := range []string{"", "America/New_York"} {
		t.Run("location="+loc, func(t *testing.T) {
			var ref []any
			for _, f := range []string{"arrow_plain", "arrow_lz4", "columns"} {
				p := url.Values{}
				for _, g := range formats {
					if g.name == f {
						for k, v := range g.params {
							p[k] = v
						}
					}
				}
				p.Set("timezone", "Asia/Tokyo")
				if loc != "" {
					p.Set("location", loc)
				}
				vals, _ := queryOne(t, open(t, srv, p), q)
				if ref == nil {
					ref = vals
					continue
				}
				for i := range vals {
					if !sameValue(vals[i], ref[i]) {
						t.Errorf("%s: column %d = %#v, Arrow gave %v", f, i, vals[i], ref[i])
					}
				}
			}
		})
	}
}

// TestScanIntoGoTypes scans the driver's values into common destinations.
func TestScanIntoGoTypes(t *testing.T) {
	db := open(t, srv, nil)
	var (
		i8  int8
		i64 int64
		f32 float32
		s   string
		b   []byte
		d   time.Time
		dec string
		ns  sql.NullString
		ni  sql.NullInt64
		raw sql.RawBytes
	)
	rows, err := db.QueryContext(testCtx(t), `SELECT CAST(-1 AS TINYINT), CAST(5 AS INTEGER), CAST(0.5 AS FLOAT),
		'txt', '\x01'::BLOB, DATE '2020-01-02', CAST('3.10' AS DECIMAL(4,2)), CAST(NULL AS VARCHAR),
		CAST(NULL AS BIGINT), 'raw'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatalf("no row: %v", rows.Err())
	}
	if err := rows.Scan(&i8, &i64, &f32, &s, &b, &d, &dec, &ns, &ni, &raw); err != nil {
		t.Fatalf("Scan: %v", err)
	}
	if i8 != -1 || i64 != 5 || f32 != 0.5 || s != "txt" || !bytes.Equal(b, []byte{1}) ||
		!d.Equal(time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)) || dec != "3.10" || ns.Valid || ni.Valid || string(raw) != "raw" {
		t.Errorf("scanned %v %v %v %q %v %v %q %v %v %q", i8, i64, f32, s, b, d, dec, ns, ni, raw)
	}
}

// TestBinaryNotAliased checks that BINARY values kept by the caller stay
// intact while later rows and pages are read.
func TestBinaryNotAliased(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			p := url.Values{}
			for k, v := range f.params {
				p[k] = v
			}
			p.Set("maxRows", "100")
			db := open(t, srv, p)
			rows, err := db.QueryContext(testCtx(t),
				"SELECT i, CAST(repeat(chr(65 + CAST(i % 26 AS INTEGER)), 8) AS BLOB) AS b FROM range(1000) t(i) ORDER BY i")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var kept [][]byte
			for rows.Next() {
				var i int64
				var b []byte
				if err := rows.Scan(&i, &b); err != nil {
					t.Fatal(err)
				}
				kept = append(kept, b)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if len(kept) != 1000 {
				t.Fatalf("%d rows", len(kept))
			}
			for i, b := range kept {
				want := bytes.Repeat([]byte{byte('A' + i%26)}, 8)
				if !bytes.Equal(b, want) {
					t.Fatalf("row %d: %q, want %q", i, b, want)
				}
			}
		})
	}
}
