// Command quickstart creates a table, inserts rows with native parameters, queries
// them back and prints each row with the statement's ID.
//
// It connects to DATABRICKS_DSN when set, otherwise to the warehouse named by
// DATABRICKS_HOST, DATABRICKS_HTTP_PATH and DATABRICKS_TOKEN. `make demo` runs it
// against an embedded emulator with those variables set for it.
package main
