// Command chaos runs the fault-injection trials of package chaos at full
// size and prints their numbers: for each fault rate, how many
// 1,000,000-row scans through pages and through result links completed
// exactly, failed where no driver may retry, failed otherwise, or returned
// a wrong value; INSERTs executed twice and acknowledged INSERTs lost; and
// readers that gave up with a fetch in flight, resumed.
//
// Usage: go run ./cmd/chaos [-scans 20] [-rows 1000000] [-rates 0.1,0.3] [-seed 1]
package main
