// Package emulator is a local stand-in for a Databricks SQL warehouse: an
// HTTP server speaking HiveServer2's TCLIService (Thrift binary protocol)
// with the Databricks extensions, executing statements with an embedded
// DuckDB database, for tests of clients: it logs what it was asked, runs
// scripted statements and injects faults. It is not a warehouse: its SQL is
// DuckDB's, it has no catalog service, permissions or query history, and
// its results live in the memory of the process that runs it.
//
// # SQL dialect
//
// Statements run on DuckDB (github.com/duckdb/duckdb-go/v2), so the SQL
// dialect is DuckDB's, not Databricks SQL: write `SELECT 1::BIGINT`,
// `range(10)`, `[1, 2]`, `{'a': 1}`, `MAP {'k': 1}`. The database is in
// memory unless WithDatabase names a file. At start the schema "default"
// is created (Databricks' default schema name); sessions start in DuckDB's
// default catalog and schema ("memory"/"main" in memory).
//
// The function sleep_ms(n INTEGER) → BIGINT sleeps n milliseconds and
// returns n; it stops when the statement is cancelled, so
// `SELECT sleep_ms(5000)` is the slow statement for tests. (DuckDB's own
// sleep_ms(BIGINT) returns NULL; an integer literal picks the emulator's.)
//
// # Starting
//
// In a test, Start starts a server and closes it when the test ends:
//
//	func TestReport(t *testing.T) {
//		s := emulator.Start(t, emulator.WithStatusHold(200*time.Millisecond))
//		db, err := sql.Open("databricks", s.DSN())
//		...
//	}
//
// New starts one without a test (TestMain, a command); Close it when done.
// The server listens on 127.0.0.1 with a random port. Host, Port,
// HTTPPath, Token, URL and DSN describe it; DB is its DuckDB database, for
// seeding data. The command github.com/asyncsql/databricks/integration/cmd/emulator
// runs one standalone or around a child process.
//
// # What a test can observe and steer
//
// Requests returns the request log: every call (method, the statement it
// created or named by ID and text, the state and SQLSTATE it answered, the
// HTTP status, the outcome, the fault that affected it) and every
// result-file download, in arrival order. OpenSessions and OpenOperations
// say what the server still holds; UnreleasedOperations what a client
// still has to close (a REST statement whose reply carried its whole
// result needs no DELETE).
//
// WithScript gives statements whose text matches a regular expression a
// course of states of their own: PENDING and RUNNING for a number of
// status polls each, then a failure with a chosen SQLSTATE, message and
// error class, a cancellation, a timeout, or the statement's real result.
//
// Fault rules (WithFaults, InjectFault; ParseFault reads the -fault flag's
// form) are the one way to inject faults, into Thrift calls and result-file
// downloads alike: chosen by method, position (Skip, Every, Times) or a
// seeded Rate, they add latency, answer an HTTP status such as 429 or 503
// with Retry-After, drop the connection before processing, or process the
// request and then drop, truncate or lie about the length of its answer.
// LinkOptions holds what result files look like (size, rows per file,
// lifetime, bandwidth, padding rows, stale column names, a false bytesNum).
//
// Staging statements on Unity Catalog Volumes (PUT 'local' INTO
// '/Volumes/c/s/v/path' [OVERWRITE], GET '/Volumes/...' TO 'local', REMOVE
// '/Volumes/...') run over a directory of the emulator's own (WithVolumes,
// -volumes; by default a temporary one): the statement answers the row
// operation, presignedUrl, headers, localFile marked isStagingOperation, and
// the client sends the transfer to the presigned URL under /volumes/ of the
// same port. URLs are signed (a tampered or expired one gets HTTP 403), a
// listed header is required (403 without it), an Authorization header is
// refused (400), uploads need a Content-Length (411) and replace a file
// only with OVERWRITE, downloads serve ranges. Fault rules of method
// Staging spoil these transfers like downloads.
//
// # Protocol
//
// Every call is a POST to /sql/1.0/warehouses/<id> with
// "Authorization: Bearer <token>" (HTTP 401 with X-Databricks-Reason-Phrase
// otherwise). Bodies above the size limit get HTTP 413; bodies that are not
// a Thrift message get HTTP 400.
//
// OpenSession answers min(client_protocol_i64, the maximum version) — by
// default SparkV8 (WithMaxProtocol); a client sending only a Hive
// client_protocol gets that Hive version back and is served like by Apache
// Spark's Thrift server: column-based results, no direct results, no
// parameters, FetchResults ignoring startRowOffset and answering
// hasMoreRows=false (an empty page ends the result). initialNamespace (SPARK V4+) and the configuration key
// use:database select the session's schema (an unknown schema fails with
// SQLSTATE 3F000; a catalog that is not an attached DuckDB database is
// ignored). The configuration key timezone (or spark.sql.session.timeZone)
// sets the zone TIMESTAMP values are written in as text (column-based
// results; Arrow timestamps are instants); other keys are stored and
// echoed.
//
// Operations belong to their session (CloseSession closes them) but can be
// used from any session or connection: GetOperationStatus needs only the
// guid, the other calls the guid and secret. Each operation runs in its own
// goroutine on its own DuckDB connection, after `USE catalog.schema` of its
// session; a USE statement changes the session's namespace. Temporary
// objects and transactions do not outlive one statement.
//
// ExecuteStatement without runAsync answers when the statement is done;
// with runAsync and getDirectResults it waits up to the direct-results hold
// (default 5s) and, if done, returns status, metadata and the first page
// inline (metadata and an empty page also for statements without a result
// set), plus closeOperation when that page is the whole result or the
// statement failed, was cancelled or timed out (the operation is then
// gone: the status in directResults is all there is). GetOperationStatus is long-polled up to the
// status hold (default 5s). A queryTimeout ends in TIMEDOUT_STATE,
// CancelOperation in CANCELED_STATE. Failures are ERROR_STATE.
// The common ones carry a warehouse's error class, in the message as
// "[PARSE_SYNTAX_ERROR] Syntax error at or near 'SELEC'. SQLSTATE: 42601"
// and in errorDetailsJson as Apache Spark's minimal JSON form
// ({"errorClass", "sqlState", "messageParameters"}): PARSE_SYNTAX_ERROR
// (42601), TABLE_OR_VIEW_NOT_FOUND (42P01), UNRESOLVED_COLUMN (42703),
// UNRESOLVED_ROUTINE (42883), TABLE_OR_VIEW_ALREADY_EXISTS (42P07),
// CAST_INVALID_INPUT (22018), CAST_OVERFLOW (22003), DIVIDE_BY_ZERO (22012)
// and INSUFFICIENT_PERMISSIONS (42501). As in a warehouse (ANSI mode) and
// unlike in DuckDB, `/`, `//` and `%` by zero fail with DIVIDE_BY_ZERO:
// temporary macros of each connection shadow DuckDB's operators. Other
// failures have DuckDB's message and a SQLSTATE derived from its error type
// (binder 42000, conversion 22018, ..., else XX000). errorCode is the
// DuckDB error type number.
//
// DML (INSERT/UPDATE/DELETE) reports numModifiedRows and, like Databricks,
// a one-row result num_affected_rows (+ num_inserted_rows for INSERT). DDL,
// SET/USE and similar statements have hasResultSet=false (metadata with no
// columns, empty fetches).
//
// Unknown handles get INVALID_HANDLE_STATUS. Operations nobody polls,
// fetches or cancels for the idle-eviction time (default 20 minutes) are
// cancelled and forgotten; later calls get INVALID_HANDLE_STATUS with the
// message "Query has been timed out due to inactivity".
//
// # Results
//
// A finished statement's result is materialised in memory until the
// operation is closed, evicted or its session closed: column-major, in
// chunks of 65,536 rows, each column a typed vector (integers, floats,
// booleans, strings and binary in one buffer per chunk, dates and
// timestamps as microseconds, decimals up to 18 digits as unscaled int64,
// other values boxed) with a NULL bitmap; full chunks move out of the Go
// heap into anonymous memory mappings (Unix), unmapped when the operation
// closes. The benchmark's eight-column table (BIGINT, DOUBLE, 20-byte
// VARCHAR, DECIMAL(18,2), TIMESTAMP, DATE, BOOLEAN, nullable INTEGER)
// takes about 72 bytes per row, so 50,000,000 rows hold about 3.6 GB;
// nested values, intervals and the like cost several times more. While a
// statement runs DuckDB also holds its whole result (about 80 bytes per
// row of that table) until the emulator has read it. FetchResults returns pages of at most maxRows rows
// (capped by WithMaxPageRows); hasMoreRows is exact; FETCH_FIRST restarts
// at row 0 and startRowOffset, as on Databricks, positions the cursor at
// that row first, for FETCH_NEXT and FETCH_FIRST alike, so that a request
// naming its row can be repeated; each page's startRowOffset is its first
// row. Other orientations are
// refused.
//
// Clients that set canReadArrowResult (SPARK V5+) get ARROW_BASED_SET:
// arrowSchema is an Arrow IPC schema message, each TSparkArrowBatch one IPC
// record-batch message of at most WithBatchRows rows (a page may hold
// several; with maxBytes, batches are added while the page is smaller),
// each one LZ4 frame when the client set canDecompressLZ4Result (SPARK V6+).
// Arrow types: BOOLEAN bool; TINYINT..BIGINT int8..int64; FLOAT/DOUBLE
// float32/float64; STRING utf8 (never string views); BINARY binary; DATE
// date32; TIMESTAMP timestamp[us, UTC] (DuckDB's TIMESTAMP is read as UTC);
// DECIMAL decimal128(p,s) when useArrowNativeTypes.decimalAsArrow, else utf8
// text; INTERVAL utf8 (DuckDB text such as "1 day 02:00:00"); ARRAY, MAP and
// STRUCT Arrow list (item field "element"), map (entries "key", "value")
// and struct when complexTypesAsArrow, their members mapped by the same
// rules, else utf8 JSON text; the NULL type is null when nullTypeAsArrow,
// else utf8.
//
// Other clients get COLUMN_BASED_SET: booleans, integers, doubles (FLOAT as
// double) and binary natively, everything else as Hive text: DECIMAL
// "12.50", DATE "2006-01-02", TIMESTAMP "2006-01-02 15:04:05.999999" in the
// session time zone (UTC by default), complex types as JSON.
//
// DuckDB types map to Databricks type ids: VARCHAR/UUID/TIME/ENUM/JSON →
// STRING_TYPE, BLOB → BINARY_TYPE, LIST/ARRAY → ARRAY_TYPE, HUGEINT →
// DECIMAL(38,0), UBIGINT → DECIMAL(20,0), UTINYINT/USMALLINT/UINTEGER →
// the next wider signed integer, TIMESTAMP variants → TIMESTAMP_TYPE,
// INTERVAL → INTERVAL_DAY_TIME_TYPE. Nested types are described by a single
// primitive entry with the nested type id, as Spark does. DuckDB reports a
// bare NULL column as INTEGER; when an INTEGER column of a SELECT holds only
// NULLs the emulator asks DuckDB for typeof() over the statement wrapped in
// LIMIT 0 (not executed) and reports a NULL-typed column as NULL_TYPE
// (Databricks' VOID).
//
// # Parameters
//
// Native parameters are accepted on every session at a SPARK protocol version
// when the server's maximum (WithMaxProtocol) is SPARK V8 or above: like a
// warehouse, the emulator binds them whatever version the session
// negotiated (the Python connector asks for SPARK V7 and sends them); a Hive
// session, or a server limited below SPARK V8, refuses them with
// [UNSUPPORTED_FEATURE.PARAMETERIZED_QUERIES] (SQLSTATE 0A000). Named
// parameters are bound by name to `:name` markers (outside string literals,
// quoted identifiers and comments); positional ones to `?` markers in the
// order of the parameter list, whatever their ordinal field says (the Python
// connector sends ordinal 1 for every one). A marker without a parameter is
// [UNBOUND_SQL_PARAMETER] (42P02); a value that does not parse as its type
// is [INVALID_PARAMETER_VALUE] (22023).
//
// Values are bound as DuckDB parameters from their type (BOOLEAN,
// TINYINT..BIGINT, FLOAT, DOUBLE, STRING, DATE, TIMESTAMP, BINARY as hex
// text, VOID = NULL); DECIMAL(p,s) and INTERVAL parameters are bound as
// text inside CAST(marker AS type), which keeps decimals exact. ARRAY and
// MAP parameters carry their elements as arguments (a MAP's keys and values
// alternately, elements of any of the types above or nested ARRAY and MAP,
// at most 16 levels deep); they become DuckDB list and map expressions.
// STRUCT parameters are refused.
//
// # Catalog metadata
//
// GetCatalogs, GetSchemas, GetTables, GetColumns, GetFunctions,
// GetPrimaryKeys and GetCrossReference start operations that list DuckDB's
// catalog with HiveServer2's column sets (those of Apache Spark's Thrift
// server): DuckDB's databases (not system and temp) as catalogs, its schemas,
// tables and views (TABLE_TYPE TABLE or VIEW), columns with java.sql.Types
// codes and Databricks type names, functions (DuckDB's built-ins in
// system.builtin), primary and foreign keys from its constraints. Schema,
// table, column and function names are SQL LIKE patterns ('%', '_', '\'
// escaping either) matched without case; a pattern ending in a lone '\'
// fails with [INVALID_PARAMETER_VALUE.PATTERN] (22023). They wait like
// ExecuteStatement, answer direct results when asked and give column-based
// rows (the requests have no canReadArrowResult); the request log shows each
// call with its arguments, e.g. "GetTables(schema=default, table=t%)".
//
// # Statement Execution API (REST)
//
// The same port serves Databricks' Statement Execution API under
// /api/2.0/sql/statements, over the same engine and statement store: REST
// and Thrift statements share execution, scripts (WithScript), fault rules,
// parameters, types, error classes and the request log, whose entries name
// the calls RESTSubmit ("rest.submit"), RESTStatus ("rest.status"),
// RESTChunk ("rest.chunk"), RESTCancel ("rest.cancel") and RESTClose
// ("rest.close"). Every call needs "Authorization: Bearer <token>": without
// a bearer token HTTP 401 UNAUTHENTICATED, with a wrong one HTTP 403
// PERMISSION_DENIED (neither is logged). Error replies are JSON
// {"error_code", "message"}: 400 INVALID_PARAMETER_VALUE for a body that
// is not a valid submission (malformed JSON, a field of the wrong type, no
// statement or warehouse_id, wait_timeout other than "0s" or "5s".."50s",
// an unknown enum value, CSV without EXTERNAL_LINKS, a parameter with neither a name
// nor an ordinal from 1 to the number of parameters, a repeated ordinal) or
// a malformed statement ID; 404
// RESOURCE_DOES_NOT_EXIST for another warehouse_id, 404 NOT_FOUND for an
// unknown statement ID, 404 ENDPOINT_NOT_FOUND and 405 for other paths and
// methods; 413 for a body over WithMaxBodyBytes. Unknown fields are
// ignored.
//
// POST /api/2.0/sql/statements runs statement (at most 16 MiB) with
// catalog (ignored unless it is an attached DuckDB database, as for
// Thrift), schema (unknown: the statement fails with 3F000), parameters
// ({name, value, type} for :name markers, {ordinal, value, type} for the
// ordinal-th ? marker as Databricks' JDBC driver sends them; a missing
// value is NULL, a missing type STRING),
// row_limit, byte_limit and query_tags ([{key, value}], the first 20, in
// Request.Tags). It waits up to wait_timeout (default 10s; "0s" answers at
// once) for the statement to end; then on_wait_timeout CANCEL cancels a
// statement still running (CONTINUE, the default, leaves it running). A
// scripted statement answers its first step at once; each GET counts one
// status poll of its steps. Failures to bind parameters make a FAILED
// statement, as execution failures do.
//
// The reply, like GET /api/2.0/sql/statements/{id}, is {statement_id,
// status{state, error{error_code, message}, sql_state}, manifest, result}.
// States: PENDING, RUNNING, SUCCEEDED, FAILED (execution failures,
// timeouts with error_code DEADLINE_EXCEEDED), CANCELED, CLOSED. A FAILED
// statement's error_code is BAD_REQUEST for SQLSTATE classes 0A, 07, 21,
// 22, 23, 3F and 42, ABORTED for 40, CANCELLED for 57014, else
// INTERNAL_ERROR; sql_state is its SQLSTATE and the message the same text
// Thrift clients see. Once SUCCEEDED, manifest holds format, schema
// {column_count, columns[name, type_text (e.g. DECIMAL(10,2),
// ARRAY<INT>), type_name (BOOLEAN, BYTE, SHORT, INT, LONG, FLOAT, DOUBLE,
// STRING, BINARY, DATE, TIMESTAMP, DECIMAL with type_precision and
// type_scale, INTERVAL, ARRAY, MAP, STRUCT, NULL), position from 0]},
// total_chunk_count, chunks[chunk_index, row_offset, row_count,
// byte_count], total_row_count, total_byte_count, truncated and, for
// compressed results, result_compression "LZ4_FRAME"; byte counts only
// with EXTERNAL_LINKS and only when every chunk is encoded before the
// reply (see below; the API makes them optional, and every external link
// carries its chunk's exact byte_count). result is chunk 0 (absent for a
// result without rows; statements without a result set have column_count
// 0).
//
// The result is cut into chunks of RESTOptions.ChunkRows rows (default
// 50,000) and kept until it is closed. A result of several chunks served
// as external links without byte_limit is answered SUCCEEDED as soon as
// chunk 0 is encoded: the other chunks are encoded in the background, in
// order, on up to GOMAXPROCS goroutines, and GET .../result/chunks/{n}
// waits for chunk n (closing the statement stops the encoding and ends
// the wait). Any other result is encoded whole (on GOMAXPROCS goroutines)
// before the first reply that reports SUCCEEDED. row_limit keeps that
// many rows and sets truncated when there were more; byte_limit keeps the rows whose chunks fit in that many bytes
// of the encoded result and sets truncated. disposition INLINE (default)
// puts a chunk in the reply: JSON_ARRAY as data_array (rows of strings in
// the Thrift text forms, binary as upper-case hexadecimal digits, JSON null
// for NULL), ARROW_STREAM as attachment
// (base64 of an Arrow IPC stream, schema included); an INLINE result larger
// than RESTOptions.InlineLimit (default 25 MiB) makes the statement FAILED
// (BAD_REQUEST, 54000). INLINE_OR_EXTERNAL_LINKS (any format but CSV), as
// Databricks' own connectors send it, answers a result of one chunk whose
// encoding is at most RESTOptions.HybridInlineLimit bytes (default 1 MiB;
// the API documents no threshold) inline like INLINE, whole in the first
// reply's attachment or data_array, and any other result as EXTERNAL_LINKS
// would. EXTERNAL_LINKS answers external_links with one
// link per chunk, served by the emulator under /files/ like Thrift result
// links (LinkOptions of WithLinks apply when set, else a 15-minute
// lifetime), with expiration (RFC 3339, UTC) and http_headers to send; a
// download carrying an Authorization header is refused (HTTP 400), as
// storage must never see the workspace token. The files are Arrow IPC
// streams, compact JSON arrays or CSV (RFC 4180, a header row in chunk 0,
// NULL as "null"). result_compression "LZ4_FRAME" makes ARROW_STREAM
// chunks (attachments and files) one LZ4 frame each; other formats are
// not compressed. Arrow types are those of a Thrift client asking for
// native decimals, complex types and NULL. Every chunk carries
// next_chunk_index and next_chunk_internal_link unless it is the last.
//
// GET .../{id}/result/chunks/{n} returns chunk n (an expired link is
// refreshed by fetching its chunk again); it is 400 INVALID_STATE unless
// the statement SUCCEEDED and 400 INVALID_PARAMETER_VALUE for an index out
// of range. POST .../{id}/cancel cancels (a no-op once the statement
// ended) and DELETE .../{id} closes; both answer {}. A statement ID alone
// names a statement. Closed statements, and those nobody polled, fetched
// or cancelled for RESTOptions.Retention (default 15 minutes), and those
// whose result is older than RESTOptions.ResultLifetime (default 1 hour,
// polled or not), are gone from OpenOperations and answer CLOSED.
//
// Sessions (rest_session.go; the calls RESTSessionCreate
// "rest.session.create" and RESTSessionDelete "rest.session.delete"), as
// Databricks' Python connector uses them with use_sea=True: POST
// /api/2.0/sql/sessions {warehouse_id, catalog, schema, session_confs}
// answers {session_id} (a UUID). catalog and schema are checked as for
// Thrift's OpenSession (an unknown schema is HTTP 400 BAD_REQUEST with the
// SCHEMA_NOT_FOUND message). session_confs takes the configuration
// parameters Databricks SQL lets users set (ANSI_MODE, ENABLE_PHOTON,
// LEGACY_TIME_PARSER_POLICY, MAX_FILE_PARTITION_BYTES,
// READ_ONLY_EXTERNAL_METASTORE, STATEMENT_TIMEOUT, TIMEZONE,
// USE_CACHED_RESULT, QUERY_TAGS; any case); another key is HTTP 400
// INVALID_PARAMETER_VALUE "[CONFIG_NOT_AVAILABLE] Configuration <key> is
// not available.", an unusable value (a time zone, query tags, a
// STATEMENT_TIMEOUT that is not 0 to 172800 seconds) INVALID_CONF_VALUE. A
// submission with session_id runs in the session's namespace (its own
// catalog or schema over it; a USE statement changes the session's), with
// its QUERY_TAGS under the statement's query_tags and STATEMENT_TIMEOUT as
// the statement's timeout (FAILED, DEADLINE_EXCEEDED, 57014). DELETE
// /api/2.0/sql/sessions/{id} answers {} and closes the session's
// statements (they answer CLOSED). An ID that names no session is HTTP 404
// NOT_FOUND "[INVALID_HANDLE.SESSION_NOT_FOUND] ...", a deleted session's
// "[INVALID_HANDLE.SESSION_CLOSED] ..." (SQLSTATE HY000), on submissions
// and deletes alike; a malformed one is 400 INVALID_PARAMETER_VALUE.
// Sessions count in OpenSessions and do not expire.
package emulator
