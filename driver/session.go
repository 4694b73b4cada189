package driver

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// Protocol versions the driver asks for: the highest Hive version a Spark
// Thrift server accepts in field 1, and the Spark version implemented in 1282.
const (
	clientProtocol    = tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10
	clientProtocolI64 = int64(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
)

// cleanupTimeout bounds calls made on detached contexts (close, cancel).
const cleanupTimeout = 15 * time.Second

// session is an open server session and the features its protocol allows.
type session struct {
	handle *tcli.TSessionHandle
	proto  tcli.TProtocolVersion
}

// features gated by the server's protocol version (PROTOCOL.md §5).
func (s *session) directResults() bool {
	return s.proto >= tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V1
}

func (s *session) arrow() bool { return s.proto >= tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V5 }
func (s *session) lz4() bool   { return s.proto >= tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V6 }
func (s *session) parameters() bool {
	return s.proto >= tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8
}

// id returns the session handle as a HandleID.
func (s *session) id() handleID {
	if s == nil || s.handle == nil {
		return handleID{}
	}
	return handleFromThrift(s.handle.SessionId)
}

// openSession opens a new session with the configured namespace and parameters.
// The namespace goes in initialNamespace for servers at SPARK V4 or later and as
// configuration "use:database" for older ones; the protocol version is learnt
// from the previous session of the connector, and both forms are sent while it
// is still unknown.
func (c *Connector) openSession(ctx context.Context) (*session, error) {
	req := &tcli.TOpenSessionReq{
		ClientProtocol:    clientProtocol,
		ClientProtocolI64: ptr(clientProtocolI64),
		Configuration:     map[string]string{},
	}
	known := tcli.TProtocolVersion(c.serverProto.Load())
	hive := known >= 0 && known < tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V1
	for k, v := range c.cfg.SessionParams {
		req.Configuration[sessionParamKey(k, hive)] = v
	}
	if c.cfg.Catalog != "" || c.cfg.Schema != "" {
		ns := &tcli.TNamespace{}
		if c.cfg.Catalog != "" {
			ns.CatalogName = ptr(c.cfg.Catalog)
		}
		if c.cfg.Schema != "" {
			ns.SchemaName = ptr(c.cfg.Schema)
		}
		if known < 0 || known >= tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V4 {
			req.InitialNamespace = ns
			req.CanUseMultipleCatalogs = ptr(true)
		}
		if c.cfg.Schema != "" && (known < 0 || known < tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V4) {
			req.Configuration["use:database"] = c.cfg.Schema
		}
	}
	resp, err := c.svc.OpenSession(ctx, req)
	if err != nil {
		if notRunError(err) {
			return nil, badConn(wrapRPC(err, ""))
		}
		return nil, wrapRPC(err, "")
	}
	if err := checkStatus("OpenSession", resp.Status, ""); err != nil {
		return nil, err
	}
	if resp.SessionHandle == nil || resp.SessionHandle.SessionId == nil {
		return nil, &ServerError{Method: "OpenSession", Message: "server returned no session handle"}
	}
	s := &session{handle: resp.SessionHandle, proto: resp.ServerProtocolVersion}
	c.serverProto.Store(int64(s.proto))
	if known < 0 && s.proto < tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V1 && needsHivePrefix(c.cfg.SessionParams) {
		// A Hive server ignores plain configuration keys; now that its
		// version is known, open the session again with prefixed keys.
		if err := c.closeSession(ctx, s.handle); err != nil {
			return nil, err
		}
		return c.openSession(ctx)
	}
	c.log.Debug("databricks: session opened", "session", s.id().String(), "protocol", int64(s.proto))
	return s, nil
}

// closeSession closes a session on a bounded context detached from ctx's
// cancellation. Unknown sessions count as closed.
func (c *Connector) closeSession(ctx context.Context, h *tcli.TSessionHandle) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	resp, err := c.svc.CloseSession(ctx, &tcli.TCloseSessionReq{SessionHandle: h})
	if err == nil {
		err = checkStatus("CloseSession", resp.Status, "")
	}
	err = wrapRPC(err, "")
	if isInvalidHandle(err) {
		return nil
	}
	return err
}

func isInvalidHandle(err error) bool {
	if err == nil {
		return false
	}
	var se *ServerError
	return errors.As(err, &se) && se.invalidHandle
}

func ptr[T any](v T) *T { return &v }

// sessionParamKey is the configuration key of a session parameter. Servers
// below SPARK V1 (HiveServer2, Apache Spark's Thrift server) honour only keys
// of the form "set:hiveconf:KEY", "set:hivevar:KEY" and "use:database".
func sessionParamKey(k string, hive bool) string {
	if !hive || !needsHivePrefix(map[string]string{k: ""}) {
		return k
	}
	return "set:hiveconf:" + k
}

// needsHivePrefix reports whether a parameter lacks the prefixes a Hive server
// requires.
func needsHivePrefix(params map[string]string) bool {
	for k := range params {
		if !strings.HasPrefix(k, "set:") && !strings.HasPrefix(k, "use:") {
			return true
		}
	}
	return false
}
