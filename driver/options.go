package driver

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/asyncsql/databricks/internal/rpc"
)

// Option changes a Config; NewConnector applies options after copying the
// configuration and before validating it.
type Option func(*Config)

// clearAuth removes every credential, so that the option setting one wins
// over credentials from a DSN.
func clearAuth(c *Config) {
	c.AccessToken, c.Username, c.Password, c.ClientID, c.ClientSecret, c.TokenSource = Secret{}, "", Secret{}, "", Secret{}, nil
	c.FederatedTokenFile, c.FederatedTokenEnv, c.FederatedTokenSource, c.FederationClientID = "", "", nil, ""
	c.OAuthU2M = false
}

// WithAccessToken authenticates with a personal access token or an OAuth
// access token, replacing any other credentials.
func WithAccessToken(token string) Option {
	return func(c *Config) { clearAuth(c); c.AccessToken = NewSecret(token) }
}

// WithBasicAuth authenticates with HTTP Basic authentication, as Apache
// Spark's Thrift server expects, replacing any other credentials.
func WithBasicAuth(user, password string) Option {
	return func(c *Config) { clearAuth(c); c.Username, c.Password = user, NewSecret(password) }
}

// WithClientCredentials authenticates with OAuth machine-to-machine (the
// client-credentials grant of a service principal at https://HOST/oidc/v1/token,
// scope all-apis), replacing any other credentials. Tokens are cached and
// refreshed a minute before they expire.
func WithClientCredentials(clientID, clientSecret string) Option {
	return func(c *Config) { clearAuth(c); c.ClientID, c.ClientSecret = clientID, NewSecret(clientSecret) }
}

// U2MOptions tunes OAuth user-to-machine login (WithOAuthU2M).
type U2MOptions struct {
	// OpenBrowser shows the user the authorization URL; nil opens the
	// system's browser (xdg-open, open or rundll32).
	OpenBrowser func(authURL string) error
	// CacheDir holds the token cache, a file of mode 0600 per host and
	// client ID; empty means the user's cache directory
	// (os.UserCacheDir()/asyncsql-databricks/oauth).
	CacheDir string
	// NoCache keeps tokens in memory only.
	NoCache bool
	// RedirectPort is the port of the loopback listener on 127.0.0.1 the
	// login redirects to (http://localhost:PORT); 0 means 8030, the port
	// the default OAuth clients register.
	RedirectPort int
	// LoginTimeout bounds the wait for the user to log in; 0 means 2m.
	LoginTimeout time.Duration
}

// WithOAuthU2M authenticates with OAuth user-to-machine login, replacing
// any other credentials: the first request opens the browser at
// https://HOST/oidc/v1/authorize (authorization code with PKCE, S256, scopes
// sql and offline_access) for clientID ("" means the public client Databricks registers for its
// SQL connectors: databricks-sql-connector, or on Azure its Azure app ID), receives
// the redirect on a loopback listener, and redeems the code at
// https://HOST/oidc/v1/token. The access token is refreshed with the refresh
// token a minute before it expires, and both are cached on disk.
func WithOAuthU2M(clientID string, opts U2MOptions) Option {
	return func(c *Config) { clearAuth(c); c.OAuthU2M, c.ClientID, c.U2M = true, clientID, opts }
}

// WithTokenFederation authenticates with token federation, replacing any
// other credentials: a JWT of an external identity provider, taken from
// subject (JWTFromFile, JWTFromEnv or any token source), is exchanged at
// https://HOST/oidc/v1/token (RFC 8693 token exchange, scope sql) for a
// workspace token, which is cached and exchanged again a minute before it
// expires. clientID names the service principal of a federation policy
// scoped to it; empty means an account-wide policy.
func WithTokenFederation(subject oauth2.TokenSource, clientID string) Option {
	return func(c *Config) { clearAuth(c); c.FederatedTokenSource, c.FederationClientID = subject, clientID }
}

// JWTFromFile returns a token source of the JWT held in the file at path,
// read anew for every token (so that a token rotated on disk is picked up),
// surrounding white space removed, for WithTokenFederation.
func JWTFromFile(path string) oauth2.TokenSource { return rpc.JWTFile(path) }

// JWTFromEnv returns a token source of the JWT held in the environment
// variable name, read anew for every token, for WithTokenFederation.
func JWTFromEnv(name string) oauth2.TokenSource { return rpc.JWTEnv(name) }

// WithTokenSource authenticates with Bearer tokens from ts, replacing any other
// credentials. ts is called for every HTTP request: wrap it in
// oauth2.ReuseTokenSource to cache tokens.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(c *Config) { clearAuth(c); c.TokenSource = ts }
}

// WithHTTPClient sends every request with hc, as is. It cannot be combined
// with WithTransport or WithTLSConfig.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Config) { c.HTTPClient = hc }
}

// WithTransport sends every request through rt.
func WithTransport(rt http.RoundTripper) Option {
	return func(c *Config) { c.Transport = rt }
}

// WithTLSConfig configures TLS of the HTTP client the driver builds. The
// configuration is copied.
func WithTLSConfig(tc *tls.Config) Option {
	return func(c *Config) { c.TLSConfig = tc.Clone() }
}

// WithLogger sends debug records of RPCs to l. Secrets, headers and bodies
// are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *Config) { c.Logger = l }
}

// WithLocation sets the time zone of TIMESTAMP values.
func WithLocation(loc *time.Location) Option {
	return func(c *Config) { c.Location = loc }
}

// WithInitialNamespace sets the catalog and schema of new sessions.
func WithInitialNamespace(catalog, schema string) Option {
	return func(c *Config) { c.Catalog, c.Schema = catalog, schema }
}

// WithSessionParams adds session configuration; it is merged into the
// parameters already set, params winning.
func WithSessionParams(params map[string]string) Option {
	return func(c *Config) {
		if c.SessionParams == nil {
			c.SessionParams = make(map[string]string, len(params))
		}
		maps.Copy(c.SessionParams, params)
	}
}

// WithStagingAllowedPaths adds dirs to the local directories staging
// statements may read and write files in (Config.StagingAllowedPaths).
func WithStagingAllowedPaths(dirs ...string) Option {
	return func(c *Config) { c.StagingAllowedPaths = append(c.StagingAllowedPaths, dirs...) }
}

// WithSessionQueryTags adds tags to the session's query tags
// (Config.QueryTags); WithQueryTags sets one statement's.
func WithSessionQueryTags(tags map[string]string) Option {
	return func(c *Config) {
		if c.QueryTags == nil {
			c.QueryTags = make(map[string]string, len(tags))
		}
		maps.Copy(c.QueryTags, tags)
	}
}

// WithMaxRows sets the number of rows per result page.
func WithMaxRows(n int64) Option {
	return func(c *Config) { c.MaxRows = n }
}

// WithTimeout sets the server-side timeout of each statement; zero means
// none.
func WithTimeout(d time.Duration) Option {
	return func(c *Config) { c.QueryTimeout = d }
}

// WithUserAgentEntry adds entry to the User-Agent header.
func WithUserAgentEntry(entry string) Option {
	return func(c *Config) { c.UserAgentEntry = entry }
}

// WithServerHostname sets the host.
func WithServerHostname(host string) Option {
	return func(c *Config) { c.Host = host }
}

// WithPort sets the port.
func WithPort(port int) Option {
	return func(c *Config) { c.Port = port }
}

// WithHTTPPath sets the HTTP path, e.g. /sql/1.0/warehouses/abc.
func WithHTTPPath(path string) Option {
	return func(c *Config) { c.HTTPPath = path }
}

// WithRetry sets the largest number of HTTP requests per RPC (retries
// included) and the time budget for retrying one RPC; zero keeps a default.
func WithRetry(maxAttempts int, budget time.Duration) Option {
	return func(c *Config) { c.RetryMax, c.RetryBudget = maxAttempts, budget }
}

// WithBackend selects the API the connector speaks (BackendThrift or
// BackendREST).
func WithBackend(b Backend) Option { return func(c *Config) { c.Backend = b } }

type limitsKey struct{}

// resultLimits are a statement's row and byte limits; 0 means none.
type resultLimits struct{ rows, bytes int64 }

// WithRowLimit returns a context whose statements return at most n rows;
// n <= 0 removes the limit. A result that had more rows ends, after its
// n-th row, with Rows.Err matching ErrTruncated, never silently short
// (QueryRow, which reads one row, is unaffected). REST sends row_limit;
// Thrift sends resultRowLimit of n+1 and keeps n rows, so that the row
// beyond tells a cut result (a server that ignores the field, as Apache
// Spark's does, is cut by the driver the same way). It works for
// database/sql calls and the async package's submissions on REST; a
// detached Thrift statement refuses it (ErrLimitNotSupported).
func WithRowLimit(ctx context.Context, n int64) context.Context {
	l := limits(ctx)
	l.rows = max(n, 0)
	return context.WithValue(ctx, limitsKey{}, l)
}

// WithByteLimit returns a context whose statements return at most n bytes
// of result, as the server counts them (its internal representation, not
// the bytes on the wire); n <= 0 removes the limit. A cut result ends with
// Rows.Err matching ErrTruncated. REST only: it sends byte_limit. Thrift
// has no such field, and a statement with a byte limit fails there with
// ErrLimitNotSupported before anything is sent.
func WithByteLimit(ctx context.Context, n int64) context.Context {
	l := limits(ctx)
	l.bytes = max(n, 0)
	return context.WithValue(ctx, limitsKey{}, l)
}

// limits are the result limits of ctx's statements.
func limits(ctx context.Context) resultLimits {
	l, _ := ctx.Value(limitsKey{}).(resultLimits)
	return l
}

// thriftLimits checks ctx's limits for a Thrift statement (detached: read
// later by reference, where the driver cannot tell a cut result) and
// returns the resultRowLimit to send and the rows to keep.
func thriftLimits(ctx context.Context, detached bool) (send, keep int64, err error) {
	l := limits(ctx)
	switch {
	case l.bytes > 0:
		return 0, 0, fmt.Errorf("%w: a byte limit on the Thrift backend, which has no such field", ErrLimitNotSupported)
	case l.rows > 0 && detached:
		return 0, 0, fmt.Errorf("%w: a row limit on a detached Thrift statement, whose reader cannot tell a cut result", ErrLimitNotSupported)
	case l.rows > 0:
		return l.rows + 1, l.rows, nil
	}
	return 0, 0, nil
}
