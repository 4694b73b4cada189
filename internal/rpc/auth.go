package rpc

import (
	"errors"
	"fmt"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/asyncsql/databricks/internal/secret"
)

var (
	_ Authenticator = (*tokenSourceAuth)(nil)
	_ Authenticator = (*bearerAuth)(nil)
	_ Authenticator = (*basicAuth)(nil)
)

// TokenSource returns an authenticator that sends the tokens of ts, used as
// is (wrap it in oauth2.ReuseTokenSource to cache tokens).
func TokenSource(ts oauth2.TokenSource) Authenticator { return &tokenSourceAuth{ts: ts} }

// Bearer returns an authenticator that sends a fixed access token as a
// Bearer token.
func Bearer(token secret.String) Authenticator { return &bearerAuth{token: token} }

// Basic returns an authenticator that sends HTTP Basic authentication, as
// Apache Spark's Thrift server expects on every request.
func Basic(user string, password secret.String) Authenticator {
	return &basicAuth{user: user, password: password}
}

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
