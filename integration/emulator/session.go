package emulator

import (
	"context"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// session is one OpenSession: its negotiated protocol, current namespace,
// configuration and the operations it started.
type session struct {
	h        handle
	protocol tcli.TProtocolVersion

	loc  *time.Location    // from the configuration key timezone, else UTC
	tags map[string]string // from the configuration key QUERY_TAGS

	// rest marks a session of the Statement Execution API
	// (rest_session.go), timeout its STATEMENT_TIMEOUT.
	rest    bool
	timeout time.Duration

	mu   sync.Mutex
	ns   namespace
	conf map[string]string
	ops  map[handleKey]*operation
}

// sessionLocation reads the session time zone from the configuration keys
// "timezone" or "spark.sql.session.timeZone" (any case): an IANA name,
// "UTC" or "Z". Unknown zones fail the session like on Databricks.
func sessionLocation(conf map[string]string) (*time.Location, error) {
	for k, v := range conf {
		switch strings.ToLower(k) {
		case "timezone", "spark.sql.session.timezone":
			if v == "Z" || strings.EqualFold(v, "UTC") {
				return time.UTC, nil
			}
			return time.LoadLocation(v)
		}
	}
	return time.UTC, nil
}

// negotiate picks the protocol version for a client: min(client_protocol_i64,
// server max) when the client sent the Databricks field, else
// min(client_protocol, server max). ok is false when neither is set.
func negotiate(req *tcli.TOpenSessionReq, max tcli.TProtocolVersion) (tcli.TProtocolVersion, bool) {
	var client tcli.TProtocolVersion
	switch {
	case req.ClientProtocolI64 != nil:
		client = tcli.TProtocolVersion(*req.ClientProtocolI64)
	case req.IsSetClientProtocol():
		client = req.ClientProtocol
	default:
		return max, false
	}
	if client < 0 {
		return max, false
	}
	// A Hive client talking to a Spark-level server gets its own version; a
	// Spark client talking to a Hive-level server gets the server's.
	return min(client, max), true
}

// spark reports whether v has the Databricks extensions of level n (1..9).
func spark(v tcli.TProtocolVersion, n int) bool {
	return v >= tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V1+tcli.TProtocolVersion(n-1)
}

// openSession implements OpenSession.
func (s *Server) openSession(ctx context.Context, req *tcli.TOpenSessionReq) *tcli.TOpenSessionResp {
	proto, ok := negotiate(req, s.cfg.maxProtocol)
	if !ok {
		return &tcli.TOpenSessionResp{
			Status:                errStatus("08S01", "Required field 'client_protocol' is unset"),
			ServerProtocolVersion: s.cfg.maxProtocol,
		}
	}
	ns := s.defaultNS
	if spark(proto, 4) && req.InitialNamespace != nil {
		if c := req.InitialNamespace.GetCatalogName(); c != "" && s.hasCatalog(ctx, c) {
			ns.catalog = c
		}
		if sc := req.InitialNamespace.GetSchemaName(); sc != "" {
			ns.schema = sc
		}
	}
	conf := maps.Clone(req.Configuration)
	if db := conf["use:database"]; db != "" {
		ns.schema = db
	}
	if err := s.checkNamespace(ctx, ns); err != nil {
		return &tcli.TOpenSessionResp{Status: err, ServerProtocolVersion: proto}
	}
	loc, err := sessionLocation(conf)
	if err != nil {
		return &tcli.TOpenSessionResp{Status: errStatus("22023", "[INVALID_CONF_VALUE] invalid time zone: "+err.Error()),
			ServerProtocolVersion: proto}
	}
	tags, err := sessionTags(conf)
	if err != nil {
		return &tcli.TOpenSessionResp{Status: invalidTags(err), ServerProtocolVersion: proto}
	}
	sess := &session{h: newHandle(), protocol: proto, loc: loc, tags: tags, ns: ns, conf: conf, ops: map[handleKey]*operation{}}
	s.mu.Lock()
	s.sessions[sess.h.guid] = sess
	s.mu.Unlock()
	s.cfg.logger.Debug("session opened", "session", sess.h.String(), "protocol", proto)
	resp := &tcli.TOpenSessionResp{
		Status:                okStatus(),
		ServerProtocolVersion: proto,
		SessionHandle:         &tcli.TSessionHandle{SessionId: sess.h.thrift()},
		Configuration:         conf,
	}
	if spark(proto, 4) {
		c, sc := ns.catalog, ns.schema
		resp.InitialNamespace = &tcli.TNamespace{CatalogName: &c, SchemaName: &sc}
		if req.GetCanUseMultipleCatalogs() {
			t := true
			resp.CanUseMultipleCatalogs = &t
		}
	}
	return resp
}

// hasCatalog reports whether a DuckDB database of that name is attached.
func (s *Server) hasCatalog(ctx context.Context, name string) bool {
	var n int
	err := s.db.QueryRowContext(ctx,
		"SELECT count(*) FROM duckdb_databases() WHERE lower(database_name) = lower(?)", name).Scan(&n)
	return err == nil && n > 0
}

// checkNamespace fails with SCHEMA_NOT_FOUND when the schema does not exist.
func (s *Server) checkNamespace(ctx context.Context, ns namespace) *tcli.TStatus {
	var n int
	err := s.db.QueryRowContext(ctx,
		"SELECT count(*) FROM duckdb_schemas() WHERE lower(database_name) = lower(?) AND lower(schema_name) = lower(?)",
		ns.catalog, ns.schema).Scan(&n)
	if err != nil {
		return errStatus("XX000", err.Error())
	}
	if n == 0 {
		return errStatus("3F000", "[SCHEMA_NOT_FOUND] The schema `"+ns.catalog+"."+ns.schema+"` cannot be found.")
	}
	return nil
}

// lookupSession finds a session by guid and secret.
func (s *Server) lookupSession(h *tcli.TSessionHandle) (*session, *tcli.TStatus) {
	if h != nil {
		if k, ok := keyOf(h.SessionId); ok {
			s.mu.Lock()
			sess := s.sessions[k]
			s.mu.Unlock()
			if sess != nil && sess.h.secretMatches(h.SessionId) {
				return sess, nil
			}
			return nil, invalidHandle("Invalid SessionHandle: " + describeKey(k))
		}
	}
	return nil, invalidHandle("Invalid SessionHandle")
}

// closeSession implements CloseSession: the session's operations are closed.
func (s *Server) closeSession(req *tcli.TCloseSessionReq) *tcli.TCloseSessionResp {
	sess, st := s.lookupSession(req.SessionHandle)
	if st != nil {
		return &tcli.TCloseSessionResp{Status: st}
	}
	n := s.dropSession(sess, nil)
	s.cfg.logger.Debug("session closed", "session", sess.h.String(), "operations", n)
	return &tcli.TCloseSessionResp{Status: okStatus()}
}

// dropSession removes sess and its operations from the server and closes
// the operations, returning how many there were. Both protocols end a
// session this way; each operation's handle goes to gone (when not nil)
// while the server is locked, so that no call sees the operation missing
// without its tombstone.
func (s *Server) dropSession(sess *session, gone func(handleKey)) int {
	s.mu.Lock()
	delete(s.sessions, sess.h.guid)
	sess.mu.Lock()
	ops := sess.ops
	sess.ops = map[handleKey]*operation{}
	sess.mu.Unlock()
	for k := range ops {
		if gone != nil {
			gone(k)
		}
		delete(s.ops, k)
	}
	s.mu.Unlock()
	for _, op := range ops {
		op.closeOp()
	}
	return len(ops)
}

// updateNamespace records a namespace change made by USE in a statement.
func (s *Server) updateNamespace(k handleKey, ns namespace) {
	s.mu.Lock()
	sess := s.sessions[k]
	s.mu.Unlock()
	if sess == nil || strings.TrimSpace(ns.schema) == "" {
		return
	}
	sess.mu.Lock()
	sess.ns = ns
	sess.mu.Unlock()
}
