package metadata

import "fmt"

// Call is one of the service's catalog metadata calls.
type Call uint8

// The metadata calls, named after the TCLIService methods.
const (
	GetCatalogs Call = iota + 1
	GetSchemas
	GetTables
	GetColumns
	GetFunctions
	GetPrimaryKeys
	GetCrossReference
)

var names = [...]string{
	GetCatalogs: "GetCatalogs", GetSchemas: "GetSchemas", GetTables: "GetTables",
	GetColumns: "GetColumns", GetFunctions: "GetFunctions",
	GetPrimaryKeys: "GetPrimaryKeys", GetCrossReference: "GetCrossReference",
}

// String returns the method name of c.
func (c Call) String() string {
	if int(c) < len(names) && names[c] != "" {
		return names[c]
	}
	return fmt.Sprintf("metadata.Call(%d)", uint8(c))
}

// Request says what a metadata call lists. An empty field is not sent: the
// server then matches every name (or, for a catalog, may use its default).
// Schema, Table, Column and Function are patterns (SQL LIKE: '%' any run,
// '_' one character, '\' escapes either) in GetSchemas, GetTables,
// GetColumns and GetFunctions; Catalog is always an exact name, and so is
// every name of GetPrimaryKeys and GetCrossReference.
type Request struct {
	Call Call
	// Catalog, Schema and Table narrow the listing; in GetCrossReference
	// they name the parent table (the one whose primary key is referenced).
	Catalog, Schema, Table string
	// Column narrows GetColumns.
	Column string
	// Function narrows GetFunctions.
	Function string
	// TableTypes narrows GetTables to these table types (such as "TABLE",
	// "VIEW"); empty lists every type.
	TableTypes []string
	// ForeignCatalog, ForeignSchema and ForeignTable name the foreign table
	// of GetCrossReference (the one holding the foreign key).
	ForeignCatalog, ForeignSchema, ForeignTable string
}
