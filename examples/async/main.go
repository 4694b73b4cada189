package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/asyncsql/databricks/async"
	"github.com/asyncsql/databricks/driver"
)

// defaultQuery runs for about 10 s on the emulator: the filter on slept keeps
// DuckDB from dropping the unused sleep_ms call.
const defaultQuery = "SELECT i, i * i AS square FROM range(10) t(i) CROSS JOIN (SELECT sleep_ms(10000) AS slept) WHERE slept >= 0 ORDER BY i"

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "submit":
		err = submit(os.Args[2:])
	case "resume":
		err = resume(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage: async submit [-query SQL] [-token FILE] [-wait DURATION]
       async resume [-token FILE] [-timeout DURATION]`)
	os.Exit(2)
}

// open builds a DB from DATABRICKS_DSN, or DATABRICKS_HOST,
// DATABRICKS_HTTP_PATH and DATABRICKS_TOKEN.
func open(opts ...async.Option) (*async.DB, error) {
	var cfg *driver.Config
	if dsn := os.Getenv("DATABRICKS_DSN"); dsn != "" {
		var err error
		if cfg, err = driver.ParseDSN(dsn); err != nil {
			return nil, err
		}
	} else {
		cfg = driver.NewConfig()
		// The Databricks CLI's DATABRICKS_HOST is often a URL.
		host := strings.TrimPrefix(os.Getenv("DATABRICKS_HOST"), "https://")
		cfg.Host = strings.TrimSuffix(host, "/")
		cfg.HTTPPath = os.Getenv("DATABRICKS_HTTP_PATH")
		cfg.AccessToken = driver.NewSecret(os.Getenv("DATABRICKS_TOKEN"))
		if cfg.Host == "" || cfg.HTTPPath == "" {
			return nil, errors.New("set DATABRICKS_DSN, or DATABRICKS_HOST, DATABRICKS_HTTP_PATH and DATABRICKS_TOKEN")
		}
	}
	c, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return async.OpenDB(c, opts...), nil
}

func submit(args []string) error {
	fs := flag.NewFlagSet("submit", flag.ExitOnError)
	query := fs.String("query", defaultQuery, "the statement to run")
	tokenFile := fs.String("token", "async.token", "file to write the execution token to")
	wait := fs.Duration("wait", 2*time.Second, "how long to wait for the statement before leaving it running")
	_ = fs.Parse(args)

	// Save the token the moment the server accepts the statement, before
	// waiting: a crash from here on loses nothing.
	var saveErr error
	save := func(exc *async.Execution) {
		saveErr = writeToken(*tokenFile, exc)
	}
	db, err := open(async.WithWait(*wait), async.WithOnSubmit(save))
	if err != nil {
		return err
	}
	defer db.Close() // leaves the statement running on the warehouse

	// SIGTERM or Ctrl-C ends the wait, never the statement: QueryContext
	// then returns ctx's error with an execution that still resumes.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rows, exc, err := db.QueryContext(ctx, *query)
	if err != nil && exc != nil && ctx.Err() != nil {
		if saveErr != nil {
			return saveErr
		}
		fmt.Printf("interrupted; %s left running, token saved to %s\n", exc.StatementID(), *tokenFile)
		return nil
	}
	if err != nil {
		return err
	}
	// Close the rows unread: the result stays on the server for resume.
	rows.Close()
	if saveErr != nil {
		return saveErr
	}
	// Save the latest status too.
	if err := writeToken(*tokenFile, exc); err != nil {
		return err
	}
	fmt.Printf("submitted %s, status %s; token saved to %s\n", exc.StatementID(), exc.Status, *tokenFile)
	fmt.Printf("run: async resume -token %s\n", *tokenFile)
	return nil
}

func resume(args []string) error {
	fs := flag.NewFlagSet("resume", flag.ExitOnError)
	tokenFile := fs.String("token", "async.token", "file holding the execution token")
	timeout := fs.Duration("timeout", 10*time.Minute, "how long to wait for the statement")
	_ = fs.Parse(args)

	token, err := os.ReadFile(*tokenFile)
	if err != nil {
		return err
	}
	db, err := open()
	if err != nil {
		return err
	}
	defer db.Close()
	exc, err := db.ParseExecution(string(token))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	rows, exc, err := db.Wait(ctx, exc)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			// Still running: keep the token for a later resume.
			return fmt.Errorf("%s still %s after %s: %w", exc.StatementID(), exc.Status, *timeout, err)
		}
		// Failed, canceled or gone: release what the server may still hold.
		_ = db.CloseExecution(context.Background(), exc)
		return fmt.Errorf("%s ended %s: %w", exc.StatementID(), exc.Status, err)
	}
	defer rows.Close()
	n, err := printRows(rows)
	if err != nil {
		return err
	}
	fmt.Printf("%s %s: %d rows\n", exc.StatementID(), exc.Status, n)
	// The rows are processed: acknowledge, so that the server releases the
	// result (until then, a resume reads it again from the first row).
	if err := db.CloseExecution(context.Background(), exc); err != nil {
		return err
	}
	return os.Remove(*tokenFile)
}

// writeToken saves the token of exc to path, readable by its owner only.
func writeToken(path string, exc *async.Execution) error {
	tok, err := exc.MarshalText()
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(tok, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// printRows prints rows as tab-separated text and returns how many there were.
func printRows(rows *sql.Rows) (int, error) {
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	fmt.Println(strings.Join(cols, "\t"))
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		fields := make([]string, len(vals))
		for i, v := range vals {
			fields[i] = fmt.Sprint(v)
		}
		fmt.Println(strings.Join(fields, "\t"))
		n++
	}
	return n, rows.Err()
}
