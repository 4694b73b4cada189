// Package driver is a database/sql driver for Databricks SQL warehouses and
// Apache Spark's Thrift server, speaking HiveServer2's Thrift protocol over
// HTTP, or (backend=rest) Databricks' Statement Execution API.
//
// # Backends
//
// Config.Backend selects the API below the same database/sql surface, Go
// types, errors and async support. BackendThrift (the default) POSTs
// HiveServer2 Thrift calls to the HTTP path. BackendREST submits each
// statement to /api/2.0/sql/statements of the warehouse whose ID ends the
// path (/sql/1.0/warehouses/<id>), waiting on the server up to waitTimeout
// before polling, and reads ARROW_STREAM results (INLINE_OR_EXTERNAL_LINKS
// with cloud fetch, else INLINE) inline or from external links through the
// same download scheduler. A succeeded statement whose reply carried its
// whole result (no rows, one inline chunk) is never closed: the server
// drops it on its retention, and a SELECT 1 within the wait is one HTTP
// request. A failed one is closed (DELETE) in the background, off Exec's
// path; one whose result the server still serves (external links, more
// chunks) is closed before Rows.Close returns. Without session parameters a
// REST connection holds nothing on the server; with them, each connection
// is a session of the API (/api/2.0/sql/sessions) created at connect with
// the catalog, schema and parameters (QueryTimeout as STATEMENT_TIMEOUT),
// named by every submission and deleted at Close (SubmitDetached refuses
// them). Volumes staging and catalog metadata calls are Thrift only,
// refused with ErrStagingNotSupported or ErrMetadataNotSupported. Its OperationRefs hold only the statement and
// warehouse IDs, no secret.
//
// # Opening
//
//	db, err := sql.Open("databricks", "token:dapi...@adb-123.azuredatabricks.net:443/sql/1.0/warehouses/abc")
//
// or, connector first (preferred: options for what a DSN cannot say):
//
//	c, err := driver.NewConnector(cfg, driver.WithLogger(logger))
//	db := sql.OpenDB(c) // db.Close closes the connector
//
// # DSN
//
// A DSN is [credentials@]host[:port]/http/path[?param=value&...]; see ParseDSN
// and Config for the parameters (backend, waitTimeout, catalog, schema, maxRows, timeout,
// userAgentEntry, queryTags, stagingAllowedPaths, location, useArrow, useLZ4, useArrowComplexTypes, retryMax,
// retryBudget, pollMin, pollMax, protocol, authType, useCloudFetch,
// maxDownloads ...). Unknown
// parameters become session configuration.
//
// # Result links
//
// Large results may come as links to Arrow files in cloud storage
// (CloudFetch; asked for on SPARK V3+ servers unless useCloudFetch=false).
// Up to maxDownloads files (default 8) are downloaded or held at once, ahead
// of the rows being read and across FetchResults pages; rows come in order,
// exactly rowCount per link. Downloads send only the link's headers (never
// the workspace credentials) through the connector's HTTP client, retry
// server errors and short bodies with backoff, and refresh expired links.
// A download that fails for good ends the rows with the error (rows.Err).
// LZ4 files are verified to the end of their frames before any of their rows
// is returned.
//
// # Authentication
//
// "token:<PAT>@" sends a Bearer token; "user:password@" with any other user
// name sends Basic authentication (Apache Spark's Thrift server); OAuth
// machine-to-machine uses authType=oauth-m2m with clientID and clientSecret;
// token federation (authType=token-federation) exchanges an external identity
// provider's JWT, read from federatedTokenFile or federatedTokenEnv (or
// WithTokenFederation's token source), for a workspace token, for the service
// principal federationClientID when set; authType=oauth-u2m (or WithOAuthU2M)
// logs the user in through the browser (authorization code with PKCE,
// refreshed and cached on disk); WithTokenSource plugs in any token source. Credentials are held as Secrets
// (type Secret), which print as "xxxxx" under every fmt verb, in
// slog and in JSON; Config and Connector print their redacted DSN. Errors
// never quote a credential nor the URL or the headers of a result link.
//
// # Sessions
//
// Each database/sql connection is one server session, opened with
// client_protocol HIVE_CLI_SERVICE_PROTOCOL_V10 and client_protocol_i64
// SPARK_CLI_SERVICE_PROTOCOL_V8. The driver uses only the features the
// server's protocol version allows: direct results (SPARK V1), initialNamespace
// (V4, otherwise "use:database"), Arrow results (V5), LZ4 (V6) and native
// parameters (V8). Transactions are not supported (ErrTransactionsNotSupported).
//
// # Execution
//
// Statements run asynchronously: ExecuteStatement (with direct results when
// available), then GetOperationStatus polls with an adaptive backoff from
// PollMin growing by half to PollMax. Cancelling the context cancels the
// statement on the server. WithStatementIDCallback reports the statement ID as
// soon as the server accepted the statement.
//
// # Catalog metadata
//
// Package catalog lists catalogs, schemas, tables, columns, functions and
// keys through the service's metadata calls on a *sql.DB or *sql.Conn of
// this driver: it queries with no SQL text and an internal request value as
// the only argument, which the connection turns into the metadata call
// (GetTables, ...) instead of ExecuteStatement, read like a statement's
// result. A protocol without these calls answers ErrMetadataNotSupported.
//
// # Query tags
//
// Query tags label statements in the warehouse's query history. The
// session's come from Config.QueryTags (DSN queryTags, WithSessionQueryTags)
// and go in the session configuration QUERY_TAGS; one statement's come from
// WithQueryTags on its context and go in ExecuteStatement's confOverlay entry
// query_tags, the server adding them to the session's. Both are key:value
// pairs joined by ',' in sorted key order, '\', ':' and ',' of values and '\'
// of keys escaped with '\'. Package async's submissions carry the tags of
// their context too.
//
// # Row and byte limits
//
// WithRowLimit and WithByteLimit bound a statement's result through its
// context. A cut result is never silently short: after its last kept row
// Rows.Next returns false and Rows.Err matches ErrTruncated. REST sends
// row_limit and byte_limit and reads manifest.truncated; Thrift sends
// resultRowLimit of n+1 and keeps n rows, the row beyond telling the cut,
// and refuses a byte limit and a detached statement's row limit with
// ErrLimitNotSupported before sending anything.
//
// # Volumes staging
//
// PUT 'local' INTO '/Volumes/...' [OVERWRITE], GET '/Volumes/...' TO
// 'local' and REMOVE '/Volumes/...' run through ExecContext (or
// QueryContext, with no rows): the server answers a result marked
// isStagingOperation naming the operation, a presigned URL, its headers
// and the local file, and the driver sends the HTTP PUT, GET or DELETE with
// exactly those headers, never the workspace's credentials. Local files
// must lie inside Config.StagingAllowedPaths (DSN stagingAllowedPaths,
// WithStagingAllowedPaths; none by default), symbolic links and ".."
// leading out refused (ErrStagingNotAllowed); a GET never replaces a file
// (ErrStagingFileExists) nor leaves a partial one. The local paths
// StagingInputStream and StagingOutputStream stream from WithStagingReader
// and to WithStagingWriter instead. Transfers stream, are retried on
// transport errors, 5xx, 408 and 429 (at most retryMax attempts; an
// interrupted GET resumes by Range), and their errors never quote the URL
// or the headers.
//
// # Parameters
//
// Positional (?) and named (:name with sql.Named) parameters are sent natively,
// never interpolated, on servers at SPARK V8 or later; older servers give
// ErrParametersNotSupported. Types are inferred from Go values (see params.go
// for the exact wire forms); Parameter / TypedParam force a SQL type and
// Decimal binds as DECIMAL(p,s).
//
// # Types
//
// NULL is nil; BOOLEAN bool; TINYINT int8; SMALLINT int16; INT int32; BIGINT
// int64; FLOAT float32; DOUBLE float64; STRING, VARCHAR, CHAR string; BINARY
// []byte; DATE time.Time at midnight UTC; TIMESTAMP time.Time in the configured
// location; DECIMAL the exact decimal text (scan into Decimal for arithmetic);
// INTERVAL text; ARRAY, MAP, STRUCT JSON text (scan into JSON[T]); VOID nil.
// Rows report ColumnTypeScanType, ColumnTypeDatabaseTypeName ("DECIMAL",
// "ARRAY", ...), ColumnTypeNullable (known for Arrow results only),
// ColumnTypePrecisionScale (DECIMAL) and ColumnTypeLength (STRING, VARCHAR,
// CHAR, BINARY).
//
// Results stream page by page (MaxRows rows per page) with at most one page
// read ahead. On Spark-protocol (Databricks) servers every FetchResults names
// the row it starts at, so it is retried like any safe call; every page must
// start where the rows delivered so far end (else ErrCorruptResult).
//
// # Errors
//
// Server failures are *ServerError values carrying SQLState, ErrorCode,
// Message, DisplayMessage and the StatementID; use errors.As. Sentinels:
// ErrInvalidHandle, ErrNotFinished, ErrParametersNotSupported,
// ErrTransactionsNotSupported, ErrClosed, ErrNoArrow, ErrUnsupportedResult,
// ErrCorruptResult (a page at the wrong row, a batch or result file whose rows
// or checksum do not match: no row of it is returned).
// driver.ErrBadConn is reported only when the server cannot have run anything.
//
// # Asynchronous surface
//
// Connector.SubmitDetached runs a statement in a session of its own, without
// direct results, so that it outlives the call, the pool and the process; it
// returns an OperationRef (which serialises itself with MarshalBinary) that
// Connector.OperationStatus polls, Connector.OperationRows reads from the
// first row as often as needed, Connector.CancelOperation cancels and
// Connector.CloseOperation closes with its session. Nothing else closes it.
// ConnectorOf and Connector.Hold let another layer share a *sql.DB's
// connector; IsTransient tells the errors a wait should ride out. The async
// package builds durable executions on this surface.
//
// # Arrow access
//
// QueryArrow runs a query on a *sql.Conn and yields Arrow record batches
// without row conversion (Arrow-capable servers only).
package driver
