package driver

import (
	"context"

	"github.com/asyncsql/databricks/internal/metadata"
)

var _ metadataSession = (*thriftSession)(nil)

// metadata implements metadataSession: the TCLIService metadata call
// (GetTables, ...) with direct results, then GetOperationStatus polls until
// it ends, as execute does for a statement.
func (s *thriftSession) metadata(ctx context.Context, r metadata.Request) (operation, error) {
	op, err := s.b.hs.Metadata(ctx, s.s, r)
	top, err := s.finished(ctx, op, err)
	if err != nil {
		return nil, err // not top: a nil *thriftOp is a non-nil operation
	}
	return top, nil
}
