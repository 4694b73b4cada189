// Package chaos is the fault-injection suite of the driver: a proxy on
// 127.0.0.1 between the driver and the emulator (Thrift calls and result
// file downloads alike) that answers a share of requests with 503, 429 or
// 500, resets the connection before forwarding or in the middle of the
// reply, delays requests by 0.5-3 s, or drops the reply after the server
// acted; and trials with ground truth for every value: scans through pages
// and through result links, INSERTs (none may run twice, none acknowledged
// may be missing), and a reader that gives up while its fetch is in flight
// before the statement is resumed.
//
// Faults are seeded: the fault of a request follows from the seed, its
// Thrift method (or "file" for downloads) and how many such requests came
// before, so a run with the same seed injects the same faults.
//
// The package's tests run a small, bounded version in `make test`; the
// command github.com/asyncsql/databricks/integration/cmd/chaos (`make
// chaos`) runs 1,000,000-row scans at 10% and 30% fault rates and prints
// the numbers.
package chaos
