package driver

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"golang.org/x/oauth2"

	"github.com/asyncsql/databricks/internal/rpc"
	"github.com/asyncsql/databricks/internal/secret"
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
		return &tokenSourceAuth{ts: cfg.TokenSource}, nil
	case !cfg.AccessToken.IsZero():
		return &bearerAuth{token: cfg.AccessToken}, nil
	case cfg.Username != "" || !cfg.Password.IsZero():
		return &basicAuth{user: cfg.Username, password: cfg.Password}, nil
	case cfg.ClientID != "" || !cfg.ClientSecret.IsZero():
		if cfg.ClientID == "" || cfg.ClientSecret.IsZero() {
			return nil, configErr("clientID", "OAuth machine-to-machine authentication needs both clientID and clientSecret")
		}
		return newM2MAuth(cfg, hc), nil
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

var (
	_ rpc.Authenticator = (*tokenSourceAuth)(nil)
	_ rpc.Authenticator = (*bearerAuth)(nil)
	_ rpc.Authenticator = (*basicAuth)(nil)
)

// tokenSourceAuth sends the tokens of a token source.
type tokenSourceAuth struct{ ts oauth2.TokenSource }

// errNoToken is returned when a token source gives neither a token nor an
// error.
var errNoToken = errors.New("databricks: token source returned no token")

// Authenticate sets the Authorization header from a token of the source.
func (a *tokenSourceAuth) Authenticate(r *http.Request) error {
	tok, err := a.ts.Token()
	if err != nil {
		return fmt.Errorf("databricks: get access token: %w", err)
	}
	if tok == nil || tok.AccessToken == "" {
		return errNoToken
	}
	tok.SetAuthHeader(r)
	return nil
}

// bearerAuth sends a fixed access token as a Bearer token.
type bearerAuth struct{ token secret.String }

// Authenticate sets the Authorization header.
func (a *bearerAuth) Authenticate(r *http.Request) error {
	r.Header.Set("Authorization", "Bearer "+a.token.Reveal())
	return nil
}

// basicAuth sends HTTP Basic authentication.
type basicAuth struct {
	user     string
	password secret.String
}

// Authenticate sets the Authorization header.
func (a *basicAuth) Authenticate(r *http.Request) error {
	r.SetBasicAuth(a.user, a.password.Reveal())
	return nil
}
