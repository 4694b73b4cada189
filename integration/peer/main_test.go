package peer_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	dbsql "github.com/databricks/databricks-sql-go"
	dblog "github.com/databricks/databricks-sql-go/logger"

	"github.com/asyncsql/databricks/integration/emulator"
)

// srv is the emulator shared by every test of the package.
var srv *emulator.Server

func TestMain(m *testing.M) {
	// The official driver logs every failed statement at error level; the
	// tests make statements fail on purpose.
	if err := dblog.SetLogLevel("disabled"); err != nil {
		fmt.Fprintln(os.Stderr, "peer: silencing the official driver:", err)
	}
	s, err := emulator.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, "peer: starting the emulator:", err)
		os.Exit(1)
	}
	srv = s
	code := m.Run()
	_ = s.Close()
	os.Exit(code)
}

// peer is an *sql.DB of the official driver connected to the emulator, with
// the recorder that saw its traffic.
type peer struct {
	db  *sql.DB
	rec *recorder
}

// openPeer connects the official driver to the shared emulator the way its
// README does for a warehouse (hostname, port, HTTP path, token); "localhost"
// makes it use http://. Extra options come after the defaults.
func openPeer(t *testing.T, opts ...dbsql.ConnOption) *peer {
	t.Helper()
	return openPeerOn(t, srv, opts...)
}

// openPeerOn is openPeer for another emulator than the shared one.
func openPeerOn(t *testing.T, s *emulator.Server, opts ...dbsql.ConnOption) *peer {
	t.Helper()
	rec := newRecorder()
	base := []dbsql.ConnOption{
		dbsql.WithServerHostname("localhost"),
		dbsql.WithPort(s.Port()),
		dbsql.WithHTTPPath(s.HTTPPath()),
		dbsql.WithAccessToken(s.Token()),
		dbsql.WithTransport(rec),
		// Fail fast: the emulator is local, a retry would only hide a bug.
		dbsql.WithRetries(-1, 10*time.Millisecond, 50*time.Millisecond),
	}
	c, err := dbsql.NewConnector(append(base, opts...)...)
	if err != nil {
		t.Fatalf("NewConnector: %v", err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("closing the official driver's DB: %v", err)
		}
	})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("calls of the official driver:\n%s", rec.Dump())
		}
	})
	return &peer{db: db, rec: rec}
}

// openPeerDSN connects the official driver through sql.Open and its DSN
// form, with the extra query parameters given: http:// for the emulator, and
// telemetry off so that it calls nothing but the emulator. This is the only
// way to set some options (e.g. timezone). No recorder sees this traffic.
func openPeerDSN(t *testing.T, query string) *peer {
	t.Helper()
	u := url.URL{
		Scheme:   "http",
		User:     url.UserPassword("token", srv.Token()),
		Host:     fmt.Sprintf("localhost:%d", srv.Port()),
		Path:     srv.HTTPPath(),
		RawQuery: "enableTelemetry=false",
	}
	if query != "" {
		u.RawQuery += "&" + query
	}
	db, err := sql.Open("databricks", u.String())
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("closing the official driver's DB: %v", err)
		}
	})
	return &peer{db: db, rec: newRecorder()}
}

// testCtx returns a context bounded so that a hung emulator fails the test
// instead of the whole run.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestConnect(t *testing.T) {
	p := openPeer(t)
	ctx := testCtx(t)
	if err := p.db.PingContext(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	var one int32
	if err := p.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatalf("SELECT 1: %v", err)
	}
	if one != 1 {
		t.Fatalf("SELECT 1 = %d", one)
	}
	if n := p.rec.Count("OpenSession"); n < 1 {
		t.Fatalf("no OpenSession recorded")
	}
}

// TestSessionLifecycle checks that closing the DB closes the session the
// official driver opened, and that each statement's operation is either
// closed inline by direct results or closed by CloseOperation.
func TestSessionLifecycle(t *testing.T) {
	rec := newRecorder()
	c, err := dbsql.NewConnector(
		dbsql.WithServerHostname("localhost"),
		dbsql.WithPort(srv.Port()),
		dbsql.WithHTTPPath(srv.HTTPPath()),
		dbsql.WithAccessToken(srv.Token()),
		dbsql.WithTransport(rec),
		dbsql.WithRetries(-1, 10*time.Millisecond, 50*time.Millisecond),
	)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	ctx := testCtx(t)
	var s string
	if err := db.QueryRowContext(ctx, "SELECT 'a'").Scan(&s); err != nil {
		t.Fatalf("query: %v\n%s", err, rec.Dump())
	}
	if err := db.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if rec.Count("OpenSession") != rec.Count("CloseSession") {
		t.Fatalf("OpenSession %d times but CloseSession %d times:\n%s",
			rec.Count("OpenSession"), rec.Count("CloseSession"), rec.Dump())
	}
	for _, c := range rec.Calls() {
		if c.HTTP != 200 {
			t.Errorf("%s answered HTTP %d", c.Method, c.HTTP)
		}
		if c.Req != nil && c.Resp == nil {
			t.Errorf("%s reply could not be decoded as a TCLIService reply", c.Method)
		}
	}
	if t.Failed() {
		t.Logf("calls:\n%s", rec.Dump())
	}
}
