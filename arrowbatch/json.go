package arrowbatch

import (
	"encoding/base64"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// jsonTimeLayout formats timestamps inside JSON text.
const jsonTimeLayout = "2006-01-02T15:04:05.999999999Z07:00"

// appendJSON appends the JSON text of element i of arr. Nested values become
// arrays and objects; decimals are JSON numbers with their exact text; dates
// and timestamps are strings; binary values are base64 strings.
func appendJSON(dst []byte, arr arrow.Array, i int, loc *time.Location) []byte {
	if arr.IsNull(i) {
		return append(dst, "null"...)
	}
	switch a := arr.(type) {
	case *array.Null:
		return append(dst, "null"...)
	case *array.Boolean:
		return strconv.AppendBool(dst, a.Value(i))
	case *array.Int8:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10)
	case *array.Int16:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10)
	case *array.Int32:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10)
	case *array.Int64:
		return strconv.AppendInt(dst, a.Value(i), 10)
	case *array.Uint8:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint16:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint32:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint64:
		return strconv.AppendUint(dst, a.Value(i), 10)
	case *array.Float32:
		return appendFloat(dst, float64(a.Value(i)), 32)
	case *array.Float64:
		return appendFloat(dst, a.Value(i), 64)
	case *array.String:
		return appendQuoted(dst, a.Value(i))
	case *array.LargeString:
		return appendQuoted(dst, a.Value(i))
	case *array.StringView:
		return appendQuoted(dst, a.Value(i))
	case *array.Binary:
		return appendBase64(dst, a.Value(i))
	case *array.LargeBinary:
		return appendBase64(dst, a.Value(i))
	case *array.BinaryView:
		return appendBase64(dst, a.Value(i))
	case *array.Date32:
		t := time.Unix(int64(a.Value(i))*secondsPerDay, 0).UTC()
		return appendQuoted(dst, t.Format(time.DateOnly))
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		t := instant(unit, int64(a.Value(i))).In(loc)
		return appendQuoted(dst, t.Format(jsonTimeLayout))
	case *array.Decimal128:
		return appendDecimal128(dst, a.Value(i), a.DataType().(arrow.DecimalType).GetScale())
	case *array.Decimal256:
		return append(dst, formatBig(a.Value(i).BigInt(), a.DataType().(arrow.DecimalType).GetScale())...)
	case *array.Decimal64:
		return appendDecimalInt(dst, int64(a.Value(i)), a.DataType().(arrow.DecimalType).GetScale())
	case *array.Decimal32:
		return appendDecimalInt(dst, int64(a.Value(i)), a.DataType().(arrow.DecimalType).GetScale())
	case *array.Map:
		start, end := a.ValueOffsets(i)
		keys, items := a.Keys(), a.Items()
		dst = append(dst, '{')
		for j := start; j < end; j++ {
			if j > start {
				dst = append(dst, ',')
			}
			if k, ok := keys.(*array.String); ok && k.IsValid(int(j)) {
				dst = appendQuoted(dst, k.Value(int(j)))
			} else {
				dst = appendQuoted(dst, string(appendJSON(nil, keys, int(j), loc)))
			}
			dst = append(dst, ':')
			dst = appendJSON(dst, items, int(j), loc)
		}
		return append(dst, '}')
	case array.ListLike:
		start, end := a.ValueOffsets(i)
		vals := a.ListValues()
		dst = append(dst, '[')
		for j := start; j < end; j++ {
			if j > start {
				dst = append(dst, ',')
			}
			dst = appendJSON(dst, vals, int(j), loc)
		}
		return append(dst, ']')
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		dst = append(dst, '{')
		for f := range a.NumField() {
			if f > 0 {
				dst = append(dst, ',')
			}
			dst = appendQuoted(dst, st.Field(f).Name)
			dst = append(dst, ':')
			dst = appendJSON(dst, a.Field(f), i, loc)
		}
		return append(dst, '}')
	default:
		return appendQuoted(dst, arr.ValueStr(i))
	}
}

func appendFloat(dst []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return appendQuoted(dst, strconv.FormatFloat(f, 'g', -1, bits))
	}
	return strconv.AppendFloat(dst, f, 'g', -1, bits)
}

func appendBase64(dst, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// appendQuoted appends s as a JSON string. Invalid UTF-8 becomes U+FFFD.
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}
