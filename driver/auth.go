package driver

import (
	"net/http"
	"net/url"

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
	case cfg.ClientID != "" || !cfg.ClientSecret.IsZero():
		if cfg.ClientID == "" || cfg.ClientSecret.IsZero() {
			return nil, configErr("clientID", "OAuth machine-to-machine authentication needs both clientID and clientSecret")
		}
		var transport http.RoundTripper
		if hc != nil {
			transport = hc.Transport
		}
		return rpc.ClientCredentials(cfg.tokenURL(), cfg.ClientID, cfg.ClientSecret, transport), nil
	}
	return nil, nil
}

// tokenURL is the OAuth token endpoint of the workspace:
// https://HOST/oidc/v1/token, with the protocol and port of the warehouse.
func (c *Config) tokenURL() string {
	u, err := url.Parse(c.endpointURL())
	if err != nil {
		return ""
	}
	u.Path, u.RawPath = "/oidc/v1/token", ""
	return u.String()
}
