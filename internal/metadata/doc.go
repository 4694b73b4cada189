// Package metadata is the catalog metadata request that travels from the
// public catalog package through database/sql to the driver's backend: the
// call (catalogs, schemas, tables, columns, functions, primary keys, cross
// reference) and the names that narrow it. It is internal so that the only
// way to make one is through the catalog package; the driver's connections
// accept it as the single argument of a query with no SQL text and send the
// service's metadata call instead of a statement.
package metadata
