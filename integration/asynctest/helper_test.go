package asynctest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asyncsql/databricks/async"
)

// The helper process is this test binary with helperEnv set to a role:
//
//	submit-kill   submit ASYNCTEST_QUERY, save the token to ASYNCTEST_TOKEN
//	              from the OnSubmit hook, then keep waiting (up to 10
//	              minutes) until killed
//	submit-close  submit with a 200 ms wait, save the token, close the rows
//	              and the DB gracefully and exit 0
//	cancel        read the token and cancel the execution twice, exit 0
//	submit-term   submit with ctx from signal.NotifyContext(SIGTERM) and a
//	              10 minute wait, save the token from OnSubmit; on SIGTERM
//	              save the returned execution's token and exit 0
//	read          read the token, read every row and print "rows N sum S"
//	              (Wait, so it rides out an outage of the server)
//	hold          submit with the keep-alive every ASYNCTEST_KEEPALIVE
//	              ("0": off), touch nothing for ASYNCTEST_IDLE, then read
//	              every row and print "rows N sum S"
const (
	helperEnv = "ASYNCTEST_HELPER"
	dsnEnv    = "ASYNCTEST_DSN"
	queryEnv  = "ASYNCTEST_QUERY"
	tokenEnv  = "ASYNCTEST_TOKEN"
	keepEnv   = "ASYNCTEST_KEEPALIVE"
	idleEnv   = "ASYNCTEST_IDLE"
)

func runHelper(role string) int {
	if err := helper(role); err != nil {
		fmt.Fprintln(os.Stderr, "asynctest helper:", err)
		return 1
	}
	return 0
}

func helper(role string) error {
	ctx := context.Background()
	tokenFile := os.Getenv(tokenEnv)
	switch role {
	case "submit-kill", "submit-close":
		var saveErr error
		wait := 200 * time.Millisecond
		if role == "submit-kill" {
			wait = 10 * time.Minute
		}
		db, err := async.Open(os.Getenv(dsnEnv), async.WithWait(wait), async.WithOnSubmit(func(e *async.Execution) {
			saveErr = saveToken(tokenFile, e)
		}))
		if err != nil {
			return err
		}
		rows, exc, err := db.QueryContext(ctx, os.Getenv(queryEnv))
		if err != nil {
			return err
		}
		if saveErr != nil {
			return saveErr
		}
		if role == "submit-kill" {
			return fmt.Errorf("query returned (%s) before the helper was killed", exc.Status)
		}
		if rows.Next() || !isNotFinished(rows.Err()) {
			return fmt.Errorf("rows of a running query: %v", rows.Err())
		}
		if err := rows.Close(); err != nil {
			return err
		}
		return db.Close()
	case "submit-term":
		sctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
		defer stop()
		var saveErr error
		db, err := async.Open(os.Getenv(dsnEnv), async.WithWait(10*time.Minute), async.WithOnSubmit(func(e *async.Execution) {
			saveErr = saveToken(tokenFile, e)
		}))
		if err != nil {
			return err
		}
		defer db.Close()
		_, exc, err := db.QueryContext(sctx, os.Getenv(queryEnv))
		if saveErr != nil {
			return saveErr
		}
		if exc == nil || !errors.Is(err, context.Canceled) {
			return fmt.Errorf("QueryContext ended with %v, %v before SIGTERM", exc, err)
		}
		return saveToken(tokenFile, exc)
	case "read":
		db, exc, err := resume(tokenFile)
		if err != nil {
			return err
		}
		defer db.Close()
		rows, _, err := db.Wait(ctx, exc)
		if err != nil {
			return err
		}
		return printRows(rows)
	case "hold":
		every, err := time.ParseDuration(os.Getenv(keepEnv))
		if err != nil {
			return err
		}
		idle, err := time.ParseDuration(os.Getenv(idleEnv))
		if err != nil {
			return err
		}
		db, err := async.Open(os.Getenv(dsnEnv), async.WithWait(time.Minute), async.WithKeepAlive(every))
		if err != nil {
			return err
		}
		defer db.Close()
		rows, exc, err := db.QueryContext(ctx, os.Getenv(queryEnv))
		if err != nil {
			return err
		}
		rows.Close() // the first row unread: nothing was fetched but a page
		time.Sleep(idle)
		if rows, err = db.GetExecutionRows(ctx, exc); err != nil {
			return err
		}
		defer db.CloseExecution(ctx, exc)
		return printRows(rows)
	case "cancel":
		return helperCancel(ctx, tokenFile)
	}
	return fmt.Errorf("unknown role %q", role)
}

// printRows reads rows of resultQuery and prints their count and checksum.
func printRows(rows *sql.Rows) error {
	defer rows.Close()
	h := fnv.New64a()
	n := 0
	for rows.Next() {
		var i, v int64
		if err := rows.Scan(&i, &v); err != nil {
			return err
		}
		fmt.Fprintf(h, "%d:%d;", i, v)
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	fmt.Printf("rows %d sum %x\n", n, h.Sum64())
	return nil
}

// helperCancel reads the token and cancels the execution twice.
func helperCancel(ctx context.Context, tokenFile string) error {
	db, exc, err := resume(tokenFile)
	if err != nil {
		return err
	}
	defer db.Close()
	for range 2 {
		if err := db.CancelExecution(ctx, exc); err != nil {
			return err
		}
	}
	return nil
}

// resume opens a DB on the helper's DSN and parses the execution whose token
// is in tokenFile. The caller closes the DB.
func resume(tokenFile string) (*async.DB, *async.Execution, error) {
	tok, err := os.ReadFile(tokenFile)
	if err != nil {
		return nil, nil, err
	}
	db, err := async.Open(os.Getenv(dsnEnv))
	if err != nil {
		return nil, nil, err
	}
	exc, err := db.ParseExecution(string(tok))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, exc, nil
}

// saveToken writes the token of e to path atomically.
func saveToken(path string, e *async.Execution) error {
	tok, err := e.MarshalText()
	if err != nil {
		return err
	}
	if err := os.WriteFile(path+".tmp", tok, 0o600); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// startHelper runs the test binary as a helper process with role.
func startHelper(t *testing.T, role, dsn, query, tokenFile string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+role, dsnEnv+"="+dsn, queryEnv+"="+query, tokenEnv+"="+tokenFile)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting helper %s: %v", role, err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("helper %s output:\n%s", role, stderr.String())
		}
	})
	return cmd
}

// runHelperProcess runs a helper to completion and fails the test if it
// fails.
func runHelperProcess(t *testing.T, role, dsn, query, tokenFile string) {
	t.Helper()
	cmd := startHelper(t, role, dsn, query, tokenFile)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper %s: %v", role, err)
	}
}

// waitForFile waits until path exists and returns its content.
func waitForFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil {
			return string(b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s did not appear", path)
	return ""
}

func killHelper(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	err := cmd.Wait()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("helper ended with %v, not by SIGKILL", err)
	}
}

func tokenPath(t *testing.T) string { return filepath.Join(t.TempDir(), "exec.token") }
