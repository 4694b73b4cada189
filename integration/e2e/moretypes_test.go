package e2e_test

import (
	"math"
	"strings"
	"testing"
	"time"
)

// TestDuckDBTypes checks DuckDB types that have no Databricks twin, as the
// emulator maps them (TIMESTAMPTZ and other precisions → TIMESTAMP, HUGEINT →
// DECIMAL(38,0), UBIGINT → DECIMAL(20,0), UTINYINT → SMALLINT, UUID and TIME
// → STRING), in every result format.
func TestDuckDBTypes(t *testing.T) {
	cases := []typeCase{
		{"tstz", "TIMESTAMPTZ '2024-02-29 13:14:15.5+02'", "TIMESTAMP", tTime,
			time.Date(2024, 2, 29, 11, 14, 15, 500000000, time.UTC)},
		{"ts_ms", "CAST(TIMESTAMP '2001-02-03 04:05:06.789' AS TIMESTAMP_MS)", "TIMESTAMP", tTime,
			time.Date(2001, 2, 3, 4, 5, 6, 789000000, time.UTC)},
		{"ts_s", "CAST(TIMESTAMP '2001-02-03 04:05:06' AS TIMESTAMP_S)", "TIMESTAMP", tTime,
			time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)},
		{"hugeint", "CAST('-12345678901234567890123456789012345678' AS HUGEINT)", "DECIMAL", tString,
			"-12345678901234567890123456789012345678"},
		{"ubigint", "CAST('18446744073709551615' AS UBIGINT)", "DECIMAL", tString, "18446744073709551615"},
		{"utinyint", "CAST(255 AS UTINYINT)", "SMALLINT", tInt16, int16(255)},
		{"uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID", "STRING", tString, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{"time", "TIME '12:34:56'", "STRING", tString, "12:34:56"},
		{"inf", "CAST('inf' AS DOUBLE)", "DOUBLE", tFloat64, math.Inf(1)},
		{"neg_inf", "CAST('-inf' AS FLOAT)", "FLOAT", tFloat32, float32(math.Inf(-1))},
	}
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			db := open(t, srv, f.params)
			vals, cts := queryOne(t, db, selectOf(cases))
			checkCases(t, cases, vals, cts)
		})
	}
}

// TestNaN checks NaN in DOUBLE and FLOAT columns.
func TestNaN(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			db := open(t, srv, f.params)
			vals, _ := queryOne(t, db, "SELECT CAST('nan' AS DOUBLE) AS d, CAST('nan' AS FLOAT) AS f")
			if d, ok := vals[0].(float64); !ok || !math.IsNaN(d) {
				t.Errorf("DOUBLE NaN = %#v", vals[0])
			}
			if f, ok := vals[1].(float32); !ok || !math.IsNaN(float64(f)) {
				t.Errorf("FLOAT NaN = %#v", vals[1])
			}
		})
	}
}

// TestLargeValues reads values of hundreds of kilobytes.
func TestLargeValues(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			db := open(t, srv, f.params)
			vals, _ := queryOne(t, db, "SELECT repeat('é', 300000) AS s, CAST(repeat('z', 500000) AS BLOB) AS b")
			if s, ok := vals[0].(string); !ok || s != strings.Repeat("é", 300000) {
				t.Errorf("large string: %T of length %d", vals[0], len(s))
			}
			if b, ok := vals[1].([]byte); !ok || string(b) != strings.Repeat("z", 500000) {
				t.Errorf("large binary: %T of length %d", vals[1], len(b))
			}
		})
	}
}
