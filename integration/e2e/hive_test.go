package e2e_test

import (
	"context"
	"errors"
	"testing"
	"time"

	dbx "github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// TestHiveLevelServer runs the driver against an emulator limited to
// HIVE_CLI_SERVICE_PROTOCOL_V10, like Apache Spark's Thrift server: column
// sets without direct results, no Arrow, no native parameters. Values must
// follow the same conventions.
func TestHiveLevelServer(t *testing.T) {
	thriftOnly(t, "Thrift protocol versions")
	s := emulator.Start(t, emulator.WithMaxProtocol(emulator.HiveV10),
		emulator.WithStatusHold(300*time.Millisecond))
	db := open(t, s, params("maxRows", "3000"))
	ctx := testCtx(t)

	t.Run("types", func(t *testing.T) {
		cases := append(typeCases(), nullCases()...)
		vals, cts := queryOne(t, db, selectOf(cases))
		checkCases(t, cases, vals, cts)
	})
	t.Run("pages", func(t *testing.T) {
		readBig(t, db, 20000)
	})
	t.Run("parameters", func(t *testing.T) {
		_, err := db.QueryContext(ctx, "SELECT ?", int64(1))
		if !errors.Is(err, dbx.ErrParametersNotSupported) {
			t.Errorf("parameters on a Hive-level server: %v, want ErrParametersNotSupported", err)
		}
	})
	t.Run("error", func(t *testing.T) {
		_, err := db.QueryContext(ctx, "SELEC 1")
		serverError(t, err, "42601")
	})
	t.Run("cancel", func(t *testing.T) {
		s.ResetRequests()
		cancelSlow(t, ctx, s, emulator.GetOperationStatus, func(ctx context.Context) error {
			rows, err := db.QueryContext(ctx, slowQuery)
			if err == nil {
				rows.Close()
			}
			return err
		})
		checkCancelled(t, s, 15*time.Second)
	})
	t.Run("exec", func(t *testing.T) {
		res, err := db.ExecContext(ctx, "SELECT 1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := res.RowsAffected(); err != nil {
			t.Errorf("RowsAffected: %v", err)
		}
	})
	if s.Requests().Count(call(emulator.GetOperationStatus)) == 0 {
		t.Errorf("no polling without direct results (requests %v)", s.Requests())
	}
}
