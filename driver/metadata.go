package driver

import (
	"context"
	"errors"

	sqldriver "database/sql/driver"

	"github.com/asyncsql/databricks/internal/metadata"
)

// ErrMetadataNotSupported is returned for a catalog metadata call (package
// catalog) on a connection whose protocol has no metadata calls.
var ErrMetadataNotSupported = errors.New("databricks: catalog metadata calls are not supported by this connection's protocol")

// errMetadataArg reports a metadata request passed other than the catalog
// package passes it.
var errMetadataArg = errors.New("databricks: a catalog metadata request must be the only argument of a query without SQL text")

// metadataSession is a session that makes the service's catalog metadata
// calls (the Thrift backend's). The call runs like a statement: the
// operation returned has finished and is read like a statement's.
type metadataSession interface {
	metadata(ctx context.Context, r metadata.Request) (operation, error)
}

// isMetadataArg reports whether v is a catalog metadata request.
func isMetadataArg(v any) bool {
	_, ok := v.(metadata.Request)
	return ok
}

// metadataRequest returns the metadata request a query carries: the
// catalog package queries with no SQL text and the request as the only
// argument. ok is false for any other query.
func metadataRequest(query string, args []sqldriver.NamedValue) (r metadata.Request, ok bool, err error) {
	n := 0
	for _, a := range args {
		if req, isReq := a.Value.(metadata.Request); isReq {
			r, n = req, n+1
		}
	}
	switch {
	case n == 0:
		return metadata.Request{}, false, nil
	case n > 1 || len(args) > 1 || query != "":
		return metadata.Request{}, false, errMetadataArg
	}
	return r, true, nil
}

// metadata makes the metadata call r on the connection's session.
func (cn *conn) metadata(ctx context.Context, r metadata.Request) (operation, error) {
	ms, ok := cn.sess.(metadataSession)
	if !ok {
		return nil, ErrMetadataNotSupported
	}
	return ms.metadata(ctx, r)
}
