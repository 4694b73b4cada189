package colset

import (
	"reflect"
	"testing"

	"github.com/asyncsql/databricks/thrift/tcli"
)

func primitive(t tcli.TTypeId, q map[string]*tcli.TTypeQualifierValue) *tcli.TColumnDesc {
	e := &tcli.TPrimitiveTypeEntry{Type: t}
	if q != nil {
		e.TypeQualifiers = &tcli.TTypeQualifiers{Qualifiers: q}
	}
	return &tcli.TColumnDesc{TypeDesc: &tcli.TTypeDesc{Types: []*tcli.TTypeEntry{{PrimitiveEntry: e}}}}
}

func i32p(v int32) *int32 { return &v }

func TestTypesFromSchema(t *testing.T) {
	schema := &tcli.TTableSchema{Columns: []*tcli.TColumnDesc{
		primitive(tcli.TTypeId_INT_TYPE, nil),
		primitive(tcli.TTypeId_DECIMAL_TYPE, map[string]*tcli.TTypeQualifierValue{"precision": {I32Value: i32p(10)}, "scale": {I32Value: i32p(3)}}),
		primitive(tcli.TTypeId_VARCHAR_TYPE, map[string]*tcli.TTypeQualifierValue{"characterMaximumLength": {I32Value: i32p(20)}}),
		{TypeDesc: &tcli.TTypeDesc{Types: []*tcli.TTypeEntry{{ArrayEntry: &tcli.TArrayTypeEntry{ObjectTypePtr: 1}}, {PrimitiveEntry: &tcli.TPrimitiveTypeEntry{Type: tcli.TTypeId_INT_TYPE}}}}},
		{TypeDesc: &tcli.TTypeDesc{Types: []*tcli.TTypeEntry{{MapEntry: &tcli.TMapTypeEntry{}}}}},
		{TypeDesc: &tcli.TTypeDesc{Types: []*tcli.TTypeEntry{{StructEntry: &tcli.TStructTypeEntry{}}}}},
	}}
	got, err := TypesFromSchema(schema)
	if err != nil {
		t.Fatal(err)
	}
	want := []ColumnType{
		{Type: tcli.TTypeId_INT_TYPE}, {Type: tcli.TTypeId_DECIMAL_TYPE, Scale: 3}, {Type: tcli.TTypeId_VARCHAR_TYPE},
		{Type: tcli.TTypeId_ARRAY_TYPE}, {Type: tcli.TTypeId_MAP_TYPE}, {Type: tcli.TTypeId_STRUCT_TYPE},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for name, bad := range map[string]*tcli.TTableSchema{
		"nil column":  {Columns: []*tcli.TColumnDesc{nil}},
		"no types":    {Columns: []*tcli.TColumnDesc{{TypeDesc: &tcli.TTypeDesc{}}}},
		"empty entry": {Columns: []*tcli.TColumnDesc{{TypeDesc: &tcli.TTypeDesc{Types: []*tcli.TTypeEntry{{}}}}}},
		"bad scale":   {Columns: []*tcli.TColumnDesc{primitive(tcli.TTypeId_DECIMAL_TYPE, map[string]*tcli.TTypeQualifierValue{"scale": {I32Value: i32p(-1)}})}},
	} {
		if _, err := TypesFromSchema(bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
