package colset

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// fuzzTypes maps fuzz bytes to column types: the type id is b%23 (22 is an
// unknown id), the DECIMAL scale b/23%4.
func fuzzTypes(b []byte) []ColumnType {
	types := make([]ColumnType, len(b))
	for i, c := range b {
		types[i] = ColumnType{Type: tcli.TTypeId(c % 23), Scale: int(c/23) % 4}
	}
	return types
}

func typeByte(id tcli.TTypeId, scale int) byte { return byte(int(id) + 23*scale) }

func serialize(t testing.TB, cols ...*tcli.TColumn) []byte {
	t.Helper()
	b, err := thrift.NewTSerializer().Write(context.Background(), &tcli.TRowSet{Rows: []*tcli.TRow{}, Columns: cols})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantKind is the Go type of non-NULL values of a column type; nil means
// the type does not fix it.
func wantKind(id tcli.TTypeId) reflect.Type {
	switch id {
	case tcli.TTypeId_BOOLEAN_TYPE:
		return reflect.TypeFor[bool]()
	case tcli.TTypeId_TINYINT_TYPE:
		return reflect.TypeFor[int8]()
	case tcli.TTypeId_SMALLINT_TYPE:
		return reflect.TypeFor[int16]()
	case tcli.TTypeId_INT_TYPE:
		return reflect.TypeFor[int32]()
	case tcli.TTypeId_BIGINT_TYPE:
		return reflect.TypeFor[int64]()
	case tcli.TTypeId_FLOAT_TYPE:
		return reflect.TypeFor[float32]()
	case tcli.TTypeId_DOUBLE_TYPE:
		return reflect.TypeFor[float64]()
	case tcli.TTypeId_BINARY_TYPE:
		return reflect.TypeFor[[]byte]()
	case tcli.TTypeId_DATE_TYPE, tcli.TTypeId_TIMESTAMP_TYPE:
		return reflect.TypeFor[time.Time]()
	case tcli.TTypeId_STRING_TYPE, tcli.TTypeId_VARCHAR_TYPE, tcli.TTypeId_CHAR_TYPE, tcli.TTypeId_DECIMAL_TYPE,
		tcli.TTypeId_INTERVAL_YEAR_MONTH_TYPE, tcli.TTypeId_INTERVAL_DAY_TIME_TYPE,
		tcli.TTypeId_ARRAY_TYPE, tcli.TTypeId_MAP_TYPE, tcli.TTypeId_STRUCT_TYPE,
		tcli.TTypeId_UNION_TYPE, tcli.TTypeId_USER_DEFINED_TYPE:
		return reflect.TypeFor[string]()
	}
	return nil
}

// FuzzDecode decodes TRowSets deserialized from arbitrary Thrift binary
// bytes: Decode must fail or return a page whose every value has the
// column's Go type.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{typeByte(tcli.TTypeId_INT_TYPE, 0), typeByte(tcli.TTypeId_STRING_TYPE, 0)},
		serialize(f, i32Col([]int32{1, -2, 3}, 2), strCol([]string{"a", "b", ""}, 4)))
	f.Add([]byte{typeByte(tcli.TTypeId_DECIMAL_TYPE, 2), typeByte(tcli.TTypeId_DATE_TYPE, 0), typeByte(tcli.TTypeId_TIMESTAMP_TYPE, 0)},
		serialize(f, strCol([]string{"-12.5", "0"}), strCol([]string{"2024-02-29", ""}, 2), strCol([]string{"2023-01-01 00:00:00.123", "1970-01-01T00:00:00"})))
	f.Add([]byte{typeByte(tcli.TTypeId_BOOLEAN_TYPE, 0), typeByte(tcli.TTypeId_TINYINT_TYPE, 0), typeByte(tcli.TTypeId_SMALLINT_TYPE, 0),
		typeByte(tcli.TTypeId_BIGINT_TYPE, 0), typeByte(tcli.TTypeId_FLOAT_TYPE, 0), typeByte(tcli.TTypeId_DOUBLE_TYPE, 0), typeByte(tcli.TTypeId_BINARY_TYPE, 0)},
		serialize(f, boolCol([]bool{true}), byteCol([]int8{-1}), i16Col([]int16{7}), i64Col([]int64{1 << 40}, 1),
			dblCol([]float64{1.5}), dblCol([]float64{-2}), binCol([][]byte{{1, 2}})))
	f.Add([]byte{typeByte(tcli.TTypeId_NULL_TYPE, 0), typeByte(tcli.TTypeId_ARRAY_TYPE, 0), typeByte(tcli.TTypeId_INTERVAL_DAY_TIME_TYPE, 0)},
		serialize(f, strCol([]string{""}, 1), strCol([]string{"[1,2]"}), strCol([]string{"1 00:00:00.000000000"})))
	f.Add([]byte{}, serialize(f))
	f.Fuzz(func(t *testing.T, typeBytes, data []byte) {
		var rs tcli.TRowSet
		if err := thrift.NewTDeserializer().Read(context.Background(), &rs, data); err != nil {
			return
		}
		types := fuzzTypes(typeBytes)
		p, err := Decode(rs.Columns, types, Options{})
		if err != nil {
			return
		}
		if p.NumRows() < 0 || (p.NumColumns() != 0 && p.NumColumns() != len(types)) {
			t.Fatalf("rows %d, columns %d for %d types", p.NumRows(), p.NumColumns(), len(types))
		}
		if p.NumColumns() == 0 && p.NumRows() != 0 {
			t.Fatalf("%d rows without columns", p.NumRows())
		}
		for c := range p.NumColumns() {
			want := wantKind(types[c].Type)
			for r := range p.NumRows() {
				v := p.Value(c, r)
				if types[c].Type == tcli.TTypeId_NULL_TYPE && v != nil {
					t.Fatalf("NULL type value %#v", v)
				}
				if v != nil && want != nil && reflect.TypeOf(v) != want {
					t.Fatalf("column %d (%s) row %d: %T, want %v", c, types[c].Type, r, v, want)
				}
			}
		}
	})
}
