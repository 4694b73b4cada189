package hs2

import (
	"context"
	"errors"
	"testing"

	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// TestOpenSessionNamespace checks the forms of the namespace and parameters
// per protocol: both forms while the version is unknown, initialNamespace
// from SPARK V4, "use:database" below it, and on a Hive server a second
// session with "set:hiveconf:" keys.
func TestOpenSessionNamespace(t *testing.T) {
	cases := []struct {
		name     string
		proto    tcli.TProtocolVersion
		sessions int // OpenSession requests of the first session
		// of the last request of the second session:
		initialNS bool
		useDB     bool
		paramKey  string
	}{
		{"spark v8", tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, 1, true, false, "timezone"},
		{"spark v3", tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V3, 1, false, true, "timezone"},
		{"hive", tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10, 2, false, true, "set:hiveconf:timezone"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions()
			opts.Catalog, opts.Schema = "main", "sales"
			opts.SessionParams = map[string]string{"timezone": "UTC"}
			c, f := direct(tc.proto, opts)
			defer c.Close()
			s, err := c.OpenSession(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			first := tclitest.Received[*tcli.TOpenSessionReq](f)
			if len(first) != tc.sessions {
				t.Fatalf("first session: got %d OpenSession requests, want %d", len(first), tc.sessions)
			}
			if r := first[0]; r.InitialNamespace == nil || r.Configuration["use:database"] != "sales" {
				t.Fatalf("unknown protocol: got namespace %v and configuration %v, want both forms", r.InitialNamespace, r.Configuration)
			}
			if s.Protocol != tc.proto || f.OpenSessions() != 1 {
				t.Fatalf("got protocol %v with %d open sessions, want %v with 1", s.Protocol, f.OpenSessions(), tc.proto)
			}
			if _, err := c.OpenSession(context.Background()); err != nil {
				t.Fatal(err)
			}
			all := tclitest.Received[*tcli.TOpenSessionReq](f)
			last := all[len(all)-1]
			if got := last.InitialNamespace != nil; got != tc.initialNS {
				t.Errorf("initialNamespace sent: got %v, want %v", got, tc.initialNS)
			}
			if got := last.Configuration["use:database"] == "sales"; got != tc.useDB {
				t.Errorf("use:database sent: got %v, want %v", got, tc.useDB)
			}
			if last.Configuration[tc.paramKey] != "UTC" {
				t.Errorf("got configuration %v, want key %q", last.Configuration, tc.paramKey)
			}
		})
	}
}

// TestCloseSessionUnknownIsClosed: closing a session twice is no error.
func TestCloseSessionUnknownIsClosed(t *testing.T) {
	c, f := direct(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, testOptions())
	defer c.Close()
	s, err := c.OpenSession(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := c.CloseSession(context.Background(), s); err != nil {
			t.Fatalf("close %d: got %v, want nil", i+1, err)
		}
	}
	if n := f.OpenSessions(); n != 0 {
		t.Fatalf("got %d open sessions, want 0", n)
	}
}

// TestOpenSessionInvalidHandleIsNotRun: an INVALID_HANDLE status from the RPC
// client means nothing ran; a status read from a reply does not say so.
func TestOpenSessionInvalidHandleIsNotRun(t *testing.T) {
	st := &tcli.TStatus{StatusCode: tcli.TStatusCode_INVALID_HANDLE_STATUS, ErrorMessage: ptr("gone")}
	c, f := overHTTP(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, testOptions())
	f.Inject(tclitest.OpenSession, tclitest.Fault{Status: st})
	_, err := c.OpenSession(context.Background())
	if !NotRun(err) || !errors.Is(err, ErrInvalidHandle) {
		t.Fatalf("over HTTP: got %v, want an error that is NotRun and ErrInvalidHandle", err)
	}
	d, df := direct(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, testOptions())
	defer d.Close()
	df.Inject(tclitest.OpenSession, tclitest.Fault{Status: st})
	_, err = d.OpenSession(context.Background())
	if NotRun(err) || !errors.Is(err, ErrInvalidHandle) {
		t.Fatalf("in-process: got %v, want ErrInvalidHandle, not NotRun", err)
	}
}
