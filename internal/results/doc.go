// Package results reads the result of an operation, batch after batch,
// behind one interface, [Source]: pages fetched with FetchResults (the
// first may come with direct results), read one page ahead and, when
// compressed, decompressed one batch at a time beside the consumer; or
// result files, downloaded several at once, with retries, refreshed links
// and a bound on the memory they hold, and decoded in order by a goroutine
// of their own.
//
// # Two sources of files, one scheduler
//
// The files of a result come from a lister: Thrift result links
// (CloudFetch, [Links]) listed page by page with FetchResults, or the
// chunks of a Statement Execution API result ([Chunks]) listed by following
// next_chunk_index with the caller's [ChunkFunc], a few chunks fetched
// ahead: a chunk usually holds one link where a Thrift page holds many, and
// the calls' round trips must overlap the downloads. A chunk's files are
// its external links, or its inline ARROW_STREAM attachment, which is
// scheduled as a file already downloaded. Both share the download limits,
// the read-ahead, the order and row-count checks and the refresh of a
// lapsed link: a Thrift link by the row it starts at, a chunk's link by
// fetching its chunk again. Storage requests carry exactly the link's
// headers, never the workspace's credentials. A Chunks result needs no
// Arrow schema up front: its Source ([SchemaSource]) reads it from the
// first file.
//
// # What it checks
//
// Every page must start at the row after the rows received so far, every
// inline batch and result file must hold the rows its page or link
// announces, a compressed file is verified whole before any of its rows is
// handed on, and a Chunks result must hold its manifest's total_row_count.
// A result that breaks one of these is an error wrapping [ErrCorrupt]; no
// row of a compressed file that breaks them is returned.
//
// # What it is not
//
// It does not open, poll or close operations, nor check the status of a
// reply: the caller's [FetchFunc] or [ChunkFunc] does the call. It decodes
// Arrow bytes with package arrowbatch and leaves column-based pages and
// values to the caller (the driver converts them for database/sql). A
// presigned link's URL and headers are secrets from the moment a page is
// read: no error or printed form shows them.
package results
