// Package async runs Databricks SQL statements that outlive the call, the
// connection and the process that submitted them.
//
// # Running statements
//
// OpenDB wraps a *driver.Connector in a DB, which embeds *sql.DB: every
// database/sql method works as usual. DB adds methods that return an
// Execution next to the usual results:
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
// return it as running. CheckExecution asks for the status once; Wait polls
// until the execution is terminal (Status.Terminal) and returns its rows;
// GetExecutionRows reads the rows of a finished execution from the first
// row; CancelExecution and CloseExecution are idempotent. A statement that
// is pending, running, failed or canceled is never an error of
// CheckExecution: its state is in Execution.Status and the failure, with its
// SQLSTATE, in Execution.Err. Errors are for transport problems and invalid
// or foreign executions.
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
// A version 1 token is "dbx1." followed by base64url text (no padding) of a
// binary encoding: the operation and session handles, a 64-bit hash of the
// warehouse (Connector.Warehouse: host in any case, port and HTTP path), the status,
// start and completion times, rows affected, the failure's SQLSTATE, error
// code and message (up to 1024 bytes), and a CRC-32C checksum. A running
// statement's token is about 130 characters long.
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
// (driver.Detached), without results returned inline, so the server keeps
// them whatever happens to the process that submitted them: a graceful
// db.Close or a crash (even SIGKILL) leaves them running. Save the token as
// soon as the statement is submitted (WithOnSubmit is called before
// QueryContext waits), then resume from any process with a DB for the same
// warehouse:
//
//	exc, err := db.ParseExecution(token)
//	rows, exc, err := db.Wait(ctx, exc)
//
// While QueryContext or ExecContext waits, the driver cancels the statement
// if ctx ends or a status request fails (the caller gave up): pass a ctx that
// lives as long as the statement should. Once they have returned, nothing
// on the client side stops the statement but CancelExecution.
//
// Results are read once to the end: after the last row the driver closes the
// operation and its session, and the execution becomes StatusGone. Rows
// closed early leave the result on the server, to be read again from the
// first row with GetExecutionRows or Wait; their Close waits (up to 5 s) for
// a page request already sent, so that the server cannot count it after the
// next reader has started from the first row. The driver also closes at once a
// statement that failed while QueryContext or ExecContext waited, and a
// statement without rows that ExecContext saw finish. Close every other
// execution you do not read to the end with CloseExecution (CancelExecution
// stops a running one but keeps it on the server).
//
// # Keep-alive rule
//
// The server evicts a statement that nobody polls for about 20 minutes, and
// its result once finished. Poll every statement you mean to resume at least
// every 10 minutes (KeepAliveInterval) — Wait does, since its polling interval
// never exceeds that — and read results soon after they finish. An evicted
// statement reports StatusGone.
package async
