// Package e2e tests the driver of github.com/asyncsql/databricks end to end
// through database/sql against the emulator of package
// github.com/asyncsql/databricks/integration/emulator.
//
// # What is covered
//
//   - Connecting with sql.Open("databricks", dsn) and the DSN of the emulator.
//   - Every column type, NULLs included, against the driver's value
//     conventions, and the ColumnTypes metadata, over Arrow batches (with and
//     without LZ4) and over column sets.
//   - Multi-page results with a small maxRows: exact row count and checksum.
//   - Native parameters, positional and named.
//   - Server errors as *driver.ServerError with SQLSTATE and statement ID.
//   - Context cancellation during a slow statement: the call returns promptly
//     and the statement is cancelled on the server.
//   - Retries of HTTP 429 and 503 replies injected by the emulator.
//   - Exec with RowsAffected, and the statement ID callback.
//
// # Running
//
// The package has no API: everything lives in its tests.
//
//	cd integration && go test -race ./e2e
package e2e
