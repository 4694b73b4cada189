// Command async shows resumable statements: "submit" starts a slow query and
// saves its token to a file, then exits (the query keeps running on the
// warehouse); "resume", in the same or another process, possibly after a
// restart, reads the token, waits for the query and prints its rows.
//
//	export DATABRICKS_DSN='token:dapi...@adb-123.azuredatabricks.net:443/sql/1.0/warehouses/abc'
//	go run ./examples/async submit -query 'SELECT ...'
//	go run ./examples/async resume
//
// Instead of DATABRICKS_DSN, DATABRICKS_HOST, DATABRICKS_HTTP_PATH and
// DATABRICKS_TOKEN may name the warehouse. The default query uses sleep_ms, a
// function of this project's emulator (integration/cmd/emulator); pass -query
// for a real warehouse. The token file holds the statement's secret: keep it
// private. Resume within 10 minutes, or the warehouse may evict the statement
// (it then reports GONE).
package main
