// Command bench measures this project's driver side by side with the
// official driver, github.com/databricks/databricks-sql-go v1.14.0, against
// the emulator, and against the ceilings of arrow-go and database/sql: scan
// throughput, SELECT 1, time to first row, peak heap while streaming and
// waiting on a long query. It prints one table and writes BENCHMARKS.md.
//
//	go run ./cmd/bench [-rows 5000000] [-rounds 3] [-wait-seconds 60] [-smoke] [-out BENCHMARKS.md]
//
// Each driver runs in a child process of its own (both register the
// database/sql name "databricks"); the emulator runs in this process.
package main
