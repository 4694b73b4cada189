// Command async shows resumable statements: "submit" starts a slow query (10
// s on the emulator), saves its token to a file as soon as the warehouse has
// accepted it, waits a little and exits — SIGTERM or Ctrl-C during the wait
// leave the query running too; "resume", in the same or another process,
// possibly after a restart, reads the token, waits for the query, prints its
// rows with the statement ID and acknowledges them (CloseExecution).
//
//	export DATABRICKS_DSN='token:dapi...@adb-123.azuredatabricks.net:443/sql/1.0/warehouses/abc'
//	go run ./examples/async submit -query 'SELECT ...'
//	go run ./examples/async resume
//
// Instead of DATABRICKS_DSN, DATABRICKS_HOST, DATABRICKS_HTTP_PATH and
// DATABRICKS_TOKEN may name the warehouse. The default query uses sleep_ms, a
// function of this project's emulator (integration/cmd/emulator); pass -query
// for a real warehouse. The token file holds the statement's secret: keep it
// private. Resume within about 20 minutes, or the warehouse may evict the
// statement nobody polls (it then reports GONE).
//
// To watch what a resumer sees when the warehouse restarts, run the emulator
// at a fixed address, warehouse ID and token (integration/cmd/emulator), so
// that the token still names the same warehouse after a restart:
//
//	(cd integration && go run ./cmd/emulator -addr 127.0.0.1:18123 -warehouse-id demo -token dapidemo -idle-eviction 1m)
//	export DATABRICKS_DSN='token:dapidemo@127.0.0.1:18123/sql/1.0/warehouses/demo?protocol=http'
//	go run ./examples/async submit -wait 1s
//	# stop and start the emulator, then:
//	go run ./examples/async resume   # ... ended GONE: ... Invalid OperationHandle
//
// Without the restart, leave the token unread for longer than -idle-eviction
// to see an eviction ("Query has been timed out due to inactivity").
package main
