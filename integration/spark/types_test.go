package spark

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// typeCase is one SQL expression, the database type name the driver reports
// for it and the Go value it must produce (per the value conventions).
type typeCase struct {
	expr   string
	dbType string
	want   any
}

func utc(y int, m time.Month, d, hh, mm, ss, ns int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, ns, time.UTC)
}

var typeCases = []typeCase{
	{"true", "BOOLEAN", true},
	{"false", "BOOLEAN", false},
	{"CAST(-128 AS TINYINT)", "TINYINT", int8(math.MinInt8)},
	{"CAST(127 AS TINYINT)", "TINYINT", int8(math.MaxInt8)},
	{"CAST(-32768 AS SMALLINT)", "SMALLINT", int16(math.MinInt16)},
	{"CAST(32767 AS SMALLINT)", "SMALLINT", int16(math.MaxInt16)},
	{"-2147483648", "INT", int32(math.MinInt32)},
	{"2147483647", "INT", int32(math.MaxInt32)},
	{"0", "INT", int32(0)},
	{"-9223372036854775807L - 1L", "BIGINT", int64(math.MinInt64)},
	{"9223372036854775807L", "BIGINT", int64(math.MaxInt64)},
	{"CAST(1.5 AS FLOAT)", "FLOAT", float32(1.5)},
	{"CAST(-3.4028235E38 AS FLOAT)", "FLOAT", float32(-math.MaxFloat32)},
	{"CAST(1.4E-45 AS FLOAT)", "FLOAT", float32(math.SmallestNonzeroFloat32)},
	{"CAST('Infinity' AS FLOAT)", "FLOAT", float32(math.Inf(1))},
	{"CAST('NaN' AS FLOAT)", "FLOAT", float32(math.NaN())},
	{"CAST(-0.5 AS DOUBLE)", "DOUBLE", -0.5},
	{"1.7976931348623157E308D", "DOUBLE", math.MaxFloat64},
	{"4.9E-324D", "DOUBLE", math.SmallestNonzeroFloat64},
	{"CAST('-Infinity' AS DOUBLE)", "DOUBLE", math.Inf(-1)},
	{"CAST('NaN' AS DOUBLE)", "DOUBLE", math.NaN()},
	{"'héllo ✓ 世界'", "STRING", "héllo ✓ 世界"},
	{"''", "STRING", ""},
	{`'tab\tnewline\nquote\'s "dq"'`, "STRING", "tab\tnewline\nquote's \"dq\""},
	{"repeat('x', 100000)", "STRING", strings.Repeat("x", 100000)},
	{"X'00FF10'", "BINARY", []byte{0x00, 0xff, 0x10}},
	{"CAST('' AS BINARY)", "BINARY", []byte{}},
	{"DATE'2024-02-29'", "DATE", utc(2024, 2, 29, 0, 0, 0, 0)},
	{"DATE'1970-01-01'", "DATE", utc(1970, 1, 1, 0, 0, 0, 0)},
	{"DATE'1900-03-01'", "DATE", utc(1900, 3, 1, 0, 0, 0, 0)},
	{"DATE'9999-12-31'", "DATE", utc(9999, 12, 31, 0, 0, 0, 0)},
	{"TIMESTAMP'2024-02-29 12:34:56.123456'", "TIMESTAMP", utc(2024, 2, 29, 12, 34, 56, 123456000)},
	{"TIMESTAMP'1970-01-01 00:00:00'", "TIMESTAMP", utc(1970, 1, 1, 0, 0, 0, 0)},
	{"TIMESTAMP'1960-06-30 23:59:59.5'", "TIMESTAMP", utc(1960, 6, 30, 23, 59, 59, 500000000)},
	{"TIMESTAMP'9999-12-31 23:59:59.999999'", "TIMESTAMP", utc(9999, 12, 31, 23, 59, 59, 999999000)},
	{"CAST(-12.50 AS DECIMAL(10,2))", "DECIMAL", "-12.50"},
	{"CAST(0 AS DECIMAL(5,3))", "DECIMAL", "0.000"},
	{"CAST(99999999999999999999999999999999999999 AS DECIMAL(38,0))", "DECIMAL", "99999999999999999999999999999999999999"},
	{"CAST(-99999999999999999999999999999999999999 AS DECIMAL(38,0))", "DECIMAL", "-99999999999999999999999999999999999999"},
	{"CAST(0.00000000000000000000000000000000000001 AS DECIMAL(38,38))", "DECIMAL", "0.00000000000000000000000000000000000001"},
	{"CAST(12345678901234567890.123456789 AS DECIMAL(29,9))", "DECIMAL", "12345678901234567890.123456789"},
	{"INTERVAL '1-2' YEAR TO MONTH", "INTERVAL_YEAR_MONTH", "1-2"},
	{"INTERVAL '-1-2' YEAR TO MONTH", "INTERVAL_YEAR_MONTH", "-1-2"},
	{"INTERVAL '1 02:03:04.5' DAY TO SECOND", "INTERVAL_DAY_TIME", "1 02:03:04.500000000"},
	{"array(1, 2, NULL)", "ARRAY", "[1,2,null]"},
	{"array()", "ARRAY", "[]"},
	{"array('a', 'b')", "ARRAY", `["a","b"]`},
	{"map('k', 1, 'l', NULL)", "MAP", `{"k":1,"l":null}`},
	{"named_struct('x', 1, 's', 'a', 'n', NULL)", "STRUCT", `{"x":1,"s":"a","n":null}`},
	{"array(named_struct('a', array(1.5D), 'm', map('k', true)))", "ARRAY", `[{"a":[1.5],"m":{"k":true}}]`},
	{"NULL", "VOID", nil},
}

// nullTypes are the SQL types whose NULL must come back as nil.
var nullTypes = []string{
	"BOOLEAN", "TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE", "STRING",
	"BINARY", "DATE", "TIMESTAMP", "DECIMAL(38,10)", "ARRAY<INT>", "MAP<STRING,INT>",
	"STRUCT<a:INT>", "INTERVAL YEAR TO MONTH", "INTERVAL DAY TO SECOND",
}

// sameValue compares driver values, treating NaN as equal to NaN and
// time.Time by instant and location.
func sameValue(got, want any) bool {
	switch w := want.(type) {
	case float32:
		g, ok := got.(float32)
		return ok && (g == w || (math.IsNaN(float64(g)) && math.IsNaN(float64(w))))
	case float64:
		g, ok := got.(float64)
		return ok && (g == w || (math.IsNaN(g) && math.IsNaN(w)))
	case time.Time:
		g, ok := got.(time.Time)
		return ok && g.Equal(w) && g.Location().String() == w.Location().String()
	case []byte:
		g, ok := got.([]byte)
		return ok && bytes.Equal(g, w)
	}
	return reflect.DeepEqual(got, want)
}

func show(v any) string {
	if s, ok := v.(string); ok && len(s) > 80 {
		return fmt.Sprintf("string(len %d)", len(s))
	}
	return fmt.Sprintf("%T(%#v)", v, v)
}

// TestTypes selects every case as one column of a single row and checks
// the value, its Go type and the reported database type name.
func TestTypes(t *testing.T) {
	db := openDB(t, "")
	var cols []string
	for i, tc := range typeCases {
		cols = append(cols, fmt.Sprintf("%s AS c%d", tc.expr, i))
	}
	vals, types := queryRow(t, testCtx(t), db, "SELECT "+strings.Join(cols, ", "))
	for i, tc := range typeCases {
		if !sameValue(vals[i], tc.want) {
			t.Errorf("%s: got %s, want %s", tc.expr, show(vals[i]), show(tc.want))
		}
		if got := types[i].DatabaseTypeName(); got != tc.dbType {
			t.Errorf("%s: DatabaseTypeName %q, want %q", tc.expr, got, tc.dbType)
		}
		if s, ok := vals[i].(string); ok && (tc.dbType == "ARRAY" || tc.dbType == "MAP" || tc.dbType == "STRUCT") && !json.Valid([]byte(s)) {
			t.Errorf("%s: %q is not JSON", tc.expr, s)
		}
	}
}

// TestTypesNull checks that a NULL of every type is nil.
func TestTypesNull(t *testing.T) {
	db := openDB(t, "")
	var cols []string
	for i, typ := range nullTypes {
		cols = append(cols, fmt.Sprintf("CAST(NULL AS %s) AS c%d", typ, i))
	}
	// Two rows: NULLs next to non-NULL values exercise the null bitmaps.
	query := "SELECT " + strings.Join(cols, ", ") + " FROM range(3) WHERE id = 1"
	vals, _ := queryRow(t, testCtx(t), db, query)
	for i, typ := range nullTypes {
		if vals[i] != nil {
			t.Errorf("CAST(NULL AS %s): got %s, want nil", typ, show(vals[i]))
		}
	}
}

// TestTypesMixedNulls reads columns whose NULLs alternate with values over
// many rows and pages, checking each value lands in its own row.
func TestTypesMixedNulls(t *testing.T) {
	db := openDB(t, "maxRows=7")
	rows, err := db.QueryContext(testCtx(t), `SELECT id,
		IF(id % 3 = 0, NULL, CAST(id AS INT)) AS i,
		IF(id % 2 = 0, NULL, CAST(id AS STRING)) AS s,
		IF(id % 5 = 0, NULL, CAST(id AS DECIMAL(10,1))) AS d,
		IF(id % 4 = 0, NULL, DATE_ADD(DATE'2000-01-01', CAST(id AS INT))) AS dt
		FROM range(50)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := int64(0)
	for rows.Next() {
		var id int64
		var i, s, d, dt any
		if err := rows.Scan(&id, &i, &s, &d, &dt); err != nil {
			t.Fatal(err)
		}
		if id != n {
			t.Fatalf("row %d has id %d", n, id)
		}
		check := func(name string, isNull bool, got, want any) {
			if isNull {
				want = nil
			}
			if !sameValue(got, want) {
				t.Errorf("id %d %s: got %s, want %s", id, name, show(got), show(want))
			}
		}
		check("i", id%3 == 0, i, int32(id))
		check("s", id%2 == 0, s, fmt.Sprint(id))
		check("d", id%5 == 0, d, fmt.Sprintf("%d.0", id))
		check("dt", id%4 == 0, dt, utc(2000, 1, 1+int(id), 0, 0, 0, 0))
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 50 {
		t.Errorf("%d rows, want 50", n)
	}
}

// TestTimestampLocation checks that TIMESTAMP text, in the session time zone
// (UTC), comes back as that instant in the configured location, and that DATE
// stays at UTC midnight.
func TestTimestampLocation(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	db := openDB(t, "location=America%2FNew_York")
	vals, _ := queryRow(t, testCtx(t), db, "SELECT TIMESTAMP'2024-07-01 08:00:00.25', DATE'2024-07-01'")
	if want := time.Date(2024, 7, 1, 8, 0, 0, 250000000, time.UTC).In(ny); !sameValue(vals[0], want) {
		t.Errorf("timestamp: got %s, want %s", show(vals[0]), show(want))
	}
	if want := utc(2024, 7, 1, 0, 0, 0, 0); !sameValue(vals[1], want) {
		t.Errorf("date: got %s, want %s", show(vals[1]), show(want))
	}
}
