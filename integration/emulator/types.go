package emulator

import (
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// kind is the Databricks-side shape of a result column.
type kind int

const (
	kNull kind = iota
	kBool
	kInt8
	kInt16
	kInt32
	kInt64
	kFloat32
	kFloat64
	kString
	kBinary
	kDate
	kTimestamp
	kDecimal
	kInterval
	kArray
	kMap
	kStruct
)

// colType is a parsed DuckDB column type with its Databricks mapping.
type colType struct {
	kind      kind
	duck      string // DuckDB type name, upper case (top level only for nested types)
	precision int
	scale     int
	elem      *colType   // kArray
	key, val  *colType   // kMap
	fields    []colField // kStruct, in declaration order
}

type colField struct {
	name string
	typ  *colType
}

// column is one result column: its name and type.
type column struct {
	name string
	typ  *colType
}

// parseDuckType maps a DuckDB type name (as reported by
// ColumnTypeDatabaseTypeName) to a colType. Unknown types become STRING.
func parseDuckType(s string) *colType {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "]") {
		if i := matchingOpen(s, '[', ']'); i > 0 {
			return &colType{kind: kArray, duck: "ARRAY", elem: parseDuckType(s[:i])}
		}
	}
	name, args := s, ""
	if i := strings.IndexByte(s, '('); i > 0 && strings.HasSuffix(s, ")") {
		name, args = strings.TrimSpace(s[:i]), s[i+1:len(s)-1]
	}
	name = strings.ToUpper(name)
	t := &colType{duck: name}
	switch name {
	case "BOOLEAN", "BOOL":
		t.kind = kBool
	case "TINYINT":
		t.kind = kInt8
	case "SMALLINT", "UTINYINT":
		t.kind = kInt16
	case "INTEGER", "INT", "USMALLINT":
		t.kind = kInt32
	case "BIGINT", "UINTEGER":
		t.kind = kInt64
	case "UBIGINT":
		t.kind, t.precision = kDecimal, 20
	case "HUGEINT":
		t.kind, t.precision = kDecimal, 38
	case "FLOAT", "REAL":
		t.kind = kFloat32
	case "DOUBLE":
		t.kind = kFloat64
	case "DECIMAL", "NUMERIC":
		t.kind, t.precision, t.scale = kDecimal, 18, 3
		if p, sc, ok := strings.Cut(args, ","); ok {
			t.precision, _ = strconv.Atoi(strings.TrimSpace(p))
			t.scale, _ = strconv.Atoi(strings.TrimSpace(sc))
		} else if args != "" {
			t.precision, _ = strconv.Atoi(strings.TrimSpace(args))
			t.scale = 0
		}
	case "BLOB", "BYTEA", "VARBINARY":
		t.kind = kBinary
	case "DATE":
		t.kind = kDate
	case "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "TIMESTAMPTZ",
		"TIMESTAMP WITH TIME ZONE", "DATETIME":
		t.kind = kTimestamp
	case "INTERVAL":
		t.kind = kInterval
	case "NULL", `"NULL"`:
		t.kind = kNull
	case "LIST":
		t.kind, t.elem = kArray, parseDuckType(args)
	case "MAP":
		parts := splitTop(args)
		t.kind = kMap
		t.key, t.val = parseDuckType(""), parseDuckType("")
		if len(parts) == 2 {
			t.key, t.val = parseDuckType(parts[0]), parseDuckType(parts[1])
		}
	case "STRUCT":
		t.kind = kStruct
		for _, p := range splitTop(args) {
			n, rest := splitFieldName(p)
			t.fields = append(t.fields, colField{name: n, typ: parseDuckType(rest)})
		}
	default:
		// VARCHAR, JSON, UUID, TIME, ENUM, UNION, BIT, BIGNUM, UHUGEINT ...
		t.kind = kString
	}
	return t
}

// matchingOpen returns the index of the open bracket matching the close
// bracket that ends s, or -1.
func matchingOpen(s string, open, close byte) int {
	depth := 0
	for i := len(s) - 1; i >= 0; i-- {
		switch s[i] {
		case close:
			depth++
		case open:
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// splitTop splits s at commas that are not nested in brackets or quotes.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	if rest := strings.TrimSpace(s[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}

// splitFieldName splits a STRUCT member `"name" TYPE` or `name TYPE`.
func splitFieldName(p string) (string, string) {
	p = strings.TrimSpace(p)
	if strings.HasPrefix(p, `"`) {
		var b strings.Builder
		for i := 1; i < len(p); i++ {
			if p[i] == '"' {
				if i+1 < len(p) && p[i+1] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				return b.String(), p[i+1:]
			}
			b.WriteByte(p[i])
		}
		return b.String(), ""
	}
	n, rest, _ := strings.Cut(p, " ")
	return n, rest
}

// typeID is the TTypeId Databricks reports for the column type.
func (t *colType) typeID() tcli.TTypeId {
	switch t.kind {
	case kNull:
		return tcli.TTypeId_NULL_TYPE
	case kBool:
		return tcli.TTypeId_BOOLEAN_TYPE
	case kInt8:
		return tcli.TTypeId_TINYINT_TYPE
	case kInt16:
		return tcli.TTypeId_SMALLINT_TYPE
	case kInt32:
		return tcli.TTypeId_INT_TYPE
	case kInt64:
		return tcli.TTypeId_BIGINT_TYPE
	case kFloat32:
		return tcli.TTypeId_FLOAT_TYPE
	case kFloat64:
		return tcli.TTypeId_DOUBLE_TYPE
	case kBinary:
		return tcli.TTypeId_BINARY_TYPE
	case kDate:
		return tcli.TTypeId_DATE_TYPE
	case kTimestamp:
		return tcli.TTypeId_TIMESTAMP_TYPE
	case kDecimal:
		return tcli.TTypeId_DECIMAL_TYPE
	case kInterval:
		return tcli.TTypeId_INTERVAL_DAY_TIME_TYPE
	case kArray:
		return tcli.TTypeId_ARRAY_TYPE
	case kMap:
		return tcli.TTypeId_MAP_TYPE
	case kStruct:
		return tcli.TTypeId_STRUCT_TYPE
	default:
		return tcli.TTypeId_STRING_TYPE
	}
}

// typeDesc is the TTypeDesc of the column: one primitive entry carrying the
// type id (as Spark and Databricks send it, also for nested types), with
// precision and scale qualifiers for DECIMAL.
func (t *colType) typeDesc() *tcli.TTypeDesc {
	e := &tcli.TPrimitiveTypeEntry{Type: t.typeID()}
	if t.kind == kDecimal {
		p, s := int32(t.precision), int32(t.scale)
		e.TypeQualifiers = &tcli.TTypeQualifiers{Qualifiers: map[string]*tcli.TTypeQualifierValue{
			"precision": {I32Value: &p},
			"scale":     {I32Value: &s},
		}}
	}
	return &tcli.TTypeDesc{Types: []*tcli.TTypeEntry{{PrimitiveEntry: e}}}
}

// arrowOptions are the client's useArrowNativeTypes choices that change
// the Arrow schema.
type arrowOptions struct {
	decimalAsArrow bool
	nullAsArrow    bool
	complexAsArrow bool
}

// arrowType is the Arrow type of the column in result batches.
func (t *colType) arrowType(o arrowOptions) arrow.DataType {
	switch t.kind {
	case kNull:
		if o.nullAsArrow {
			return arrow.Null
		}
	case kBool:
		return arrow.FixedWidthTypes.Boolean
	case kInt8:
		return arrow.PrimitiveTypes.Int8
	case kInt16:
		return arrow.PrimitiveTypes.Int16
	case kInt32:
		return arrow.PrimitiveTypes.Int32
	case kInt64:
		return arrow.PrimitiveTypes.Int64
	case kFloat32:
		return arrow.PrimitiveTypes.Float32
	case kFloat64:
		return arrow.PrimitiveTypes.Float64
	case kBinary:
		return arrow.BinaryTypes.Binary
	case kDate:
		return arrow.FixedWidthTypes.Date32
	case kTimestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case kDecimal:
		if o.decimalAsArrow {
			return &arrow.Decimal128Type{Precision: int32(t.precision), Scale: int32(t.scale)}
		}
	case kArray:
		if o.complexAsArrow {
			return arrow.ListOfField(arrow.Field{Name: "element", Type: t.elem.arrowType(o), Nullable: true})
		}
	case kMap:
		if o.complexAsArrow {
			return arrow.MapOf(t.key.arrowType(o), t.val.arrowType(o))
		}
	case kStruct:
		if o.complexAsArrow {
			fields := make([]arrow.Field, len(t.fields))
			for i, f := range t.fields {
				fields[i] = arrow.Field{Name: f.name, Type: f.typ.arrowType(o), Nullable: true}
			}
			return arrow.StructOf(fields...)
		}
	}
	return arrow.BinaryTypes.String
}

// arrowSchema is the Arrow schema of a result.
func arrowSchema(cols []column, o arrowOptions) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.name, Type: c.typ.arrowType(o), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// tableSchema is the TTableSchema of a result.
func tableSchema(cols []column) *tcli.TTableSchema {
	ts := &tcli.TTableSchema{Columns: make([]*tcli.TColumnDesc, len(cols))}
	for i, c := range cols {
		ts.Columns[i] = &tcli.TColumnDesc{ColumnName: c.name, TypeDesc: c.typ.typeDesc(), Position: int32(i + 1)}
	}
	return ts
}
