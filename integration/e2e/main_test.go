package e2e_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	_ "github.com/asyncsql/databricks/driver" // registers "databricks"
	"github.com/asyncsql/databricks/integration/emulator"
	"github.com/asyncsql/databricks/integration/internal/testbackend"
)

// srv is the emulator shared by the tests that need no special options.
var srv *emulator.Server

func TestMain(m *testing.M) {
	// Goroutines running before any test (the runtime's, the testing
	// package's) are not leaks.
	before := goleak.IgnoreCurrent()
	s, err := emulator.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: starting the emulator:", err)
		os.Exit(1)
	}
	srv = s
	code := m.Run()
	s.Close()
	if code == 0 {
		if err := goleak.Find(before); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: goroutines left behind:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// The backend every test runs on (DATABRICKS_TEST_BACKEND); tests of what
// only the Thrift backend has call thriftOnly.
var (
	backend    = testbackend.Name
	testDSN    = testbackend.DSN
	thriftOnly = testbackend.ThriftOnly
)

// call is the emulator's name for a Thrift call's counterpart on the
// backend under test: on REST, ExecuteStatement is rest.submit,
// GetOperationStatus rest.status, FetchResults rest.chunk (the chunks after
// the first), CancelOperation rest.cancel and CloseOperation rest.close.
func call(m emulator.Method) emulator.Method {
	if backend != "rest" {
		return m
	}
	switch m {
	case emulator.ExecuteStatement:
		return emulator.RESTSubmit
	case emulator.GetOperationStatus:
		return emulator.RESTStatus
	case emulator.FetchResults:
		return emulator.RESTChunk
	case emulator.CancelOperation:
		return emulator.RESTCancel
	case emulator.CloseOperation:
		return emulator.RESTClose
	}
	return m
}

// dsn returns s's DSN for the backend under test with extra parameters
// added (or replaced).
func dsn(t *testing.T, s *emulator.Server, params url.Values) string {
	t.Helper()
	base := testDSN(s)
	if len(params) == 0 {
		return base
	}
	path, query, _ := strings.Cut(base, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		t.Fatalf("emulator DSN %q has a bad query: %v", base, err)
	}
	for k, v := range params {
		q[k] = v
	}
	return path + "?" + q.Encode()
}

// open opens the driver on s with extra DSN parameters; the DB is closed
// when the test ends.
func open(t *testing.T, s *emulator.Server, params url.Values) *sql.DB {
	t.Helper()
	db, err := sql.Open("databricks", dsn(t, s, params))
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("db.Close: %v", err)
		}
	})
	return db
}

// params builds url.Values from key, value pairs.
func params(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// testCtx is bounded so that a hung call fails the test, not the run.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// formats are the three result encodings the driver reads.
var formats = []struct {
	name   string
	params url.Values
}{
	{"arrow_lz4", params()},
	{"arrow_plain", params("useLZ4", "false")},
	{"columns", params("useArrow", "false")},
}

func TestConnect(t *testing.T) {
	db := open(t, srv, nil)
	ctx := testCtx(t)
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	var one int32
	if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}
}

// TestConnectBadToken checks that a wrong token fails the connection with an
// error that does not show the token.
func TestConnectBadToken(t *testing.T) {
	bad := strings.Replace(testDSN(srv), srv.Token(), "wrong-token-abc", 1)
	if bad == testDSN(srv) {
		t.Skip("token not found in the emulator DSN")
	}
	db, err := sql.Open("databricks", bad)
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = db.PingContext(ctx)
	if err == nil {
		t.Fatal("Ping with a wrong token succeeded")
	}
	if strings.Contains(err.Error(), "wrong-token-abc") || strings.Contains(err.Error(), srv.Token()) {
		t.Errorf("error shows a token: %v", err)
	}
}
