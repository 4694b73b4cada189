package driver

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/asyncsql/databricks/internal/rpc"
)

func TestNewConfigDefaults(t *testing.T) {
	c := NewConfig()
	if c.MaxRows != 100000 || !c.UseArrow || !c.UseLZ4 || c.PollMin != 100*time.Millisecond ||
		c.PollMax != 5*time.Second || c.Location != time.UTC {
		t.Errorf("%+v", *c)
	}
}

func TestValidate(t *testing.T) {
	base := func() *Config { c := NewConfig(); c.Host = "h.example"; return c }
	tests := []struct {
		name  string
		edit  func(*Config)
		field string // empty: valid
	}{
		{"minimal", func(*Config) {}, ""},
		{"no host", func(c *Config) { c.Host = "" }, "host"},
		{"bad host", func(c *Config) { c.Host = "h/x" }, "host"},
		{"ipv4-mapped", func(c *Config) { c.Host = "::ffff:1.2.3.4" }, "host"},
		{"ipv6", func(c *Config) { c.Host = "2001:db8::1" }, ""},
		{"protocol", func(c *Config) { c.Protocol = "ftp" }, "protocol"},
		{"port", func(c *Config) { c.Port = 70000 }, "port"},
		{"negative port", func(c *Config) { c.Port = -1 }, "port"},
		{"path query", func(c *Config) { c.HTTPPath = "/p?x" }, "httpPath"},
		{"path fragment", func(c *Config) { c.HTTPPath = "/p#x" }, "httpPath"},
		{"path ampersand", func(c *Config) { c.HTTPPath = "/p&clientSecret" }, "httpPath"},
		{"path equals", func(c *Config) { c.HTTPPath = "/p=x" }, "httpPath"},
		{"maxRows", func(c *Config) { c.MaxRows = -1 }, "maxRows"},
		{"timeout", func(c *Config) { c.QueryTimeout = -time.Second }, "timeout"},
		{"retryMax", func(c *Config) { c.RetryMax = -1 }, "retryMax"},
		{"retryBudget", func(c *Config) { c.RetryBudget = -1 }, "retryBudget"},
		{"poll order", func(c *Config) { c.PollMin = time.Minute }, "pollMin"},
		{"session key empty", func(c *Config) { c.SessionParams = map[string]string{"": "x"} }, "sessionParams"},
		{"session key collides", func(c *Config) { c.SessionParams = map[string]string{"MaxRows": "1"} }, "sessionParams"},
		{"token", func(c *Config) { c.AccessToken = NewSecret("t") }, ""},
		{"basic", func(c *Config) { c.Username, c.Password = "u", NewSecret("p") }, ""},
		{"basic no password", func(c *Config) { c.Username = "u" }, "credentials"},
		{"basic no user", func(c *Config) { c.Password = NewSecret("p") }, "credentials"},
		{"basic user token", func(c *Config) { c.Username, c.Password = "token", NewSecret("p") }, "credentials"},
		{"basic user colon", func(c *Config) { c.Username, c.Password = "a:b", NewSecret("p") }, "credentials"},
		{"m2m", func(c *Config) { c.ClientID, c.ClientSecret = "i", NewSecret("s") }, ""},
		{"m2m no secret", func(c *Config) { c.ClientID = "i" }, "clientID"},
		{"token and basic", func(c *Config) { c.AccessToken, c.Username, c.Password = NewSecret("t"), "u", NewSecret("p") }, "credentials"},
		{"token and source", func(c *Config) { c.AccessToken, c.TokenSource = NewSecret("t"), oauth2.StaticTokenSource(nil) }, "credentials"},
		{"client and transport", func(c *Config) { c.HTTPClient, c.Transport = http.DefaultClient, http.DefaultTransport }, "httpClient"},
		{"client and tls", func(c *Config) { c.HTTPClient, c.TLSConfig = http.DefaultClient, &tls.Config{} }, "httpClient"},
		{"transport and tls", func(c *Config) { c.Transport, c.TLSConfig = http.DefaultTransport, &tls.Config{} }, "transport"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.edit(c)
			err := c.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("err = %v, want field %q", err, tt.field)
			}
		})
	}
}

// TestValidateLeavesConfig checks that Validate does not modify the config
// and that an empty Protocol and a zero Port resolve to the defaults of the
// host at the point of use.
func TestValidateLeavesConfig(t *testing.T) {
	for _, tt := range []struct {
		host, proto string
		port        int
		wantProto   string
		wantPort    int
	}{
		{"h", "", 0, "https", 443},
		{"localhost", "", 0, "http", 80},
		{"LocalHost", "", 0, "http", 80},
		{"127.0.0.1", "", 8080, "http", 8080},
		{"::1", "https", 0, "https", 443},
		{"h", "http", 0, "http", 80},
	} {
		c := &Config{Host: tt.host, Protocol: tt.proto, Port: tt.port}
		before := *c
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(*c, before) {
			t.Errorf("%s: Validate changed the config: got %+v, want %+v", tt.host, *c, before)
		}
		if c.protocol() != tt.wantProto || c.port() != tt.wantPort {
			t.Errorf("%s: got %s:%d, want %s:%d", tt.host, c.protocol(), c.port(), tt.wantProto, tt.wantPort)
		}
	}
	full := NewConfig()
	full.Host, full.AccessToken, full.SessionParams = "h", NewSecret("t"), map[string]string{"a": "b"}
	before := full.Clone()
	if err := full.Validate(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(full, before) {
		t.Errorf("Validate changed NewConfig's config: got %+v, want %+v", full, before)
	}
}

func TestEndpointURL(t *testing.T) {
	for _, tt := range []struct {
		c    Config
		want string
	}{
		{Config{Host: "h", HTTPPath: "/sql/1.0/warehouses/abc"}, "https://h/sql/1.0/warehouses/abc"},
		{Config{Host: "h", Port: 443, Protocol: "https", HTTPPath: "sql"}, "https://h/sql"},
		{Config{Host: "h", Port: 8443}, "https://h:8443/"},
		{Config{Host: "localhost", Port: 8080, HTTPPath: "/p"}, "http://localhost:8080/p"},
		{Config{Host: "::1", Port: 9000, HTTPPath: "/p"}, "http://[::1]:9000/p"},
		{Config{Host: "2001:db8::1"}, "https://[2001:db8::1]/"},
		{Config{Host: "h", HTTPPath: "/a b"}, "https://h/a%20b"},
	} {
		if got := tt.c.endpointURL(); got != tt.want {
			t.Errorf("endpointURL(%+v) = %q, want %q", tt.c, got, tt.want)
		}
	}
}

func TestStringRedactsSecrets(t *testing.T) {
	secrets := []string{"dapiSECRET1", "PASSWORD2", "CLIENTSECRET3", "SESSIONTOKEN4"}
	configs := []*Config{
		{Host: "h", HTTPPath: "/p", AccessToken: NewSecret(secrets[0]), SessionParams: map[string]string{"my.token": secrets[3]}},
		{Host: "h", Username: "alice", Password: NewSecret(secrets[1])},
		{Host: "h", ClientID: "id", ClientSecret: NewSecret(secrets[2])},
	}
	for _, c := range configs {
		var logged bytes.Buffer
		slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "cfg", c, "value", *c)
		outs := []string{c.String(), fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, *c), fmt.Sprintf("%#v", *c), logged.String()}
		for _, out := range outs {
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("output shows %q: %s", s, out)
				}
			}
			if !strings.Contains(out, "xxxxx") {
				t.Errorf("output lacks the redaction mark: %s", out)
			}
		}
	}
	c := &Config{Host: "h", TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: secrets[0]})}
	if s := fmt.Sprintf("%v %#v", c, c); strings.Contains(s, secrets[0]) || !strings.Contains(s, "token source") {
		t.Errorf("%s", s)
	}
	c = NewConfig()
	c.Host, c.AccessToken = "h", NewSecret("t")
	if got := c.String(); got != "token:xxxxx@h" {
		t.Errorf("String() = %q", got)
	}
	// An invalid path or host could hold anything: it is cut.
	for _, tt := range []struct {
		c    Config
		want string
	}{
		{Config{Host: "h", HTTPPath: "/sql/1.0&clientSecret=S3CRET"}, "h/sql/1.0xxxxx"},
		{Config{Host: "h", HTTPPath: "/sql/1.0?x=S3CRET"}, "h/sql/1.0xxxxx"},
		{Config{Host: "token:S3CRET@h", HTTPPath: "/p"}, "xxxxx/p"},
		{Config{Host: "h", SessionParams: map[string]string{"a.Password": "S3CRET", "b.credential": "S3CRET", "pwd": "S3CRET", "c": "d"}}, "h?a.Password=xxxxx&b.credential=xxxxx&c=d&pwd=xxxxx"},
	} {
		tt.c.UseArrow, tt.c.UseLZ4, tt.c.UseCloudFetch = true, true, true
		if got := tt.c.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestConfigPrintedForms(t *testing.T) {
	c := NewConfig()
	c.Host, c.AccessToken = "h", NewSecret("S3CRET")
	want := "token:xxxxx@h"
	for _, tt := range []struct{ format, want string }{
		{"%v", want}, {"%s", want}, {"%d", want}, {"%x", want}, {"%+v", want},
		{"%q", `"` + want + `"`}, {"%#v", `driver.Config("` + want + `")`},
	} {
		if got := fmt.Sprintf(tt.format, c); got != tt.want {
			t.Errorf("%s of *Config = %q, want %q", tt.format, got, tt.want)
		}
		if got := fmt.Sprintf(tt.format, *c); got != tt.want {
			t.Errorf("%s of Config = %q, want %q", tt.format, got, tt.want)
		}
	}
	b, err := json.Marshal(struct{ C *Config }{c})
	if err != nil || string(b) != `{"C":"`+want+`"}` {
		t.Errorf("json = %s, %v", b, err)
	}
	conn, err := NewConnector(c)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, tt := range []struct{ format, want string }{
		{"%v", want}, {"%s", want}, {"%d", want}, {"%q", `"` + want + `"`}, {"%#v", `driver.Connector("` + want + `")`},
	} {
		if got := fmt.Sprintf(tt.format, conn); got != tt.want {
			t.Errorf("%s of *Connector = %q, want %q", tt.format, got, tt.want)
		}
	}
}

func TestClone(t *testing.T) {
	c := NewConfig()
	c.SessionParams = map[string]string{"a": "1"}
	c.TLSConfig = &tls.Config{ServerName: "x"}
	n := c.Clone()
	n.SessionParams["a"] = "2"
	n.TLSConfig.ServerName = "y"
	if c.SessionParams["a"] != "1" || c.TLSConfig.ServerName != "x" {
		t.Error("clone shares mutable state")
	}
	if err := sameConfig(c, n); err == nil {
		t.Error("clone edits not visible")
	}
}

func TestHTTPClient(t *testing.T) {
	hc := (&Config{Host: "h"}).httpClient()
	tr, ok := hc.Transport.(*http.Transport)
	if !ok || tr.TLSClientConfig == nil || tr.TLSClientConfig.InsecureSkipVerify || tr.TLSClientConfig.MinVersion != tls.VersionTLS12 {
		t.Errorf("default transport %#v", hc.Transport)
	}
	if tr.Proxy == nil {
		t.Error("default transport ignores proxy settings")
	}
	tc := &tls.Config{ServerName: "custom"}
	tr = (&Config{Host: "h", TLSConfig: tc}).httpClient().Transport.(*http.Transport)
	if tr.TLSClientConfig.ServerName != "custom" || tr.TLSClientConfig == tc {
		t.Error("TLSConfig not used or not copied")
	}
	if hc.CheckRedirect == nil {
		t.Error("built client follows redirects")
	}
	rt := &http.Transport{}
	if got := (&Config{Transport: rt}).httpClient().Transport; got != rt {
		t.Error("Transport not used")
	}
	own := &http.Client{}
	if got := (&Config{HTTPClient: own}).httpClient(); got != own {
		t.Error("HTTPClient not used as is")
	}
}

func TestRetryPolicyAndLogger(t *testing.T) {
	if got := (&Config{}).retryPolicy(); got != rpc.DefaultRetryPolicy() {
		t.Errorf("%+v", got)
	}
	p := (&Config{RetryMax: 2, RetryBudget: time.Second}).retryPolicy()
	if p.MaxAttempts != 2 || p.Budget != time.Second {
		t.Errorf("%+v", p)
	}
	if (&Config{}).logger() == nil {
		t.Error("nil logger")
	}
	l := slog.Default()
	if (&Config{Logger: l}).logger() != l {
		t.Error("logger not used")
	}
}
