package peer_test

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	dbsql "github.com/databricks/databricks-sql-go"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// TestPositionalParameters sends `?` markers. The official driver sends them
// as TSparkParameter entries with neither ordinal nor name (list order is the
// position), type from the Go value after database/sql's default conversion
// (the official driver has no NamedValueChecker, so an int arrives as int64 →
// BIGINT; float64 → DOUBLE, bool → BOOLEAN, string → STRING, time.Time →
// TIMESTAMP as RFC 3339 text, nil → VOID without a value).
func TestPositionalParameters(t *testing.T) {
	p := openPeer(t)
	ts := time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC)
	vals, _ := scanOne(t, p, "SELECT ? AS i, ? AS b, ? AS d, ? AS s, ? AS t, ? AS n, ? AS f",
		41, int64(1)<<40, 2.5, "it's", ts, nil, true)
	want := []any{int64(41), int64(1) << 40, float64(2.5), "it's", ts, nil, true}
	for i := range want {
		if !sameValue(vals[i], want[i]) {
			t.Errorf("parameter %d came back as %#v (%T), want %#v (%T)", i+1, vals[i], vals[i], want[i], want[i])
		}
	}
	reqs := p.rec.executeRequests()
	if len(reqs) == 0 {
		t.Fatal("no ExecuteStatement recorded")
	}
	params := reqs[len(reqs)-1].Parameters
	if len(params) != len(want) {
		t.Fatalf("the official driver sent %d parameters, want %d", len(params), len(want))
	}
	wantTypes := []string{"BIGINT", "BIGINT", "DOUBLE", "STRING", "TIMESTAMP", "VOID", "BOOLEAN"}
	for i, prm := range params {
		if prm.GetType() != wantTypes[i] {
			t.Errorf("parameter %d sent with type %q, want %q", i+1, prm.GetType(), wantTypes[i])
		}
		if prm.Ordinal != nil || prm.Name != nil {
			t.Errorf("parameter %d sent with ordinal %v name %v", i+1, prm.Ordinal, prm.Name)
		}
	}
	if params[5].Value != nil {
		t.Errorf("NULL parameter sent with a value: %v", params[5])
	}
}

// TestPositionalArithmetic checks that parameters are typed values, not text
// spliced into the statement.
func TestPositionalArithmetic(t *testing.T) {
	p := openPeer(t)
	vals, _ := scanOne(t, p, "SELECT ? + 1 AS a, ? || 'x' AS b", 41, "'; DROP TABLE t; --")
	if !sameValue(vals[0], int64(42)) {
		t.Errorf("? + 1 = %#v (%T)", vals[0], vals[0])
	}
	if vals[1] != "'; DROP TABLE t; --x" {
		t.Errorf("? || 'x' = %#v", vals[1])
	}
}

// TestNamedParameters sends :name markers with sql.Named and with
// dbsql.Parameter values carrying an explicit SQL type.
func TestNamedParameters(t *testing.T) {
	p := openPeer(t)
	vals, _ := scanOne(t, p, "SELECT :a AS a, :b AS b, :a + 1 AS c", sql.Named("a", int64(7)), sql.Named("b", "x"))
	want := []any{int64(7), "x", int64(8)}
	for i := range want {
		if !sameValue(vals[i], want[i]) {
			t.Errorf("column %d = %#v (%T), want %#v", i, vals[i], vals[i], want[i])
		}
	}

	vals, _ = scanOne(t, p, "SELECT :d AS d, :dt AS dt, :n AS n",
		dbsql.Parameter{Name: "d", Type: dbsql.SqlDecimal, Value: "12.34"},
		dbsql.Parameter{Name: "dt", Type: dbsql.SqlDate, Value: "2024-02-29"},
		dbsql.Parameter{Name: "n", Type: dbsql.SqlVoid},
	)
	if vals[0] != "12.34" {
		t.Errorf("DECIMAL parameter = %#v (%T), want \"12.34\"", vals[0], vals[0])
	}
	if !sameValue(vals[1], time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("DATE parameter = %#v", vals[1])
	}
	if vals[2] != nil {
		t.Errorf("VOID parameter = %#v", vals[2])
	}
	reqs := p.rec.executeRequests()
	last := reqs[len(reqs)-1].Parameters
	byName := map[string]*tcli.TSparkParameter{}
	for _, prm := range last {
		byName[prm.GetName()] = prm
	}
	if got := byName["d"].GetType(); got != "DECIMAL(4,2)" {
		t.Errorf("official driver sent DECIMAL parameter type %q, want DECIMAL(4,2)", got)
	}
}

// TestIntegerParameter sends an explicit INTEGER parameter: Databricks types
// the marker INT, and so must the emulator.
func TestIntegerParameter(t *testing.T) {
	p := openPeer(t)
	vals, cts := scanOne(t, p, "SELECT ? AS i, ? AS s, ? AS f",
		dbsql.Parameter{Type: dbsql.SqlInteger, Value: "41"},
		dbsql.Parameter{Type: dbsql.SqlSmallInt, Value: "-3"},
		dbsql.Parameter{Type: dbsql.SqlFloat, Value: "0.5"},
	)
	want := []any{int32(41), int16(-3), float32(0.5)}
	names := []string{"INT", "SMALLINT", "FLOAT"}
	for i := range want {
		if !sameValue(vals[i], want[i]) || cts[i].DatabaseTypeName() != names[i] {
			t.Errorf("parameter %d = %#v (%T) typed %s, want %#v typed %s", i+1, vals[i], vals[i],
				cts[i].DatabaseTypeName(), want[i], names[i])
		}
	}
}

// TestPositionalEveryType sends a positional parameter of every SQL type the
// official driver names, each with an explicit type, and checks the value
// and the column type that come back.
func TestPositionalEveryType(t *testing.T) {
	p := openPeer(t)
	cases := []struct {
		param  dbsql.Parameter
		want   any
		dbType string
	}{
		{dbsql.Parameter{Type: dbsql.SqlString, Value: "it's"}, "it's", "STRING"},
		{dbsql.Parameter{Type: dbsql.SqlDate, Value: "2024-02-29"}, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "DATE"},
		{dbsql.Parameter{Type: dbsql.SqlTimestamp, Value: "2024-01-02T03:04:05.5Z"},
			time.Date(2024, 1, 2, 3, 4, 5, 500000000, time.UTC), "TIMESTAMP"},
		{dbsql.Parameter{Type: dbsql.SqlFloat, Value: "0.5"}, float32(0.5), "FLOAT"},
		{dbsql.Parameter{Type: dbsql.SqlDecimal, Value: "-12.50"}, "-12.50", "DECIMAL"},
		{dbsql.Parameter{Type: dbsql.SqlDouble, Value: "2.25"}, float64(2.25), "DOUBLE"},
		{dbsql.Parameter{Type: dbsql.SqlInteger, Value: "41"}, int32(41), "INT"},
		{dbsql.Parameter{Type: dbsql.SqlBigInt, Value: "9007199254740993"}, int64(9007199254740993), "BIGINT"},
		{dbsql.Parameter{Type: dbsql.SqlSmallInt, Value: "-3"}, int16(-3), "SMALLINT"},
		{dbsql.Parameter{Type: dbsql.SqlTinyInt, Value: "7"}, int8(7), "TINYINT"},
		{dbsql.Parameter{Type: dbsql.SqlBoolean, Value: "true"}, true, "BOOLEAN"},
		{dbsql.Parameter{Type: dbsql.SqlIntervalDay, Value: "2 days"}, "2 days", "INTERVAL"},
		{dbsql.Parameter{Type: dbsql.SqlVoid}, nil, ""},
	}
	args := make([]any, len(cases))
	query := "SELECT "
	for i, c := range cases {
		args[i] = c.param
		if i > 0 {
			query += ", "
		}
		query += "?"
	}
	vals, cts := scanOne(t, p, query, args...)
	for i, c := range cases {
		if !sameValue(vals[i], c.want) {
			t.Errorf("%s parameter = %#v (%T), want %#v (%T)", c.param.Type, vals[i], vals[i], c.want, c.want)
		}
		if c.dbType != "" && !strings.HasPrefix(cts[i].DatabaseTypeName(), c.dbType) {
			t.Errorf("%s parameter typed %s, want %s", c.param.Type, cts[i].DatabaseTypeName(), c.dbType)
		}
	}
	// Positional parameters are bound in order: the third is the one plus one.
	vals, _ = scanOne(t, p, "SELECT ?, ?, ? + 1", 7, "x", 41)
	if !sameValue(vals[0], int64(7)) || vals[1] != "x" || !sameValue(vals[2], int64(42)) {
		t.Errorf("SELECT ?, ?, ? + 1 with 7, x, 41 = %v", vals)
	}
}
