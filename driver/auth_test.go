package driver

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

func authHeader(t *testing.T, c *Config) string {
	t.Helper()
	a, err := c.authenticator()
	if err != nil {
		t.Fatal(err)
	}
	if a == nil {
		return ""
	}
	r := httptest.NewRequest(http.MethodPost, "https://h/p", nil)
	if err := a.Authenticate(r); err != nil {
		t.Fatal(err)
	}
	return r.Header.Get("Authorization")
}

func TestAuthenticators(t *testing.T) {
	if got := authHeader(t, &Config{Host: "h", AccessToken: NewSecret("dapi123")}); got != "Bearer dapi123" {
		t.Errorf("token: %q", got)
	}
	if got := authHeader(t, &Config{Host: "h", Username: "spark", Password: NewSecret("pw")}); got != "Basic c3Bhcms6cHc=" {
		t.Errorf("basic: %q", got)
	}
	if got := authHeader(t, &Config{Host: "h"}); got != "" {
		t.Errorf("none: %q", got)
	}
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "oauth-tok"})
	if got := authHeader(t, &Config{Host: "h", TokenSource: ts}); got != "Bearer oauth-tok" {
		t.Errorf("token source: %q", got)
	}
}

type tokenSourceFunc func() (*oauth2.Token, error)

func (f tokenSourceFunc) Token() (*oauth2.Token, error) { return f() }

func TestTokenSourceFailures(t *testing.T) {
	boom := errors.New("boom")
	for _, ts := range []oauth2.TokenSource{
		tokenSourceFunc(func() (*oauth2.Token, error) { return nil, boom }),
		tokenSourceFunc(func() (*oauth2.Token, error) { return nil, nil }),
		tokenSourceFunc(func() (*oauth2.Token, error) { return &oauth2.Token{}, nil }),
	} {
		a, err := (&Config{Host: "h", TokenSource: ts}).authenticator()
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodPost, "https://h/p", nil)
		if err := a.Authenticate(r); err == nil {
			t.Error("no error")
		}
		if r.Header.Get("Authorization") != "" {
			t.Error("header set on failure")
		}
	}
}

// TestOAuthM2M checks that client credentials in a Config become the
// OAuth machine-to-machine authenticator of the workspace's token endpoint,
// https://HOST/oidc/v1/token with the warehouse's protocol and port
// (internal/rpc tests the grant itself).
func TestOAuthM2M(t *testing.T) {
	var path, auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, auth = r.URL.Path, r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"m2m-token","token_type":"Bearer","expires_in":3600}`))
	}))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	c := NewConfig()
	c.Host, c.Protocol, c.HTTPPath = u.Hostname(), "http", "/sql/1.0/warehouses/w"
	c.ClientID, c.ClientSecret = "client-id", NewSecret("client-SECRET-value")
	if c.Port, err = strconv.Atoi(u.Port()); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := c.tokenURL(), srv.URL+"/oidc/v1/token"; got != want {
		t.Errorf("got tokenURL %q, want %q", got, want)
	}
	if got, want := authorization(t, c), "Bearer m2m-token"; got != want {
		t.Errorf("got Authorization %q, want %q", got, want)
	}
	if id, _, ok := (&http.Request{Header: http.Header{"Authorization": {auth}}}).BasicAuth(); !ok || id != "client-id" || path != "/oidc/v1/token" {
		t.Errorf("got a token request to %s with client authentication %q, want one to /oidc/v1/token as client-id", path, auth)
	}
	if _, err := authenticatorFor(&Config{Host: "h", ClientID: "id"}, nil); err == nil {
		t.Error("got an authenticator for a client ID without a secret, want an error")
	}
}

// TestTokenFederationConfig checks that a federated token source in a Config
// becomes the token exchange at https://HOST/oidc/v1/token, and that the DSN
// form reads the JWT from the named environment variable (internal/rpc
// tests the exchange itself).
func TestTokenFederationConfig(t *testing.T) {
	const jwt = "eyJ.external-idp-jwt.sig"
	var path, subject, clientID string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		path, subject, clientID = r.URL.Path, r.PostForm.Get("subject_token"), r.PostForm.Get("client_id")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"federated-token","token_type":"Bearer","expires_in":3600}`))
	}))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("FED_CONFIG_TEST_JWT", jwt)
	c, err := ParseDSN(u.Host + "/sql/1.0/warehouses/w?authType=token-federation&federatedTokenEnv=FED_CONFIG_TEST_JWT&federationClientID=sp-1")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := authorization(t, c), "Bearer federated-token"; got != want {
		t.Errorf("got Authorization %q, want %q", got, want)
	}
	if path != "/oidc/v1/token" || subject != jwt || clientID != "sp-1" {
		t.Errorf("got an exchange at %s of subject %q for client %q, want /oidc/v1/token, the JWT, sp-1", path, subject, clientID)
	}
	if got := c.FormatDSN(); !strings.Contains(got, "authType=token-federation") || !strings.Contains(got, "federatedTokenEnv=FED_CONFIG_TEST_JWT") {
		t.Errorf("FormatDSN %q lacks the federation parameters", got)
	}
	if _, err := authenticatorFor(&Config{Host: "h", FederationClientID: "sp"}, nil); err == nil {
		t.Error("got an authenticator for federation without a token source, want an error")
	}
}

// TestOAuthU2MConfig checks the DSN form of OAuth U2M and the login
// configuration it gives: the workspace's OIDC endpoints, the default client
// and port, the scopes (internal/rpc tests the login itself).
func TestOAuthU2MConfig(t *testing.T) {
	c, err := ParseDSN("h.example:8443/sql/1.0/warehouses/w?authType=oauth-u2m")
	if err != nil {
		t.Fatal(err)
	}
	if !c.OAuthU2M {
		t.Fatal("authType=oauth-u2m did not set OAuthU2M")
	}
	u := c.u2mConfig(nil)
	if u.AuthURL != "https://h.example:8443/oidc/v1/authorize" || u.TokenURL != "https://h.example:8443/oidc/v1/token" {
		t.Errorf("got endpoints %s and %s", u.AuthURL, u.TokenURL)
	}
	if u.ClientID != "databricks-sql-connector" || u.RedirectPort != 8030 || strings.Join(u.Scopes, " ") != "sql offline_access" || u.OpenBrowser == nil {
		t.Errorf("got client %q, port %d, scopes %v", u.ClientID, u.RedirectPort, u.Scopes)
	}
	if got := c.FormatDSN(); !strings.Contains(got, "authType=oauth-u2m") {
		t.Errorf("FormatDSN %q lacks authType=oauth-u2m", got)
	}
	for host, want := range map[string]string{
		"adb-1.2.azuredatabricks.net": "96eecda7-19ea-49cc-abb5-240097d554f5",
		"ADB-1.2.AzureDatabricks.NET": "96eecda7-19ea-49cc-abb5-240097d554f5",
		"x.databricks.azure.cn":       "96eecda7-19ea-49cc-abb5-240097d554f5",
		"dbc-1.cloud.databricks.com":  "databricks-sql-connector",
		"1.2.gcp.databricks.com":      "databricks-sql-connector",
		"azuredatabricks.net.example": "databricks-sql-connector",
	} {
		c, err := ParseDSN(host + "/sql/1.0/warehouses/w?authType=oauth-u2m")
		if err != nil {
			t.Fatal(err)
		}
		if got := c.u2mConfig(nil).ClientID; got != want {
			t.Errorf("default client of %s: expected %s, got %s", host, want, got)
		}
	}
	c, err = ParseDSN("h.example/p?authType=oauth-u2m&clientID=my-app")
	if err != nil || c.u2mConfig(nil).ClientID != "my-app" {
		t.Fatalf("clientID of U2M: %v", err)
	}
	again, err := ParseDSN(c.FormatDSN())
	if err != nil || !again.OAuthU2M || again.ClientID != "my-app" {
		t.Errorf("round trip of %q: %v", c.FormatDSN(), err)
	}
	dir := t.TempDir()
	c.U2M = U2MOptions{CacheDir: dir, RedirectPort: 9000}
	if u := c.u2mConfig(nil); u.CacheDir != dir || u.RedirectPort != 9000 {
		t.Errorf("options not applied: %+v", u)
	}
	c.U2M.NoCache = true
	if u := c.u2mConfig(nil); u.CacheDir != "" {
		t.Errorf("NoCache: got cache dir %q", u.CacheDir)
	}
}

// authorization is the Authorization header that c's authenticator sets
// on a request.
func authorization(t *testing.T, c *Config) string {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	a, err := authenticatorFor(c, &http.Client{Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "http://h/p", nil)
	if err := a.Authenticate(r); err != nil {
		t.Fatal(err)
	}
	return r.Header.Get("Authorization")
}
