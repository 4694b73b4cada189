package emulator

import (
	"log/slog"
	"time"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// Option configures a Server started by New or Start.
type Option func(*config)

// config holds the settings of one emulator instance.
type config struct {
	addr          string
	token         string
	warehouseID   string
	dbPath        string
	directHold    time.Duration
	statusHold    time.Duration
	idleEviction  time.Duration
	maxProtocol   tcli.TProtocolVersion
	maxPageRows   int64
	batchRows     int
	maxBodyBytes  int64
	faults        []Fault
	logger        *slog.Logger
	evictionCheck time.Duration
	links         *LinkOptions
	scripts       []Script
	logLimit      int
	rest          RESTOptions
	volumesDir    string
}

func defaultConfig() config {
	return config{
		addr:         "127.0.0.1:0",
		directHold:   5 * time.Second,
		statusHold:   5 * time.Second,
		idleEviction: 20 * time.Minute,
		maxProtocol:  tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8,
		maxPageRows:  100000,
		batchRows:    10000,
		maxBodyBytes: 64 << 20,
		logger:       slog.New(slog.DiscardHandler),
		logLimit:     defaultLogLimit,
		rest:         defaultRESTOptions,
	}
}

// WithAddr sets the listen address (default "127.0.0.1:0", a random port on
// the loopback interface).
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithToken sets the personal access token the server accepts as
// "Authorization: Bearer <token>". By default a random token is generated.
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithWarehouseID sets the warehouse id of the HTTP path
// /sql/1.0/warehouses/<id>. By default a random id is generated.
func WithWarehouseID(id string) Option { return func(c *config) { c.warehouseID = id } }

// WithDatabase makes the emulator use a DuckDB database file at path instead
// of an in-memory database.
func WithDatabase(path string) Option { return func(c *config) { c.dbPath = path } }

// WithDirectResultsHold sets how long ExecuteStatement with runAsync and
// getDirectResults waits for the statement to finish (default 5s).
func WithDirectResultsHold(d time.Duration) Option { return func(c *config) { c.directHold = d } }

// WithStatusHold sets how long GetOperationStatus is held while the
// statement runs (long poll; default 5s).
func WithStatusHold(d time.Duration) Option { return func(c *config) { c.statusHold = d } }

// WithIdleEviction sets after how long without GetOperationStatus,
// FetchResults or GetResultSetMetadata calls an operation is evicted
// (default 20 minutes).
func WithIdleEviction(d time.Duration) Option { return func(c *config) { c.idleEviction = d } }

// WithMaxProtocol sets the highest protocol version the server negotiates
// (default SparkV8). A Hive version makes the emulator behave like a server
// without Databricks extensions (Apache Spark's Thrift server): column-based
// results, no direct results, no parameters, no initialNamespace. A number
// that names no version makes Start fail.
func WithMaxProtocol(v Protocol) Option {
	return func(c *config) { c.maxProtocol = tcli.TProtocolVersion(v) }
}

// WithMaxPageRows caps the rows of one FetchResults page, whatever maxRows
// the client asks for (default 100000).
func WithMaxPageRows(n int64) Option { return func(c *config) { c.maxPageRows = n } }

// WithBatchRows sets the rows of one Arrow batch inside a page (default
// 10000); a page holds several batches when it is larger.
func WithBatchRows(n int) Option { return func(c *config) { c.batchRows = n } }

// WithMaxBodyBytes sets the largest request body accepted (default 64 MiB);
// larger requests are answered with HTTP 413.
func WithMaxBodyBytes(n int64) Option { return func(c *config) { c.maxBodyBytes = n } }

// WithLogger sets a logger for request and operation events (default:
// discard). Tokens and handle secrets are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithRequestLogLimit sets how many requests the request log keeps, the
// latest ones (default 100,000; 0 or less keeps every request, for a
// server that lives as long as one test).
func WithRequestLogLimit(n int) Option { return func(c *config) { c.logLimit = n } }
