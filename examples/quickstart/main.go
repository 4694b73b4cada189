package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/asyncsql/databricks/driver"
)

func main() {
	dsn, err := dsnFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	if err := run(context.Background(), dsn); err != nil {
		log.Fatal(err)
	}
}

// dsnFromEnv builds the DSN from the environment without ever printing the token.
func dsnFromEnv() (string, error) {
	if dsn := os.Getenv("DATABRICKS_DSN"); dsn != "" {
		return dsn, nil
	}
	host, path, token := os.Getenv("DATABRICKS_HOST"), os.Getenv("DATABRICKS_HTTP_PATH"), os.Getenv("DATABRICKS_TOKEN")
	if host == "" || path == "" || token == "" {
		return "", errors.New("set DATABRICKS_DSN, or DATABRICKS_HOST, DATABRICKS_HTTP_PATH and DATABRICKS_TOKEN")
	}
	cfg := driver.NewConfig()
	cfg.Host = host
	if h, p, ok := splitHostPort(host); ok {
		cfg.Host, cfg.Port = h, p
	}
	cfg.HTTPPath = path
	cfg.AccessToken = driver.NewSecret(token)
	return cfg.FormatDSN(), nil
}

func run(ctx context.Context, dsn string) error {
	db, err := sql.Open("databricks", dsn)
	if err != nil {
		return err
	}
	defer db.Close()

	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	if _, err := db.ExecContext(ctx, `CREATE TEMPORARY TABLE IF NOT EXISTS quickstart_trips (
		id BIGINT, city STRING, fare DECIMAL(10,2), started TIMESTAMP)`); err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	trips := []struct {
		id   int64
		city string
		fare driver.Decimal
		at   time.Time
	}{
		{1, "Amsterdam", mustDecimal("12.50"), time.Date(2026, 11, 25, 8, 30, 0, 0, time.UTC)},
		{2, "Lisbon", mustDecimal("7.25"), time.Date(2026, 11, 25, 9, 5, 0, 0, time.UTC)},
		{3, "Osaka", mustDecimal("31.00"), time.Date(2026, 11, 25, 10, 45, 0, 0, time.UTC)},
	}
	for _, t := range trips {
		res, err := db.ExecContext(ctx, `INSERT INTO quickstart_trips VALUES (?, ?, ?, ?)`, t.id, t.city, t.fare, t.at)
		if err != nil {
			return fmt.Errorf("insert %d: %w", t.id, err)
		}
		if n, err := res.RowsAffected(); err == nil {
			fmt.Printf("inserted trip %d (%d row)\n", t.id, n)
		}
	}

	var statementID string
	qctx := driver.WithStatementIDCallback(ctx, func(id string) { statementID = id })
	rows, err := db.QueryContext(qctx,
		`SELECT id, city, fare, started FROM quickstart_trips WHERE fare > :min ORDER BY id`,
		sql.Named("min", mustDecimal("5")))
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	fmt.Printf("statement %s\n", statementID)
	for rows.Next() {
		var (
			id      int64
			city    string
			fare    driver.Decimal
			started time.Time
		)
		if err := rows.Scan(&id, &city, &fare, &started); err != nil {
			return err
		}
		fmt.Printf("%d  %-10s %8s  %s\n", id, city, fare, started.Format(time.RFC3339))
	}
	return rows.Err()
}

func mustDecimal(s string) driver.Decimal {
	d, err := driver.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// splitHostPort splits "host:port" when a numeric port is present.
func splitHostPort(hostport string) (string, int, bool) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", 0, false
	}
	n, err := strconv.Atoi(port)
	return host, n, err == nil
}
