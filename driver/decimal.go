package driver

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Decimal is an exact decimal number: Unscaled × 10^-Scale. It scans DECIMAL
// columns (delivered as exact text) without going through float64, and as a
// query argument it is sent as DECIMAL(p,s) with p and s taken from the value.
type Decimal struct {
	// Unscaled is the integer coefficient; nil means zero.
	Unscaled *big.Int
	// Scale is the number of digits after the decimal point (>= 0).
	Scale int32
}

// maxDecimalScale bounds the exponents ParseDecimal accepts, far beyond
// DECIMAL(38) so that hostile text cannot make it build huge numbers.
const maxDecimalScale = 1000

// ParseDecimal parses decimal text such as "-12.50", "3", "1e-3" or "+0.5".
func ParseDecimal(s string) (Decimal, error) {
	orig := s
	s = strings.TrimSpace(s)
	exp := int64(0)
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.ParseInt(s[i+1:], 10, 32)
		if err != nil {
			return Decimal{}, fmt.Errorf("databricks: invalid decimal %q", orig)
		}
		exp, s = e, s[:i]
	}
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg, s = s[0] == '-', s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	digits := intPart + frac
	if digits == "" || strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return Decimal{}, fmt.Errorf("databricks: invalid decimal %q", orig)
	}
	scale := int64(len(frac)) - exp
	if scale > maxDecimalScale || scale < -maxDecimalScale {
		return Decimal{}, fmt.Errorf("databricks: decimal %q: exponent out of range", orig)
	}
	u, _ := new(big.Int).SetString(digits, 10)
	if scale < 0 {
		u.Mul(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(-scale), nil))
		scale = 0
	}
	if neg {
		u.Neg(u)
	}
	return Decimal{Unscaled: u, Scale: int32(scale)}, nil
}

// String returns the exact decimal text, with Scale digits after the point.
func (d Decimal) String() string {
	u := d.Unscaled
	if u == nil {
		u = new(big.Int)
	}
	s := new(big.Int).Abs(u).String()
	sign := ""
	if u.Sign() < 0 {
		sign = "-"
	}
	if d.Scale <= 0 {
		return sign + s
	}
	sc := int(d.Scale)
	if len(s) <= sc {
		s = strings.Repeat("0", sc-len(s)+1) + s
	}
	return sign + s[:len(s)-sc] + "." + s[len(s)-sc:]
}

// Rat returns the value as an exact rational.
func (d Decimal) Rat() *big.Rat {
	u := d.Unscaled
	if u == nil {
		u = new(big.Int)
	}
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(d.Scale, 0))), nil)
	return new(big.Rat).SetFrac(u, den)
}

// Precision returns the number of significant digits DECIMAL(p,s) needs: at
// least 1 and at least Scale.
func (d Decimal) Precision() int {
	n := 1
	if d.Unscaled != nil && d.Unscaled.Sign() != 0 {
		n = len(new(big.Int).Abs(d.Unscaled).String())
	}
	return max(n, int(d.Scale))
}

// Scan implements sql.Scanner for DECIMAL text (string or []byte) and for
// integer values. NULL is an error: scan into *Decimal or sql.Null[Decimal].
func (d *Decimal) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case int64:
		*d = Decimal{Unscaled: big.NewInt(v)}
		return nil
	case int32:
		*d = Decimal{Unscaled: big.NewInt(int64(v))}
		return nil
	case int16:
		*d = Decimal{Unscaled: big.NewInt(int64(v))}
		return nil
	case int8:
		*d = Decimal{Unscaled: big.NewInt(int64(v))}
		return nil
	case float64:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		return errors.New("databricks: cannot scan NULL into Decimal")
	default:
		return fmt.Errorf("databricks: cannot scan %T into Decimal", src)
	}
	v, err := ParseDecimal(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Value implements driver.Valuer: the exact decimal text. Passed to this
// driver, a Decimal is bound as DECIMAL(p,s) instead.
func (d Decimal) Value() (driver.Value, error) { return d.String(), nil }
