// Package spark holds integration tests of the driver against a real Apache
// Spark Thrift server (HiveThriftServer2) in HTTP mode.
//
// The tests run only when SPARK_DSN names a running server, e.g.
// "spark:spark@127.0.0.1:10001/sql/spark/cliservice?protocol=http"; otherwise
// they skip. `make spark-test` (scripts/spark.sh) installs Spark from PyPI,
// starts the server, sets SPARK_DSN and runs them.
//
// Some tests also start the emulator (integration/emulator) in the test
// process: TestCompareWithEmulator sends the same literal and cast queries
// to both servers and compares the Go values one by one, and the TestAny*
// tests (the server-independent part of the e2e suite) run against each.
// The async tests re-execute the test binary as a helper process (selected
// by the SPARK_ASYNC_CHILD environment variable) to submit, close, be killed
// or cancel from another process.
package spark
