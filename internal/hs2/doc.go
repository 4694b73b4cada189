// Package hs2 runs HiveServer2 sessions and operations over a TCLIService
// (internal/rpc in production): it opens and closes sessions, negotiating
// the protocol version and sending the session's namespace and parameters
// in the form the server honours; submits statements (a reply still in
// flight when the caller gives up is read in the background and its
// operation cancelled and closed); polls their status with a capped
// backoff; cancels and closes operations; and calls FetchResults with its
// status check and repeatable marking. It also holds the identifiers of
// sessions and operations, with the versioned binary form of a reference
// to a statement (Ref) that the driver's OperationRef wraps.
//
// Errors the server reports are built by the Options.NewError function,
// so that the driver's exported *ServerError comes out of this package
// as is; the sentinels (ErrInvalidHandle, ErrParametersNotSupported,
// ErrInvalidRef) are the very values the driver exports.
//
// It is not a database/sql driver and imports nothing of database/sql:
// query parameters arrive as Thrift parameters built by the driver, and
// results are read by internal/results. It does not decide whether a
// TStatus is an error: internal/rpc's CheckStatus does.
package hs2
