package arrowbatch

import (
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// refDecimal is the reference text of unscaled × 10^-scale, built from
// big.Int's own text: the absolute digits, left-padded with zeros to more
// than scale digits and split by the point; a scale <= 0 appends -scale
// zeros instead.
func refDecimal(unscaled *big.Int, scale int32) string {
	sign := ""
	if unscaled.Sign() < 0 {
		sign = "-"
	}
	digits := new(big.Int).Abs(unscaled).String()
	if scale <= 0 {
		return sign + digits + strings.Repeat("0", int(-scale))
	}
	s := int(scale)
	if len(digits) <= s {
		digits = strings.Repeat("0", s+1-len(digits)) + digits
	}
	return sign + digits[:len(digits)-s] + "." + digits[len(digits)-s:]
}

func TestFormatDecimalInt(t *testing.T) {
	cases := []struct {
		v     int64
		scale int32
		want  string
	}{
		{0, 0, "0"},
		{0, 2, "0.00"},
		{0, -2, "000"},
		{7, 0, "7"},
		{-7, 0, "-7"},
		{5, 3, "0.005"},
		{-5, 3, "-0.005"},
		{-1250, 2, "-12.50"},
		{99999, 2, "999.99"},
		{12, 2, "0.12"},
		{-12, 2, "-0.12"},
		{100, 2, "1.00"},
		{-12, -2, "-1200"},
		{123, 1, "12.3"},
		{math.MaxInt64, 0, "9223372036854775807"},
		{math.MinInt64, 0, "-9223372036854775808"},
		{math.MaxInt64, 2, "92233720368547758.07"},
		{math.MinInt64, 2, "-92233720368547758.08"},
		{math.MaxInt64, 19, "0.9223372036854775807"},
		{math.MinInt64, 20, "-0.09223372036854775808"},
		{1, 38, "0." + strings.Repeat("0", 37) + "1"},
		{-1, maxScale, "-0." + strings.Repeat("0", maxScale-1) + "1"},
		{3, -maxScale, "3" + strings.Repeat("0", maxScale)},
		{1, maxScale + 1, "0." + strings.Repeat("0", maxScale) + "1"},
		{-1, -maxScale - 1, "-1" + strings.Repeat("0", maxScale+1)},
	}
	for _, c := range cases {
		if got := formatDecimalInt(c.v, c.scale); got != c.want {
			t.Errorf("formatDecimalInt(%d, %d) = %q, want %q", c.v, c.scale, got, c.want)
		}
		if ref := refDecimal(big.NewInt(c.v), c.scale); ref != c.want {
			t.Errorf("refDecimal(%d, %d) = %q, want %q", c.v, c.scale, ref, c.want)
		}
	}
}

func TestFormatDecimal128(t *testing.T) {
	max38 := decimal128.GetMaxValue(38)
	cases := []struct {
		n     decimal128.Num
		scale int32
		want  string
	}{
		{max38, 0, strings.Repeat("9", 38)},
		{max38.Negate(), 0, "-" + strings.Repeat("9", 38)},
		{max38, 10, strings.Repeat("9", 28) + "." + strings.Repeat("9", 10)},
		{max38.Negate(), 38, "-0." + strings.Repeat("9", 38)},
		{max38, 40, "0.00" + strings.Repeat("9", 38)},
		{max38, -2, strings.Repeat("9", 38) + "00"},
		{decimal128.New(1, 0), 0, "18446744073709551616"},
		{decimal128.New(-1, 0), 0, "-18446744073709551616"},
		{decimal128.New(0, math.MaxUint64), 3, "18446744073709551.615"},
		{decimal128.New(0, 1<<63), 0, "9223372036854775808"},
		{decimal128.New(-1, 1<<63-1), 0, "-9223372036854775809"},
		{decimal128.New(math.MaxInt64, math.MaxUint64), 0, "170141183460469231731687303715884105727"},
		{decimal128.New(math.MinInt64, 0), 0, "-170141183460469231731687303715884105728"},
		{decimal128.New(math.MinInt64, 0), 39, "-0.170141183460469231731687303715884105728"},
		{decimal128.FromI64(-1250), 2, "-12.50"},
		{decimal128.FromI64(0), 5, "0.00000"},
		{decimal128.FromI64(math.MinInt64), 0, "-9223372036854775808"},
		{decimal128.New(1, 0), maxScale + 1, "0." + strings.Repeat("0", maxScale+1-20) + "18446744073709551616"},
	}
	for _, c := range cases {
		if got := formatDecimal128(c.n, c.scale); got != c.want {
			t.Errorf("formatDecimal128(%v, %d) = %q, want %q", c.n.BigInt(), c.scale, got, c.want)
		}
		if ref := refDecimal(c.n.BigInt(), c.scale); ref != c.want {
			t.Errorf("refDecimal(%v, %d) = %q, want %q", c.n.BigInt(), c.scale, ref, c.want)
		}
	}
}

// TestFormatDecimalPowers checks every power of ten and its neighbours,
// where digit counts change, at every scale from -3 to 41.
func TestFormatDecimalPowers(t *testing.T) {
	p := big.NewInt(1)
	ten := big.NewInt(10)
	one := big.NewInt(1)
	limit := new(big.Int).Lsh(one, 127)
	for p.Cmp(limit) < 0 {
		for _, d := range []*big.Int{new(big.Int).Sub(p, one), p, new(big.Int).Add(p, one)} {
			for _, v := range []*big.Int{d, new(big.Int).Neg(d)} {
				if v.Cmp(limit) >= 0 {
					continue
				}
				n := decimal128.FromBigInt(v)
				for scale := int32(-3); scale <= 41; scale++ {
					if got, want := formatDecimal128(n, scale), refDecimal(v, scale); got != want {
						t.Fatalf("formatDecimal128(%v, %d) = %q, want %q", v, scale, got, want)
					}
					if v.IsInt64() {
						if got, want := formatDecimalInt(v.Int64(), scale), refDecimal(v, scale); got != want {
							t.Fatalf("formatDecimalInt(%v, %d) = %q, want %q", v, scale, got, want)
						}
					}
				}
			}
		}
		p.Mul(p, ten)
	}
}

// FuzzFormatDecimal compares the formatters with the big.Int reference for
// any 128-bit value and scale.
func FuzzFormatDecimal(f *testing.F) {
	f.Add(uint64(0), int64(0), int32(0))
	f.Add(uint64(1250), int64(-1), int32(2))
	f.Add(uint64(math.MaxUint64), int64(math.MaxInt64), int32(38))
	f.Add(uint64(0), int64(math.MinInt64), int32(-5))
	f.Add(uint64(1<<63), int64(0), int32(19))
	f.Fuzz(func(t *testing.T, lo uint64, hi int64, scale int32) {
		n := decimal128.New(hi, lo)
		want := refDecimal(n.BigInt(), scale%(maxScale+20))
		if got := formatDecimal128(n, scale%(maxScale+20)); got != want {
			t.Fatalf("formatDecimal128(%v, %d) = %q, want %q", n.BigInt(), scale%(maxScale+20), got, want)
		}
		if got, want := formatDecimalInt(int64(lo), scale%(maxScale+20)), refDecimal(big.NewInt(int64(lo)), scale%(maxScale+20)); got != want {
			t.Fatalf("formatDecimalInt(%d, %d) = %q, want %q", int64(lo), scale%(maxScale+20), got, want)
		}
	})
}

// BenchmarkFormatDecimal measures the text of DECIMAL(18,2) values and of
// 38-digit values.
func BenchmarkFormatDecimal(b *testing.B) {
	b.Run("int64", func(b *testing.B) {
		b.ReportAllocs()
		i := int64(0)
		for b.Loop() {
			_ = formatDecimal128(decimal128.FromI64(i*7919-5000000), 2)
			i++
		}
	})
	b.Run("38digits", func(b *testing.B) {
		n := decimal128.GetMaxValue(38).Negate()
		b.ReportAllocs()
		for b.Loop() {
			_ = formatDecimal128(n, 10)
		}
	})
}

// TestDecimalTextOutlivesBatch keeps the DECIMAL strings of several batches
// (their text shares one buffer per batch) and checks them after later
// batches were decoded, with NULLs and values wider than 64 bits between.
func TestDecimalTextOutlivesBatch(t *testing.T) {
	typ := &arrow.Decimal128Type{Precision: 38, Scale: 2}
	schema := arrow.NewSchema([]arrow.Field{{Name: "d", Type: typ, Nullable: true}}, nil)
	r, err := newTestReader(encodeSchema(t, schema), true, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got, want []any
	for batch := range 4 {
		b := array.NewDecimal128Builder(memory.DefaultAllocator, typ)
		var exp []any
		for i := range 1000 {
			switch {
			case i%7 == 0:
				b.AppendNull()
				exp = append(exp, nil)
			case i%11 == 0:
				n := decimal128.New(int64(batch+1), uint64(i)) // above 2^64
				b.Append(n)
				exp = append(exp, formatBig(n.BigInt(), 2))
			default:
				v := int64(batch*1_000_000 - i*12345)
				b.Append(decimal128.FromI64(v))
				exp = append(exp, formatBig(big.NewInt(v), 2))
			}
		}
		arr := b.NewArray()
		b.Release()
		rec := array.NewRecordBatch(schema, []arrow.Array{arr}, int64(arr.Len()))
		arr.Release()
		dec, err := r.DecodeTransient(encodeBatch(t, rec, true))
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Bind(dec); err != nil {
			t.Fatal(err)
		}
		dest := make([]any, 1)
		for i := range exp {
			r.Row(i, dest)
			got = append(got, dest[0])
		}
		dec.Release()
		want = append(want, exp...)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("value %d = %#v, want %#v", i, got[i], want[i])
		}
	}
}
