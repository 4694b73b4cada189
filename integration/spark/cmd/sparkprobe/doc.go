// Command sparkprobe waits until an Apache Spark Thrift server
// (HiveThriftServer2) in HTTP mode accepts sessions.
//
// It opens a session with the generated TCLIService client over HTTP,
// sending HTTP Basic authentication on every request (the server requires it
// even with authentication NONE) and client_protocol
// HIVE_CLI_SERVICE_PROTOCOL_V10, closes the session again and exits 0. It
// retries until the timeout elapses and exits 1 then, or at once when the
// server process given by -pid has exited.
//
// It also prints a free loopback TCP port with -free-port, so the Spark
// script needs nothing but Go and Java:
//
//	sparkprobe -free-port
//	sparkprobe -url http://127.0.0.1:PORT/sql/spark/cliservice -pid PID -timeout 180s
//
// The password is read from the SPARKPROBE_PASSWORD environment variable
// (default "spark") so that it never appears in a process listing.
package main
