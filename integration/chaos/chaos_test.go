package chaos_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"

	_ "github.com/asyncsql/databricks/driver" // registers "databricks"
	"github.com/asyncsql/databricks/integration/chaos"
)

func TestMain(m *testing.M) {
	before := goleak.IgnoreCurrent()
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(before); err != nil {
			fmt.Fprintln(os.Stderr, "chaos: goroutines left behind:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// The suite's bounded version: small results over many pages and files,
// every kind of fault at 10% and 30% of requests, delays scaled to 10-60 ms.
// Nothing may come back wrong: no wrong, missing or repeated value, no
// INSERT run twice, no acknowledged INSERT lost. What fails must fail
// where no driver may retry (an ExecuteStatement whose outcome is unknown).
func TestFaults(t *testing.T) {
	for _, rate := range []float64{0.1, 0.3} {
		t.Run(fmt.Sprintf("rate=%.0f%%", 100*rate), func(t *testing.T) {
			env, err := chaos.Start(chaos.Config{Seed: 7, Rate: rate, DelayScale: 0.02}, 10000)
			if err != nil {
				t.Fatal(err)
			}
			defer env.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			for _, mode := range []struct {
				name   string
				params url.Values
				rows   int64
			}{
				{"pages", url.Values{"useCloudFetch": {"false"}, "maxRows": {"5000"}}, 40000},
				{"links", url.Values{"maxRows": {"20000"}}, 60000},
			} {
				db := open(t, env.DSN(mode.params))
				for i := range 4 {
					tr := env.Scan(ctx, db, mode.rows)
					switch tr.Outcome {
					case chaos.Exact, chaos.Unretryable:
					default:
						t.Errorf("%s scan %d: %s after %d rows: %v (faults %v)", mode.name, i, tr.Outcome, tr.Rows, tr.Err, env.Counts())
					}
				}
			}
			db := open(t, env.DSN(nil))
			it, err := env.Inserts(ctx, db, "ins", 30)
			if err != nil {
				t.Fatal(err)
			}
			if it.Duplicated != 0 || it.Lost != 0 || it.Errors != it.Unretryable {
				t.Errorf("inserts: %+v", it)
			}
			for i := range 2 {
				if tr := env.GiveUpAndResume(ctx, db, 20000); tr.Outcome != chaos.Exact {
					t.Errorf("resume %d: %s after %d rows: %v", i, tr.Outcome, tr.Rows, tr.Err)
				}
			}
			for i := range 3 {
				at := env.AsyncScan(ctx, env.DSN(url.Values{"maxRows": {"5000"}, "useCloudFetch": {"false"}}), 30000)
				if at.Lost || (at.Outcome != chaos.Exact && at.Outcome != chaos.Unretryable) {
					t.Errorf("async %d: %s (lost %v) after %d rows: %v", i, at.Outcome, at.Lost, at.Rows, at.Err)
				}
			}
			if env.Faults() == 0 {
				t.Error("no fault injected")
			}
			t.Logf("faults: %v", env.Counts())
		})
	}
}

func open(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("databricks", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
