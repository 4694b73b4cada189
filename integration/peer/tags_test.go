package peer_test

import (
	"maps"
	"testing"

	dbsql "github.com/databricks/databricks-sql-go"
	"github.com/databricks/databricks-sql-go/driverctx"

	"github.com/asyncsql/databricks/integration/emulator"
)

// TestPeerQueryTags: the official driver's session tags (WithQueryTags) and
// per-statement tags (driverctx.NewContextWithQueryTags), values holding
// ',' ':' and '\', show in the emulator's history merged as the warehouse
// does: so the emulator reads the wire form the official driver writes.
func TestPeerQueryTags(t *testing.T) {
	s := emulator.Start(t)
	session := map[string]string{"team": "data,eng", "app": `etl:v2\x`}
	p := openPeerOn(t, s, dbsql.WithQueryTags(session))
	ctx := testCtx(t)
	var n int
	if err := p.db.QueryRowContext(ctx, "SELECT 1 AS session_only").Scan(&n); err != nil {
		t.Fatal(err)
	}
	stmt := map[string]string{"team": "ops", "job": "nightly, step 2:load"}
	if err := p.db.QueryRowContext(driverctx.NewContextWithQueryTags(ctx, stmt), "SELECT 2 AS tagged").Scan(&n); err != nil {
		t.Fatal(err)
	}
	merged := maps.Clone(session)
	maps.Copy(merged, stmt)
	want := map[string]map[string]string{"SELECT 1 AS session_only": session, "SELECT 2 AS tagged": merged}
	seen := 0
	for _, r := range s.Requests().Of(emulator.ExecuteStatement) {
		w, ok := want[r.Statement]
		if !ok {
			continue
		}
		seen++
		if !maps.Equal(r.Tags, w) {
			t.Errorf("%q: history has tags %q, want %q", r.Statement, r.Tags, w)
		}
	}
	if seen != len(want) {
		t.Fatalf("found %d of the %d statements in the log %v", seen, len(want), s.Requests())
	}
}
