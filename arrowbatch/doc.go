// Package arrowbatch decodes Arrow IPC record batches as sent by a
// Databricks SQL warehouse into per-column value readers.
//
// # Input
//
// A result set's metadata carries the Arrow schema as one IPC schema message
// (TGetResultSetMetadataResp.arrowSchema). Every inline batch
// (TSparkArrowBatch.batch) is one IPC record-batch message without the schema.
// When the server compresses results (lz4Compressed), each batch is one whole
// LZ4 frame that decompresses to that message: [Inflater] decompresses it
// into memory the caller provides, before the Reader decodes it.
//
// A result file (a result link's download, CloudFetch) is a whole IPC
// stream, plain or in LZ4 frames. [Stream] frames its record-batch messages
// one at a time, so that a file is never held decoded as a whole; each
// message is then decoded like an inline batch. A compressed file is
// checked to the end of its frames first, then read block by block or, when
// it decompresses to at most 32 MiB and is not a Stream's first file,
// decompressed once as a whole into a buffer the Stream reuses (see
// [Stream.ResetLZ4]).
//
// [NewReader] parses the schema once and keeps one IPC reader whose input is
// swapped for every batch, so [Reader.Decode] never re-parses the schema.
//
// The package reads bytes only: fetching pages and downloading files is
// package results' work (internal/results), converting to database/sql
// values the driver's.
//
// # Untrusted input
//
// Corrupt or truncated input yields an error, never a panic or a crash.
// Before arrow-go sees a message, the flatbuffer vectors that it sizes
// allocations by are checked against the message's length, and every
// allocation while decoding is bounded relative to the input; panics raised
// inside arrow-go are recovered and returned as errors. A decoded record is
// then validated (validity bitmaps, data buffers, offsets, dictionary
// indices, child lengths) so that reading any of its values stays in bounds.
// After an error the Reader recreates its IPC reader and can decode the next
// batch.
//
// # Column readers
//
// [Reader.Columns] returns one [Column] per schema field, chosen once per
// schema from the field's Arrow type. [Reader.Bind] points every column at
// the arrays of a decoded batch, after which [Column.Value] returns the value
// of a row without any per-row type switch. [Reader.Row] returns a whole row
// at once: it converts every column of the batch on its first call and then
// only boxes values in place.
//
// Boxing in place writes an interface's type and data words through package
// unsafe, so that a row of numbers, dates and timestamps costs no allocation
// per value. Built with the purego tag (go build -tags purego), the package
// boxes each value the ordinary way instead: the same values, at the cost of
// an allocation per boxed value. make test runs the package's tests in both
// builds.
//
// [Reader.Decode] copies each batch before arrow-go reads it;
// [Reader.DecodeTransient] does not, for callers that read a record before
// decoding the next, as a row scanner does.
//
// # Values
//
// Values follow one convention shared with package colset:
//
//	null                         nil
//	bool                         bool
//	int8, int16, int32, int64    int8, int16, int32, int64
//	float32, float64             float32, float64
//	utf8, large_utf8, string_view string (copied)
//	binary, large_binary, ...    []byte (copied)
//	date32, date64               time.Time at midnight UTC
//	timestamp (any unit, any tz) time.Time in Options.Location (default UTC)
//	decimal128 etc.              string with the exact decimal text, e.g. "-12.50"
//	list, map, struct            string holding JSON text
//
// Types outside that table (unsigned integers, durations, ...) are returned
// as their natural Go value or, failing that, as text.
package arrowbatch
