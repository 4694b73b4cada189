// Command emulator runs a local Databricks SQL warehouse emulator (package
// github.com/asyncsql/databricks/integration/emulator, SQL dialect DuckDB).
//
// Standalone, it prints the DSN and the environment lines and serves until
// interrupted:
//
//	emulator [-addr 127.0.0.1:0] [-token T] [-db file.duckdb] [-hold 5s]
//
// Around a child process, it starts the emulator, runs the command with
// DATABRICKS_HOST (127.0.0.1:port), DATABRICKS_HTTP_PATH, DATABRICKS_TOKEN and
// DATABRICKS_DSN set, and exits with the child's status:
//
//	emulator [flags] -- go run ./examples/basic
package main
