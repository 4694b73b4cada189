// Package peer runs the official Databricks SQL driver for Go
// (github.com/databricks/databricks-sql-go) against the local emulator of
// package github.com/asyncsql/databricks/integration/emulator.
//
// # Purpose
//
// The emulator is the test server of every other suite of this repository.
// A driver written by the same people who wrote the emulator can share their
// misreadings of the protocol; the official driver cannot. This module checks
// that the emulator answers what a real Databricks SQL warehouse answers, as
// far as the official driver can tell: session, every column type and the
// values it returns, multi-page results, native parameters, errors with
// SQLSTATE and cancellation.
//
// # Layout
//
// The package has no API: everything lives in its tests. It is a module of its
// own so that the official driver and its dependencies never enter the
// dependency graph of github.com/asyncsql/databricks.
//
// Run the suite with
//
//	cd integration/peer && go test -race ./...
package peer
