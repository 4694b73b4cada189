package driver

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/asyncsql/databricks/internal/hs2"
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

// Validate reports the first problem of c as a *ConfigError. It does not
// modify c: zero fields keep their defaults at the point of use.
func (c *Config) Validate() error {
	if err := validHost(c.Host); err != nil {
		return err
	}
	switch c.Protocol {
	case "", "http", "https":
	default:
		return configErr("protocol", "is neither http nor https")
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
		if p, ok := lookupDSNParam(k); ok {
			return configErr("sessionParams", "%s is a DSN parameter of the driver", p.name)
		}
	}
	if err := hs2.CheckQueryTags(c.QueryTags); err != nil {
		return configErr("queryTags", "%s", strings.TrimPrefix(err.Error(), hs2.ErrQueryTag.Error()+": "))
	}
	if len(c.QueryTags) > 0 {
		for k := range c.SessionParams {
			if strings.EqualFold(k, hs2.SessionTagsKey) {
				return configErr("queryTags", "cannot be combined with the session parameter %s", k)
			}
		}
	}
	if err := c.validBackend(); err != nil {
		return err
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
	if c.OAuthU2M {
		n++
		if !c.ClientSecret.IsZero() {
			return configErr("clientSecret", "OAuth user-to-machine login takes no client secret")
		}
		if c.U2M.RedirectPort < 0 || c.U2M.RedirectPort > 65535 {
			return configErr("u2m", "the redirect port is out of range")
		}
	} else if c.ClientID != "" || !c.ClientSecret.IsZero() {
		n++
		if c.ClientID == "" || c.ClientSecret.IsZero() {
			return configErr("clientID", "OAuth machine-to-machine authentication needs both clientID and clientSecret")
		}
	}
	if c.TokenSource != nil {
		n++
	}
	if c.hasFederation() {
		n++
		if err := c.validFederation(); err != nil {
			return err
		}
	}
	if n > 1 {
		return configErr("credentials", "more than one authentication method is configured")
	}
	return nil
}

// validFederation checks that token federation has exactly one source of
// external tokens.
func (c *Config) validFederation() error {
	sources := 0
	for _, set := range []bool{c.FederatedTokenFile != "", c.FederatedTokenEnv != "", c.FederatedTokenSource != nil} {
		if set {
			sources++
		}
	}
	switch {
	case sources == 0:
		return configErr("authType", "token-federation needs federatedTokenFile or federatedTokenEnv")
	case sources > 1:
		return configErr("authType", "token-federation takes one of federatedTokenFile, federatedTokenEnv and a token source")
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

// pathForbidden are the characters an HTTP path must not hold: a DSN whose
// '?' is missing would otherwise send its parameters, secrets included, as
// part of the path, which every transport error prints.
const pathForbidden = "?#&="

// validBackend checks the settings that depend on the backend: the REST
// backend needs a warehouse path and a wait the API accepts, and takes the
// statement timeout as its session's STATEMENT_TIMEOUT, not both.
func (c *Config) validBackend() error {
	switch c.Backend {
	case BackendThrift:
		return nil
	case BackendREST:
	default:
		return configErr("backend", "%s is not a backend", c.Backend)
	}
	if _, ok := c.warehouseID(); !ok {
		return configErr("httpPath", "the REST backend needs a warehouse path, /sql/1.0/warehouses/<id>")
	}
	if w := c.WaitTimeout; w != 0 && (w < 5*time.Second || w > 50*time.Second || w%time.Second != 0) {
		return configErr("waitTimeout", "must be whole seconds from 5 to 50")
	}
	if c.QueryTimeout != 0 {
		for k := range c.SessionParams {
			if strings.EqualFold(k, restTimeoutConf) {
				return configErr("timeout", "set either timeout or the session parameter %s", k)
			}
		}
	}
	return nil
}
