package results

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/asyncsql/databricks/arrowbatch"
	"github.com/asyncsql/databricks/internal/defaults"
	"github.com/asyncsql/databricks/internal/rest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// ErrCorrupt reports a result that is not what the server's own account of
// it says: a page that does not start at the row after the last one, a
// batch or file whose rows or checksum do not match. No row of such data is
// handed out. The driver exports it as ErrCorruptResult.
var ErrCorrupt = errors.New("databricks: corrupt result")

// FetchFunc calls FetchResults and checks the reply's status; on a failure
// it returns the error to hand to the reader (the context's when ctx
// ended). A request that names its row (StartRowOffset) may be repeated.
type FetchFunc func(ctx context.Context, req *tcli.TFetchResultsReq) (*tcli.TFetchResultsResp, error)

// ChunkFunc fetches chunk index of a Statement Execution API result (GET
// .../result/chunks/{index}); asking again for a chunk refreshes its links.
// It may be repeated.
type ChunkFunc func(ctx context.Context, index int) (*rest.ResultData, error)

// Format is how a result's rows travel.
type Format uint8

const (
	// ColumnPages is a result of column-based pages (COLUMN_BASED_SET).
	ColumnPages Format = iota
	// ArrowPages is a result of pages of inline Arrow batches
	// (ARROW_BASED_SET).
	ArrowPages
	// Links is a result of links to result files (URL_BASED_SET, CloudFetch).
	Links
	// Chunks is a Statement Execution API result in ARROW_STREAM format:
	// chunks whose files are external links or inline attachments, read
	// by the same scheduler as Links.
	Chunks
)

// RecordUse says how long the caller uses the records of an Arrow result.
type RecordUse uint8

const (
	// RecordsUntilNext: the caller reads each record before asking for the
	// next one, so inline batches are decoded without a copy.
	RecordsUntilNext RecordUse = iota
	// RecordsRetained: the caller may retain records past the next one
	// (records reach the application), so every record has memory of its
	// own.
	RecordsRetained
)

// Config describes the result of one operation. Fetch, Handle, First,
// ServerClosed, SparkProtocol, Orientation and MaxRows describe a Thrift
// result; Chunk, Manifest and FirstChunk a Statement Execution API one
// (Format Chunks).
type Config struct {
	// Fetch calls FetchResults (see FetchFunc).
	Fetch FetchFunc
	// Handle is the operation's handle; StatementID names it in errors.
	Handle      *tcli.TOperationHandle
	StatementID string
	Format      Format
	// LZ4 says the Arrow batches or result files are LZ4 frames (for
	// Chunks, the manifest's result_compression decides).
	LZ4 bool
	// Reader decodes the records of an Arrow result (ArrowPages, Links,
	// Chunks); it stays the caller's. Records bind to it. A Chunks result
	// may go without: its schema is then read from its first file (see
	// SchemaSource).
	Reader  *arrowbatch.Reader
	Records RecordUse
	// First is the direct-results page, nil when none came.
	First *tcli.TFetchResultsResp
	// ServerClosed says that the server holds no page after First.
	ServerClosed bool
	// SparkProtocol is set for servers of the Spark protocol (Databricks):
	// they position a FetchResults at its startRowOffset and report
	// hasMoreRows reliably.
	SparkProtocol bool
	// Orientation is that of the first FetchResults call: FETCH_NEXT, or
	// FETCH_FIRST to read a result kept on the server from its first row.
	Orientation tcli.TFetchOrientation
	// MaxRows is the page size asked for.
	MaxRows int64
	// Chunk fetches the chunks of a Chunks result after FirstChunk.
	Chunk ChunkFunc
	// Manifest is a Chunks result's manifest: its total_row_count is
	// checked against the rows the chunks hold.
	Manifest *rest.Manifest
	// FirstChunk is the chunk the statement's reply carried, nil when none
	// came (chunk 0 is then fetched).
	FirstChunk *rest.ResultData
	// MaxDownloads bounds the result files requested, downloaded or held at
	// once (0: its default).
	MaxDownloads int
	// HTTPClient downloads result files (nil: http.DefaultClient). It must
	// not add the warehouse's credentials: a presigned link carries its own.
	HTTPClient *http.Client
	// Log receives debug records (nil: none).
	Log *slog.Logger
}

// Batch is the next part of a result: an Arrow record, or the columns of a
// column-based page.
type Batch struct {
	// Record is an Arrow result's next record. It belongs to the Source and
	// stays valid until the next call of Next or Close (call Retain to keep
	// it longer; see RecordUse).
	Record arrow.RecordBatch
	// Columns are a column-based page's columns.
	Columns []*tcli.TColumn
}

// CloseMode says what closing does with a FetchResults call in flight.
type CloseMode uint8

const (
	// CancelFetch cancels it.
	CancelFetch CloseMode = iota
	// SettleFetch lets it finish first, for up to SettleTimeout. A result
	// kept on the server to be read again from its first row needs that:
	// the server may handle a request the client abandoned after the
	// FETCH_FIRST of the next reader, and move that reader's cursor past a
	// page.
	SettleFetch
)

// Source delivers the batches of a result in order.
type Source interface {
	// Next returns the next batch with rows, or io.EOF after the last one.
	// An error other than io.EOF ends the result: it is returned again.
	Next() (Batch, error)
	// Exhausted reports whether every batch has been returned, without
	// blocking: false when that is not known yet.
	Exhausted() bool
	// Close stops every goroutine of the Source and waits for them, and
	// releases the record last returned. Next must not be called after.
	Close(CloseMode)
}

// SchemaSource is the Source of a Chunks result, whose manifest carries
// SQL types but no Arrow schema.
type SchemaSource interface {
	Source
	// Schema returns the IPC schema message of the result (as
	// arrowbatch.NewReader takes it): that of Config.Reader, or without
	// one that of the first file, once it is downloaded. A result without
	// rows has none: nil and no error. The error that ended the result
	// before is returned.
	Schema(ctx context.Context) ([]byte, error)
}

// Open starts reading the result cfg describes. Nothing is fetched before
// the first Next, except for Links and Chunks, whose downloads start at
// once; their Source is a SchemaSource.
func Open(ctx context.Context, cfg Config) Source {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if cfg.MaxDownloads <= 0 {
		cfg.MaxDownloads = defaults.MaxDownloads
	}
	switch cfg.Format {
	case Chunks:
		if cfg.Manifest != nil {
			cfg.LZ4 = cfg.Manifest.Compression == rest.LZ4Frame
		}
		return newLinkReader(ctx, &cfg, defaultLinkLimits)
	case Links:
		return newLinkReader(ctx, &cfg, defaultLinkLimits)
	}
	return newPageReader(ctx, &cfg)
}
