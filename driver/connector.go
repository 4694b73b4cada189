package driver

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sqldriver "database/sql/driver"

	"github.com/asyncsql/databricks/internal/rest"
	"github.com/asyncsql/databricks/internal/rpc"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// Connector is a database/sql/driver.Connector for one warehouse. It owns one
// HTTP client and one RPC client shared by all its connections. Close it (or
// the *sql.DB opened with sql.OpenDB) to release them.
type Connector struct {
	cfg        *Config
	be         backend
	httpClient *http.Client
	ownsHTTP   bool
	log        *slog.Logger

	// closed is set once the connector is closed for good: Close was called
	// and no Hold is left. holdMu guards holds and closeAsked.
	closed     atomic.Bool
	holdMu     sync.Mutex
	holds      int
	closeAsked bool
}

var (
	_ sqldriver.Connector = (*Connector)(nil)
	_ io.Closer           = (*Connector)(nil)
	_ fmt.Formatter       = (*Connector)(nil)
	_ slog.LogValuer      = (*Connector)(nil)
)

// NewConnector returns a connector for cfg, modified by opts. cfg is copied and
// not retained; it is validated after the options are applied.
func NewConnector(cfg *Config, opts ...Option) (*Connector, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	c := cfg.Clone()
	for _, o := range opts {
		o(c)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	hc, owns := c.httpClient(), c.HTTPClient == nil
	auth, err := authenticatorFor(c, hc)
	if err != nil {
		return nil, err
	}
	var conn *Connector
	switch c.Backend {
	case BackendREST:
		conn = &Connector{cfg: c, log: c.logger()}
		conn.be = newRESTBackend(conn, rest.New(rest.Options{
			BaseURL:    c.baseURL(),
			HTTPClient: hc,
			Auth:       auth,
			UserAgent:  userAgent(c.UserAgentEntry),
			Retry:      c.retryPolicy(),
			Logger:     c.logger(),
		}))
	default:
		conn = newConnector(c, rpc.New(rpc.Options{
			URL:        c.endpointURL(),
			HTTPClient: hc,
			Auth:       auth,
			UserAgent:  userAgent(c.UserAgentEntry),
			Retry:      c.retryPolicy(),
			Logger:     c.logger(),
		}))
	}
	conn.httpClient, conn.ownsHTTP = hc, owns
	return conn, nil
}

// newConnector builds a connector around an RPC service (tests inject a fake).
func newConnector(cfg *Config, svc tcli.TCLIService) *Connector {
	c := &Connector{cfg: cfg, log: cfg.logger()}
	c.be = newThriftBackend(c, svc)
	return c
}

// Connect implements driver.Connector: it opens a session.
func (c *Connector) Connect(ctx context.Context) (sqldriver.Conn, error) {
	if c.isClosed() {
		return nil, ErrClosed
	}
	s, err := c.be.openSession(ctx)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, sess: s}, nil
}

// Driver implements driver.Connector. The driver it returns knows c, so
// that ConnectorOf finds c from a *sql.DB without a connection.
func (c *Connector) Driver() sqldriver.Driver { return &Driver{c: c} }

// Close closes the connector: it waits for background cleanups and releases
// idle HTTP connections of a client the connector created; afterwards its
// methods return ErrClosed. While a Hold is not released, Close only marks
// the connector for closing and the last release closes it, so that a
// *sql.DB and an async DB sharing the connector can be closed in any order.
// Close is safe to call more than once.
func (c *Connector) Close() error {
	c.holdMu.Lock()
	c.closeAsked = true
	held := c.holds > 0
	c.holdMu.Unlock()
	if held {
		return nil
	}
	c.shutdown()
	return nil
}

// Hold keeps c open until release is called, even if Close is called
// meanwhile; release is idempotent. Holding a closed connector changes
// nothing.
func (c *Connector) Hold() (release func()) {
	c.holdMu.Lock()
	defer c.holdMu.Unlock()
	if c.closed.Load() {
		return func() {}
	}
	c.holds++
	var once sync.Once
	return func() {
		once.Do(func() {
			c.holdMu.Lock()
			c.holds--
			last := c.holds == 0 && c.closeAsked
			c.holdMu.Unlock()
			if last {
				c.shutdown()
			}
		})
	}
}

func (c *Connector) isClosed() bool { return c.closed.Load() }

// shutdown closes c for good.
func (c *Connector) shutdown() {
	if c.closed.Swap(true) {
		return
	}
	c.be.close()
	if c.ownsHTTP && c.httpClient != nil {
		c.httpClient.CloseIdleConnections()
	}
}

// String is the redacted configuration of the connector (Config.String).
func (c *Connector) String() string { return c.cfg.String() }

// Format writes String under every verb, so that no verb prints the fields
// of the connector; %q quotes it and %#v writes driver.Connector("...").
func (c *Connector) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, "driver.Connector", c.String())
}

// LogValue makes slog log String.
func (c *Connector) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Warehouse identifies the warehouse: "host:port/path". Tokens that name an
// operation are bound to it.
func (c *Connector) Warehouse() string { return warehouseOf(c.cfg) }

func (c *Connector) maxRows() int64 { return c.cfg.maxRows() }

// sessionZone is the server's session time zone, in which it writes TIMESTAMP
// text of column-based results: the session parameter "timezone" or
// "spark.sql.session.timeZone" (with or without Hive's "set:hiveconf:"
// prefix, any case) when it names a known zone, else UTC.
func (c *Connector) sessionZone() *time.Location {
	for k, v := range c.cfg.SessionParams {
		k = strings.ToLower(strings.TrimPrefix(k, "set:hiveconf:"))
		if k != "timezone" && k != "spark.sql.session.timezone" {
			continue
		}
		if loc, err := time.LoadLocation(v); err == nil {
			return loc
		}
	}
	return time.UTC
}

func (c *Connector) location() *time.Location { return c.cfg.location() }
