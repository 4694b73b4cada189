package driver

import (
	"math"
	"reflect"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// column is the per-column plan, built once per result schema. Every
// ColumnType* method of rows reads from it.
type column struct {
	name      string
	typ       tcli.TTypeId
	typeName  string
	scan      reflect.Type
	precision int64
	scale     int64
	hasPS     bool
	length    int64
	hasLength bool
	nullable  bool
	nullOK    bool
}

var (
	scanAny     = reflect.TypeFor[any]()
	scanBool    = reflect.TypeFor[bool]()
	scanInt8    = reflect.TypeFor[int8]()
	scanInt16   = reflect.TypeFor[int16]()
	scanInt32   = reflect.TypeFor[int32]()
	scanInt64   = reflect.TypeFor[int64]()
	scanFloat32 = reflect.TypeFor[float32]()
	scanFloat64 = reflect.TypeFor[float64]()
	scanString  = reflect.TypeFor[string]()
	scanBytes   = reflect.TypeFor[[]byte]()
	scanTime    = reflect.TypeFor[time.Time]()
)

// typeInfo gives the database type name and scan type of a TTypeId, following
// the driver's value conventions.
func typeInfo(t tcli.TTypeId) (string, reflect.Type) {
	switch t {
	case tcli.TTypeId_BOOLEAN_TYPE:
		return "BOOLEAN", scanBool
	case tcli.TTypeId_TINYINT_TYPE:
		return "TINYINT", scanInt8
	case tcli.TTypeId_SMALLINT_TYPE:
		return "SMALLINT", scanInt16
	case tcli.TTypeId_INT_TYPE:
		return "INT", scanInt32
	case tcli.TTypeId_BIGINT_TYPE:
		return "BIGINT", scanInt64
	case tcli.TTypeId_FLOAT_TYPE:
		return "FLOAT", scanFloat32
	case tcli.TTypeId_DOUBLE_TYPE:
		return "DOUBLE", scanFloat64
	case tcli.TTypeId_STRING_TYPE:
		return "STRING", scanString
	case tcli.TTypeId_VARCHAR_TYPE:
		return "VARCHAR", scanString
	case tcli.TTypeId_CHAR_TYPE:
		return "CHAR", scanString
	case tcli.TTypeId_TIMESTAMP_TYPE:
		return "TIMESTAMP", scanTime
	case tcli.TTypeId_DATE_TYPE:
		return "DATE", scanTime
	case tcli.TTypeId_BINARY_TYPE:
		return "BINARY", scanBytes
	case tcli.TTypeId_DECIMAL_TYPE:
		return "DECIMAL", scanString
	case tcli.TTypeId_ARRAY_TYPE:
		return "ARRAY", scanString
	case tcli.TTypeId_MAP_TYPE:
		return "MAP", scanString
	case tcli.TTypeId_STRUCT_TYPE:
		return "STRUCT", scanString
	case tcli.TTypeId_UNION_TYPE:
		return "UNION", scanString
	case tcli.TTypeId_USER_DEFINED_TYPE:
		return "USER_DEFINED", scanString
	case tcli.TTypeId_INTERVAL_YEAR_MONTH_TYPE:
		return "INTERVAL_YEAR_MONTH", scanString
	case tcli.TTypeId_INTERVAL_DAY_TIME_TYPE:
		return "INTERVAL_DAY_TIME", scanString
	case tcli.TTypeId_NULL_TYPE:
		return "VOID", scanAny
	}
	return "UNKNOWN", scanAny
}

// newPlan builds the column plan from the Thrift schema and, when present, the
// Arrow schema (which supplies nullability). With no Thrift schema the plan is
// derived from the Arrow schema alone.
func newPlan(schema *tcli.TTableSchema, as *arrow.Schema) []column {
	if schema == nil || len(schema.Columns) == 0 {
		if as == nil {
			return nil
		}
		cols := make([]column, as.NumFields())
		for i, f := range as.Fields() {
			cols[i] = planColumn(f.Name, arrowTypeID(f.Type), nil)
			cols[i].nullable, cols[i].nullOK = f.Nullable, true
		}
		return cols
	}
	cols := make([]column, len(schema.Columns))
	for i, cd := range schema.Columns {
		var prim *tcli.TPrimitiveTypeEntry
		typ := tcli.TTypeId_STRING_TYPE
		if cd.TypeDesc != nil && len(cd.TypeDesc.Types) > 0 && cd.TypeDesc.Types[0] != nil {
			e := cd.TypeDesc.Types[0]
			switch {
			case e.PrimitiveEntry != nil:
				prim = e.PrimitiveEntry
				typ = prim.Type
			case e.ArrayEntry != nil:
				typ = tcli.TTypeId_ARRAY_TYPE
			case e.MapEntry != nil:
				typ = tcli.TTypeId_MAP_TYPE
			case e.StructEntry != nil:
				typ = tcli.TTypeId_STRUCT_TYPE
			case e.UnionEntry != nil:
				typ = tcli.TTypeId_UNION_TYPE
			case e.UserDefinedTypeEntry != nil:
				typ = tcli.TTypeId_USER_DEFINED_TYPE
			}
		}
		cols[i] = planColumn(cd.ColumnName, typ, prim)
		if as != nil && i < as.NumFields() {
			cols[i].nullable, cols[i].nullOK = as.Field(i).Nullable, true
		}
	}
	return cols
}

func planColumn(name string, typ tcli.TTypeId, prim *tcli.TPrimitiveTypeEntry) column {
	c := column{name: name, typ: typ, nullable: true}
	c.typeName, c.scan = typeInfo(typ)
	q := func(key string) (int64, bool) {
		if prim == nil || prim.TypeQualifiers == nil {
			return 0, false
		}
		v, ok := prim.TypeQualifiers.Qualifiers[key]
		if !ok || v == nil || v.I32Value == nil {
			return 0, false
		}
		return int64(*v.I32Value), true
	}
	switch typ {
	case tcli.TTypeId_DECIMAL_TYPE:
		p, okp := q("precision")
		s, _ := q("scale")
		if !okp {
			p = 10
		}
		c.precision, c.scale, c.hasPS = p, s, true
	case tcli.TTypeId_VARCHAR_TYPE, tcli.TTypeId_CHAR_TYPE:
		if n, ok := q("characterMaximumLength"); ok {
			c.length, c.hasLength = n, true
		} else {
			c.length, c.hasLength = math.MaxInt64, true
		}
	case tcli.TTypeId_STRING_TYPE, tcli.TTypeId_BINARY_TYPE:
		c.length, c.hasLength = math.MaxInt64, true
	}
	return c
}

// arrowTypeID maps an Arrow type to the closest TTypeId (used only when the
// server sent no Thrift schema).
func arrowTypeID(t arrow.DataType) tcli.TTypeId {
	switch t.ID() {
	case arrow.BOOL:
		return tcli.TTypeId_BOOLEAN_TYPE
	case arrow.INT8:
		return tcli.TTypeId_TINYINT_TYPE
	case arrow.INT16:
		return tcli.TTypeId_SMALLINT_TYPE
	case arrow.INT32:
		return tcli.TTypeId_INT_TYPE
	case arrow.INT64:
		return tcli.TTypeId_BIGINT_TYPE
	case arrow.FLOAT32:
		return tcli.TTypeId_FLOAT_TYPE
	case arrow.FLOAT64:
		return tcli.TTypeId_DOUBLE_TYPE
	case arrow.BINARY, arrow.LARGE_BINARY:
		return tcli.TTypeId_BINARY_TYPE
	case arrow.DATE32, arrow.DATE64:
		return tcli.TTypeId_DATE_TYPE
	case arrow.TIMESTAMP:
		return tcli.TTypeId_TIMESTAMP_TYPE
	case arrow.DECIMAL128, arrow.DECIMAL256:
		return tcli.TTypeId_DECIMAL_TYPE
	case arrow.LIST, arrow.LARGE_LIST:
		return tcli.TTypeId_ARRAY_TYPE
	case arrow.MAP:
		return tcli.TTypeId_MAP_TYPE
	case arrow.STRUCT:
		return tcli.TTypeId_STRUCT_TYPE
	case arrow.NULL:
		return tcli.TTypeId_NULL_TYPE
	}
	return tcli.TTypeId_STRING_TYPE
}

// columnNames returns the names of a plan.
func columnNames(cols []column) []string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	return names
}
