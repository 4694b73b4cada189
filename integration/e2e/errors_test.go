package e2e_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	dbx "github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// serverError asserts err is a *driver.ServerError with sqlState.
func serverError(t *testing.T, err error, sqlState string) *dbx.ServerError {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	var se *dbx.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *driver.ServerError", err, err)
	}
	if se.SQLState != sqlState {
		t.Errorf("SQLState %q, want %q (%v)", se.SQLState, sqlState, err)
	}
	if se.Message == "" && se.DisplayMessage == "" {
		t.Errorf("no message in %#v", se)
	}
	if !strings.Contains(err.Error(), sqlState) {
		t.Errorf("error text %q does not show the SQLSTATE", err.Error())
	}
	if errors.Is(err, dbx.ErrInvalidHandle) {
		t.Errorf("a statement error is reported as an invalid handle")
	}
	return se
}

// TestSyntaxError checks SQLSTATE 42601 and the statement ID, in Query, Exec
// and QueryRow, for every result format; the connection stays usable.
func TestSyntaxError(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			db := open(t, srv, f.params)
			db.SetMaxOpenConns(1)
			ctx := testCtx(t)
			_, err := db.QueryContext(ctx, "SELEC 1")
			se := serverError(t, err, "42601")
			if _, perr := uuid.Parse(se.StatementID); perr != nil {
				t.Errorf("StatementID %q is not a UUID", se.StatementID)
			}
			_, err = db.ExecContext(ctx, "SELEC 1")
			serverError(t, err, "42601")
			var x int
			err = db.QueryRowContext(ctx, "SELEC 1").Scan(&x)
			serverError(t, err, "42601")
			var one int32
			if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
				t.Fatalf("after errors: %d, %v", one, err)
			}
		})
	}
}

// TestErrorClasses checks the SQLSTATE and the warehouse error class of
// other failures: in the message, as "[CLASS] ... SQLSTATE: state", and in
// ErrorDetailsJSON.
func TestErrorClasses(t *testing.T) {
	db := open(t, srv, nil)
	for _, c := range []struct{ query, state, class string }{
		{"SELEC 1", "42601", "PARSE_SYNTAX_ERROR"},
		{"SELECT * FROM no_such_table_e2e", "42P01", "TABLE_OR_VIEW_NOT_FOUND"},
		{"SELECT no_such_column FROM range(1) t(i)", "42703", "UNRESOLVED_COLUMN.WITH_SUGGESTION"},
		{"SELECT CAST('abc' AS INTEGER)", "22018", "CAST_INVALID_INPUT"},
		{"SELECT 1 / (i - 1) FROM range(3) t(i)", "22012", "DIVIDE_BY_ZERO"},
	} {
		t.Run(c.class, func(t *testing.T) {
			rows, err := db.QueryContext(testCtx(t), c.query)
			if err == nil {
				for rows.Next() {
				}
				err = rows.Err()
				rows.Close()
			}
			se := serverError(t, err, c.state)
			if !strings.HasPrefix(se.Message, "["+c.class+"] ") || !strings.HasSuffix(se.Message, " SQLSTATE: "+c.state) {
				t.Errorf("message %q, want [%s] ... SQLSTATE: %s", se.Message, c.class, c.state)
			}
			if backend != "rest" && !strings.Contains(se.ErrorDetailsJSON, `"errorClass":"`+c.class+`"`) {
				t.Errorf("ErrorDetailsJSON %q", se.ErrorDetailsJSON)
			}
		})
	}
}

// TestStatementIDCallback checks that the callback gets the statement ID,
// the same that a failure reports.
func TestStatementIDCallback(t *testing.T) {
	db := open(t, srv, nil)
	var ids []string
	ctx := dbx.WithStatementIDCallback(testCtx(t), func(id string) { ids = append(ids, id) })

	var one int32
	if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 {
		t.Fatalf("callback called %d times for one statement", len(ids))
	}
	if _, err := uuid.Parse(ids[0]); err != nil {
		t.Errorf("statement ID %q is not a UUID", ids[0])
	}

	_, err := db.QueryContext(ctx, "SELEC 1")
	se := serverError(t, err, "42601")
	if len(ids) != 2 {
		t.Fatalf("callback called %d times for two statements", len(ids))
	}
	if se.StatementID != ids[1] {
		t.Errorf("error StatementID %q, callback got %q", se.StatementID, ids[1])
	}
	if ids[0] == ids[1] {
		t.Errorf("two statements share the ID %q", ids[0])
	}

	if _, err := db.ExecContext(ctx, "SELECT 2"); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 3 {
		t.Fatalf("callback not called by Exec")
	}
}

// TestStatementIDCallbackBeforeFinish checks that the callback runs while the
// statement is still running, not when it ends.
func TestStatementIDCallbackBeforeFinish(t *testing.T) {
	s := emulator.Start(t, emulator.WithDirectResultsHold(100*time.Millisecond))
	db := open(t, s, nil)
	got := make(chan string, 1)
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	ctx = dbx.WithStatementIDCallback(ctx, func(id string) { got <- id })
	done := make(chan error, 1)
	go func() {
		rows, err := db.QueryContext(ctx, "SELECT sleep_ms(30000)")
		if err == nil {
			rows.Close()
		}
		done <- err
	}()
	select {
	case id := <-got:
		if id == "" {
			t.Error("empty statement ID")
		}
	case err := <-done:
		t.Fatalf("statement ended (%v) before the callback ran", err)
	case <-testCtx(t).Done():
		t.Fatal("callback never ran")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("after cancel: %v", err)
	}
}
