package driver

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	sqldriver "database/sql/driver"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// Parameter is a query argument with an explicit SQL type, for when the type
// inferred from the Go value is not the one wanted:
//
//	db.QueryContext(ctx, "SELECT ?", driver.Parameter{Type: "DATE", Value: "2024-01-31"})
//
// Type is a SQL type name such as "DATE", "DECIMAL(10,2)" or "INTERVAL DAY".
// Value is converted to SQL literal text like an inferred argument; a nil Value
// is a NULL of that type.
type Parameter struct {
	Type  string
	Value any
}

// TypedParam returns a Parameter of the given SQL type.
func TypedParam(sqlType string, value any) Parameter { return Parameter{Type: sqlType, Value: value} }

// Wire form of parameters (servers at SPARK V8 or later; older servers get
// ErrParametersNotSupported and the query text is never rewritten):
//
//   - Positional arguments ("?") carry their 1-based ordinal; named ones
//     (":name", sql.Named) carry their name.
//   - Every value travels as SQL literal text in TSparkParameterValue.stringValue,
//     with its type in TSparkParameter.type.
//   - bool → BOOLEAN "true"/"false"; int64, int → BIGINT; int32 → INT;
//     int16 → SMALLINT; int8 → TINYINT; uint8 → SMALLINT; uint16 → INT;
//     uint32 → BIGINT; uint, uint64 → BIGINT, or DECIMAL(20,0) above MaxInt64;
//     float32 → FLOAT; float64 → DOUBLE (shortest text that round-trips,
//     "NaN", "Infinity", "-Infinity"); string → STRING.
//   - []byte → BINARY whose value is the lowercase hex encoding of the bytes
//     (the emulator decodes hex).
//   - time.Time → TIMESTAMP as "2006-01-02 15:04:05.999999-07:00" in the
//     value's own zone (numeric offset always present).
//   - Decimal → DECIMAL(p,s) with its exact text.
//   - nil → type VOID with no value.
//   - Parameter → its Type, the value formatted as above.

// buildParameters converts the statement arguments.
func buildParameters(args []sqldriver.NamedValue) ([]*tcli.TSparkParameter, error) {
	out := make([]*tcli.TSparkParameter, 0, len(args))
	for _, a := range args {
		p := &tcli.TSparkParameter{}
		if a.Name != "" {
			p.Name = ptr(strings.TrimPrefix(a.Name, ":"))
		} else {
			p.Ordinal = ptr(int32(a.Ordinal))
		}
		typ, text, isNull, err := paramValue(a.Value)
		if err != nil {
			if a.Name != "" {
				return nil, fmt.Errorf("databricks: parameter %q: %w", a.Name, err)
			}
			return nil, fmt.Errorf("databricks: parameter %d: %w", a.Ordinal, err)
		}
		p.Type = ptr(typ)
		if !isNull {
			p.Value = &tcli.TSparkParameterValue{StringValue: ptr(text)}
		}
		out = append(out, p)
	}
	return out, nil
}

// paramValue returns the SQL type and literal text of a value.
func paramValue(v any) (typ, text string, isNull bool, err error) {
	switch x := v.(type) {
	case nil:
		return "VOID", "", true, nil
	case Parameter:
		if x.Type == "" {
			return paramValue(x.Value)
		}
		if x.Value == nil {
			return x.Type, "", true, nil
		}
		_, text, isNull, err = paramValue(x.Value)
		return x.Type, text, isNull, err
	case *Parameter:
		if x == nil {
			return "VOID", "", true, nil
		}
		return paramValue(*x)
	case bool:
		return "BOOLEAN", strconv.FormatBool(x), false, nil
	case int:
		return "BIGINT", strconv.FormatInt(int64(x), 10), false, nil
	case int64:
		return "BIGINT", strconv.FormatInt(x, 10), false, nil
	case int32:
		return "INT", strconv.FormatInt(int64(x), 10), false, nil
	case int16:
		return "SMALLINT", strconv.FormatInt(int64(x), 10), false, nil
	case int8:
		return "TINYINT", strconv.FormatInt(int64(x), 10), false, nil
	case uint8:
		return "SMALLINT", strconv.FormatUint(uint64(x), 10), false, nil
	case uint16:
		return "INT", strconv.FormatUint(uint64(x), 10), false, nil
	case uint32:
		return "BIGINT", strconv.FormatUint(uint64(x), 10), false, nil
	case uint:
		return paramValue(uint64(x))
	case uint64:
		if x > math.MaxInt64 {
			return "DECIMAL(20,0)", strconv.FormatUint(x, 10), false, nil
		}
		return "BIGINT", strconv.FormatUint(x, 10), false, nil
	case float32:
		return "FLOAT", formatFloat(float64(x), 32), false, nil
	case float64:
		return "DOUBLE", formatFloat(x, 64), false, nil
	case string:
		return "STRING", x, false, nil
	case []byte:
		if x == nil {
			return "BINARY", "", true, nil
		}
		return "BINARY", hex.EncodeToString(x), false, nil
	case time.Time:
		return "TIMESTAMP", x.Format("2006-01-02 15:04:05.999999-07:00"), false, nil
	case Decimal:
		p := x.Precision()
		if p > 38 {
			return "", "", false, fmt.Errorf("decimal %s needs precision %d, more than 38", x, p)
		}
		return fmt.Sprintf("DECIMAL(%d,%d)", p, x.Scale), x.String(), false, nil
	case *Decimal:
		if x == nil {
			return "VOID", "", true, nil
		}
		return paramValue(*x)
	}
	return "", "", false, fmt.Errorf("unsupported argument type %T", v)
}

func formatFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
}

// checkArg reports whether a value can be bound as it is (see CheckNamedValue).
func checkArg(v any) bool {
	switch v.(type) {
	case nil, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64,
		float32, float64, string, []byte, time.Time, Decimal, *Decimal, Parameter, *Parameter:
		return true
	}
	return false
}
