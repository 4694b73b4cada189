package hs2

import (
	"context"
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

// CleanupTimeout bounds calls made on detached contexts (close, cancel).
const CleanupTimeout = 15 * time.Second

// Session is an open server session and the features its protocol allows.
type Session struct {
	Handle   *tcli.TSessionHandle
	Protocol tcli.TProtocolVersion
}

// Features gated by the server's protocol version (PROTOCOL.md §5).

// DirectResults reports whether ExecuteStatement may return results inline.
func (s *Session) DirectResults() bool {
	return s.Protocol >= tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V1
}

// SparkProtocol reports whether the server speaks the Spark protocol
// (Databricks): it positions FetchResults at startRowOffset and reports
// hasMoreRows reliably. Apache Spark's Thrift server speaks Hive's.
func (s *Session) SparkProtocol() bool { return s != nil && s.DirectResults() }

// Arrow reports whether results may come as Arrow batches.
func (s *Session) Arrow() bool {
	return s.Protocol >= tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V5
}

// LZ4 reports whether Arrow batches may come LZ4-compressed.
func (s *Session) LZ4() bool {
	return s.Protocol >= tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V6
}

// CloudFetch reports whether results may come as links to files.
func (s *Session) CloudFetch() bool {
	return s.Protocol >= tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V3
}

// Parameters reports whether statements may carry query parameters.
func (s *Session) Parameters() bool {
	return s.Protocol >= tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8
}

// ID returns the session handle's identifier.
func (s *Session) ID() HandleID {
	if s == nil || s.Handle == nil {
		return HandleID{}
	}
	return handleFromThrift(s.Handle.SessionId)
}

// OpenSession opens a new session with the configured namespace and
// parameters. The namespace goes in initialNamespace for servers at SPARK V4
// or later and as configuration "use:database" for older ones; the protocol
// version is learnt from the previous session of the client, and both forms
// are sent while it is still unknown. An error matching NotRun means that
// another session may succeed.
func (c *Client) OpenSession(ctx context.Context) (*Session, error) {
	req := &tcli.TOpenSessionReq{
		ClientProtocol:    clientProtocol,
		ClientProtocolI64: ptr(clientProtocolI64),
		Configuration:     map[string]string{},
	}
	known := tcli.TProtocolVersion(c.protocol.Load())
	hive := known >= 0 && known < tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V1
	for k, v := range c.opts.SessionParams {
		req.Configuration[sessionParamKey(k, hive)] = v
	}
	if c.opts.Catalog != "" || c.opts.Schema != "" {
		ns := &tcli.TNamespace{}
		if c.opts.Catalog != "" {
			ns.CatalogName = ptr(c.opts.Catalog)
		}
		if c.opts.Schema != "" {
			ns.SchemaName = ptr(c.opts.Schema)
		}
		if known < 0 || known >= tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V4 {
			req.InitialNamespace = ns
			req.CanUseMultipleCatalogs = ptr(true)
		}
		if c.opts.Schema != "" && (known < 0 || known < tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V4) {
			req.Configuration["use:database"] = c.opts.Schema
		}
	}
	resp, err := c.svc.OpenSession(ctx, req)
	if err != nil {
		return nil, c.rpcErr(err, "")
	}
	if err := c.checkStatus("OpenSession", resp.Status, ""); err != nil {
		return nil, err
	}
	if resp.SessionHandle == nil || resp.SessionHandle.SessionId == nil {
		return nil, c.missing("OpenSession", "server returned no session handle", "")
	}
	s := &Session{Handle: resp.SessionHandle, Protocol: resp.ServerProtocolVersion}
	c.protocol.Store(int64(s.Protocol))
	if known < 0 && s.Protocol < tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V1 && needsHivePrefix(c.opts.SessionParams) {
		// A Hive server ignores plain configuration keys; now that its
		// version is known, open the session again with prefixed keys.
		if err := c.CloseSession(ctx, s); err != nil {
			return nil, err
		}
		return c.OpenSession(ctx)
	}
	c.log.Debug("databricks: session opened", "session", s.ID().String(), "protocol", int64(s.Protocol))
	return s, nil
}

// CloseSession closes a session on a bounded context detached from ctx's
// cancellation. Unknown sessions count as closed.
func (c *Client) CloseSession(ctx context.Context, s *Session) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), CleanupTimeout)
	defer cancel()
	resp, err := c.svc.CloseSession(ctx, &tcli.TCloseSessionReq{SessionHandle: s.Handle})
	if err != nil {
		err = c.rpcErr(err, "")
	} else {
		err = c.checkStatus("CloseSession", resp.Status, "")
	}
	if isInvalidHandle(err) {
		return nil
	}
	return err
}

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
