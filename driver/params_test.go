package driver

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

type param struct {
	ordinal int32
	name    string
	typ     string
	value   *string
}

func sentParams(t *testing.T, e *testEnv) []param {
	t.Helper()
	reqs := tclitest.Received[*tcli.TExecuteStatementReq](e.fake)
	req := reqs[len(reqs)-1]
	var out []param
	for _, p := range req.Parameters {
		q := param{ordinal: p.GetOrdinal(), name: p.GetName(), typ: p.GetType()}
		if p.Value != nil {
			q.value = p.Value.StringValue
		}
		out = append(out, q)
	}
	return out
}

func TestParametersSent(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	big20, _ := new(big.Int).SetString("-123456789012345678901", 10)
	cases := []struct {
		name string
		arg  any
		typ  string
		val  string // "" with null
		null bool
	}{
		{"bool", true, "BOOLEAN", "true", false},
		{"int", 5, "BIGINT", "5", false},
		{"int64", int64(math.MinInt64), "BIGINT", "-9223372036854775808", false},
		{"int32", int32(-3), "INT", "-3", false},
		{"int16", int16(300), "SMALLINT", "300", false},
		{"int8", int8(-1), "TINYINT", "-1", false},
		{"uint8", uint8(200), "SMALLINT", "200", false},
		{"uint64 big", uint64(math.MaxUint64), "DECIMAL(20,0)", "18446744073709551615", false},
		{"float32", float32(1.25), "FLOAT", "1.25", false},
		{"float64", 0.1, "DOUBLE", "0.1", false},
		{"nan", math.NaN(), "DOUBLE", "NaN", false},
		{"string", "it's", "STRING", "it's", false},
		{"bytes", []byte{0xde, 0xad}, "BINARY", "dead", false},
		{"time", time.Date(2024, 1, 2, 3, 4, 5, 123456789, paris), "TIMESTAMP", "2024-01-02 03:04:05.123456+01:00", false},
		{"time utc", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), "TIMESTAMP", "2024-01-02 03:04:05+00:00", false},
		{"nil", nil, "VOID", "", true},
		{"decimal", Decimal{Unscaled: big.NewInt(-1250), Scale: 2}, "DECIMAL(4,2)", "-12.50", false},
		{"decimal small", Decimal{Unscaled: big.NewInt(5), Scale: 3}, "DECIMAL(3,3)", "0.005", false},
		{"decimal 21 digits", Decimal{Unscaled: big20}, "DECIMAL(21,0)", "-123456789012345678901", false},
		{"typed", TypedParam("DATE", "2024-01-31"), "DATE", "2024-01-31", false},
		{"typed null", Parameter{Type: "INT"}, "INT", "", true},
		{"null string", sql.NullString{}, "VOID", "", true},
		{"valuer", sql.NullInt64{Int64: 9, Valid: true}, "BIGINT", "9", false},
		{"named type", myInt(4), "BIGINT", "4", false},
	}
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	db := e.db(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := db.ExecContext(context.Background(), "SELECT ?", c.arg); err != nil {
				t.Fatal(err)
			}
			ps := sentParams(t, e)
			if len(ps) != 1 {
				t.Fatalf("got %d params, want 1", len(ps))
			}
			p := ps[0]
			if p.ordinal != 1 || p.name != "" || p.typ != c.typ {
				t.Fatalf("got param %+v, want ordinal 1, no name, type %s", p, c.typ)
			}
			if c.null != (p.value == nil) || (!c.null && *p.value != c.val) {
				got := "<nil>"
				if p.value != nil {
					got = *p.value
				}
				t.Fatalf("value: got %q, want %q (null: %v)", got, c.val, c.null)
			}
		})
	}
}

type myInt int

func TestNamedParameters(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	if _, err := e.db(t).ExecContext(context.Background(), "SELECT :a, :b", sql.Named("a", int32(1)), sql.Named("b", "x")); err != nil {
		t.Fatal(err)
	}
	ps := sentParams(t, e)
	if len(ps) != 2 || ps[0].name != "a" || ps[0].typ != "INT" || ps[1].name != "b" || *ps[1].value != "x" || ps[0].ordinal != 0 {
		t.Fatalf("got %+v, want a INT and b = x, by name", ps)
	}
}

func TestParametersNeedV8(t *testing.T) {
	for _, proto := range []tcli.TProtocolVersion{tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V7, tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10} {
		e := newHTTPEnv(t, proto)
		_, err := e.db(t).ExecContext(context.Background(), "SELECT ?", 1)
		if !errors.Is(err, ErrParametersNotSupported) {
			t.Fatalf("%v: got %v, want ErrParametersNotSupported", proto, err)
		}
		if n := e.fake.Count(tclitest.ExecuteStatement); n != 0 {
			t.Fatalf("got %d ExecuteStatement requests, want none (the statement would run without its parameters)", n)
		}
	}
}

func TestUnsupportedArgument(t *testing.T) {
	e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	if _, err := e.db(t).ExecContext(context.Background(), "SELECT ?", struct{}{}); err == nil {
		t.Fatal("got a struct argument accepted, want an error")
	}
	if _, err := e.db(t).ExecContext(context.Background(), "SELECT ?", Decimal{Unscaled: new(big.Int).Exp(big.NewInt(10), big.NewInt(40), nil)}); err == nil {
		t.Fatal("got a DECIMAL(41) argument accepted, want an error")
	}
}
