package driver

import (
	"net/http"
	"net/url"

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
func (c *Config) tokenURL() string {
	u, err := url.Parse(c.endpointURL())
	if err != nil {
		return ""
	}
	u.Path, u.RawPath = "/oidc/v1/token", ""
	return u.String()
}
