package emulator

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// sleepSlice is how long sleep_ms sleeps between cancellation checks.
const sleepSlice = 10 * time.Millisecond

// sleepUDF is sleep_ms(n INTEGER) → BIGINT: sleeps n milliseconds and
// returns n. It stops early (with an error) when the query is cancelled or
// the server closes. DuckDB has a built-in sleep_ms(BIGINT) → NULL; an
// integer literal argument resolves to this function.
type sleepUDF struct{ stop <-chan struct{} }

// Config implements duckdb.ScalarFunc.
func (u sleepUDF) Config() duckdb.ScalarFuncConfig {
	in, _ := duckdb.NewTypeInfo(duckdb.TYPE_INTEGER) // primitive types never fail
	out, _ := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{in}, ResultTypeInfo: out, Volatile: true}
}

// Executor implements duckdb.ScalarFunc.
func (u sleepUDF) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowContextExecutor: u.sleep}
}

func (u sleepUDF) sleep(ctx context.Context, args []driver.Value) (any, error) {
	n, ok := toInt64(args[0])
	if !ok {
		return nil, fmt.Errorf("sleep_ms: unexpected argument %T", args[0])
	}
	deadline := time.Now().Add(time.Duration(n) * time.Millisecond)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return n, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("sleep_ms interrupted: %w", err)
		}
		select {
		case <-u.stop:
			return nil, fmt.Errorf("sleep_ms interrupted: server closing")
		case <-ctx.Done():
		case <-time.After(min(left, sleepSlice)):
		}
	}
}

// registerUDFs registers the emulator's functions on the database (DuckDB
// keeps them in the catalog, so every connection sees them).
func registerUDFs(conn *sql.Conn, stop <-chan struct{}) error {
	return duckdb.RegisterScalarUDF(conn, "sleep_ms", &sleepUDF{stop: stop})
}
