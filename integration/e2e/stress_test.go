package e2e_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	dbx "github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// TestConcurrentMixedWorkload runs queries, early closes, failures and
// cancellations from several goroutines over a small pool, under the race
// detector; afterwards the server must hold no operation.
func TestConcurrentMixedWorkload(t *testing.T) {
	s := emulator.Start(t, emulator.WithDirectResultsHold(50*time.Millisecond),
		emulator.WithStatusHold(200*time.Millisecond))
	db := open(t, s, params("maxRows", "300"))
	db.SetMaxOpenConns(3)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 6 {
				if err := mixedStep(db, w, i); err != nil {
					errs <- fmt.Errorf("worker %d step %d: %w", w, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if !eventually(promptly, func() bool { return s.UnreleasedOperations() == 0 }) {
		t.Errorf("server holds %d operations", s.UnreleasedOperations())
	}
}

// mixedStep runs one statement of a kind chosen by the worker and step.
func mixedStep(db *sql.DB, w, i int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	switch (w + i) % 4 {
	case 0: // full multi-page read
		rows, err := db.QueryContext(ctx, "SELECT i FROM range(2000) t(i)")
		if err != nil {
			return err
		}
		defer rows.Close()
		var n int64
		for rows.Next() {
			var v int64
			if err := rows.Scan(&v); err != nil {
				return err
			}
			if v != n {
				return fmt.Errorf("row %d holds %d", n, v)
			}
			n++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if n != 2000 {
			return fmt.Errorf("%d rows", n)
		}
	case 1: // early close
		rows, err := db.QueryContext(ctx, "SELECT i FROM range(5000) t(i)")
		if err != nil {
			return err
		}
		for range 400 {
			if !rows.Next() {
				return fmt.Errorf("ended early: %v", rows.Err())
			}
		}
		return rows.Close()
	case 2: // failure
		_, err := db.QueryContext(ctx, "SELEC 1")
		var se *dbx.ServerError
		if !errors.As(err, &se) {
			return fmt.Errorf("syntax error gave %v", err)
		}
	case 3: // cancellation of a slow statement
		cctx, ccancel := context.WithTimeout(ctx, 150*time.Millisecond)
		defer ccancel()
		rows, err := db.QueryContext(cctx, "SELECT sleep_ms(10000)")
		if err == nil {
			rows.Close()
			return errors.New("slow statement not cancelled")
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("cancelled statement gave %w", err)
		}
	}
	return nil
}
