package driver

import (
	"database/sql"
	"math/big"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	cases := []struct {
		in    string
		str   string
		scale int32
		prec  int
		bad   bool
	}{
		{in: "-12.50", str: "-12.50", scale: 2, prec: 4},
		{in: "0", str: "0", prec: 1},
		{in: "+0.005", str: "0.005", scale: 3, prec: 3},
		{in: ".5", str: "0.5", scale: 1, prec: 1},
		{in: "5.", str: "5", prec: 1},
		{in: "1e3", str: "1000", prec: 4},
		{in: "1.5E-3", str: "0.0015", scale: 4, prec: 4},
		{in: "12345678901234567890123456789012345678", str: "12345678901234567890123456789012345678", prec: 38},
		{in: "", bad: true},
		{in: "-", bad: true},
		{in: "1.2.3", bad: true},
		{in: "abc", bad: true},
		{in: "1e", bad: true},
		{in: "NaN", bad: true},
	}
	for _, c := range cases {
		d, err := ParseDecimal(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("%q accepted", c.in)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if d.String() != c.str || d.Scale != c.scale || d.Precision() != c.prec {
			t.Errorf("%q: %s scale %d prec %d", c.in, d, d.Scale, d.Precision())
		}
	}
}

func TestDecimalScanValueRat(t *testing.T) {
	var d Decimal
	for _, src := range []any{"-3.25", []byte("-3.25")} {
		if err := d.Scan(src); err != nil || d.String() != "-3.25" {
			t.Fatalf("%v: %s %v", src, d, err)
		}
	}
	if d.Rat().Cmp(big.NewRat(-13, 4)) != 0 {
		t.Fatal(d.Rat())
	}
	if err := d.Scan(int64(7)); err != nil || d.String() != "7" {
		t.Fatal(d, err)
	}
	if err := d.Scan(nil); err == nil {
		t.Fatal("NULL scanned")
	}
	if err := d.Scan(true); err == nil {
		t.Fatal("bool scanned")
	}
	var nd sql.Null[Decimal]
	if err := nd.Scan(nil); err != nil || nd.Valid {
		t.Fatal("sql.Null[Decimal]")
	}
	v, err := Decimal{Unscaled: big.NewInt(1), Scale: 5}.Value()
	if err != nil || v != "0.00001" {
		t.Fatal(v, err)
	}
	if (Decimal{}).String() != "0" || (Decimal{Scale: 2}).String() != "0.00" {
		t.Fatal("zero value")
	}
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"-12.50", "0", "1e3", ".5", "1.5E-3", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDecimal(s)
		if err != nil {
			return
		}
		// The text form parses back to the same value.
		d2, err := ParseDecimal(d.String())
		if err != nil || d2.Rat().Cmp(d.Rat()) != 0 || d2.String() != d.String() {
			t.Fatalf("%q -> %s -> %s %v", s, d, d2, err)
		}
	})
}

func TestJSONScan(t *testing.T) {
	type point struct {
		X int `json:"x"`
		Y int `json:"y"`
	}
	var s JSON[point]
	if err := s.Scan(`{"x":1,"y":2}`); err != nil || !s.Valid || s.V != (point{1, 2}) {
		t.Fatal(s, err)
	}
	var m JSON[map[string][]int]
	if err := m.Scan([]byte(`{"a":[1,2]}`)); err != nil || len(m.V["a"]) != 2 {
		t.Fatal(m, err)
	}
	if err := m.Scan(nil); err != nil || m.Valid || m.V != nil {
		t.Fatal("NULL", m)
	}
	if err := m.Scan("not json"); err == nil {
		t.Fatal("bad json accepted")
	}
	if err := m.Scan(3); err == nil {
		t.Fatal("int accepted")
	}
}
