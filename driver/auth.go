package driver

import (
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/oauth2"

	"github.com/asyncsql/databricks/internal/rpc"
)

// authenticator returns the authenticator of c, fetching OAuth tokens with the
// HTTP client of c. Call it once per connector: the OAuth token cache lives in
// the returned value.
func (c *Config) authenticator() (rpc.Authenticator, error) {
	return authenticatorFor(c, c.httpClient())
}

// authenticatorFor returns the authenticator of cfg; OAuth token requests use
// the transport of hc. It returns nil (no Authorization header) when cfg has no
// credentials.
func authenticatorFor(cfg *Config, hc *http.Client) (rpc.Authenticator, error) {
	switch {
	case cfg.TokenSource != nil:
		return rpc.TokenSource(cfg.TokenSource), nil
	case !cfg.AccessToken.IsZero():
		return rpc.Bearer(cfg.AccessToken), nil
	case cfg.Username != "" || !cfg.Password.IsZero():
		return rpc.Basic(cfg.Username, cfg.Password), nil
	case cfg.OAuthU2M:
		return rpc.UserToMachine(cfg.u2mConfig(transportOf(hc))), nil
	case cfg.hasFederation():
		if err := cfg.validFederation(); err != nil {
			return nil, err
		}
		return rpc.TokenExchange(cfg.tokenURL(), cfg.federatedSource(), cfg.FederationClientID, transportOf(hc)), nil
	case cfg.ClientID != "" || !cfg.ClientSecret.IsZero():
		if cfg.ClientID == "" || cfg.ClientSecret.IsZero() {
			return nil, configErr("clientID", "OAuth machine-to-machine authentication needs both clientID and clientSecret")
		}
		return rpc.ClientCredentials(cfg.tokenURL(), cfg.ClientID, cfg.ClientSecret, transportOf(hc)), nil
	}
	return nil, nil
}

// transportOf is the transport of hc (nil: the default one).
func transportOf(hc *http.Client) http.RoundTripper {
	if hc == nil {
		return nil
	}
	return hc.Transport
}

// federatedSource is the source of the external tokens token federation
// exchanges.
func (c *Config) federatedSource() oauth2.TokenSource {
	switch {
	case c.FederatedTokenSource != nil:
		return c.FederatedTokenSource
	case c.FederatedTokenFile != "":
		return rpc.JWTFile(c.FederatedTokenFile)
	}
	return rpc.JWTEnv(c.FederatedTokenEnv)
}

// tokenURL is the OAuth token endpoint of the workspace:
// https://HOST/oidc/v1/token, with the protocol and port of the warehouse.
func (c *Config) tokenURL() string { return c.oidcURL("token") }

// ErrLoginTimeout is the error (errors.Is) of an OAuth user-to-machine login
// the user did not finish within U2MOptions.LoginTimeout.
var ErrLoginTimeout = rpc.ErrLoginTimeout

// The defaults of OAuth user-to-machine login: the public OAuth clients that
// Databricks registers for its SQL connectors (one on Azure, one on AWS and
// GCP) and the port of their registered redirect URI, http://localhost:8030.
const (
	defaultU2MClientID      = "databricks-sql-connector"
	defaultU2MAzureClientID = "96eecda7-19ea-49cc-abb5-240097d554f5"
	defaultU2MRedirectPort  = 8030
)

// azureSuffixes end the host names of Azure Databricks workspaces.
var azureSuffixes = []string{".azuredatabricks.net", ".databricks.azure.cn", ".databricks.azure.us"}

// defaultU2MClient is the SQL connectors' public OAuth client of host's cloud.
func defaultU2MClient(host string) string {
	host = strings.ToLower(host)
	for _, s := range azureSuffixes {
		if strings.HasSuffix(host, s) {
			return defaultU2MAzureClientID
		}
	}
	return defaultU2MClientID
}

// u2mScopes are asked for at login; offline_access brings a refresh token.
var u2mScopes = []string{"sql", "offline_access"}

// u2mConfig is the login configuration of c.
func (c *Config) u2mConfig(transport http.RoundTripper) rpc.U2MConfig {
	id := c.ClientID
	if id == "" {
		id = defaultU2MClient(c.Host)
	}
	port := c.U2M.RedirectPort
	if port == 0 {
		port = defaultU2MRedirectPort
	}
	open := c.U2M.OpenBrowser
	if open == nil {
		open = openBrowser
	}
	dir := c.U2M.CacheDir
	if c.U2M.NoCache {
		dir = ""
	} else if dir == "" {
		// Without a user cache directory ($HOME unset) tokens stay in memory.
		if base, err := os.UserCacheDir(); err == nil {
			dir = filepath.Join(base, "asyncsql-databricks", "oauth")
		}
	}
	return rpc.U2MConfig{Host: c.Host, AuthURL: c.oidcURL("authorize"), TokenURL: c.tokenURL(), ClientID: id,
		Scopes: u2mScopes, RedirectPort: port, OpenBrowser: open, LoginTimeout: c.U2M.LoginTimeout,
		CacheDir: dir, Transport: transport}
}

// oidcURL is https://HOST/oidc/v1/<name>, with the protocol and port of the
// warehouse.
func (c *Config) oidcURL(name string) string {
	u, err := url.Parse(c.endpointURL())
	if err != nil {
		return ""
	}
	u.Path, u.RawPath, u.RawQuery = "/oidc/v1/"+name, "", ""
	return u.String()
}

// openBrowser opens authURL in the system's browser.
func openBrowser(authURL string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", authURL)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", authURL)
	default:
		cmd = exec.Command("xdg-open", authURL)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
