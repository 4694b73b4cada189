package emulator

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// restSessionsPrefix is the path of the sessions of the Statement Execution
// API: a session holds a catalog, a schema and configuration parameters for
// the statements submitted with its session_id.
const restSessionsPrefix = "/api/2.0/sql/sessions"

// The sessions API calls, as the request log and fault rules name them.
const (
	// RESTSessionCreate is POST /api/2.0/sql/sessions.
	RESTSessionCreate Method = "rest.session.create"
	// RESTSessionDelete is DELETE /api/2.0/sql/sessions/{id}.
	RESTSessionDelete Method = "rest.session.delete"
)

// restSessionConfs are the configuration parameters a session of the API
// takes (upper case): those Databricks SQL lets a user set
// (sql-ref-parameters). Others fail the request with CONFIG_NOT_AVAILABLE,
// as SET does on a warehouse.
var restSessionConfs = []string{"ANSI_MODE", "ENABLE_PHOTON", "LEGACY_TIME_PARSER_POLICY", "MAX_FILE_PARTITION_BYTES",
	"READ_ONLY_EXTERNAL_METASTORE", "STATEMENT_TIMEOUT", "TIMEZONE", "USE_CACHED_RESULT", "QUERY_TAGS"}

// maxStatementTimeout is the largest STATEMENT_TIMEOUT, in seconds (the
// documented maximum, 48 hours).
const maxStatementTimeout = 172800

// restCreateSession is the body of POST /api/2.0/sql/sessions. Unknown
// fields are ignored.
type restCreateSession struct {
	WarehouseID  string            `json:"warehouse_id"`
	Catalog      string            `json:"catalog"`
	Schema       string            `json:"schema"`
	SessionConfs map[string]string `json:"session_confs"`
}

// createSessionRequest is a validated session creation: confs with lower
// case keys, and the statement timeout STATEMENT_TIMEOUT sets (0 for none).
type createSessionRequest struct {
	restCreateSession
	confs   map[string]string
	timeout time.Duration
}

// parseCreateSession decodes and validates a session creation body. Every
// failure is a *badRequest whose text names the field; a configuration
// parameter the API does not take is a *classError CONFIG_NOT_AVAILABLE, a
// value it cannot use INVALID_CONF_VALUE.
func parseCreateSession(body []byte) (*createSessionRequest, error) {
	var raw restCreateSession
	if err := decodeBody(body, &raw); err != nil {
		return nil, err
	}
	if raw.WarehouseID == "" {
		return nil, badf("Field 'warehouse_id' is required")
	}
	req := &createSessionRequest{restCreateSession: raw, confs: map[string]string{}}
	keys := slices.Sorted(maps.Keys(raw.SessionConfs)) // the first bad key in a stable order
	for _, k := range keys {
		v := raw.SessionConfs[k]
		name := strings.ToUpper(k)
		if !slices.Contains(restSessionConfs, name) {
			return nil, &classError{class: "CONFIG_NOT_AVAILABLE", state: "42K0I",
				msg: "Configuration " + loggedID(k) + " is not available."}
		}
		if name == "STATEMENT_TIMEOUT" {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 || n > maxStatementTimeout {
				return nil, &classError{class: "INVALID_CONF_VALUE", state: "22022",
					msg: "The value '" + loggedID(v) + "' in the config \"STATEMENT_TIMEOUT\" is invalid: seconds from 0 to " +
						strconv.Itoa(maxStatementTimeout) + "."}
			}
			req.timeout = time.Duration(n) * time.Second
		}
		req.confs[strings.ToLower(k)] = v
	}
	return req, nil
}

// routeSession maps a method and path under restSessionsPrefix to a call.
func routeSession(method, path string) (restCall, *restReply) {
	rest := strings.Trim(strings.TrimPrefix(path, restSessionsPrefix), "/")
	var c restCall
	var want string
	switch {
	case rest == "":
		c.method, want = RESTSessionCreate, http.MethodPost
	case !strings.Contains(rest, "/"):
		c.method, want, c.id = RESTSessionDelete, http.MethodDelete, rest
	default:
		r := apiError(http.StatusNotFound, "ENDPOINT_NOT_FOUND", "No API found for '"+method+" "+loggedID(path)+"'")
		return c, &r
	}
	if method != want {
		r := apiError(http.StatusMethodNotAllowed, "BAD_REQUEST", "Method "+method+" is not allowed for "+loggedID(path))
		return c, &r
	}
	return c, nil
}

// handleSession runs a call of the sessions API.
func (s *Server) handleSession(ctx context.Context, c restCall, body []byte) restReply {
	if c.method == RESTSessionCreate {
		return s.createRESTSession(ctx, body)
	}
	sess, rep := s.lookupRESTSession(c.id)
	if rep != nil {
		return *rep
	}
	s.deleteRESTSession(sess)
	return restReply{status: http.StatusOK, body: struct{}{}}
}

// createRESTSession answers POST /api/2.0/sql/sessions: a session in the
// namespace asked for (a catalog that is not an attached database is
// ignored, an unknown schema fails) with its configuration.
func (s *Server) createRESTSession(ctx context.Context, body []byte) restReply {
	req, err := parseCreateSession(body)
	if err != nil {
		var ce *classError
		if errors.As(err, &ce) {
			return apiError(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", ce.opErr().message)
		}
		return apiError(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", err.Error())
	}
	if req.WarehouseID != s.cfg.warehouseID {
		return apiError(http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "Warehouse "+loggedID(req.WarehouseID)+" does not exist")
	}
	ns := s.defaultNS
	if c := req.Catalog; c != "" && s.hasCatalog(ctx, c) {
		ns.catalog = c
	}
	if req.Schema != "" {
		ns.schema = req.Schema
		if st := s.checkNamespace(ctx, ns); st != nil {
			rep := apiError(http.StatusBadRequest, restErrorCode(st.GetSqlState()), st.GetErrorMessage())
			rep.sqlState = st.GetSqlState()
			return rep
		}
	}
	loc, err := sessionLocation(req.confs)
	if err != nil {
		return apiError(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "[INVALID_CONF_VALUE] invalid time zone: "+err.Error())
	}
	tags, err := sessionTags(req.confs)
	if err != nil {
		st := invalidTags(err)
		return apiError(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", st.GetErrorMessage())
	}
	sess := &session{h: newHandle(), loc: loc, tags: tags, ns: ns, conf: req.confs, ops: map[handleKey]*operation{},
		rest: true, timeout: req.timeout}
	s.mu.Lock()
	if s.isClosing() {
		s.mu.Unlock()
		return apiError(http.StatusServiceUnavailable, "TEMPORARILY_UNAVAILABLE", "The warehouse is shutting down")
	}
	s.sessions[sess.h.guid] = sess
	s.mu.Unlock()
	s.cfg.logger.Debug("REST session created", "session", sess.h.String())
	return restReply{status: http.StatusOK, body: restSessionResponse{SessionID: sess.h.String()}}
}

// restSessionResponse is the reply to a session creation.
type restSessionResponse struct {
	SessionID string `json:"session_id"`
}

// lookupRESTSession finds the session of an ID, or an error reply: HTTP 400
// for a malformed ID, HTTP 404 with the error class INVALID_HANDLE (SQLSTATE
// HY000) for one that names no session of the API (SESSION_NOT_FOUND) or a
// deleted one (SESSION_CLOSED).
func (s *Server) lookupRESTSession(id string) (*session, *restReply) {
	k, ok := parseStatementID(id)
	if !ok {
		r := apiError(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "Invalid session ID '"+loggedID(id)+"'")
		return nil, &r
	}
	s.mu.Lock()
	sess := s.sessions[k]
	s.mu.Unlock()
	if sess != nil && sess.rest {
		return sess, nil
	}
	why := "SESSION_NOT_FOUND] The handle " + describeKey(k) + " is invalid. Session not found."
	if s.rest.isClosed(k) {
		why = "SESSION_CLOSED] The handle " + describeKey(k) + " is invalid. Session was closed."
	}
	r := apiError(http.StatusNotFound, "NOT_FOUND", "[INVALID_HANDLE."+why+" SQLSTATE: HY000")
	r.sqlState = "HY000"
	return nil, &r
}

// deleteRESTSession ends a session: it is gone and its statements are
// closed (they answer CLOSED afterwards).
func (s *Server) deleteRESTSession(sess *session) {
	s.rest.markClosed(sess.h.guid) // first: a call between the two finds the session or its tombstone
	n := s.dropSession(sess, s.rest.markClosed)
	s.cfg.logger.Debug("REST session deleted", "session", sess.h.String(), "statements", n)
}

// bindSession makes op a statement of the session named by the submission
// (none when session_id is empty): the session's namespace unless the
// submission names its own catalog or schema, its time zone, query tags
// (the statement's over them) and statement timeout.
func (s *Server) bindSession(ctx context.Context, op *operation, req *submitRequest) *restReply {
	if req.SessionID == "" {
		return nil
	}
	sess, rep := s.lookupRESTSession(req.SessionID)
	if rep != nil {
		return rep
	}
	op.sessKey = sess.h.guid
	sess.mu.Lock()
	ns := sess.ns
	sess.mu.Unlock()
	if c := req.Catalog; c != "" && s.hasCatalog(ctx, c) {
		ns.catalog = c
	}
	if req.Schema != "" {
		ns.schema = req.Schema
	}
	op.ns, op.loc, op.timeout = ns, sess.loc, sess.timeout
	if len(sess.tags) > 0 {
		tags := maps.Clone(sess.tags)
		maps.Copy(tags, op.tags)
		op.tags = tags
	}
	return nil
}

// attachLocked records op as a statement of its session, if it has one;
// s.mu held. It is false when the session was deleted since bindSession.
func (s *Server) attachLocked(op *operation) bool {
	if op.sessKey == (handleKey{}) {
		return true
	}
	sess := s.sessions[op.sessKey]
	if sess == nil {
		return false
	}
	sess.mu.Lock()
	sess.ops[op.h.guid] = op
	sess.mu.Unlock()
	return true
}
