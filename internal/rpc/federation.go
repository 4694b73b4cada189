package rpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"

	"golang.org/x/oauth2"

	"github.com/asyncsql/databricks/internal/secret"
)

// Token exchange (RFC 8693) as the workspace's token endpoint takes it for
// token federation: an external identity provider's JWT is the subject
// token, and the SQL scope is asked for.
const (
	tokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"
	jwtTokenType       = "urn:ietf:params:oauth:token-type:jwt"
	federationScope    = "sql"
)

// maxSubjectToken bounds the external token read from a file.
const maxSubjectToken = 64 << 10

var _ Authenticator = (*federationAuth)(nil)

// federationAuth authenticates with tokens exchanged for an external JWT at
// the workspace's token endpoint; it caches the exchanged token and
// exchanges again a minute before it expires, taking a new subject token
// from its source each time.
type federationAuth struct {
	tokenURL string
	clientID string
	subject  oauth2.TokenSource
	hc       *http.Client

	// mu is held while a token is exchanged, so that concurrent requests
	// wait for one exchange.
	mu sync.Mutex
	g  grant
}

// TokenExchange returns the authenticator of token federation: it exchanges
// the JWT of subject at tokenURL (RFC 8693 token exchange, scope sql) for a
// workspace token, caches it and exchanges again a minute before it expires.
// clientID, when set, names the service principal of a federation policy
// scoped to it. Requests go through transport (nil: http.DefaultTransport)
// and never follow redirects. Its errors quote the endpoint's status and
// error code, never a token.
func TokenExchange(tokenURL string, subject oauth2.TokenSource, clientID string, transport http.RoundTripper) Authenticator {
	client := &http.Client{Timeout: tokenFetchTimeout, Transport: transport, CheckRedirect: noRedirect}
	return &federationAuth{tokenURL: tokenURL, clientID: clientID, subject: subject, hc: client}
}

// Authenticate sets the Authorization header from the cached token,
// exchanging a subject token first when there is none or it expires within a
// minute.
func (a *federationAuth) Authenticate(r *http.Request) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.g.due() {
		g, err := a.exchange(r.Context())
		if err != nil {
			return err
		}
		a.g = g
	}
	r.Header.Set("Authorization", a.g.tokenType+" "+a.g.token.Reveal())
	return nil
}

// exchange takes a subject token from the source and exchanges it.
func (a *federationAuth) exchange(ctx context.Context) (grant, error) {
	tok, err := a.subject.Token()
	if err != nil {
		return grant{}, fmt.Errorf("databricks: token federation: get the external token: %w", err)
	}
	if tok == nil || tok.AccessToken == "" {
		return grant{}, errors.New("databricks: token federation: the external token source returned no token")
	}
	subject := tok.AccessToken
	form := url.Values{
		"grant_type":         {tokenExchangeGrant},
		"subject_token":      {subject},
		"subject_token_type": {jwtTokenType},
		"scope":              {federationScope},
		// A token the workspace issued itself comes back as is.
		"return_original_token_if_authenticated": {"true"},
	}
	if a.clientID != "" {
		form.Set("client_id", a.clientID)
	}
	redact := func(msg string) string { return redactToken(msg, subject) }
	return requestToken(ctx, a.hc, a.tokenURL, form, "token federation", nil, redact)
}

// redactToken removes tok from msg as is and form-encoded.
func redactToken(msg, tok string) string {
	if len(tok) < secret.MinRedactedPart {
		return msg
	}
	for _, form := range []string{url.QueryEscape(tok), tok} {
		msg = strings.ReplaceAll(msg, form, secret.Redacted)
	}
	return msg
}

// JWTFile returns a token source that reads a JWT from the file at path for
// every token it gives, so that a token the identity provider rotates on
// disk (a projected service account token, a CI job's token) is picked up.
// Surrounding white space is removed; an empty file is an error.
func JWTFile(path string) oauth2.TokenSource { return fileTokenSource(path) }

// JWTEnv returns a token source that reads a JWT from the environment
// variable name for every token it gives. An unset or empty variable is an
// error.
func JWTEnv(name string) oauth2.TokenSource { return envTokenSource(name) }

type fileTokenSource string

// Token reads the file. Errors name the path, never the content.
func (p fileTokenSource) Token() (*oauth2.Token, error) {
	f, err := os.Open(string(p))
	if err != nil {
		return nil, fmt.Errorf("read the token file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSubjectToken+1))
	if err != nil {
		return nil, fmt.Errorf("read the token file %s: %w", string(p), err)
	}
	if len(b) > maxSubjectToken {
		return nil, fmt.Errorf("the token file %s exceeds %d bytes", string(p), maxSubjectToken)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return nil, fmt.Errorf("the token file %s is empty", string(p))
	}
	return &oauth2.Token{AccessToken: tok}, nil
}

type envTokenSource string

// Token reads the variable. Errors name the variable, never its value.
func (n envTokenSource) Token() (*oauth2.Token, error) {
	tok := strings.TrimSpace(os.Getenv(string(n)))
	if tok == "" {
		return nil, fmt.Errorf("the environment variable %s is unset or empty", string(n))
	}
	return &oauth2.Token{AccessToken: tok}, nil
}
