package async_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/asyncsql/databricks/async"
	"github.com/asyncsql/databricks/driver"
)

// Submit a query, save its token at once, and read the rows when it is done.
func ExampleDB_QueryContext() {
	cfg, err := driver.ParseDSN(os.Getenv("DATABRICKS_DSN"))
	if err != nil {
		return
	}
	c, err := driver.NewConnector(cfg)
	if err != nil {
		return
	}
	save := func(e *async.Execution) {
		tok, err := e.MarshalText()
		if err == nil {
			_ = os.WriteFile("statement.token", tok, 0o600)
		}
	}
	db := async.OpenDB(c, async.WithWait(10*time.Second), async.WithOnSubmit(save))
	defer db.Close()

	ctx := context.Background()
	rows, exc, err := db.QueryContext(ctx, "SELECT * FROM samples.nyctaxi.trips")
	if err != nil {
		fmt.Println("failed:", err) // a *driver.ServerError with the SQLSTATE
		return
	}
	defer rows.Close()
	if exc.Status != async.StatusFinished {
		// Still running after 10 s: rows is empty (rows.Err() matches
		// async.ErrNotFinished). Wait polls until it ends.
		if rows, exc, err = db.Wait(ctx, exc); err != nil {
			return
		}
		defer rows.Close()
	}
	for rows.Next() {
		// Scan ...
	}
	fmt.Println(exc.StatementID(), exc.Status, rows.Err())
}

// Resume a statement from its token, in another process or after a restart.
func ExampleDB_ParseExecution() {
	db, err := async.Open(os.Getenv("DATABRICKS_DSN"))
	if err != nil {
		return
	}
	defer db.Close()
	token, err := os.ReadFile("statement.token")
	if err != nil {
		return
	}
	exc, err := db.ParseExecution(string(token))
	if err != nil {
		return // async.ErrInvalidToken or async.ErrWrongWarehouse
	}
	ctx := context.Background()
	exc, err = db.CheckExecution(ctx, exc)
	if err != nil {
		return // transport problem: try again later
	}
	switch {
	case exc.Status == async.StatusGone:
		fmt.Println("the warehouse no longer knows", exc.StatementID())
	case !exc.Status.Terminal():
		fmt.Println("still", exc.Status) // poll again within 10 minutes
	default:
		rows, exc, err := db.Wait(ctx, exc)
		if errors.Is(err, async.ErrNoResult) {
			fmt.Println(exc.Status) // canceled or timed out
			return
		}
		if err != nil {
			return
		}
		defer rows.Close()
		// read rows ...
	}
}

// A service shutting down gracefully: SIGTERM ends the wait, never the
// statement. The next process resumes it from the saved token, reads the
// rows (again, if it crashed before it was done) and acknowledges them.
func ExampleDB_QueryContext_gracefulShutdown() {
	db, err := async.Open(os.Getenv("DATABRICKS_DSN"), async.WithOnSubmit(func(e *async.Execution) {
		tok, _ := e.MarshalText()
		_ = os.WriteFile("statement.token", tok, 0o600)
	}))
	if err != nil {
		return
	}
	defer db.Close()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	rows, exc, err := db.QueryContext(ctx, "SELECT * FROM samples.nyctaxi.trips")
	if err != nil {
		if exc != nil && ctx.Err() != nil {
			return // shutting down: the statement runs on
		}
		fmt.Println("failed:", err)
		return
	}
	if exc.Status != async.StatusFinished {
		rows.Close()
		if rows, exc, err = db.Wait(ctx, exc); err != nil {
			return // ctx ended (SIGTERM) or the statement failed
		}
	}
	defer rows.Close()
	for rows.Next() {
		// process each row ...
	}
	if rows.Err() == nil {
		// Done: the server may release the result.
		_ = db.CloseExecution(context.Background(), exc)
	}
}
