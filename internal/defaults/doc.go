// Package defaults holds the default of every setting that a user can change
// and that more than one package needs. The driver's table of DSN parameters
// documents them and resolves a zero Config field to them; package rpc fills
// a zero RetryPolicy from them, package results a zero download bound, and
// package async defines its exported polling defaults from them.
//
// It holds values only: it is not a configuration type and parses nothing.
package defaults
