package arrowbatch

import (
	"math/big"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow/decimal"
)

// digitPairs holds the two-digit decimal text of 0 to 99, back to back.
const digitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// decimalBufLen is the size of the stack buffer that the text of a decimal
// of at most 39 digits with a scale in [-maxScale, maxScale] fits into: a
// sign, 39 digits, the point and maxScale digits or zeros.
const decimalBufLen = 1 + 39 + 1 + maxScale

// putDigits writes the decimal digits of u right-aligned into buf, at least
// one digit, and returns the index of the first.
func putDigits(buf []byte, u uint64) int {
	i := len(buf)
	for u >= 100 {
		q := u / 100
		r := u - q*100
		i -= 2
		buf[i], buf[i+1] = digitPairs[2*r], digitPairs[2*r+1]
		u = q
	}
	if u >= 10 {
		i -= 2
		buf[i], buf[i+1] = digitPairs[2*u], digitPairs[2*u+1]
		return i
	}
	i--
	buf[i] = byte('0' + u)
	return i
}

// putFixedDigits writes the low n decimal digits of u, zero-padded, right
// aligned into buf and returns the index of the first together with u
// without those digits.
func putFixedDigits(buf []byte, u uint64, n int) (int, uint64) {
	i := len(buf)
	for ; n >= 2; n -= 2 {
		q := u / 100
		r := u - q*100
		i -= 2
		buf[i], buf[i+1] = digitPairs[2*r], digitPairs[2*r+1]
		u = q
	}
	if n == 1 {
		q := u / 10
		i--
		buf[i] = byte('0' + u - q*10)
		u = q
	}
	return i, u
}

// formatDecimalInt returns the exact text of the unscaled value v with scale
// digits after the decimal point; a negative scale appends -scale zeros.
func formatDecimalInt(v int64, scale int32) string {
	if scale >= -smallScale && scale <= smallScale {
		// The common scales get a small buffer, cheaper to clear.
		var buf [smallDecimalLen]byte
		return string(buf[putDecimalInt(buf[:], v, scale):])
	}
	if scale >= -maxScale && scale <= maxScale {
		var buf [decimalBufLen]byte
		return string(buf[putDecimalInt(buf[:], v, scale):])
	}
	return formatBig(big.NewInt(v), scale)
}

// appendDecimalInt appends the text formatDecimalInt returns to dst.
func appendDecimalInt(dst []byte, v int64, scale int32) []byte {
	if scale >= -smallScale && scale <= smallScale {
		var buf [smallDecimalLen]byte
		return append(dst, buf[putDecimalInt(buf[:], v, scale):]...)
	}
	return append(dst, formatDecimalInt(v, scale)...)
}

// appendDecimal128 appends the text formatDecimal128 returns to dst.
func appendDecimal128(dst []byte, n decimal.Decimal128, scale int32) []byte {
	if lo, hi := n.LowBits(), n.HighBits(); hi == int64(lo)>>63 {
		return appendDecimalInt(dst, int64(lo), scale)
	}
	return append(dst, formatDecimal128(n, scale)...)
}

// smallScale is the largest scale, positive or negative, whose text fits
// a buffer of smallDecimalLen bytes: a sign, 20 digits, the point and
// smallScale digits.
const (
	smallScale      = 26
	smallDecimalLen = 1 + 20 + 1 + smallScale
)

// putDecimalInt writes the text of v with the given scale right-aligned into
// buf, which must hold 22+|scale| bytes, and returns the index of its first
// byte. It writes right to left in one pass: the scale fractional digits
// (zero-padded), the point, the integer digits (at least one) and the sign;
// a negative scale writes -scale zeros instead of fractional digits.
func putDecimalInt(buf []byte, v int64, scale int32) int {
	u := uint64(v)
	if v < 0 {
		u = -u // two's complement: also right for math.MinInt64
	}
	i := len(buf)
	if scale > 0 {
		i, u = putFixedDigits(buf[:i], u, int(scale))
		i--
		buf[i] = '.'
	} else {
		for range -scale {
			i--
			buf[i] = '0'
		}
	}
	i = putDigits(buf[:i], u)
	if v < 0 {
		i--
		buf[i] = '-'
	}
	return i
}

// pow19 is 10^19, the largest power of ten below 2^64.
const pow19 = 10_000_000_000_000_000_000

// formatDecimal128 returns the exact text of n with the given scale.
func formatDecimal128(n decimal.Decimal128, scale int32) string {
	lo, hi := n.LowBits(), n.HighBits()
	if hi == int64(lo)>>63 {
		return formatDecimalInt(int64(lo), scale)
	}
	if scale < -maxScale || scale > maxScale {
		return formatBig(n.BigInt(), scale)
	}
	neg := hi < 0
	uhi := uint64(hi)
	if neg { // the 128-bit two's complement magnitude; -2^127 fits unsigned
		lo = -lo
		uhi = ^uhi
		if lo == 0 {
			uhi++
		}
	}
	// Up to 39 digits, taken 19 at a time from the right by dividing the
	// 128-bit magnitude by 10^19 until it fits 64 bits.
	var digits [40]byte
	i := len(digits)
	for uhi != 0 {
		qhi, r := bits.Div64(0, uhi, pow19)
		qlo, rem := bits.Div64(r, lo, pow19)
		i, _ = putFixedDigits(digits[:i], rem, 19)
		uhi, lo = qhi, qlo
	}
	i = putDigits(digits[:i], lo)
	return formatDigits(neg, digits[i:], scale)
}

// formatBig returns the exact text of the unscaled value b with scale.
func formatBig(b *big.Int, scale int32) string {
	neg := b.Sign() < 0
	return formatDigits(neg, b.Abs(b).Append(nil, 10), scale)
}

// formatDigits places the decimal point into the decimal digits of an
// unscaled absolute value. A negative scale appends zeros.
func formatDigits(neg bool, digits []byte, scale int32) string {
	var buf [decimalBufLen]byte
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
