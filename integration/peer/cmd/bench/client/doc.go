// Package client holds the measurements the benchmark runs in a child
// process, one process per driver: the official driver and this project's
// driver both register the database/sql name "databricks", so they cannot
// share a binary. The parent process runs the emulator and passes a Spec in
// the environment; the child prints a Result as JSON on stdout.
package client
