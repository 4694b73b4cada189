package arrowbatch

import (
	"math/big"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow/decimal"
)

// formatDecimalInt returns the exact text of the unscaled value v with scale
// digits after the decimal point.
func formatDecimalInt(v int64, scale int32) string {
	var digits [24]byte
	abs := uint64(v)
	if v < 0 {
		abs = -abs
	}
	return formatDigits(v < 0, strconv.AppendUint(digits[:0], abs, 10), scale)
}

// formatDecimal128 returns the exact text of n with the given scale.
func formatDecimal128(n decimal.Decimal128, scale int32) string {
	lo, hi := n.LowBits(), n.HighBits()
	if hi == int64(lo)>>63 {
		return formatDecimalInt(int64(lo), scale)
	}
	return formatBig(n.BigInt(), scale)
}

// formatBig returns the exact text of the unscaled value b with scale.
func formatBig(b *big.Int, scale int32) string {
	neg := b.Sign() < 0
	return formatDigits(neg, b.Abs(b).Append(nil, 10), scale)
}

// formatDigits places the decimal point into the decimal digits of an
// unscaled absolute value. A negative scale appends zeros.
func formatDigits(neg bool, digits []byte, scale int32) string {
	var buf [96]byte
	out := buf[:0]
	if neg {
		out = append(out, '-')
	}
	if scale <= 0 {
		out = append(out, digits...)
		for range -int64(scale) {
			out = append(out, '0')
		}
		return string(out)
	}
	s := int(scale)
	if len(digits) <= s {
		out = append(out, '0', '.')
		for range s - len(digits) {
			out = append(out, '0')
		}
		out = append(out, digits...)
		return string(out)
	}
	out = append(out, digits[:len(digits)-s]...)
	out = append(out, '.')
	out = append(out, digits[len(digits)-s:]...)
	return string(out)
}
