package driver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/asyncsql/databricks/internal/rpc"
	"github.com/asyncsql/databricks/internal/secret"
)

// oauthScope is the scope asked for by OAuth machine-to-machine.
const oauthScope = "all-apis"

// tokenEarlyExpiry is how long before its expiry an OAuth token is refreshed.
const tokenEarlyExpiry = time.Minute

// tokenFetchTimeout bounds one request to the OAuth token endpoint.
const tokenFetchTimeout = 30 * time.Second

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
		return &tokenSourceAuth{ts: m2mTokenSource(cfg, hc)}, nil
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

// m2mTokenSource is a cached client-credentials token source, refreshed a
// minute before expiry.
func m2mTokenSource(cfg *Config, hc *http.Client) oauth2.TokenSource {
	cc := &clientcredentials.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret.Reveal(),
		TokenURL:     cfg.tokenURL(),
		Scopes:       []string{oauthScope},
		AuthStyle:    oauth2.AuthStyleInHeader,
	}
	client := &http.Client{Timeout: tokenFetchTimeout}
	if hc != nil {
		client.Transport = hc.Transport
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, client)
	return oauth2.ReuseTokenSourceWithExpiry(nil, cc.TokenSource(ctx), tokenEarlyExpiry)
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
