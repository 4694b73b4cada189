package emulator

import (
	"time"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// buildColumns builds the column-based row set (one TColumn per column) for
// clients that cannot read Arrow. Booleans, integers, floating point numbers
// and binary travel natively; everything else as Hive text, TIMESTAMP
// values in loc (the session time zone).
func buildColumns(cols []column, rows [][]any, loc *time.Location) []*tcli.TColumn {
	out := make([]*tcli.TColumn, len(cols))
	for ci, c := range cols {
		nulls := make([]byte, (len(rows)+7)/8)
		isNull := func(r int) bool {
			if rows[r][ci] == nil {
				nulls[r/8] |= 1 << (r % 8)
				return true
			}
			return false
		}
		var tc tcli.TColumn
		switch c.typ.kind {
		case kBool:
			vals := make([]bool, len(rows))
			for r := range rows {
				if !isNull(r) {
					vals[r], _ = rows[r][ci].(bool)
				}
			}
			tc.BoolVal = &tcli.TBoolColumn{Values: vals, Nulls: nulls}
		case kInt8:
			vals := make([]int8, len(rows))
			for r := range rows {
				if !isNull(r) {
					i, _ := toInt64(rows[r][ci])
					vals[r] = int8(i)
				}
			}
			tc.ByteVal = &tcli.TByteColumn{Values: vals, Nulls: nulls}
		case kInt16:
			vals := make([]int16, len(rows))
			for r := range rows {
				if !isNull(r) {
					i, _ := toInt64(rows[r][ci])
					vals[r] = int16(i)
				}
			}
			tc.I16Val = &tcli.TI16Column{Values: vals, Nulls: nulls}
		case kInt32:
			vals := make([]int32, len(rows))
			for r := range rows {
				if !isNull(r) {
					i, _ := toInt64(rows[r][ci])
					vals[r] = int32(i)
				}
			}
			tc.I32Val = &tcli.TI32Column{Values: vals, Nulls: nulls}
		case kInt64:
			vals := make([]int64, len(rows))
			for r := range rows {
				if !isNull(r) {
					vals[r], _ = toInt64(rows[r][ci])
				}
			}
			tc.I64Val = &tcli.TI64Column{Values: vals, Nulls: nulls}
		case kFloat32, kFloat64:
			vals := make([]float64, len(rows))
			for r := range rows {
				if !isNull(r) {
					vals[r], _ = toFloat64(rows[r][ci])
				}
			}
			tc.DoubleVal = &tcli.TDoubleColumn{Values: vals, Nulls: nulls}
		case kBinary:
			vals := make([][]byte, len(rows))
			for r := range rows {
				if !isNull(r) {
					vals[r], _ = rows[r][ci].([]byte)
				}
				if vals[r] == nil {
					vals[r] = []byte{}
				}
			}
			tc.BinaryVal = &tcli.TBinaryColumn{Values: vals, Nulls: nulls}
		default:
			vals := make([]string, len(rows))
			for r := range rows {
				if isNull(r) {
					continue
				}
				if tm, ok := rows[r][ci].(time.Time); ok && c.typ.kind == kTimestamp {
					vals[r] = tm.In(loc).Format(timestampLayout)
				} else {
					vals[r] = textValue(rows[r][ci], c.typ)
				}
			}
			tc.StringVal = &tcli.TStringColumn{Values: vals, Nulls: nulls}
		}
		out[ci] = &tc
	}
	return out
}
