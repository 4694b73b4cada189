// Package chaos is the fault-injection suite of the driver: an emulator
// whose fault rules (emulator.Fault) answer a share of the driver's
// requests (Thrift calls and result-file downloads alike) with 503, 429 or
// 500, reset the connection before processing or in the middle of the
// reply, delay requests by 0.5-3 s, or drop the reply after the server
// acted; and trials with ground truth for every value: scans through pages
// and through result links, INSERTs (none may run twice, none acknowledged
// may be missing), and a reader that gives up while its fetch is in flight
// before the statement is resumed. The emulator's request log says which
// request got which fault.
//
// Faults are seeded: whether a request gets a fault follows from the seed,
// its method (Thrift method or download) and how many requests came before,
// so a run with the same seed and the same order of requests injects the
// same faults.
//
// The package's tests run a small, bounded version in `make test`; the
// command github.com/asyncsql/databricks/integration/cmd/chaos (`make
// chaos`) runs 1,000,000-row scans at 10% and 30% fault rates and prints
// the numbers.
package chaos
