package emulator

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// Server is a running emulator: an HTTP listener speaking TCLIService over
// Thrift binary, backed by one DuckDB database.
type Server struct {
	cfg      config
	db       *sql.DB
	proc     *tcli.TCLIServiceProcessor
	listener net.Listener
	http     *http.Server
	httpPath string
	host     string
	port     int

	baseCtx    context.Context
	baseCancel context.CancelFunc
	closing    chan struct{}
	closeOnce  sync.Once
	closeErr   error
	wg         sync.WaitGroup

	defaultNS namespace
	log       requestLog
	faults    faultSet
	scripts   scripts
	files     fileStore
	rest      restStore
	volumes   *volumes

	mu       sync.Mutex
	sessions map[handleKey]*session
	ops      map[handleKey]*operation
	evicted  map[handleKey]time.Time
}

// New opens the DuckDB database, registers the emulator's SQL functions
// and starts serving on the configured address (default 127.0.0.1, random
// port). Close the Server when done. Tests use Start, which does both.
func New(opts ...Option) (*Server, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.token == "" {
		cfg.token = "dapi" + randomHex(16)
	}
	if cfg.warehouseID == "" {
		cfg.warehouseID = randomHex(8)
	}
	if cfg.batchRows <= 0 {
		cfg.batchRows = 10000
	}
	if cfg.maxPageRows <= 0 {
		cfg.maxPageRows = 100000
	}
	if !Protocol(cfg.maxProtocol).valid() {
		return nil, fmt.Errorf("emulator: WithMaxProtocol: %v is no protocol version", Protocol(cfg.maxProtocol))
	}
	for i := range cfg.faults {
		if err := cfg.faults[i].validate(); err != nil {
			return nil, fmt.Errorf("emulator: WithFaults: rule %d: %w", i+1, err)
		}
	}
	for i := range cfg.scripts {
		if err := cfg.scripts[i].validate(); err != nil {
			return nil, fmt.Errorf("emulator: WithScript: %w", err)
		}
	}
	connector, err := duckdb.NewConnector(cfg.dbPath, func(c driver.ExecerContext) error {
		_, err := c.ExecContext(context.Background(), divisionMacros, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("emulator: open duckdb: %w", err)
	}
	db := sql.OpenDB(connector)
	s := &Server{
		cfg:      cfg,
		db:       db,
		httpPath: "/sql/1.0/warehouses/" + cfg.warehouseID,
		closing:  make(chan struct{}),
		sessions: map[handleKey]*session{},
		ops:      map[handleKey]*operation{},
		evicted:  map[handleKey]time.Time{},
	}
	s.baseCtx, s.baseCancel = context.WithCancel(context.Background())
	s.faults.add(cfg.faults...)
	s.log.limit = cfg.logLimit
	s.scripts.list, s.scripts.used = cfg.scripts, make([]int, len(cfg.scripts))
	s.proc = tcli.NewTCLIServiceProcessor(service{s: s})
	if err := s.initDatabase(); err != nil {
		_ = db.Close()
		return nil, err
	}
	if s.volumes, err = openVolumes(cfg.volumesDir); err != nil {
		_ = db.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		_ = db.Close()
		_ = s.volumes.close()
		return nil, fmt.Errorf("emulator: listen: %w", err)
	}
	s.listener = ln
	tcp, _ := ln.Addr().(*net.TCPAddr)
	s.port = tcp.Port
	s.host = "127.0.0.1"
	if tcp.IP != nil && !tcp.IP.IsUnspecified() {
		s.host = tcp.IP.String()
	}
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		_ = s.http.Serve(ln) // returns http.ErrServerClosed on Close
	}()
	go s.janitor()
	return s, nil
}

// initDatabase registers sleep_ms, creates the schema "default" (so that
// clients asking for Databricks' default schema find one) and records the
// default namespace.
func (s *Server) initDatabase() error {
	ctx := context.Background()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("emulator: duckdb connection: %w", err)
	}
	defer conn.Close()
	if err := registerUDFs(conn, s.closing); err != nil {
		return fmt.Errorf("emulator: register functions: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS "default"`); err != nil {
		return fmt.Errorf("emulator: create schema default: %w", err)
	}
	if err := conn.QueryRowContext(ctx, "SELECT current_database(), current_schema()").
		Scan(&s.defaultNS.catalog, &s.defaultNS.schema); err != nil {
		return fmt.Errorf("emulator: namespace: %w", err)
	}
	return nil
}

// janitor evicts idle operations until the server closes.
func (s *Server) janitor() {
	defer s.wg.Done()
	every := min(max(min(s.cfg.idleEviction, s.cfg.rest.Retention, s.cfg.rest.ResultLifetime)/4, 10*time.Millisecond), time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.closing:
			return
		case now := <-t.C:
			s.evictIdle(now)
		}
	}
}

func (s *Server) isClosing() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// Close stops the listener, cancels and closes all operations and sessions,
// waits for running statements to stop and closes the database.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		close(s.closing)
		ops := s.ops
		s.ops, s.sessions = map[handleKey]*operation{}, map[handleKey]*session{}
		s.mu.Unlock()
		err := s.http.Close()
		for _, op := range ops {
			op.closeOp()
		}
		s.baseCancel()
		s.wg.Wait()
		s.closeErr = errors.Join(err, s.db.Close(), s.volumes.close())
	})
	return s.closeErr
}

// Host is the host clients connect to ("127.0.0.1" by default).
func (s *Server) Host() string { return s.host }

// Port is the TCP port the server listens on.
func (s *Server) Port() int { return s.port }

// HTTPPath is the warehouse path, /sql/1.0/warehouses/<id>.
func (s *Server) HTTPPath() string { return s.httpPath }

// Token is the access token the server accepts.
func (s *Server) Token() string { return s.cfg.token }

// URL is the endpoint, http://host:port/sql/1.0/warehouses/<id>.
func (s *Server) URL() string {
	return "http://" + net.JoinHostPort(s.host, strconv.Itoa(s.port)) + s.httpPath
}

// DSN is a data source name for this project's driver:
// token:<token>@127.0.0.1:<port>/sql/1.0/warehouses/<id>?protocol=http.
// It contains the token: do not log it.
func (s *Server) DSN() string {
	user := url.UserPassword("token", s.cfg.token).String()
	return user + "@" + net.JoinHostPort(s.host, strconv.Itoa(s.port)) + s.httpPath + "?protocol=http"
}

// DB is the underlying DuckDB database, for seeding test data directly.
// Statements run through it bypass the emulator's sessions.
func (s *Server) DB() *sql.DB { return s.db }

// OpenSessions is the number of open sessions.
func (s *Server) OpenSessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// OpenOperations is the number of operations the server holds (running or
// finished, not yet closed or evicted).
func (s *Server) OpenOperations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ops)
}

// UnreleasedOperations is the number of operations a client still has to
// release: OpenOperations less the REST statements whose whole result (no
// rows, or one inline chunk) a reply reporting SUCCEEDED carried. Those
// need no DELETE (the API reference has no close call); the server keeps
// them until their retention.
func (s *Server) UnreleasedOperations() int {
	s.mu.Lock()
	ops := slices.Collect(maps.Values(s.ops))
	s.mu.Unlock()
	n := 0
	for _, op := range ops {
		if op.rest != nil {
			op.mu.Lock()
			done := op.rest.delivered
			op.mu.Unlock()
			if done {
				continue
			}
		}
		n++
	}
	return n
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
