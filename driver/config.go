package driver

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Config is the configuration of a connector. Everything a DSN can say has a
// field here (see ParseDSN for the DSN parameters); the fields after
// PollMax are set only in Go, usually through an Option. Use NewConfig for the
// defaults. A zero field means its default wherever a default exists, so a
// zero Config behaves as NewConfig's, except for the booleans UseArrow,
// UseLZ4 and UseCloudFetch, which are off when false.
//
// The credentials are Secrets: a Config prints as its DSN with every secret
// replaced by "xxxxx" under every fmt verb, in slog and in JSON, and even
// printed field by field (as fmt does when a Config sits in an unexported
// field of another struct) it shows no secret.
type Config struct {
	// Host is the server host name or IP address (DSN: host).
	Host string
	// Port is the TCP port (DSN: :port); zero means 443 for https and 80 for
	// http.
	Port int
	// HTTPPath is the path every RPC is POSTed to, e.g.
	// /sql/1.0/warehouses/abc (DSN: the path).
	HTTPPath string
	// Backend is the API the connector speaks: HiveServer2 Thrift at
	// HTTPPath (the default), or the Statement Execution API (REST) of the
	// warehouse HTTPPath names (DSN: backend=thrift|rest).
	Backend Backend
	// WaitTimeout is how long the REST backend's submission waits on the
	// server for a statement to finish before polling its status: whole
	// seconds from 5s to 50s; zero means 10s (DSN: waitTimeout). The Thrift
	// backend ignores it.
	WaitTimeout time.Duration
	// Protocol is "https" or "http" (DSN: protocol). Empty means https,
	// except for the loopback hosts localhost, 127.0.0.1 and ::1, which
	// default to http.
	Protocol string

	// AccessToken is a personal access token or an OAuth access token, sent
	// as a Bearer token (DSN: token:<token>@).
	AccessToken Secret
	// Username and Password are sent as HTTP Basic authentication, as
	// Apache Spark's Thrift server expects (DSN: user:password@ with any
	// user name other than "token").
	Username string
	Password Secret
	// ClientID and ClientSecret are the OAuth machine-to-machine
	// credentials of a service principal (DSN:
	// authType=oauth-m2m&clientID=..&clientSecret=..).
	ClientID     string
	ClientSecret Secret
	// OAuthU2M logs the user in through the browser: OAuth user-to-machine,
	// the authorization code grant with PKCE at the workspace's OIDC
	// endpoints, for the public OAuth client ClientID (default: the client
	// Databricks registers for its SQL connectors) (DSN:
	// authType=oauth-u2m). U2M tunes it.
	OAuthU2M bool
	// U2M tunes OAuth user-to-machine login; the zero value is the default.
	U2M U2MOptions
	// FederatedTokenFile and FederatedTokenEnv name where token federation
	// reads an external identity provider's JWT: a file, read anew for
	// every exchange, or an environment variable (DSN:
	// authType=token-federation&federatedTokenFile=.. or
	// federatedTokenEnv=..). The JWT is exchanged at the workspace's token
	// endpoint for a workspace token (see WithTokenFederation).
	FederatedTokenFile, FederatedTokenEnv string
	// FederationClientID is the service principal whose federation policy
	// the exchange uses; empty means an account-wide policy (DSN:
	// federationClientID).
	FederationClientID string

	// Catalog and Schema are the session's initial namespace (DSN: catalog,
	// schema).
	Catalog, Schema string
	// MaxRows is the number of rows per result page (DSN: maxRows;
	// default 100000).
	MaxRows int64
	// QueryTimeout bounds each statement on the server; zero means none
	// (DSN: timeout, in seconds). On REST it is the STATEMENT_TIMEOUT of
	// each connection's session.
	QueryTimeout time.Duration
	// UserAgentEntry is added to the User-Agent header (DSN:
	// userAgentEntry).
	UserAgentEntry string
	// SessionParams is the session configuration sent when a session opens
	// (DSN: every parameter the driver does not know).
	SessionParams map[string]string
	// QueryTags are the session's query tags, sent as the session
	// configuration QUERY_TAGS; the warehouse shows them in its query
	// history with each statement's own (WithQueryTags). Keys must be
	// non-empty and hold no ',' or ':' (DSN: queryTags, as key:value pairs
	// joined by ',', with '\' escaping ',' ':' and '\' in values).
	QueryTags map[string]string
	// StagingAllowedPaths are the local directories whose files staging
	// statements (PUT, GET, REMOVE on Volumes) may read and write; none by
	// default, so that only streams (WithStagingReader, WithStagingWriter)
	// work. A relative directory is taken from the working directory at
	// each statement (DSN: stagingAllowedPaths, directories joined by the
	// system's list separator, ':' on Unix and ';' on Windows).
	StagingAllowedPaths []string
	// Location is the time zone of TIMESTAMP values (DSN: location, an IANA
	// name; nil means UTC).
	Location *time.Location
	// UseArrow asks for Arrow results when the server allows them (DSN:
	// useArrow; default true).
	UseArrow bool
	// UseLZ4 asks for LZ4-compressed Arrow results when the server allows
	// them (DSN: useLZ4; default true).
	UseLZ4 bool
	// UseArrowComplexTypes asks for ARRAY, MAP and STRUCT columns as native
	// Arrow lists, maps and structs instead of JSON text; the driver renders
	// them as JSON text itself, so values are strings either way (DSN:
	// useArrowComplexTypes; default false).
	UseArrowComplexTypes bool
	// UseCloudFetch lets servers of protocol SPARK V3 or later answer large
	// results with links to result files downloaded in parallel (DSN:
	// useCloudFetch; default true).
	UseCloudFetch bool
	// MaxDownloads bounds the result files downloaded or held at once; zero
	// means 8 (DSN: maxDownloads).
	MaxDownloads int
	// RetryMax is the largest number of HTTP requests for one RPC, and for
	// one staging transfer, retries included; zero means 5 (DSN: retryMax).
	RetryMax int
	// RetryBudget bounds the time spent retrying one RPC; zero means 2m
	// (DSN: retryBudget).
	RetryBudget time.Duration
	// PollMin and PollMax bound the interval between status polls of a
	// running statement (DSN: pollMin, pollMax; defaults 100ms and 5s).
	PollMin, PollMax time.Duration

	// TokenSource supplies OAuth access tokens, sent as Bearer tokens. It
	// is used as is: wrap it in oauth2.ReuseTokenSource to cache tokens.
	TokenSource oauth2.TokenSource
	// FederatedTokenSource supplies the external JWTs that token
	// federation exchanges; it is asked for one at every exchange (see
	// WithTokenFederation).
	FederatedTokenSource oauth2.TokenSource
	// TLSConfig configures TLS for the HTTP client the driver builds.
	TLSConfig *tls.Config
	// HTTPClient, when set, is used as is for every request.
	HTTPClient *http.Client
	// Transport, when set, is the round tripper of the HTTP client the
	// driver builds.
	Transport http.RoundTripper
	// Logger receives debug records of RPCs; nil is silent.
	Logger *slog.Logger
}

var (
	_ fmt.Stringer   = Config{}
	_ fmt.GoStringer = Config{}
	_ fmt.Formatter  = Config{}
	_ slog.LogValuer = Config{}
	_ json.Marshaler = Config{}
)

// NewConfig returns a Config with the defaults: MaxRows 100000, Arrow and
// LZ4 and result links on, polling between 100ms and 5s, timestamps in UTC.
// MaxDownloads, RetryMax and RetryBudget stay zero, which means their
// defaults.
func NewConfig() *Config {
	c := &Config{}
	for _, p := range dsnParams {
		if p.preset {
			// Every default parses: TestDSNParamDefaults.
			_ = p.parse(c, p.def)
		}
	}
	return c
}

// Clone returns a copy of c that shares nothing mutable with it: the session
// parameters and the TLS configuration are copied. The token source, HTTP
// client, transport, logger and location are shared.
func (c *Config) Clone() *Config {
	n := *c
	n.SessionParams = maps.Clone(c.SessionParams)
	n.QueryTags = maps.Clone(c.QueryTags)
	n.StagingAllowedPaths = slices.Clone(c.StagingAllowedPaths)
	if c.TLSConfig != nil {
		n.TLSConfig = c.TLSConfig.Clone()
	}
	return &n
}

// String returns the DSN of c with every secret replaced by "xxxxx": the
// credentials, the values of session parameters whose name suggests a secret
// (secret, token, password, pwd, credential), and an invalid host or the part
// of an invalid HTTP path from its first '?', '#', '&' or '='.
func (c Config) String() string {
	s := c.formatDSN(maskSecrets)
	if c.TokenSource != nil {
		s += " (with a token source)"
	}
	if c.FederatedTokenSource != nil {
		s += " (with a federated token source)"
	}
	return s
}

// GoString is String in the form driver.Config("..."), so that %#v does not
// print secrets either.
func (c Config) GoString() string { return "driver.Config(" + strconv.Quote(c.String()) + ")" }

// Format writes String under every verb; %q quotes it and %#v writes
// GoString.
func (c Config) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, "driver.Config", c.String())
}

// LogValue makes slog log the redacted String.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON writes the redacted String as a JSON string.
func (c Config) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

// secretParam reports whether a session parameter's name suggests that its
// value is a secret.
func secretParam(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"secret", "token", "password", "pwd", "credential"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}
