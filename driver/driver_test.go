package driver

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// TestOpenDSN goes through sql.Open, ParseDSN, NewConnector, the real HTTP
// client and authentication.
func TestOpenDSN(t *testing.T) {
	f := tclitest.New(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	srv := httptest.NewServer(f)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	dsn := fmt.Sprintf("token:dapiSECRET@%s/sql/1.0/warehouses/x?pollMin=1ms&pollMax=2ms&userAgentEntry=mytool&catalog=c1", host)
	db, err := sql.Open(DriverName, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int32
	if err := db.QueryRowContext(context.Background(), "SELECT 1").Scan(&n); err != nil || n != 1 {
		t.Fatalf("got %d, %v; want 1", n, err)
	}
	log := f.Log()
	h := log[len(log)-1].Header
	if h.Get("Authorization") != "Bearer dapiSECRET" {
		t.Fatalf("Authorization: got %q, want Bearer and the token", h.Get("Authorization"))
	}
	if ua := h.Get("User-Agent"); !strings.Contains(ua, "mytool") {
		t.Fatalf("User-Agent: got %q, want it to contain mytool", ua)
	}
	o := tclitest.Received[*tcli.TOpenSessionReq](f)[0]
	if o.InitialNamespace.GetCatalogName() != "c1" {
		t.Fatalf("catalog: got %q, want c1", o.InitialNamespace.GetCatalogName())
	}
	// Driver.Open as well.
	cn, err := (&Driver{}).Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := cn.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := sql.Open(DriverName, "token:x@/nohost"); err == nil {
		t.Fatal("got a DB for a DSN without a host, want an error")
	}
}

// TestNewConnectorOptionsAndLogging: options apply, the logger gets records
// and never the token.
func TestNewConnectorOptionsAndLogging(t *testing.T) {
	f := tclitest.New(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	srv := httptest.NewServer(f)
	defer srv.Close()
	var logs bytes.Buffer
	cfg := NewConfig()
	cfg.Host = "127.0.0.1"
	fmt.Sscanf(srv.URL[strings.LastIndex(srv.URL, ":")+1:], "%d", &cfg.Port)
	cfg.HTTPPath = "/p"
	c, err := NewConnector(cfg, WithAccessToken("dapiTOPSECRET"), WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	if _, err := db.ExecContext(context.Background(), "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Connect(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Connect on a closed connector: got %v, want ErrClosed", err)
	}
	if logs.Len() == 0 || strings.Contains(logs.String(), "TOPSECRET") {
		t.Fatalf("logs: got %q, want records without the token", logs.String())
	}
	if c.Driver() == nil || !cfg.AccessToken.IsZero() {
		t.Fatal("got the Config changed by NewConnector, want it untouched")
	}
	if _, err := NewConnector(&Config{}); err == nil {
		t.Fatal("got a connector for an empty Config, want an error")
	}
}
