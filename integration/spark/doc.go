// Package spark holds integration tests of the driver against a real Apache
// Spark Thrift server (HiveThriftServer2) in HTTP mode.
//
// The tests run only when SPARK_DSN names a running server, e.g.
// "spark:spark@127.0.0.1:10001/sql/spark/cliservice?protocol=http"; otherwise
// they skip. `make spark-test` (scripts/spark.sh) installs Spark from PyPI,
// starts the server, sets SPARK_DSN and runs them.
package spark
