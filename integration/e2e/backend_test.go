package e2e_test

import (
	"errors"
	"testing"

	"github.com/asyncsql/databricks/catalog"
	dbx "github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// TestRESTThriftOnlyFeatures: on the REST backend, Volumes staging
// statements and catalog metadata calls fail with their not-supported
// errors before anything reaches the server.
func TestRESTThriftOnlyFeatures(t *testing.T) {
	if backend != "rest" {
		t.Skip("REST backend only (DATABRICKS_TEST_BACKEND=rest)")
	}
	s := emulator.Start(t)
	db := open(t, s, nil)
	ctx := testCtx(t)
	if err := db.PingContext(ctx); err != nil {
		t.Fatal(err)
	}
	s.ResetRequests()
	if _, err := db.ExecContext(ctx, "PUT '/tmp/x' INTO '/Volumes/main/default/vol/x'"); !errors.Is(err, dbx.ErrStagingNotSupported) {
		t.Errorf("PUT: got %v, want ErrStagingNotSupported", err)
	}
	if _, err := catalog.ListCatalogs(ctx, db); !errors.Is(err, dbx.ErrMetadataNotSupported) {
		t.Errorf("ListCatalogs: got %v, want ErrMetadataNotSupported", err)
	}
	if log := s.Requests(); len(log) != 0 {
		t.Errorf("requests %v, want none", log)
	}
}
