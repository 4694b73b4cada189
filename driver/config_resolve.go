package driver

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/asyncsql/databricks/internal/backoff"
	"github.com/asyncsql/databricks/internal/defaults"
	"github.com/asyncsql/databricks/internal/rpc"
)

// The accessors of this file are the one place where a zero field of a
// Config becomes its default; code that uses a setting reads it through them.

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

// protocol is Protocol, or the default for the host when empty.
func (c *Config) protocol() string {
	if c.Protocol != "" {
		return c.Protocol
	}
	return defaultProtocol(c.Host)
}

// port is Port, or the default of the protocol when zero.
func (c *Config) port() int {
	if c.Port != 0 {
		return c.Port
	}
	return defaultPort(c.protocol())
}

// location is the time zone of TIMESTAMP values: Location, or UTC when nil.
func (c *Config) location() *time.Location {
	if c.Location != nil {
		return c.Location
	}
	return time.UTC
}

// endpointURL is the URL every RPC is POSTed to. It assumes Validate passed.
func (c *Config) endpointURL() string {
	proto := c.protocol()
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

// defaultWaitTimeout is the REST backend's wait on submission when
// WaitTimeout is zero: the API's own default.
const defaultWaitTimeout = 10 * time.Second

// waitTimeout is the REST backend's wait on submission.
func (c *Config) waitTimeout() time.Duration {
	if c.WaitTimeout > 0 {
		return c.WaitTimeout
	}
	return defaultWaitTimeout
}

// warehouseID is the ID that ends a warehouse's HTTP path,
// /sql/1.0/warehouses/<id> (or the older /sql/1.0/endpoints/<id>), with or
// without the leading '/'; ok is false for any other path.
func (c *Config) warehouseID() (id string, ok bool) {
	p := strings.TrimPrefix(c.HTTPPath, "/")
	for _, prefix := range []string{"sql/1.0/warehouses/", "sql/1.0/endpoints/"} {
		if rest, found := strings.CutPrefix(p, prefix); found {
			id = strings.TrimSuffix(rest, "/")
			break
		}
	}
	if id == "" {
		return "", false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return "", false
		}
	}
	return id, true
}

// baseURL is the origin of the workspace, to which the REST backend adds
// the API's paths. It assumes Validate passed.
func (c *Config) baseURL() string {
	u, _ := url.Parse(c.endpointURL())
	u.Path = ""
	return u.String()
}
