package e2e_test

import (
	"errors"
	"fmt"
	"net/url"
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

// TestRESTOneRequestPerSelect1: a statement that finishes within the wait
// with its whole result inline costs one request, its submission, and is
// not closed (the server keeps it until its retention); a result the
// server still serves, as external links or in several chunks, is closed
// when its rows are, read to the end or not.
func TestRESTOneRequestPerSelect1(t *testing.T) {
	if backend != "rest" {
		t.Skip("REST backend only (DATABRICKS_TEST_BACKEND=rest)")
	}
	t.Run("inline", func(t *testing.T) {
		s := emulator.Start(t)
		db := open(t, s, nil)
		var n int
		if err := db.QueryRowContext(testCtx(t), "SELECT 1").Scan(&n); err != nil || n != 1 {
			t.Fatalf("SELECT 1: %d, %v", n, err)
		}
		if _, err := db.ExecContext(testCtx(t), "CREATE TABLE one_req AS SELECT 1 AS n"); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil { // waits for any background request
			t.Fatal(err)
		}
		log := s.Requests()
		if len(log) != 2 || log.Count(emulator.RESTSubmit) != 2 {
			t.Errorf("requests %v, want the two submissions only", log)
		}
		if s.OpenOperations() != 2 || s.UnreleasedOperations() != 0 {
			t.Errorf("the server holds %d statements, %d unreleased; want 2 kept until retention, none unreleased",
				s.OpenOperations(), s.UnreleasedOperations())
		}
	})
	for _, c := range []struct {
		name string
		opt  emulator.RESTOptions
		dsn  url.Values
	}{
		{"links", emulator.RESTOptions{HybridInlineLimit: 1}, nil},
		{"inline chunks", emulator.RESTOptions{ChunkRows: 100}, params("useCloudFetch", "false")},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := emulator.Start(t, emulator.WithREST(c.opt))
			db := open(t, s, c.dsn)
			for _, stop := range []int{-1, 1} {
				rows, err := db.QueryContext(testCtx(t), "SELECT i FROM range(1000) t(i)")
				if err != nil {
					t.Fatal(err)
				}
				for i := 0; i != stop && rows.Next(); i++ {
				}
				if err := rows.Err(); err != nil {
					t.Fatal(err)
				}
				if err := rows.Close(); err != nil {
					t.Fatal(err)
				}
			}
			if n := s.Requests().Count(emulator.RESTClose); n != 2 {
				t.Errorf("%d closes, want 2 (requests %v)", n, s.Requests())
			}
			if s.OpenOperations() != 0 || s.UnreleasedOperations() != 0 {
				t.Errorf("the server holds %d statements, %d unreleased", s.OpenOperations(), s.UnreleasedOperations())
			}
		})
	}
}

// TestRESTHybridRefused: on a warehouse that refuses INLINE_OR_EXTERNAL_LINKS
// the first statement is submitted again with EXTERNAL_LINKS, and every
// later one of the connector with EXTERNAL_LINKS at once; results are
// whole either way.
func TestRESTHybridRefused(t *testing.T) {
	if backend != "rest" {
		t.Skip("REST backend only (DATABRICKS_TEST_BACKEND=rest)")
	}
	s := emulator.Start(t, emulator.WithREST(emulator.RESTOptions{NoHybrid: true}))
	db := open(t, s, nil)
	ctx := testCtx(t)
	for _, n := range []int{1, 3000} {
		var count, sum int64
		q := fmt.Sprintf("SELECT count(*), sum(i) FROM range(%d) t(i)", n)
		if err := db.QueryRowContext(ctx, q).Scan(&count, &sum); err != nil {
			t.Fatal(err)
		}
		if count != int64(n) || sum != int64(n*(n-1)/2) {
			t.Errorf("%s: %d, %d", q, count, sum)
		}
	}
	log := s.Requests().Of(emulator.RESTSubmit)
	if len(log) != 3 || log[0].Outcome != emulator.OutcomeError || log[1].Outcome != emulator.OutcomeOK || log[2].Outcome != emulator.OutcomeOK {
		t.Errorf("submissions %v, want one refused, then two served", log)
	}
	if n := s.Requests().Count(emulator.Download); n != 2 {
		t.Errorf("%d downloads, want one per statement (external links)", n)
	}
}
