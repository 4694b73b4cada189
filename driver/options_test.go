package driver

import (
	"crypto/tls"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestOptions(t *testing.T) {
	tc := &tls.Config{ServerName: "s"}
	rt := &http.Transport{}
	loc := time.FixedZone("X", 3600)
	l := slog.Default()
	c := NewConfig()
	for _, o := range []Option{
		WithServerHostname("h"), WithPort(8443), WithHTTPPath("/p"),
		WithInitialNamespace("cat", "sch"), WithSessionParams(map[string]string{"a": "1"}),
		WithSessionParams(map[string]string{"b": "2"}), WithMaxRows(10), WithTimeout(time.Minute),
		WithUserAgentEntry("app"), WithLocation(loc), WithLogger(l), WithRetry(3, time.Second),
		WithTransport(rt), WithTLSConfig(tc),
	} {
		o(c)
	}
	if c.Host != "h" || c.Port != 8443 || c.HTTPPath != "/p" || c.Catalog != "cat" || c.Schema != "sch" ||
		c.SessionParams["a"] != "1" || c.SessionParams["b"] != "2" || c.MaxRows != 10 ||
		c.QueryTimeout != time.Minute || c.UserAgentEntry != "app" || c.Location != loc || c.Logger != l ||
		c.RetryMax != 3 || c.RetryBudget != time.Second || c.Transport != rt ||
		c.TLSConfig == tc || c.TLSConfig.ServerName != "s" {
		t.Errorf("%#v", *c)
	}
	WithHTTPClient(http.DefaultClient)(c)
	if c.HTTPClient != http.DefaultClient {
		t.Error("WithHTTPClient")
	}
}

func TestAuthOptionsReplaceCredentials(t *testing.T) {
	c, err := ParseDSN("token:dapi@h/p")
	if err != nil {
		t.Fatal(err)
	}
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "x"})
	for _, tt := range []struct {
		opt   Option
		check func(*Config) bool
	}{
		{WithBasicAuth("u", "p"), func(c *Config) bool { return c.Username == "u" && c.Password.Reveal() == "p" }},
		{WithClientCredentials("i", "s"), func(c *Config) bool { return c.ClientID == "i" && c.ClientSecret.Reveal() == "s" }},
		{WithTokenSource(ts), func(c *Config) bool { return c.TokenSource != nil }},
		{WithOAuthU2M("app", U2MOptions{}), func(c *Config) bool { return c.OAuthU2M && c.ClientID == "app" }},
		{WithTokenFederation(ts, "sp"), func(c *Config) bool { return c.FederatedTokenSource != nil && c.FederationClientID == "sp" }},
		{WithClientCredentials("i", "s"), func(c *Config) bool {
			return c.FederatedTokenSource == nil && c.FederationClientID == "" && !c.OAuthU2M
		}},
		{WithAccessToken("t2"), func(c *Config) bool { return c.AccessToken.Reveal() == "t2" }},
	} {
		tt.opt(c)
		if !tt.check(c) {
			t.Errorf("option not applied: %v", c)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("credentials not replaced: %v", err)
		}
	}
}
