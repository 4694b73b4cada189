// Package tclitest is the repository's one fake TCLIService for unit tests:
// an in-process Thrift server scripted per statement, and an object store
// for the files that result links point at.
//
// # Server
//
// [Server] answers the methods a SQL client uses (sessions, ExecuteStatement
// with direct results, GetOperationStatus, CancelOperation, CloseOperation,
// GetResultSetMetadata, FetchResults) from a [Script] registered by the
// statement's text: the states successive polls see, the SQLSTATE of a
// failure, the result pages (rows, columns, Arrow batches or result links)
// and how the server pages them. A statement without a script returns one
// INT row ([OneInt]). A request that names its row (startRowOffset) is
// answered from the page that starts there, or, in a page of result links,
// from the link holding that row; a page answered again carries its links
// with fresh expiries, as a server signs new URLs.
//
// It serves the same way behind httptest, as an http.Handler reached
// through the real RPC client; in-process through [Server.Transport], an
// http.RoundTripper that needs no network, so that the real RPC client runs
// inside testing/synctest bubbles (they allow no sockets); and called
// directly as a tcli.TCLIService.
//
// Every request is logged with its method, decoded request struct and
// HTTP header ([Server.Log], [Received]); tests assert on the log rather
// than on counters. [Fault]s are queued per method and consumed in order:
// an HTTP status, garbage in place of the reply, a hang-up, a reply lost
// after the request ran, an error status, a handler error, lag, or a hold
// the test releases (Fault.Wait); a standing latency per method is set
// apart ([Server.SetLatency]).
//
// # Storage
//
// [Storage] serves result files at presigned URLs that are valid only with
// the header their link carries, with faults per file: expiry, 503,
// truncated and stalled bodies, and answers held until the test releases
// them. [NewLocalStorage] serves in process only, through
// [Storage.Transport], for downloads inside synctest bubbles.
//
// # What it is not
//
// It is not a SQL engine: results are what the scripts say, whatever the
// statement. It checks handles (a closed session or operation is an invalid
// handle) but not the rest of a request's fields. The warehouse emulator
// (integration/emulator) is the server for end-to-end tests; this package
// is for unit tests of the packages of the root module and uses only its
// dependencies.
package tclitest
