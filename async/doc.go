// Package async runs Databricks SQL statements that outlive the call, the
// connection and the process that submitted them.
//
// # Running statements
//
// OpenDB wraps a *driver.Connector in a DB, and NewDB an existing *sql.DB of
// the driver; a DB embeds *sql.DB, so every database/sql method works as
// usual. DB adds methods that return an Execution next to the usual results:
//
//	db := async.OpenDB(connector, async.WithOnSubmit(save))
//	rows, exc, err := db.QueryContext(ctx, "SELECT ...")
//	if err != nil {
//		return err // the query failed (a *driver.ServerError) or could not be sent
//	}
//	defer rows.Close()
//	if exc.Status != async.StatusFinished {
//		// still running after the wait (5 s by default): rows is empty and
//		// rows.Err() matches async.ErrNotFinished
//		if rows, exc, err = db.Wait(ctx, exc); err != nil {
//			return err
//		}
//		defer rows.Close()
//	}
//	for rows.Next() {
//		// ...
//	}
//
// QueryContext and ExecContext wait for the statement up to WithWait, then
// return it as running. CheckExecution asks for the status once; Poll asks
// once and returns the rows if finished; Wait polls until the execution is
// terminal (Status.Terminal) and returns its rows; GetExecutionRows reads the
// rows of a finished execution from the first row; CancelExecution and
// CloseExecution are idempotent. A statement that
// is pending, running, failed or canceled is never an error of
// CheckExecution: its state is in Execution.Status and the failure, with its
// SQLSTATE, in Execution.Err. Errors are for transport problems and invalid
// or foreign executions.
//
// The context's driver options apply to the submission as in database/sql:
// driver.WithQueryTags tags the statement in the warehouse's query history,
// driver.WithStatementIDCallback reports its ID.
//
// # Statuses
//
// Status has a value for each of the nine server states (TOperationState)
// and StatusGone for an execution the server no longer knows — closed,
// evicted or expired. StatusGone says nothing about how the statement ended;
// it is not a failure. The terminal statuses are StatusFinished,
// StatusFailed, StatusCanceled, StatusTimedOut, StatusClosed and StatusGone;
// StatusUnknown (the server's UKNOWN_STATE) is not terminal, so Wait keeps
// polling it.
//
// # Tokens
//
// An Execution marshals to a text token (MarshalText) and to JSON
// (MarshalJSON, an object whose "token" member holds the same text) and back.
// A token is "dbx2." followed by base64url text (no padding) of a binary
// encoding: the driver's reference (driver.OperationRef.MarshalBinary: the
// operation and session handles), a 64-bit hash of the warehouse
// (Connector.Warehouse: host in any case, port and HTTP path), the status,
// start and completion times, rows affected, the failure's SQLSTATE, error
// code and message (up to 1024 bytes), and a CRC-32C checksum. A running
// statement's token is about 140 characters long. Tokens of version 1
// ("dbx1.") still parse.
//
// A malformed, truncated or altered token fails with ErrInvalidToken; using
// an execution with a DB for another warehouse fails with ErrWrongWarehouse
// (DB.ParseExecution checks both at once). The checksum detects accidents,
// not forgery: whoever holds a token can read, cancel and close the
// statement, so store tokens like passwords. String, GoString and LogValue
// never show the secret.
//
// # Restarts
//
// Statements run in a dedicated session that the pool does not own
// (driver.Connector.SubmitDetached), without results returned inline, so the
// server keeps them whatever happens to the process that submitted them: a
// graceful db.Close or a crash (even SIGKILL) leaves them running. Save the
// token as soon as the statement is submitted (WithOnSubmit is called before
// QueryContext waits), then resume from any process with a DB for the same
// warehouse:
//
//	exc, err := db.ParseExecution(token)
//	rows, exc, err := db.Wait(ctx, exc)
//
// # The context bounds the call, never the statement
//
// When ctx ends while QueryContext, ExecContext or Wait waits, the call
// returns ctx's error and an Execution that still resumes; the statement
// keeps running until CancelExecution. Once the statement is sent, its
// submission completes on a detached context (bounded to 2 minutes), so the
// handle is known and OnSubmit gets it even then. A service shuts down
// gracefully so:
//
//	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
//	defer stop()
//	rows, exc, err := db.QueryContext(ctx, query)
//	if err != nil && exc != nil && ctx.Err() != nil {
//		return nil // SIGTERM: the statement runs on; the next process resumes it
//	}
//
// # Results stay readable until CloseExecution
//
// Reading the rows to the end, closing them early or a failed read never
// closes the execution: GetExecutionRows, Wait and Poll return the result
// again from its first row, in any process, until CloseExecution — the
// application's acknowledgement that it is done (close failed executions
// too). Until then the server keeps a finished result for as long as
// somebody polls it: Databricks evicts an execution nobody polls for about
// 20 minutes, after which it is StatusGone and its rows are lost. Rows closed
// early wait (up to 5 s) for a page request already sent, so that the server
// cannot count it after the next reader has started from the first row.
//
// # Outages
//
// Wait (and the waits of QueryContext and ExecContext) retry transport
// errors, HTTP 5xx and 429 with capped, jittered backoff for as long as ctx
// allows, or up to WithOutageLimit. Only definitive answers end a wait: the
// server no longer knowing the statement (StatusGone, with the server's
// reason in Execution.Err), or HTTP 401 or 403.
//
// # Keep-alive
//
// Each DB runs one background loop that sends a status request for every
// execution it has submitted or resumed (parsed or used) and not closed,
// every DefaultKeepAlive (5 minutes, well inside the server's eviction
// window; WithKeepAlive changes it, 0 turns it off), at most 8 at a time.
// CloseExecution, a gone or failed execution and db.Close end it.
// Executions no process holds are evicted as before.
//
// # The REST backend
//
// With a connector of the driver's REST backend (DSN backend=rest: the
// Statement Execution API), executions work the same way. Their references,
// and so their tokens, hold only the statement ID and the warehouse ID: the
// API names a statement by its ID alone, so a REST token carries no
// operation secret (it still binds to the warehouse, and resumes only with a
// REST connector of it). The server closes a statement nobody polls for
// about an hour and keeps its result about an hour; a CLOSED statement is
// StatusGone. The keep-alive's status requests (every DefaultKeepAlive)
// reset that clock. The API reports no start and end times: Started and
// Completed stay zero.
package async
