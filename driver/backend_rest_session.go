package driver

import (
	"context"
	"errors"
	"maps"
	"strconv"
	"time"

	"github.com/asyncsql/databricks/internal/rest"
)

// restTimeoutConf is the session parameter of the API that bounds each
// statement of the session, in seconds.
const restTimeoutConf = "STATEMENT_TIMEOUT"

// restSessionConfs are the configuration parameters of a REST session:
// the session parameters and, with QueryTimeout, STATEMENT_TIMEOUT (whole
// seconds, rounded up, as Thrift's queryTimeout). Validate refuses both
// together.
func (c *Config) restSessionConfs() map[string]string {
	if c.QueryTimeout <= 0 {
		return c.SessionParams
	}
	confs := maps.Clone(c.SessionParams)
	if confs == nil {
		confs = map[string]string{}
	}
	secs := (c.QueryTimeout + time.Second - 1) / time.Second
	confs[restTimeoutConf] = strconv.FormatInt(int64(secs), 10)
	return confs
}

// openRESTSession opens the session of a new connection of the REST
// backend. Without session parameters (or a QueryTimeout) it sends nothing: each submission
// names the warehouse, catalog and schema itself. With them, it creates a
// session of the API (POST /api/2.0/sql/sessions) holding the catalog, the
// schema and the parameters; its ID goes with every submission of the
// connection and close deletes it.
func (b *restBackend) openRESTSession(ctx context.Context) (session, error) {
	cfg := b.c.cfg
	confs := cfg.restSessionConfs()
	if len(confs) == 0 {
		return restSession{b: b}, nil
	}
	id, err := b.rc.CreateSession(ctx, &rest.CreateSessionRequest{WarehouseID: b.warehouse, Catalog: cfg.Catalog,
		Schema: cfg.Schema, Confs: confs})
	if err != nil {
		if rest.NotProcessed(err) {
			return nil, badConn(err)
		}
		return nil, b.fail(err)
	}
	b.c.log.Debug("databricks: REST session created", "session", id)
	return restSession{b: b, id: id}, nil
}

// submit sends a submission of the session: with the session's ID, and
// without catalog and schema, which the session holds (a USE statement
// changes them for the statements after it). A session the server no
// longer knows (HTTP 404) ran nothing: the error is marked with badConn, so
// that database/sql retries on another connection.
func (s restSession) submit(ctx context.Context, req *rest.ExecuteRequest) (*rest.StatementResponse, error) {
	if s.id == "" {
		return s.b.submit(ctx, req)
	}
	req.SessionID, req.Catalog, req.Schema = s.id, "", ""
	resp, err := s.b.submit(ctx, req)
	var re *rest.Error
	if errors.As(err, &re) && re.NotFound() {
		return nil, badConn(err)
	}
	return resp, err
}

// close implements session: it deletes the session on the server, if the
// connection has one; its statements close with it. A session the server
// no longer knows counts as deleted.
func (s restSession) close(ctx context.Context) error {
	if s.id == "" {
		return nil
	}
	err := s.b.rc.DeleteSession(ctx, s.b.warehouse, s.id)
	var re *rest.Error
	if errors.As(err, &re) && re.NotFound() {
		return nil
	}
	if err != nil {
		return s.b.fail(err)
	}
	s.b.c.log.Debug("databricks: REST session deleted", "session", s.id)
	return nil
}

// errDetachedSessionParams refuses a detached submission of the REST
// backend with session parameters or a QueryTimeout: a detached statement outlives its
// connection and is resumed from its statement ID alone, so no session of
// the API could hold the parameters for it.
var errDetachedSessionParams = errors.New("databricks: the REST backend cannot run a detached statement with session parameters " +
	"or a statement timeout (a session of the API would have to outlive it); submit it on a Connector without SessionParams " +
	"and QueryTimeout")
