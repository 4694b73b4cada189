package colset

import (
	"fmt"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// TypesFromSchema returns the column types of a table schema, in the order
// of its columns: the type of entry 0 of every column's TTypeDesc, with the
// DECIMAL scale taken from the "scale" qualifier. Nested entries give
// ARRAY_TYPE, MAP_TYPE, STRUCT_TYPE, UNION_TYPE or USER_DEFINED_TYPE.
func TypesFromSchema(s *tcli.TTableSchema) ([]ColumnType, error) {
	if s == nil {
		return nil, nil
	}
	types := make([]ColumnType, len(s.Columns))
	for i, c := range s.Columns {
		if c == nil || c.TypeDesc == nil || len(c.TypeDesc.Types) == 0 || c.TypeDesc.Types[0] == nil {
			return nil, fmt.Errorf("colset: column %d has no type", i)
		}
		e := c.TypeDesc.Types[0]
		switch {
		case e.PrimitiveEntry != nil:
			types[i].Type = e.PrimitiveEntry.Type
			if q := e.PrimitiveEntry.TypeQualifiers; q != nil {
				if v := q.Qualifiers["scale"]; v != nil && v.I32Value != nil {
					if *v.I32Value < 0 || *v.I32Value > maxScale {
						return nil, fmt.Errorf("colset: column %d: scale %d out of range", i, *v.I32Value)
					}
					types[i].Scale = int(*v.I32Value)
				}
			}
		case e.ArrayEntry != nil:
			types[i].Type = tcli.TTypeId_ARRAY_TYPE
		case e.MapEntry != nil:
			types[i].Type = tcli.TTypeId_MAP_TYPE
		case e.StructEntry != nil:
			types[i].Type = tcli.TTypeId_STRUCT_TYPE
		case e.UnionEntry != nil:
			types[i].Type = tcli.TTypeId_UNION_TYPE
		case e.UserDefinedTypeEntry != nil:
			types[i].Type = tcli.TTypeId_USER_DEFINED_TYPE
		default:
			return nil, fmt.Errorf("colset: column %d has an empty type entry", i)
		}
	}
	return types, nil
}
