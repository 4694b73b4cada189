// Package rest is the client of Databricks' Statement Execution API
// (/api/2.0/sql/statements), the REST transport beside internal/rpc's
// Thrift one: submit a statement, poll its status, fetch the chunks of its
// result, cancel it and close it. It knows nothing of database/sql.
//
// # Calls
//
//	Submit  POST   /api/2.0/sql/statements
//	Status  GET    /api/2.0/sql/statements/{id}
//	Chunk   GET    /api/2.0/sql/statements/{id}/result/chunks/{index}
//	Cancel  POST   /api/2.0/sql/statements/{id}/cancel
//	Close   DELETE /api/2.0/sql/statements/{id}
//
// A statement is named by its ID alone. Bodies are JSON; 64-bit counts are
// accepted as numbers or as decimal strings ([Int64]). A presigned link
// ([ExternalLink]) and its headers are sealed as secrets while decoding and
// never printed.
//
// # Errors
//
// A reply other than 2xx is an [*Error] with the HTTP status and the API's
// error_code and message. A statement that FAILED is a reply, not an error:
// [StatementResponse.Err] turns its status into an [*Error] with the
// SQLSTATE. Errors quote neither tokens, nor links, nor reply bodies beyond
// the server's sanitised message.
//
// # Retries
//
// HTTP 429 and 503 mean the request was not processed: every call is sent
// again, after the Retry-After wait (capped) or a backoff. Transport errors
// and other 5xx are retried for Status, Chunk, Cancel and Close, which may
// be repeated; a 2xx reply that does not decode only for Status and Chunk.
// Submit is never repeated after the server may have received it: only a
// 429, a 503 or a connection that could not be made send it again. Waits
// follow rpc.RetryPolicy's schedule (exponential, full jitter) within its
// attempt count and time budget and the context's deadline.
//
// # Memory
//
// A reply is read up to Options.MaxReply bytes (DefaultMaxReply), and the
// memory reserved before its bytes arrive is bounded whatever its
// Content-Length says; an error reply is read up to 64 KiB.
package rest
