package e2e_test

import (
	"errors"
	"maps"
	"testing"

	"github.com/asyncsql/databricks/async"
	"github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// statementTags returns the tags the emulator's query history shows for the
// ExecuteStatement that created the statement with this ID.
func statementTags(t *testing.T, s *emulator.Server, id string) map[string]string {
	t.Helper()
	log := s.Requests().ForStatement(id).Of(call(emulator.ExecuteStatement))
	if len(log) != 1 {
		t.Fatalf("statement %s: %d ExecuteStatement entries, want 1 (log %v)", id, len(log), s.Requests())
	}
	return log[0].Tags
}

// TestQueryTags: the DSN's session tags and a statement's context tags,
// with values full of ',' ':' and '\', reach the emulator's history merged
// (the statement's over the session's), through database/sql and through
// package async; a key the wire form cannot carry fails before sending.
func TestQueryTags(t *testing.T) {
	s := emulator.Start(t)
	ctx := testCtx(t)
	session := map[string]string{"team": "data,eng", "app": `etl:v2\x`, "flag": ""}
	db := open(t, s, params("queryTags", `team:data\,eng,app:etl\:v2\\x,flag`))

	var id string
	onID := func(got string) { id = got }
	var n int
	if err := db.QueryRowContext(driver.WithStatementIDCallback(ctx, onID), "SELECT 1").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if got := statementTags(t, s, id); !maps.Equal(got, session) {
		t.Errorf("session tags only: history has %q, want %q", got, session)
	}

	stmt := map[string]string{"team": "ops", "job": "nightly, step 2", "path": `C:\tmp`}
	merged := maps.Clone(session)
	maps.Copy(merged, stmt)
	tctx := driver.WithStatementIDCallback(driver.WithQueryTags(ctx, stmt), onID)
	rows, err := db.QueryContext(tctx, "SELECT 2")
	if err != nil {
		t.Fatal(err)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if got := statementTags(t, s, id); !maps.Equal(got, merged) {
		t.Errorf("query: history has %q, want %q", got, merged)
	}
	if _, err := db.ExecContext(tctx, "CREATE TABLE tagged AS SELECT 1 AS x"); err != nil {
		t.Fatal(err)
	}
	if got := statementTags(t, s, id); !maps.Equal(got, merged) {
		t.Errorf("exec: history has %q, want %q", got, merged)
	}

	before := s.Requests().Count(call(emulator.ExecuteStatement))
	_, err = db.ExecContext(driver.WithQueryTags(ctx, map[string]string{"a:b": "v"}), "SELECT 3")
	if !errors.Is(err, driver.ErrInvalidQueryTag) {
		t.Errorf("key with ':': got %v, want ErrInvalidQueryTag", err)
	}
	if after := s.Requests().Count(call(emulator.ExecuteStatement)); after != before {
		t.Errorf("a statement with a bad tag was sent (%d ExecuteStatement, want %d)", after, before)
	}

	adb, err := async.Open(testDSN(s), async.WithKeepAlive(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = adb.Close() })
	actx := driver.WithQueryTags(ctx, map[string]string{"job": "async", "k": `a,b:c\`})
	arows, exc, err := adb.QueryContext(actx, "SELECT 4")
	if err != nil {
		t.Fatal(err)
	}
	if err := arows.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := statementTags(t, s, exc.StatementID()), map[string]string{"job": "async", "k": `a,b:c\`}; !maps.Equal(got, want) {
		t.Errorf("async query: history has %q, want %q", got, want)
	}
	_ = adb.CloseExecution(ctx, exc)
	_, exc, err = adb.ExecContext(actx, "CREATE TABLE tagged_async AS SELECT 1 AS x")
	if err != nil {
		t.Fatal(err)
	}
	if got := statementTags(t, s, exc.StatementID()); got["job"] != "async" {
		t.Errorf("async exec: history has %q, want job:async", got)
	}
	_ = adb.CloseExecution(ctx, exc)
	if _, _, err := adb.ExecContext(driver.WithQueryTags(ctx, map[string]string{"": "v"}), "SELECT 5"); !errors.Is(err, driver.ErrInvalidQueryTag) {
		t.Errorf("async, empty key: got %v, want ErrInvalidQueryTag", err)
	}
}
