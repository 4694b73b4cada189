package main

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/peer/cmd/bench/client"
)

// oursConnector builds this project's connector for s.
func oursConnector(s client.Spec) (*driver.Connector, error) {
	dsn := fmt.Sprintf("token:%s@%s:%d%s?protocol=http&useLZ4=%t", s.Token, s.Host, s.Port, s.Path, s.LZ4)
	if s.Backend != "" {
		dsn += "&backend=" + s.Backend
	}
	cfg, err := driver.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	return driver.NewConnector(cfg)
}

// openOurs opens this project's driver for s.
func openOurs(s client.Spec) (*sql.DB, error) {
	c, err := oursConnector(s)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(c), nil
}

// oursExtra runs the kinds only this binary knows: the ceilings and the
// driver-level scan (driver.Rows.Next without database/sql).
func oursExtra(s client.Spec) (client.Result, bool, error) {
	switch s.Kind {
	case "arrow":
		r, err := arrowCeiling(s.Rows, touchValues)
		return r, true, err
	case "arrow-work":
		r, err := arrowCeiling(s.Rows, requiredWork)
		return r, true, err
	case "arrow-values":
		r, err := arrowCeiling(s.Rows, driverValues)
		return r, true, err
	case "floor":
		r, err := floorCeiling(s.Rows)
		return r, true, err
	case "driverscan":
		r, err := driverScan(s)
		return r, true, err
	}
	return client.Result{}, false, nil
}

func driverScan(s client.Spec) (client.Result, error) {
	c, err := oursConnector(s)
	if err != nil {
		return client.Result{}, err
	}
	defer c.Close()
	ctx := context.Background()
	cn, err := c.Connect(ctx)
	if err != nil {
		return client.Result{}, err
	}
	defer cn.Close()
	q, ok := cn.(sqldriver.QueryerContext)
	if !ok {
		return client.Result{}, errors.New("conn is not a QueryerContext")
	}
	return client.Measure(func() (int64, float64, error) {
		start := time.Now()
		rows, err := q.QueryContext(ctx, s.Query, nil)
		if err != nil {
			return 0, 0, err
		}
		defer rows.Close()
		dest := make([]sqldriver.Value, len(rows.Columns()))
		var n int64
		var ttfr float64
		for {
			err := rows.Next(dest)
			if errors.Is(err, io.EOF) {
				return n, ttfr, nil
			}
			if err != nil {
				return n, ttfr, err
			}
			if n == 0 {
				ttfr = time.Since(start).Seconds()
			}
			n++
		}
	})
}
