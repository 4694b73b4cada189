// Command peerclient is the benchmark's child process for the official
// driver, github.com/databricks/databricks-sql-go: see package client.
package main
