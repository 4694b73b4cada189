package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Layouts of the Hive text forms.
const (
	dateLayout      = "2006-01-02"
	timestampLayout = "2006-01-02 15:04:05.999999"
	timeLayout      = "15:04:05.999999"
)

// toInt64 converts any DuckDB integer value.
func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case int:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// toFloat64 converts any DuckDB numeric value.
func toFloat64(v any) (float64, bool) {
	switch x := v.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	case duckdb.Decimal:
		return x.Float64(), true
	}
	if i, ok := toInt64(v); ok {
		return float64(i), true
	}
	return 0, false
}

// toUnscaled converts a DuckDB decimal-like value to its unscaled integer at
// the given scale.
func toUnscaled(v any, scale int) (*big.Int, bool) {
	var u *big.Int
	from := 0
	switch x := v.(type) {
	case duckdb.Decimal:
		if x.Value == nil {
			return nil, false
		}
		u, from = new(big.Int).Set(x.Value), int(x.Scale)
	case *big.Int:
		u = new(big.Int).Set(x)
	case uint64:
		u = new(big.Int).SetUint64(x)
	default:
		i, ok := toInt64(v)
		if !ok {
			return nil, false
		}
		u = big.NewInt(i)
	}
	switch {
	case scale > from:
		u.Mul(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale-from)), nil))
	case scale < from:
		u.Quo(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(from-scale)), nil))
	}
	return u, true
}

// formatDecimal writes an unscaled integer with scale digits after the point.
func formatDecimal(u *big.Int, scale int) string {
	s := new(big.Int).Abs(u).String()
	neg := u.Sign() < 0
	if scale > 0 {
		if len(s) <= scale {
			s = strings.Repeat("0", scale-len(s)+1) + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// formatInterval writes a DuckDB interval in DuckDB's text form, e.g.
// "1 year 2 months 3 days 04:05:06.5".
func formatInterval(iv duckdb.Interval) string {
	var parts []string
	unit := func(n int64, name string) {
		if n == 0 {
			return
		}
		if n == 1 || n == -1 {
			parts = append(parts, fmt.Sprintf("%d %s", n, name))
		} else {
			parts = append(parts, fmt.Sprintf("%d %ss", n, name))
		}
	}
	unit(int64(iv.Months/12), "year")
	unit(int64(iv.Months%12), "month")
	unit(int64(iv.Days), "day")
	if iv.Micros != 0 || len(parts) == 0 {
		m := iv.Micros
		sign := ""
		if m < 0 {
			sign, m = "-", -m
		}
		h, m := m/3_600_000_000, m%3_600_000_000
		mi, m := m/60_000_000, m%60_000_000
		sec, frac := m/1_000_000, m%1_000_000
		t := fmt.Sprintf("%s%02d:%02d:%02d", sign, h, mi, sec)
		if frac != 0 {
			t += strings.TrimRight(fmt.Sprintf(".%06d", frac), "0")
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, " ")
}

// formatUUID writes 16 bytes as a UUID.
func formatUUID(b []byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// textValue is the Hive text form of a non-NULL value: the content of a utf8
// Arrow column or of a string TColumn.
func textValue(v any, t *colType) string {
	switch t.kind {
	case kDate:
		if tm, ok := v.(time.Time); ok {
			return tm.UTC().Format(dateLayout)
		}
	case kTimestamp:
		if tm, ok := v.(time.Time); ok {
			return tm.UTC().Format(timestampLayout)
		}
	case kDecimal:
		if u, ok := toUnscaled(v, t.scale); ok {
			return formatDecimal(u, t.scale)
		}
	case kArray, kMap, kStruct:
		var b strings.Builder
		writeJSON(&b, v, t)
		return b.String()
	}
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		if t.duck == "UUID" && len(x) == 16 {
			return formatUUID(x)
		}
		return string(x)
	case duckdb.UUID:
		return formatUUID(x[:])
	case duckdb.Interval:
		return formatInterval(x)
	case time.Time:
		if strings.HasPrefix(t.duck, "TIME") && !strings.HasPrefix(t.duck, "TIMESTAMP") {
			return x.Format(timeLayout)
		}
		return x.UTC().Format(timestampLayout)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case duckdb.Decimal:
		return x.String()
	case *big.Int:
		return x.String()
	case fmt.Stringer:
		return x.String()
	}
	if i, ok := toInt64(v); ok {
		return strconv.FormatInt(i, 10)
	}
	if t.duck == "JSON" {
		if b, err := json.Marshal(v); err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(v)
}

// writeJSON writes v as JSON text the way Databricks renders nested values:
// arrays as JSON arrays, structs as objects in field order, maps as objects
// keyed by the key's text, dates/timestamps/intervals as strings, decimals as
// numbers, binary as base64.
func writeJSON(b *strings.Builder, v any, t *colType) {
	if v == nil {
		b.WriteString("null")
		return
	}
	switch t.kind {
	case kArray:
		list, ok := v.([]any)
		if !ok {
			break
		}
		b.WriteByte('[')
		for i, e := range list {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e, t.elem)
		}
		b.WriteByte(']')
		return
	case kStruct:
		m, ok := v.(map[string]any)
		if !ok {
			break
		}
		b.WriteByte('{')
		for i, f := range t.fields {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, f.name)
			b.WriteByte(':')
			writeJSON(b, m[f.name], f.typ)
		}
		b.WriteByte('}')
		return
	case kMap:
		keys, vals, ok := mapEntries(v)
		if !ok {
			writeJSONString(b, fmt.Sprint(v))
			return
		}
		b.WriteByte('{')
		for i := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			if keys[i] == nil {
				writeJSONString(b, "null")
			} else {
				writeJSONString(b, textValue(keys[i], t.key))
			}
			b.WriteByte(':')
			writeJSON(b, vals[i], t.val)
		}
		b.WriteByte('}')
		return
	case kBool:
		if x, ok := v.(bool); ok {
			b.WriteString(strconv.FormatBool(x))
			return
		}
	case kInt8, kInt16, kInt32, kInt64:
		if i, ok := toInt64(v); ok {
			b.WriteString(strconv.FormatInt(i, 10))
			return
		}
	case kFloat32, kFloat64:
		if f, ok := toFloat64(v); ok {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				writeJSONString(b, strconv.FormatFloat(f, 'g', -1, 64))
				return
			}
			bits := 64
			if t.kind == kFloat32 {
				bits = 32
			}
			b.WriteString(strconv.FormatFloat(f, 'g', -1, bits))
			return
		}
	case kDecimal:
		if u, ok := toUnscaled(v, t.scale); ok {
			b.WriteString(formatDecimal(u, t.scale))
			return
		}
	case kBinary:
		if x, ok := v.([]byte); ok {
			writeJSONString(b, base64.StdEncoding.EncodeToString(x))
			return
		}
	case kString:
		if t.duck == "JSON" {
			if raw, err := json.Marshal(v); err == nil {
				b.Write(raw)
				return
			}
		}
	}
	writeJSONString(b, textValue(v, t))
}

// mapEntries returns the keys and values of a DuckDB MAP value, in the
// map's order when duckdb-go keeps it.
func mapEntries(v any) (keys, vals []any, ok bool) {
	switch m := v.(type) {
	case duckdb.OrderedMap:
		return m.Keys(), m.Values(), true
	case duckdb.Map:
		for k, e := range m {
			keys, vals = append(keys, k), append(vals, e)
		}
		return keys, vals, true
	}
	return nil, nil, false
}

func writeJSONString(b *strings.Builder, s string) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	b.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}
