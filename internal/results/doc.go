// Package results reads the result of an operation, batch after batch,
// behind one interface, [Source]: pages fetched with FetchResults (the
// first may come with direct results), read one page ahead and, when
// compressed, decompressed one batch at a time beside the consumer; or
// result links (CloudFetch), whose files are downloaded several at once,
// with retries, refreshed links and a bound on the memory they hold, and
// decoded in order by a goroutine of their own.
//
// # What it checks
//
// Every page must start at the row after the rows received so far, every
// inline batch and result file must hold the rows its page or link
// announces, and a compressed file is verified whole before any of its rows
// is handed on. A result that breaks one of these is an error wrapping
// [ErrCorrupt]; no row of it is returned.
//
// # What it is not
//
// It does not open, poll or close operations, nor check the status of a
// reply: the caller's [FetchFunc] does the RPC. It decodes Arrow bytes with
// package arrowbatch and leaves column-based pages and values to the caller
// (the driver converts them for database/sql). A presigned link's URL and
// headers are secrets from the moment a page is read: no error or printed
// form shows them.
package results
