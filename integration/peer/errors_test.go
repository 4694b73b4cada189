package peer_test

import (
	"errors"
	"strings"
	"testing"

	dbsqlerr "github.com/databricks/databricks-sql-go/errors"
)

// TestSyntaxError checks that a statement the server cannot parse fails with
// a DBExecutionError carrying SQLSTATE 42601 (Databricks PARSE_SYNTAX_ERROR)
// and the statement ID. The official driver reads the SQLSTATE from
// TGetOperationStatusResp.sqlState of an ERROR_STATE operation (in
// directResults.operationStatus or from GetOperationStatus); an ERROR_STATUS
// on the ExecuteStatement reply itself reaches the user without SQLSTATE.
func TestSyntaxError(t *testing.T) {
	p := openPeer(t)
	ctx := testCtx(t)
	_, err := p.db.QueryContext(ctx, "SELEC 1")
	checkExecError(t, err, "42601")
	if !strings.Contains(err.Error(), "[PARSE_SYNTAX_ERROR] Syntax error at or near 'SELEC'. SQLSTATE: 42601") {
		t.Errorf("error text %q lacks the warehouse's message", err.Error())
	}
	// The connection stays usable.
	var one int32
	if err := p.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("after the error: SELECT 1 = %d, %v", one, err)
	}
}

// TestMissingTable checks SQLSTATE 42P01 (Databricks TABLE_OR_VIEW_NOT_FOUND).
func TestMissingTable(t *testing.T) {
	p := openPeer(t)
	_, err := p.db.QueryContext(testCtx(t), "SELECT * FROM no_such_table_xyz")
	checkExecError(t, err, "42P01")
	if !strings.Contains(err.Error(), "[TABLE_OR_VIEW_NOT_FOUND] The table or view `no_such_table_xyz` cannot be found.") {
		t.Errorf("error text %q lacks the warehouse's message", err.Error())
	}
}

// TestExecError checks the same for ExecContext.
func TestExecError(t *testing.T) {
	p := openPeer(t)
	_, err := p.db.ExecContext(testCtx(t), "SELEC 1")
	checkExecError(t, err, "42601")
}

// TestRuntimeError checks an error raised while the statement runs.
func TestRuntimeError(t *testing.T) {
	p := openPeer(t)
	_, err := p.db.QueryContext(testCtx(t), "SELECT CAST('abc' AS INTEGER)")
	var ee dbsqlerr.DBExecutionError
	if !errors.As(err, &ee) {
		t.Fatalf("error %v (%T) is not a DBExecutionError", err, err)
	}
	if ee.SqlState() != "22018" || !strings.Contains(err.Error(), "[CAST_INVALID_INPUT]") {
		t.Errorf("SQLSTATE %q, error %v; want 22018 and CAST_INVALID_INPUT", ee.SqlState(), err)
	}
	t.Logf("runtime error: sqlstate=%q %v", ee.SqlState(), err)
}

func checkExecError(t *testing.T, err error, sqlState string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	var ee dbsqlerr.DBExecutionError
	if !errors.As(err, &ee) {
		t.Fatalf("error %v (%T) is not a DBExecutionError", err, err)
	}
	if !errors.Is(err, dbsqlerr.ExecutionError) {
		t.Errorf("errors.Is(err, ExecutionError) is false for %v", err)
	}
	if got := ee.SqlState(); got != sqlState {
		t.Errorf("SqlState() = %q, want %q (error: %v)", got, sqlState, err)
	}
	if ee.QueryId() == "" {
		t.Errorf("QueryId() is empty: the statement had no operation handle")
	}
	if strings.TrimSpace(err.Error()) == "" {
		t.Errorf("empty error text")
	}
}
