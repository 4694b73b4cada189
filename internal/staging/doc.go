// Package staging performs the file transfers of staging statements on
// Unity Catalog Volumes: PUT 'local' INTO '/Volumes/...' [OVERWRITE],
// GET '/Volumes/...' TO 'local' and REMOVE '/Volumes/...'.
//
// # Protocol
//
// The server runs such a statement and answers a result whose metadata is
// marked isStagingOperation, with one row of the string columns operation
// (PUT, GET or REMOVE), presignedUrl, headers (a JSON object of the HTTP
// headers the request must carry) and localFile (the local path of the
// statement; absent or empty for REMOVE). The client then sends the HTTP
// PUT, GET or DELETE to the presigned URL itself, with exactly those
// headers: never the workspace's credentials. [ParseRow] reads the row,
// [Client.Do] performs the transfer.
//
// # Local files
//
// The server names the local file, so a client touches only files inside
// directories the user allowed ([Client.Dirs]; none by default). A path is
// made absolute and must lie lexically inside an allowed directory; it is
// then opened through an [os.Root] of that directory, which refuses ".."
// and symbolic links that lead out of it. A GET never replaces a file: it
// writes a temporary file beside the target, and links it into place only
// once the whole body arrived, refusing a target that exists
// ([ErrFileExists]); no partial file is ever left.
//
// # Streams
//
// The local path [InputStream] makes a PUT upload from an io.Reader, and
// [OutputStream] makes a GET write to an io.Writer ([Streams]), so that a
// service moves data without a temporary file. Bodies are streamed, never
// held in memory.
//
// # Retries
//
// Transport errors, 5xx, 408 and 429 are retried with backoff, Retry-After
// honoured up to a minute, and so is an attempt in which no byte moved for
// a minute (Client.Stall). A PUT body is re-read from a file or a reader
// that is an io.Seeker; a plain reader is retried only while none of its
// bytes was sent. An interrupted GET resumes with a Range request; a
// writer that already received bytes is not written twice (the transfer
// fails when the server does not resume). REMOVE counts a 404 on a retry as
// done, since the first attempt may have removed the file.
//
// # Secrets
//
// Presigned URLs and header values are secret.String values: no error or
// log record quotes them, nor the response body (a storage error document
// may quote the signature); errors name the operation, the HTTP status and
// a storage error code.
package staging
