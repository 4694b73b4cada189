package driver

import (
	"context"

	"github.com/asyncsql/databricks/internal/hs2"
	"github.com/asyncsql/databricks/internal/metadata"
)

var _ metadataSession = (*thriftSession)(nil)

// metadata implements metadataSession: the TCLIService metadata call
// (GetTables, ...) with direct results, then GetOperationStatus polls until
// it ends, as execute does for a statement.
func (s *thriftSession) metadata(ctx context.Context, r metadata.Request) (operation, error) {
	hs := s.b.hs
	op, err := hs.Metadata(ctx, s.s, r)
	if hs2.NotRun(err) {
		return nil, badConn(err)
	}
	if err != nil {
		return nil, err
	}
	st, err := hs.Wait(ctx, op)
	if err != nil {
		return nil, err
	}
	if err := hs.Outcome(st, op.ID); err != nil {
		hs.Cleanup(ctx, op, hs2.Close)
		return nil, err
	}
	return &thriftOp{b: s.b, op: op}, nil
}
