package driver

import (
	"maps"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// ParseDSN parses a data source name:
//
//	[token:<access token>@ | <user>:<password>@]host[:port][/http/path][?param=value&...]
//
// Credentials are percent-encoded if they contain '%' or '?'. "token" as the
// user name sends the password as a Bearer token; any other user name sends
// HTTP Basic authentication. A host that is an IPv6 address is written in
// brackets. Parameter names are matched without regard to case, values are
// query-escaped:
//
//	authType        oauth-m2m (OAuth machine-to-machine with clientID and clientSecret)
//	                or oauth-u2m (browser login; clientID optional, default databricks-sql-connector)
//	                or token-federation (exchange of an external JWT)
//	clientID        OAuth client ID
//	clientSecret    OAuth client secret
//	federatedTokenFile   token federation: file holding the external JWT
//	federatedTokenEnv    token federation: environment variable holding it
//	federationClientID   token federation: service principal of the policy
//	backend         thrift|rest: the API spoken (default thrift); rest is the
//	                Statement Execution API of the warehouse the path names
//	waitTimeout     REST: server-side wait of a submission (default 10s; 5s to 50s)
//	catalog         initial catalog
//	schema          initial schema
//	maxRows         rows per result page (default 100000)
//	timeout         statement timeout
//	userAgentEntry  added to the User-Agent header
//	queryTags       session query tags: key:value pairs joined by ',' with
//	                '\' escaping ',' ':' '\' in values (sent as QUERY_TAGS)
//	stagingAllowedPaths  local directories staging statements may use, joined
//	                by the list separator (':' on Unix; default none)
//	location        IANA time zone of TIMESTAMP values (default UTC)
//	useArrow        true|false: Arrow results (default true)
//	useLZ4          true|false: LZ4-compressed Arrow results (default true)
//	useArrowComplexTypes true|false: nested types as native Arrow (default false)
//	useCloudFetch   true|false: results as downloaded files (default true)
//	maxDownloads    result files downloaded or held at once (default 8)
//	retryMax        HTTP requests per RPC or staging transfer, retries included (default 5)
//	retryBudget     time spent retrying one RPC (default 2m)
//	pollMin         first interval between status polls (default 100ms)
//	pollMax         largest interval between status polls (default 5s)
//	protocol        http|https (default https; http for localhost)
//
// Durations are seconds ("30", "0.5") or Go durations ("1m30s", "250ms"). Any
// other parameter is sent as session configuration (SessionParams). A raw '='
// in a value is an error (escape it as %3D): it is most likely a mistyped '&'
// that would put the next parameter, perhaps a secret, into the value. The
// HTTP path must not hold '?', '#', '&' or '=', which catches a DSN whose '?'
// is missing. The result is validated; errors are *ConfigError values that
// wrap ErrInvalidConfig, name the parameter at fault and never quote a value.
func ParseDSN(dsn string) (*Config, error) {
	c := NewConfig()
	if dsn == "" {
		return nil, configErr("dsn", "empty")
	}
	rest, query, _ := strings.Cut(dsn, "?")
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		if err := c.parseCredentials(rest[:at]); err != nil {
			return nil, err
		}
		rest = rest[at+1:]
	}
	hostPort, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		hostPort, path = rest[:i], rest[i:]
	}
	if err := c.parseHostPort(hostPort); err != nil {
		return nil, err
	}
	p, err := url.PathUnescape(path)
	if err != nil {
		return nil, configErr("httpPath", "invalid percent-encoding")
	}
	c.HTTPPath = p
	if err := c.parseQuery(query); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	// The parsed config names its endpoint in full.
	c.Protocol, c.Port = c.protocol(), c.port()
	return c, nil
}

// parseCredentials reads "token:<token>" or "<user>:<password>". Its errors
// never quote the input.
func (c *Config) parseCredentials(s string) error {
	user, pass, ok := strings.Cut(s, ":")
	if !ok {
		return configErr("credentials", "want token:<access token> or <user>:<password> before '@'")
	}
	user, err1 := url.PathUnescape(user)
	pass, err2 := url.PathUnescape(pass)
	if err1 != nil || err2 != nil {
		return configErr("credentials", "invalid percent-encoding")
	}
	switch {
	case pass == "":
		return configErr("credentials", "empty password or token")
	case user == "token":
		c.AccessToken = NewSecret(pass)
	case user == "":
		return configErr("credentials", "empty user name")
	default:
		c.Username, c.Password = user, NewSecret(pass)
	}
	return nil
}

// parseHostPort reads "host", "host:port", "[v6]" or "[v6]:port".
func (c *Config) parseHostPort(s string) error {
	host, port := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return configErr("host", "missing ']'")
		}
		host, port = s[1:end], s[end+1:]
		if port != "" && !strings.HasPrefix(port, ":") {
			return configErr("host", "unexpected text after ']'")
		}
		if !strings.Contains(host, ":") {
			return configErr("host", "brackets must hold an IPv6 address")
		}
		port = strings.TrimPrefix(port, ":")
	} else if h, p, ok := strings.Cut(s, ":"); ok {
		host, port = h, p
	}
	c.Host = host
	if err := validHost(host); err != nil {
		return err
	}
	if port != "" || strings.HasSuffix(s, ":") {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '+' {
			return configErr("port", "not a number from 1 to 65535")
		}
		c.Port = n
	}
	return nil
}

// parseQuery reads the parameters.
func (c *Config) parseQuery(query string) error {
	if query == "" {
		return nil
	}
	seen := map[string]bool{}
	authType := ""
	for part := range strings.SplitSeq(query, "&") {
		if part == "" {
			continue
		}
		rawKey, rawVal, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil || key == "" {
			return configErr("dsn", "invalid parameter name")
		}
		param, known := lookupDSNParam(key)
		// The name of an unknown parameter is not quoted: if a credential
		// holds an unescaped '?', its tail lands here.
		name, field := key, "sessionParams"
		if known {
			name, field = param.name, param.name
		}
		// A second '=' is most likely a missing '&' (clientID=a%clientSecret=..)
		// and the value then holds the next parameter, perhaps a secret.
		if strings.Contains(rawVal, "=") {
			return configErr(field, "a value holds an unescaped '=' (a missing '&'? write '=' in a value as %%3D)")
		}
		val, err := url.QueryUnescape(rawVal)
		if err != nil {
			return configErr(field, "invalid percent-encoding in a value")
		}
		if seen[strings.ToLower(name)] {
			return configErr(field, "a parameter is given more than once")
		}
		seen[strings.ToLower(name)] = true
		if !known {
			if c.SessionParams == nil {
				c.SessionParams = map[string]string{}
			}
			c.SessionParams[name] = val
			continue
		}
		if name == "authType" {
			authType = val
			continue
		}
		if err := param.parse(c, val); err != nil {
			return err
		}
	}
	if !seen["authtype"] {
		return nil
	}
	// authType is checked last: it depends on the parameters of its method.
	auth, _ := lookupDSNParam("authType")
	if err := auth.parse(c, authType); err != nil {
		return err
	}
	if authType == authTypeU2M {
		if !c.ClientSecret.IsZero() || c.hasFederation() {
			return configErr("authType", "oauth-u2m takes clientID only")
		}
		return nil
	}
	if authType == authTypeFederation {
		if c.hasClientCredentials() {
			return configErr("authType", "token-federation does not take clientID or clientSecret (federationClientID names a service principal)")
		}
		return c.validFederation()
	}
	if c.ClientID == "" || c.ClientSecret.IsZero() {
		return configErr("authType", "oauth-m2m needs clientID and clientSecret")
	}
	if c.hasFederation() {
		return configErr("authType", "oauth-m2m does not take the federated token parameters")
	}
	return nil
}

// FormatDSN returns the DSN of c, secrets included: parameters in sorted
// order, defaults left out. ParseDSN of the result gives back c's DSN-settable
// fields. Use String to print a configuration.
func (c *Config) FormatDSN() string { return c.formatDSN(showSecrets) }

// formatDSN writes the DSN of c; unless reveal says otherwise, secrets are
// written as "xxxxx" and an invalid host or HTTP path is cut where it could
// hold one.
func (c *Config) formatDSN(reveal revealSecrets) string {
	var b strings.Builder
	switch {
	case !c.AccessToken.IsZero():
		b.WriteString("token:")
		b.WriteString(escapeCredential(reveal.show(c.AccessToken)))
		b.WriteByte('@')
	case c.Username != "" || !c.Password.IsZero():
		b.WriteString(escapeCredential(c.Username))
		b.WriteByte(':')
		b.WriteString(escapeCredential(reveal.show(c.Password)))
		b.WriteByte('@')
	}
	host, path := c.Host, c.HTTPPath
	if !reveal {
		if validHost(host) != nil {
			host = redacted
		}
		if i := strings.IndexAny(path, pathForbidden); i >= 0 {
			path = path[:i] + redacted
		}
	}
	hostPort := host
	if strings.Contains(host, ":") {
		hostPort = "[" + host + "]"
	}
	if c.Port != 0 && c.Port != defaultPort(c.protocol()) {
		hostPort = net.JoinHostPort(host, strconv.Itoa(c.Port))
	}
	b.WriteString(hostPort)
	if path != "" {
		if !strings.HasPrefix(path, "/") {
			b.WriteByte('/')
		}
		b.WriteString(escapePath(path))
	}

	params := map[string]string{}
	for _, p := range dsnParams {
		if v, ok := p.format(c, reveal); ok {
			params[p.name] = v
		}
	}
	for k, v := range c.SessionParams {
		if _, known := lookupDSNParam(k); !known && k != "" {
			if reveal == maskSecrets && secretParam(k) {
				v = redacted
			}
			params[k] = v
		}
	}
	for i, k := range slices.Sorted(maps.Keys(params)) {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(k))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(params[k]))
	}
	return b.String()
}

// escapeCredential percent-encodes everything but unreserved characters.
func escapeCredential(s string) string {
	return escapeExcept(s, "-._~")
}

// escapePath percent-encodes a path, keeping '/' and the characters that are
// safe in a DSN path.
func escapePath(s string) string {
	return escapeExcept(s, "-._~/!$'()*+,;:")
}

func escapeExcept(s, keep string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte(keep, ch) >= 0 {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&15])
	}
	return b.String()
}
