// Package catalog lists a warehouse's catalog metadata — catalogs, schemas,
// tables and views, columns, functions, primary keys and foreign keys —
// through the service's metadata calls (GetCatalogs, GetSchemas, GetTables,
// GetColumns, GetFunctions, GetPrimaryKeys, GetCrossReference) instead of
// SQL, for any connection of the databricks driver.
//
// # Rows and typed lists
//
// Each listing comes two ways. Catalogs, Schemas, Tables, Columns,
// Functions, PrimaryKeys and CrossReference return the server's result as
// *sql.Rows, with the JDBC-style columns the service defines (TABLE_CAT,
// TABLE_SCHEM, TABLE_NAME, TABLE_TYPE, REMARKS, ... for tables;
// COLUMN_NAME, DATA_TYPE, TYPE_NAME, ... for columns); the README lists
// them. ListCatalogs, ListSchemas, ListTables, ListColumns, ListFunctions,
// ListPrimaryKeys and ListCrossReference read those rows into slices of
// Schema, Table, Column, Function, KeyColumn and ForeignKey, matching
// columns by name, so a server that sends fewer or more columns (Apache
// Spark's Thrift server leaves some out) still fills what it sent.
//
// Every function takes a Queryer, which *sql.DB and *sql.Conn are. The call
// runs on a connection like a query, and the rows must be closed like a
// query's.
//
// # Patterns
//
// Schema, table, column and function names in a Filter are patterns as the
// service defines them: SQL LIKE, where '%' matches any run of characters,
// '_' exactly one, and '\' makes the next character literal. An empty
// pattern matches everything. Names are identifiers, which Databricks
// compares without case. Since '_' is common in names, pass a literal name
// through EscapePattern: Filter{Table: catalog.EscapePattern("my_table")}
// matches my_table and not myXtable. Catalog names, and the names of
// PrimaryKeys and CrossReference, are exact, never patterns; an empty
// catalog means every catalog (or the server's default, where it takes one).
//
// # Servers
//
// Databricks SQL warehouses and Apache Spark's Thrift server answer all
// seven calls (Spark has no catalogs above its databases and reports
// TABLE_CAT empty; its primary and foreign keys come from the Hive
// metastore). A connection whose protocol has no metadata calls fails with
// driver.ErrMetadataNotSupported.
package catalog
