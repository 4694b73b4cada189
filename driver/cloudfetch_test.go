package driver

import (
	"strings"
	"testing"

	"github.com/asyncsql/databricks/internal/hs2"
	"github.com/asyncsql/databricks/thrift/tcli"
)

func TestCloudFetchGating(t *testing.T) {
	for _, tc := range []struct {
		proto tcli.TProtocolVersion
		use   bool
		want  bool
	}{
		{tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, true, true},
		{tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V3, true, true},
		{tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V2, true, false},
		{tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10, true, false},
		{tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, false, false},
	} {
		cfg := NewConfig()
		cfg.UseCloudFetch = tc.use
		req, err := newConnector(cfg, nil).thrift().hs.BuildExecute(&hs2.Session{Protocol: tc.proto}, "q", hs2.ExecOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := req.GetCanDownloadResult_(); got != tc.want {
			t.Errorf("%s useCloudFetch=%v: canDownloadResult %v, want %v", tc.proto, tc.use, got, tc.want)
		}
	}
}

func TestCloudFetchDSN(t *testing.T) {
	cfg, err := ParseDSN("token:x@example.com/p")
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.UseCloudFetch || cfg.MaxDownloads != 0 {
		t.Fatalf("defaults: useCloudFetch %v maxDownloads %d", cfg.UseCloudFetch, cfg.MaxDownloads)
	}
	cfg, err = ParseDSN("token:x@example.com/p?useCloudFetch=false&maxDownloads=3")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.UseCloudFetch || cfg.MaxDownloads != 3 {
		t.Fatalf("parsed: useCloudFetch %v maxDownloads %d", cfg.UseCloudFetch, cfg.MaxDownloads)
	}
	if s := cfg.FormatDSN(); !strings.Contains(s, "useCloudFetch=false") || !strings.Contains(s, "maxDownloads=3") {
		t.Fatalf("FormatDSN = %s", s)
	}
	if _, err := ParseDSN("token:x@example.com/p?maxDownloads=-1"); err == nil {
		t.Fatal("maxDownloads=-1 accepted")
	}
}
