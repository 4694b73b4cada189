package emulator

import (
	"runtime"
	"time"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// buildColumns builds the column-based row set (one TColumn per column) of
// rows [start,end) of data for clients that cannot read Arrow. Booleans,
// integers, floating point numbers and binary travel natively; everything
// else as Hive text, TIMESTAMP values in loc (the session time zone).
func buildColumns(cols []column, data *resultStore, start, end int, loc *time.Location) []*tcli.TColumn {
	n := end - start
	out := make([]*tcli.TColumn, len(cols))
	for ci, c := range cols {
		nulls := make([]byte, (n+7)/8)
		// pieces calls fn for each non-NULL row: its position in the page
		// and its boxed value; vectors matching the column's wire type
		// are copied by fast (when not nil) instead, for the whole piece.
		pieces := func(fast func(v vector, from, to, off int) bool, fn func(r int, v any)) {
			data.each(ci, start, end, func(cc *colChunk, from, to, off int) {
				if cc.hasNulls(from, to) {
					for i := from; i < to; i++ {
						if cc.isNull(i) {
							r := off + i - from
							nulls[r/8] |= 1 << (r % 8)
						}
					}
				}
				if cc.vec == nil || (fast != nil && fast(cc.vec, from, to, off)) {
					return
				}
				for i := from; i < to; i++ {
					if !cc.isNull(i) {
						fn(off+i-from, cc.vec.value(i))
					}
				}
			})
		}
		var tc tcli.TColumn
		switch c.typ.kind {
		case kBool:
			vals := make([]bool, n)
			pieces(func(v vector, from, to, off int) bool {
				bv, ok := v.(*boolVec)
				if ok {
					copy(vals[off:], bv.vals[from:to])
				}
				return ok
			}, func(r int, v any) { vals[r], _ = v.(bool) })
			tc.BoolVal = &tcli.TBoolColumn{Values: vals, Nulls: nulls}
		case kInt8:
			vals := make([]int8, n)
			pieces(fastCopy(vals), func(r int, v any) {
				i, _ := toInt64(v)
				vals[r] = int8(i)
			})
			tc.ByteVal = &tcli.TByteColumn{Values: vals, Nulls: nulls}
		case kInt16:
			vals := make([]int16, n)
			pieces(fastCopy(vals), func(r int, v any) {
				i, _ := toInt64(v)
				vals[r] = int16(i)
			})
			tc.I16Val = &tcli.TI16Column{Values: vals, Nulls: nulls}
		case kInt32:
			vals := make([]int32, n)
			pieces(fastCopy(vals), func(r int, v any) {
				i, _ := toInt64(v)
				vals[r] = int32(i)
			})
			tc.I32Val = &tcli.TI32Column{Values: vals, Nulls: nulls}
		case kInt64:
			vals := make([]int64, n)
			pieces(fastCopy(vals), func(r int, v any) { vals[r], _ = toInt64(v) })
			tc.I64Val = &tcli.TI64Column{Values: vals, Nulls: nulls}
		case kFloat32, kFloat64:
			vals := make([]float64, n)
			pieces(fastCopy(vals), func(r int, v any) { vals[r], _ = toFloat64(v) })
			tc.DoubleVal = &tcli.TDoubleColumn{Values: vals, Nulls: nulls}
		case kBinary:
			vals := make([][]byte, n)
			pieces(nil, func(r int, v any) { vals[r], _ = v.([]byte) })
			for r := range vals {
				if vals[r] == nil {
					vals[r] = []byte{}
				}
			}
			tc.BinaryVal = &tcli.TBinaryColumn{Values: vals, Nulls: nulls}
		default:
			vals := make([]string, n)
			var fast func(v vector, from, to, off int) bool
			switch c.typ.kind {
			case kString:
				fast = func(v vector, from, to, off int) bool {
					bv, ok := v.(*bytesVec)
					if !ok || bv.isBytes {
						return false
					}
					// Strings are their own text; NULL rows stay "".
					for i := from; i < to; i++ {
						if b := bv.bytes(i); len(b) > 0 {
							vals[off+i-from] = string(b)
						}
					}
					return true
				}
			case kDecimal:
				fast = func(v vector, from, to, off int) bool {
					dv, ok := v.(*decVec)
					if !ok || int(dv.scale) != c.typ.scale {
						return false // rescaling: textValue
					}
					var buf []byte
					for i := from; i < to; i++ {
						if !nullAt(nulls, off+i-from) {
							buf = appendDecimal64(buf[:0], dv.vals[i], c.typ.scale)
							vals[off+i-from] = string(buf)
						}
					}
					return true
				}
			case kDate, kTimestamp:
				fast = func(v vector, from, to, off int) bool {
					tv, ok := v.(*timeVec)
					if !ok {
						return false
					}
					zone, layout := time.UTC, dateLayout
					if c.typ.kind == kTimestamp {
						zone, layout = loc, timestampLayout
					}
					var buf []byte
					for i := from; i < to; i++ {
						if !nullAt(nulls, off+i-from) {
							buf = time.UnixMicro(tv.us[i]).In(zone).AppendFormat(buf[:0], layout)
							vals[off+i-from] = string(buf)
						}
					}
					return true
				}
			}
			pieces(fast, func(r int, v any) {
				if tm, ok := v.(time.Time); ok && c.typ.kind == kTimestamp {
					vals[r] = tm.In(loc).Format(timestampLayout)
				} else {
					vals[r] = textValue(v, c.typ)
				}
			})
			tc.StringVal = &tcli.TStringColumn{Values: vals, Nulls: nulls}
		}
		out[ci] = &tc
	}
	runtime.KeepAlive(data) // its mappings stay until the values are copied
	return out
}

// nullAt reports whether page row r is marked NULL in nulls.
func nullAt(nulls []byte, r int) bool { return nulls[r/8]&(1<<(r%8)) != 0 }

// fastCopy returns the fast path of buildColumns for a numeric wire type:
// a vector of exactly that Go type is copied as is (NULL rows hold 0, as
// the boxed path leaves them).
func fastCopy[T number](vals []T) func(v vector, from, to, off int) bool {
	return func(v vector, from, to, off int) bool {
		nv, ok := v.(*numVec[T])
		if ok {
			copy(vals[off:], nv.vals[from:to])
		}
		return ok
	}
}
