package emulator

import (
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// bindParams turns native parameters into DuckDB bound values and rewrites
// the statement: named markers `:name` become DuckDB's `$name`; a DECIMAL
// parameter's marker is wrapped as CAST(marker AS DECIMAL(p,s)) and bound as
// its exact text (duckdb-go cannot bind decimals), likewise INTERVAL.
func bindParams(query string, params []*tcli.TSparkParameter) (string, []driver.NamedValue, error) {
	args := make([]driver.NamedValue, 0, len(params))
	casts := map[string]string{} // "name" or "#ordinal" → cast target
	for i, p := range params {
		if p == nil {
			return "", nil, fmt.Errorf("parameter %d is null", i+1)
		}
		ordinal := i + 1
		if p.Ordinal != nil {
			ordinal = int(*p.Ordinal)
		}
		v, cast, err := paramValue(p)
		if err != nil {
			return "", nil, fmt.Errorf("parameter %s: %w", paramLabel(p, ordinal), err)
		}
		nv := driver.NamedValue{Ordinal: ordinal, Value: v}
		if name := p.GetName(); name != "" {
			nv.Name = name
			if cast != "" {
				casts[strings.ToLower(name)] = cast
			}
		} else if cast != "" {
			casts["#"+strconv.Itoa(ordinal)] = cast
		}
		args = append(args, nv)
	}
	return rewriteMarkers(query, casts), args, nil
}

func paramLabel(p *tcli.TSparkParameter, ordinal int) string {
	if n := p.GetName(); n != "" {
		return ":" + n
	}
	return strconv.Itoa(ordinal)
}

// paramValue converts one parameter to a Go value duckdb-go binds, and an
// optional SQL type the marker must be cast to.
func paramValue(p *tcli.TSparkParameter) (any, string, error) {
	typ := strings.ToUpper(strings.TrimSpace(p.GetType()))
	if typ == "" {
		typ = "STRING"
	}
	if typ == "VOID" || typ == "NULL" || p.Value == nil {
		return nil, "", nil
	}
	var text string
	switch {
	case p.Value.StringValue != nil:
		text = *p.Value.StringValue
	case p.Value.DoubleValue != nil:
		text = strconv.FormatFloat(*p.Value.DoubleValue, 'g', -1, 64)
	case p.Value.BooleanValue != nil:
		text = strconv.FormatBool(*p.Value.BooleanValue)
	default:
		return nil, "", nil
	}
	base, _, _ := strings.Cut(typ, "(")
	base = strings.TrimSpace(base)
	switch base {
	case "BOOLEAN":
		b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(text)))
		return b, "", err
	case "TINYINT", "BYTE":
		n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 8)
		return int8(n), "", err
	case "SMALLINT", "SHORT":
		n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 16)
		return int16(n), "", err
	case "INT", "INTEGER":
		n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 32)
		return int32(n), "", err
	case "BIGINT", "LONG":
		n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
		return n, "", err
	case "FLOAT", "REAL":
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 32)
		return float32(f), "", err
	case "DOUBLE":
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		return f, "", err
	case "STRING", "VARCHAR", "CHAR":
		return text, "", nil
	case "DECIMAL", "NUMERIC", "DEC":
		cast := "DECIMAL(38,18)"
		if strings.Contains(typ, "(") {
			m := decimalType.FindStringSubmatch(typ)
			if m == nil {
				return nil, "", fmt.Errorf("bad DECIMAL type %q", typ)
			}
			cast = "DECIMAL(" + m[1] + "," + m[2] + ")"
			if m[2] == "" {
				cast = "DECIMAL(" + m[1] + ",0)"
			}
		}
		return strings.TrimSpace(text), cast, nil
	case "DATE":
		t, err := time.Parse(dateLayout, strings.TrimSpace(text))
		if err != nil {
			return nil, "", err
		}
		return duckdb.Typed(t, duckdb.TYPE_DATE), "", nil
	case "TIMESTAMP", "TIMESTAMP_LTZ", "TIMESTAMP_NTZ":
		t, err := parseTimestamp(text)
		if err != nil {
			return nil, "", err
		}
		return duckdb.Typed(t.UTC(), duckdb.TYPE_TIMESTAMP), "", nil
	case "BINARY":
		s := strings.TrimSpace(text)
		s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
		b, err := hex.DecodeString(s)
		return b, "", err
	case "INTERVAL":
		return text, "INTERVAL", nil
	}
	return nil, "", fmt.Errorf("unsupported parameter type %q", typ)
}

// decimalType matches DECIMAL(p[,s]) parameter types.
var decimalType = regexp.MustCompile(`^(?:DECIMAL|NUMERIC|DEC)\s*\(\s*(\d{1,2})\s*(?:,\s*(\d{1,2})\s*)?\)$`)

// timestampLayouts are the accepted TIMESTAMP parameter texts; without a zone
// the time is UTC.
var timestampLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999 Z07:00",
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

func parseTimestamp(text string) (time.Time, error) {
	text = strings.TrimSpace(text)
	for _, l := range timestampLayouts {
		if t, err := time.Parse(l, text); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot parse TIMESTAMP %q", text)
}

// rewriteMarkers rewrites parameter markers outside string literals, quoted
// identifiers and comments: `:name` → `$name` (a `::` cast is left alone);
// markers listed in casts are wrapped in CAST(... AS type). Positional `?`
// markers are numbered from 1 in order of appearance.
func rewriteMarkers(q string, casts map[string]string) string {
	var b strings.Builder
	pos := 0
	wrap := func(marker, key string) {
		if t, ok := casts[key]; ok {
			b.WriteString("CAST(" + marker + " AS " + t + ")")
			return
		}
		b.WriteString(marker)
	}
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			j := skipQuoted(q, i, c)
			b.WriteString(q[i:j])
			i = j - 1
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j - 1
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := strings.Index(q[i+2:], "*/")
			end := len(q)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			b.WriteString(q[i:end])
			i = end - 1
		case c == ':' && i+1 < len(q) && q[i+1] == ':':
			b.WriteString("::")
			i++
		case c == ':' && i+1 < len(q) && isIdentStart(q[i+1]) && (i == 0 || !isIdentPart(q[i-1])):
			j := i + 1
			for j < len(q) && isIdentPart(q[j]) {
				j++
			}
			name := q[i+1 : j]
			wrap("$"+name, strings.ToLower(name))
			i = j - 1
		case c == '?':
			pos++
			wrap("?", "#"+strconv.Itoa(pos))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// skipQuoted returns the index after the literal starting at i; a doubled
// quote character escapes it (DuckDB's rule: no backslash escapes).
func skipQuoted(q string, i int, quote byte) int {
	for j := i + 1; j < len(q); j++ {
		if q[j] == quote {
			if j+1 < len(q) && q[j+1] == quote {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(q)
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }
