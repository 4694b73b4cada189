// Package stmterr is the one form of the errors the driver's layers report
// about a statement without the server having said so (transport failures,
// corrupt results, unreadable replies): "databricks: statement <id>: ...",
// wrapping the cause so that errors.Is and errors.As reach it.
//
// It is not for failures the server reports (those are the driver's
// *ServerError, which carries the statement ID in a field of its own), and
// it holds no other error types.
package stmterr
