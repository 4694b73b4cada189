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

// binding is what one parameter puts in place of its markers: a value bound
// through DuckDB (optionally inside CAST(marker AS cast)), or, for ARRAY and
// MAP parameters, a SQL expression built from their arguments.
type binding struct {
	value any
	cast  string
	expr  string
}

// bindParams turns native parameters into DuckDB bound values and rewrites
// the statement. Like a warehouse, it binds positional parameters in the
// order of the list, whatever their ordinal field says (the Python connector
// sends ordinal 1 for every one of them), and named ones by name. Every
// marker becomes a numbered DuckDB marker `$n` (a DECIMAL or INTERVAL
// parameter's as CAST($n AS type), bound as its exact text, since duckdb-go
// cannot bind decimals); an ARRAY or MAP parameter's marker becomes the
// collection's SQL expression.
func bindParams(query string, params []*tcli.TSparkParameter) (string, []driver.NamedValue, error) {
	named := map[string]binding{}
	var positional []binding
	for i, p := range params {
		if p == nil {
			return "", nil, fmt.Errorf("parameter %d is null", i+1)
		}
		b, err := paramBinding(p)
		if err != nil {
			label := strconv.Itoa(len(positional) + 1)
			if n := p.GetName(); n != "" {
				label = ":" + n
			}
			return "", nil, fmt.Errorf("parameter %s: %w", label, err)
		}
		if n := p.GetName(); n != "" {
			named[strings.ToLower(n)] = b
		} else {
			positional = append(positional, b)
		}
	}
	return rewriteMarkers(query, named, positional)
}

// paramBinding converts one parameter.
func paramBinding(p *tcli.TSparkParameter) (binding, error) {
	typ := strings.ToUpper(strings.TrimSpace(p.GetType()))
	if base := typeBase(typ); base == "ARRAY" || base == "MAP" || base == "STRUCT" || p.Arguments != nil {
		expr, err := collectionLiteral(typ, p.Arguments, 0)
		return binding{expr: expr}, err
	}
	v, cast, err := paramValue(p)
	return binding{value: v, cast: cast}, err
}

// typeBase is a type name without its parameters: "DECIMAL" of
// "DECIMAL(10,2)", "ARRAY" of "ARRAY<INT>".
func typeBase(typ string) string {
	if i := strings.IndexAny(typ, "(<"); i >= 0 {
		typ = typ[:i]
	}
	return strings.TrimSpace(typ)
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
	v, cast, err := parseScalar(typ, text)
	if t, ok := v.(time.Time); ok {
		if typeBase(typ) == "DATE" {
			return duckdb.Typed(t, duckdb.TYPE_DATE), "", nil
		}
		return duckdb.Typed(t.UTC(), duckdb.TYPE_TIMESTAMP), "", nil
	}
	return v, cast, err
}

// parseScalar reads the text of a value of a primitive SQL type: the Go
// value (DATE and TIMESTAMP as time.Time) and the SQL type the marker must
// be cast to, if any.
func parseScalar(typ, text string) (any, string, error) {
	base, rest, _ := strings.Cut(typ, "(")
	base = strings.TrimSpace(base)
	switch base {
	case "DECIMAL", "NUMERIC", "DEC":
	case "STRING", "VARCHAR", "CHAR":
		if rest != "" && !charLength.MatchString(rest) {
			return nil, "", fmt.Errorf("bad type %q", typ)
		}
	default:
		if rest != "" {
			return nil, "", fmt.Errorf("bad type %q", typ)
		}
	}
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
		return t, "", nil
	case "TIMESTAMP", "TIMESTAMP_LTZ", "TIMESTAMP_NTZ":
		t, err := parseTimestamp(text)
		if err != nil {
			return nil, "", err
		}
		return t.UTC(), "", nil
	case "BINARY":
		s := strings.TrimSpace(text)
		s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
		b, err := hex.DecodeString(s)
		return b, "", err
	case "INTERVAL", "INTERVAL DAY", "INTERVAL YEAR", "INTERVAL MONTH", "INTERVAL HOUR", "INTERVAL MINUTE", "INTERVAL SECOND":
		return text, "INTERVAL", nil
	}
	return nil, "", fmt.Errorf("unsupported parameter type %q", typ)
}

// decimalType matches DECIMAL(p[,s]) parameter types.
var decimalType = regexp.MustCompile(`^(?:DECIMAL|NUMERIC|DEC)\s*\(\s*(\d{1,2})\s*(?:,\s*(\d{1,2})\s*)?\)$`)

// charLength matches the "n)" of VARCHAR(n) and CHAR(n).
var charLength = regexp.MustCompile(`^\s*\d{1,9}\s*\)$`)

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
// identifiers and comments and returns the values to bind: the k-th `?` is
// positional[k]; `:name` is named[name] when named parameters were given
// (else it is left alone, and so is a `::` cast). Bound values become `$n`,
// numbered in order of first use; a marker without a parameter is the
// UNBOUND_SQL_PARAMETER error a warehouse reports.
func rewriteMarkers(q string, named map[string]binding, positional []binding) (string, []driver.NamedValue, error) {
	var b strings.Builder
	var args []driver.NamedValue
	numbers := map[string]int{} // name → $n of a named value already bound
	use := func(key string, p binding) {
		if p.expr != "" {
			b.WriteString(p.expr)
			return
		}
		n, ok := numbers[key]
		if !ok || key == "" {
			args = append(args, driver.NamedValue{Ordinal: len(args) + 1, Value: p.value})
			n = len(args)
			if key != "" {
				numbers[key] = n
			}
		}
		marker := "$" + strconv.Itoa(n)
		if p.cast != "" {
			marker = "CAST(" + marker + " AS " + p.cast + ")"
		}
		b.WriteString(marker)
	}
	pos := 0
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
		case c == ':' && len(named) > 0 && i+1 < len(q) && isIdentStart(q[i+1]) && (i == 0 || !isIdentPart(q[i-1])):
			j := i + 1
			for j < len(q) && isIdentPart(q[j]) {
				j++
			}
			name := q[i+1 : j]
			p, ok := named[strings.ToLower(name)]
			if !ok {
				return "", nil, unboundParameter(name)
			}
			use(strings.ToLower(name), p)
			i = j - 1
		case c == '?':
			if pos >= len(positional) {
				return "", nil, unboundParameter("_" + strconv.Itoa(i))
			}
			use("", positional[pos])
			pos++
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), args, nil
}

// unboundParameter is a warehouse's error for a marker without a value.
func unboundParameter(name string) error {
	return &classError{class: "UNBOUND_SQL_PARAMETER", state: "42P02",
		msg: "Found the unbound parameter: " + name + ". Please, fix `args` and provide a mapping of the parameter to either a SQL literal or collection constructor functions such as `map()`, `array()`, `struct()`."}
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

// maxNesting bounds how deep ARRAY and MAP arguments may nest.
const maxNesting = 16

// collectionLiteral is the DuckDB expression of an ARRAY or MAP parameter
// from its arguments (the elements; for a MAP keys and values alternately),
// each element a SQL literal of its own type.
func collectionLiteral(typ string, args []*tcli.TSparkParameterValueArg, depth int) (string, error) {
	if depth > maxNesting {
		return "", fmt.Errorf("nested deeper than %d levels", maxNesting)
	}
	elems := make([]string, len(args))
	for i, a := range args {
		if a == nil {
			return "", fmt.Errorf("argument %d is null", i+1)
		}
		var err error
		if elems[i], err = argLiteral(a, depth+1); err != nil {
			return "", fmt.Errorf("argument %d: %w", i+1, err)
		}
	}
	switch typeBase(typ) {
	case "ARRAY":
		return "[" + strings.Join(elems, ", ") + "]", nil
	case "MAP":
		if len(elems)%2 != 0 {
			return "", fmt.Errorf("MAP with %d arguments: keys and values must alternate", len(elems))
		}
		if len(elems) == 0 {
			return "MAP {}", nil
		}
		var keys, vals []string
		for i := 0; i < len(elems); i += 2 {
			keys, vals = append(keys, elems[i]), append(vals, elems[i+1])
		}
		return "MAP([" + strings.Join(keys, ", ") + "], [" + strings.Join(vals, ", ") + "])", nil
	}
	return "", fmt.Errorf("type %q cannot carry arguments", typ)
}

// argLiteral is the SQL literal of one ARRAY or MAP element.
func argLiteral(a *tcli.TSparkParameterValueArg, depth int) (string, error) {
	typ := strings.ToUpper(strings.TrimSpace(a.GetType()))
	if base := typeBase(typ); base == "ARRAY" || base == "MAP" || a.Arguments != nil {
		return collectionLiteral(typ, a.Arguments, depth)
	}
	if typ == "VOID" || typ == "NULL" || a.Value == nil {
		return "NULL", nil
	}
	v, cast, err := parseScalar(typ, a.GetValue())
	if err != nil {
		return "", err
	}
	return sqlLiteral(v, typeBase(typ), cast)
}

// sqlLiteral writes a value parseScalar returned for a type of that base
// name as DuckDB SQL text.
func sqlLiteral(v any, base, cast string) (string, error) {
	var lit string
	switch x := v.(type) {
	case nil:
		lit = "NULL"
	case bool:
		lit = strconv.FormatBool(x)
	case int8:
		lit = "CAST(" + strconv.FormatInt(int64(x), 10) + " AS TINYINT)"
	case int16:
		lit = "CAST(" + strconv.FormatInt(int64(x), 10) + " AS SMALLINT)"
	case int32:
		lit = "CAST(" + strconv.FormatInt(int64(x), 10) + " AS INTEGER)"
	case int64:
		lit = "CAST(" + strconv.FormatInt(x, 10) + " AS BIGINT)"
	case float32:
		lit = "CAST(" + quoteString(strconv.FormatFloat(float64(x), 'g', -1, 32)) + " AS FLOAT)"
	case float64:
		lit = "CAST(" + quoteString(strconv.FormatFloat(x, 'g', -1, 64)) + " AS DOUBLE)"
	case string:
		lit = quoteString(x)
	case []byte:
		lit = "from_hex(" + quoteString(hex.EncodeToString(x)) + ")"
	case time.Time:
		if base == "DATE" {
			lit = "DATE " + quoteString(x.Format(dateLayout))
		} else {
			lit = "TIMESTAMP " + quoteString(x.UTC().Format("2006-01-02 15:04:05.999999"))
		}
	default:
		return "", fmt.Errorf("unexpected %T", v)
	}
	if cast != "" {
		lit = "CAST(" + lit + " AS " + cast + ")"
	}
	return lit, nil
}

// quoteString is a DuckDB string literal (quotes doubled; DuckDB has no
// backslash escapes in standard strings).
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
