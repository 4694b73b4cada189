package e2e_test

import (
	"database/sql"
	"errors"
	"math"
	"testing"
	"time"

	dbx "github.com/asyncsql/databricks/driver"
)

// TestPositionalParameters round-trips every inferred parameter type through
// `?` markers.
func TestPositionalParameters(t *testing.T) {
	db := open(t, srv, nil)
	ts := time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC)
	args := []any{
		true, int8(-8), int16(-16), int32(-32), int64(math.MinInt64), 42,
		float32(1.25), 2.5, "it's ? :x", []byte{0, 1, 0xfe}, ts, nil,
	}
	want := []any{
		true, int8(-8), int16(-16), int32(-32), int64(math.MinInt64), int64(42),
		float32(1.25), 2.5, "it's ? :x", []byte{0, 1, 0xfe}, ts, nil,
	}
	q := "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
	vals, _ := queryOne(t, db, q, args...)
	for i := range want {
		if !sameValue(vals[i], want[i]) {
			t.Errorf("parameter %d (%T) came back as %#v (%T), want %#v", i+1, args[i], vals[i], vals[i], want[i])
		}
	}
}

// TestParametersAreNotSpliced checks that parameter text never becomes SQL.
func TestParametersAreNotSpliced(t *testing.T) {
	db := open(t, srv, nil)
	vals, _ := queryOne(t, db, "SELECT ? || 'x' AS s, ? + 1 AS n", "'); SELECT 1; --", int64(41))
	if vals[0] != "'); SELECT 1; --x" {
		t.Errorf("string parameter = %#v", vals[0])
	}
	if !sameValue(vals[1], int64(42)) {
		t.Errorf("? + 1 = %#v (%T)", vals[1], vals[1])
	}
}

// TestNamedParameters uses :name markers with sql.Named.
func TestNamedParameters(t *testing.T) {
	db := open(t, srv, nil)
	vals, _ := queryOne(t, db, "SELECT :a AS a, :b AS b, :a * 2 AS c",
		sql.Named("a", int64(21)), sql.Named("b", "bee"))
	want := []any{int64(21), "bee", int64(42)}
	for i := range want {
		if !sameValue(vals[i], want[i]) {
			t.Errorf("column %d = %#v (%T), want %#v", i, vals[i], vals[i], want[i])
		}
	}
}

// TestTypedParameters uses driver.Parameter to choose the SQL type.
func TestTypedParameters(t *testing.T) {
	db := open(t, srv, nil)
	dec, err := dbx.ParseDecimal("-1234.5600")
	if err != nil {
		t.Fatal(err)
	}
	vals, _ := queryOne(t, db, "SELECT ? AS d, ? AS dt, ? AS dec, ? AS n",
		dbx.TypedParam("DECIMAL(10,2)", "12.34"),
		dbx.TypedParam("DATE", "2024-02-29"),
		dec,
		dbx.TypedParam("INT", nil),
	)
	if vals[0] != "12.34" {
		t.Errorf("DECIMAL(10,2) parameter = %#v (%T)", vals[0], vals[0])
	}
	if !sameValue(vals[1], time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("DATE parameter = %#v", vals[1])
	}
	if vals[2] != "-1234.5600" {
		t.Errorf("Decimal parameter = %#v (%T)", vals[2], vals[2])
	}
	if vals[3] != nil {
		t.Errorf("typed NULL parameter = %#v", vals[3])
	}
}

// TestParameterInWhere filters a multi-page result with a parameter.
func TestParameterInWhere(t *testing.T) {
	db := open(t, srv, params("maxRows", "100"))
	var n, sum int64
	err := db.QueryRowContext(testCtx(t), "SELECT count(*), CAST(sum(i) AS BIGINT) FROM range(1000) t(i) WHERE i >= ?", int64(900)).Scan(&n, &sum)
	if err != nil || n != 100 || sum != (900+999)*50 {
		t.Fatalf("count, sum = %d, %d, %v", n, sum, err)
	}
}

// TestBadParameter checks that an unsupported Go value fails before anything
// is sent.
func TestBadParameter(t *testing.T) {
	db := open(t, srv, nil)
	_, err := db.QueryContext(testCtx(t), "SELECT ?", struct{ X int }{1})
	if err == nil {
		t.Fatal("struct parameter accepted")
	}
	var se *dbx.ServerError
	if errors.As(err, &se) {
		t.Errorf("client-side conversion error reported as a server error: %v", err)
	}
}
