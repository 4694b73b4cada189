package main

import (
	"context"
	"database/sql"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/asyncsql/databricks/async"
	"github.com/asyncsql/databricks/driver"
)

// asyncDelay is the latency added to every HTTP request of the async
// measurement, as a remote warehouse would add it.
const asyncDelay = 50 * time.Millisecond

// asyncQuery is the small query of the async measurement: one page.
const asyncQuery = "SELECT i, i * i AS sq FROM range(10) t(i)"

// delayTransport counts the requests it carries and delays each by delay.
type delayTransport struct {
	delay time.Duration
	n     atomic.Int64
}

func (d *delayTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	d.n.Add(1)
	t := time.NewTimer(d.delay)
	select {
	case <-t.C:
	case <-r.Context().Done():
		t.Stop()
		return nil, r.Context().Err()
	}
	return http.DefaultTransport.RoundTrip(r)
}

// asyncRequests measures, for a small finished query, the HTTP requests
// and the time from submit to the last row with 50 ms added per request,
// through async.DB.QueryContext and through database/sql on a warm pool.
func (b *bench) asyncRequests() error {
	rt := &delayTransport{delay: asyncDelay}
	cfg, err := driver.ParseDSN(b.srv.DSN())
	if err != nil {
		return err
	}
	c, err := driver.NewConnector(cfg, driver.WithTransport(rt))
	if err != nil {
		return err
	}
	db := async.OpenDB(c, async.WithWait(time.Minute), async.WithKeepAlive(0))
	defer db.Close()
	ctx := context.Background()
	if err := db.PingContext(ctx); err != nil { // warm the pool
		return err
	}
	drain := func(rows *sql.Rows) error {
		defer rows.Close()
		for rows.Next() {
		}
		return rows.Err()
	}
	for round := range b.o.Rounds {
		b.logf("round %d: async and database/sql with %v per request", round+1, asyncDelay)
		before, start := rt.n.Load(), time.Now()
		rows, exc, err := db.QueryContext(ctx, asyncQuery)
		if err != nil {
			return err
		}
		if err := drain(rows); err != nil {
			return err
		}
		b.add("async/req", float64(rt.n.Load()-before))
		b.add("async/lat50", time.Since(start).Seconds())
		if err := db.CloseExecution(ctx, exc); err != nil {
			return err
		}

		before, start = rt.n.Load(), time.Now()
		rows, err = db.DB.QueryContext(ctx, asyncQuery)
		if err != nil {
			return err
		}
		if err := drain(rows); err != nil {
			return err
		}
		b.add("sql/req", float64(rt.n.Load()-before))
		b.add("sql/lat50", time.Since(start).Seconds())
	}
	return nil
}
