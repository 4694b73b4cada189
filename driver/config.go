package driver

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/asyncsql/databricks/internal/backoff"
	"github.com/asyncsql/databricks/internal/defaults"
	"github.com/asyncsql/databricks/internal/rpc"
)

// ErrInvalidConfig is wrapped by every error of ParseDSN and Config.Validate.
var ErrInvalidConfig = errors.New("databricks: invalid configuration")

// ConfigError reports an invalid DSN or configuration. Its text names the
// parameter or field at fault and says what is wrong without quoting the
// value: a value may hold a secret (a mistyped DSN can put clientSecret=...
// into the value of another parameter).
type ConfigError struct {
	// Field is the DSN parameter or Config field at fault, e.g. "maxRows",
	// "host" or "credentials".
	Field string
	// Reason says what is wrong.
	Reason string
}

// Error implements error.
func (e *ConfigError) Error() string {
	return "databricks: invalid configuration: " + e.Field + ": " + e.Reason
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

func configErr(field, format string, args ...any) error {
	return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Config is the configuration of a connector. Everything a DSN can say has a
// field here (see ParseDSN for the DSN parameters); the fields after
// PollMax are set only in Go, usually through an Option. Use NewConfig for the
// defaults; a zero Config lacks them (UseArrow and UseLZ4 are false).
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

	// Catalog and Schema are the session's initial namespace (DSN: catalog,
	// schema).
	Catalog, Schema string
	// MaxRows is the number of rows per result page (DSN: maxRows;
	// default 100000).
	MaxRows int64
	// QueryTimeout bounds each statement on the server; zero means none
	// (DSN: timeout, in seconds).
	QueryTimeout time.Duration
	// UserAgentEntry is added to the User-Agent header (DSN:
	// userAgentEntry).
	UserAgentEntry string
	// SessionParams is the session configuration sent when a session opens
	// (DSN: every parameter the driver does not know).
	SessionParams map[string]string
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
	// RetryMax is the largest number of HTTP requests for one RPC, retries
	// included; zero means the default of package rpc (DSN: retryMax).
	RetryMax int
	// RetryBudget bounds the time spent retrying one RPC; zero means the
	// default (DSN: retryBudget).
	RetryBudget time.Duration
	// PollMin and PollMax bound the interval between status polls of a
	// running statement (DSN: pollMin, pollMax; defaults 100ms and 5s).
	PollMin, PollMax time.Duration

	// TokenSource supplies OAuth access tokens, sent as Bearer tokens. It
	// is used as is: wrap it in oauth2.ReuseTokenSource to cache tokens.
	TokenSource oauth2.TokenSource
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

// NewConfig returns a Config with the defaults: MaxRows 100000, Arrow and LZ4
// on, polling between 100ms and 5s, timestamps in UTC.
func NewConfig() *Config {
	return &Config{
		MaxRows:       defaults.MaxRows,
		UseArrow:      true,
		UseLZ4:        true,
		UseCloudFetch: true,
		PollMin:       defaults.PollMin,
		PollMax:       defaults.PollMax,
		Location:      time.UTC,
	}
}

// Clone returns a copy of c that shares nothing mutable with it: the session
// parameters and the TLS configuration are copied. The token source, HTTP
// client, transport, logger and location are shared.
func (c *Config) Clone() *Config {
	n := *c
	n.SessionParams = maps.Clone(c.SessionParams)
	if c.TLSConfig != nil {
		n.TLSConfig = c.TLSConfig.Clone()
	}
	return &n
}

// isLoopback reports whether host is localhost, 127.0.0.1 or ::1.
func isLoopback(host string) bool {
	switch strings.ToLower(host) {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}

// defaultProtocol is the protocol used for host when none is set.
func defaultProtocol(host string) string {
	if isLoopback(host) {
		return "http"
	}
	return "https"
}

// defaultPort is the port of protocol.
func defaultPort(protocol string) int {
	if protocol == "http" {
		return 80
	}
	return 443
}

// Validate reports the first problem of c as a *ConfigError. It also fills in
// the defaults that depend on other fields: Protocol when empty and Port when
// zero.
func (c *Config) Validate() error {
	if err := validHost(c.Host); err != nil {
		return err
	}
	switch c.Protocol {
	case "":
		c.Protocol = defaultProtocol(c.Host)
	case "http", "https":
	default:
		return configErr("protocol", "is neither http nor https")
	}
	if c.Port == 0 {
		c.Port = defaultPort(c.Protocol)
	}
	if c.Port < 0 || c.Port > 65535 {
		return configErr("port", "%d is out of range", c.Port)
	}
	if strings.ContainsAny(c.HTTPPath, pathForbidden) {
		return configErr("httpPath", "must not contain '?', '#', '&' or '=' (DSN parameters follow the path after a '?')")
	}
	if c.MaxRows < 0 {
		return configErr("maxRows", "must not be negative")
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"timeout", c.QueryTimeout}, {"retryBudget", c.RetryBudget}, {"pollMin", c.PollMin}, {"pollMax", c.PollMax}} {
		if d.v < 0 {
			return configErr(d.name, "must not be negative")
		}
	}
	if c.RetryMax < 0 {
		return configErr("retryMax", "must not be negative")
	}
	if c.PollMin > 0 && c.PollMax > 0 && c.PollMin > c.PollMax {
		return configErr("pollMin", "is greater than pollMax")
	}
	for k := range c.SessionParams {
		if k == "" {
			return configErr("sessionParams", "empty parameter name")
		}
		if _, ok := dsnParam(k); ok {
			p, _ := dsnParam(k)
			return configErr("sessionParams", "%s is a DSN parameter of the driver", p)
		}
	}
	if err := c.validAuth(); err != nil {
		return err
	}
	if c.HTTPClient != nil && (c.Transport != nil || c.TLSConfig != nil) {
		return configErr("httpClient", "cannot be combined with a transport or a TLS configuration")
	}
	if c.Transport != nil && c.TLSConfig != nil {
		return configErr("transport", "cannot be combined with a TLS configuration: configure TLS on the transport")
	}
	return nil
}

// validAuth checks that at most one authentication method is configured and
// that it is complete.
func (c *Config) validAuth() error {
	n := 0
	if !c.AccessToken.IsZero() {
		n++
	}
	if c.Username != "" || !c.Password.IsZero() {
		n++
		if c.Username == "" || c.Password.IsZero() {
			return configErr("credentials", "basic authentication needs both a user name and a password")
		}
		if c.Username == "token" {
			return configErr("credentials", "the user name \"token\" is reserved for access tokens")
		}
		if strings.Contains(c.Username, ":") {
			return configErr("credentials", "the user name must not contain ':'")
		}
	}
	if c.ClientID != "" || !c.ClientSecret.IsZero() {
		n++
		if c.ClientID == "" || c.ClientSecret.IsZero() {
			return configErr("clientID", "OAuth machine-to-machine authentication needs both clientID and clientSecret")
		}
	}
	if c.TokenSource != nil {
		n++
	}
	if n > 1 {
		return configErr("credentials", "more than one authentication method is configured")
	}
	return nil
}

// validHost checks a host name or IP address.
func validHost(host string) error {
	if host == "" {
		return configErr("host", "missing")
	}
	if strings.Contains(host, ":") {
		if ip := net.ParseIP(host); ip == nil || ip.To4() != nil {
			return configErr("host", "not a host name or IPv6 address")
		}
		return nil
	}
	for i := 0; i < len(host); i++ {
		b := host[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '.' || b == '-' || b == '_') {
			return configErr("host", "not a host name")
		}
	}
	return nil
}

// endpointURL is the URL every RPC is POSTed to. It assumes Validate passed.
func (c *Config) endpointURL() string {
	proto := c.Protocol
	if proto == "" {
		proto = defaultProtocol(c.Host)
	}
	host := c.Host
	if p := c.Port; p != 0 && p != defaultPort(proto) {
		host = net.JoinHostPort(host, fmt.Sprint(p))
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	path := c.HTTPPath
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return (&url.URL{Scheme: proto, Host: host, Path: path}).String()
}

// httpClient returns the HTTP client for c: HTTPClient when set, otherwise a
// new client over Transport or over a clone of http.DefaultTransport with
// TLSConfig (TLS 1.2 or later, certificates verified, unless TLSConfig says
// otherwise). A client the driver builds does not follow redirects: a POST
// redirected to a login page would come back as a GET, so a 3xx is reported
// as an error instead. Build it once per connector and share it.
func (c *Config) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	if c.Transport != nil {
		return &http.Client{Transport: c.Transport, CheckRedirect: noRedirect}
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	if c.TLSConfig != nil {
		t.TLSClientConfig = c.TLSConfig.Clone()
	} else {
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: t, CheckRedirect: noRedirect}
}

// noRedirect makes an http.Client return a redirect response as is.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// retryPolicy is the RPC retry policy of c.
func (c *Config) retryPolicy() rpc.RetryPolicy {
	p := rpc.DefaultRetryPolicy()
	if c.RetryMax > 0 {
		p.MaxAttempts = c.RetryMax
	}
	if c.RetryBudget > 0 {
		p.Budget = c.RetryBudget
	}
	return p
}

// maxRows is the page size of c: MaxRows, or its default when zero.
func (c *Config) maxRows() int64 {
	if c.MaxRows > 0 {
		return c.MaxRows
	}
	return defaults.MaxRows
}

// maxDownloads is the number of result files downloaded or held at once:
// MaxDownloads, or its default when zero.
func (c *Config) maxDownloads() int {
	if c.MaxDownloads > 0 {
		return c.MaxDownloads
	}
	return defaults.MaxDownloads
}

// pollPolicy is the schedule of status polls of a running statement: from
// PollMin growing by half up to PollMax, each zero bound taking its default.
func (c *Config) pollPolicy() backoff.Policy {
	p := backoff.Policy{Min: c.PollMin, Max: c.PollMax, Factor: 1.5}
	if p.Min <= 0 {
		p.Min = defaults.PollMin
	}
	if p.Max <= 0 {
		p.Max = defaults.PollMax
	}
	return p
}

// logger is c.Logger, or a logger that discards everything.
func (c *Config) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// pathForbidden are the characters an HTTP path must not hold: a DSN whose
// '?' is missing would otherwise send its parameters, secrets included, as
// part of the path, which every transport error prints.
const pathForbidden = "?#&="

// String returns the DSN of c with every secret replaced by "xxxxx": the
// credentials, the values of session parameters whose name suggests a secret
// (secret, token, password, pwd, credential), and an invalid host or the part
// of an invalid HTTP path from its first '?', '#', '&' or '='.
func (c Config) String() string {
	s := c.formatDSN(false)
	if c.TokenSource != nil {
		s += " (with a token source)"
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
